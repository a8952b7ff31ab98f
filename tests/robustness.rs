//! Inputs found by fuzzing and by people writing real workflows, kept as regressions: every
//! clean file builds, the context analysis explains every loss with a path, and the work per
//! suggestion, per rendered diagnostic and per step of the context fixpoint is bounded. These
//! tests assert results, never times (speed is measured by `bench/run.py`); a return of the old
//! quadratic or cubic behaviour shows as a test that takes minutes.

mod common;

use handoff::check::{Analysis, Settings};
use handoff::diagnostics::Severity;
use handoff::emit::n8n::{emit, Options};

fn codes(source: &str) -> Vec<&'static str> {
    handoff::check_source(source)
        .diagnostics
        .iter()
        .map(handoff::diagnostics::Diagnostic::code)
        .collect()
}

/// An actor named `Triggers`, and steps and triggers named like the nodes the emitter
/// generates, or like parts of them: a clean file must build.
#[test]
fn adversarial_names_build() {
    let source = r#"
workflow lane {
  owner Triggers
  actor Triggers: human { can approve  inbox email "t@example.com" }
  actor lane: team { fallback Triggers  inbox email "l@example.com" }
  actor bot: ai
  context { context: text  route: number  result: text }
  trigger Test: manual { provides context, route }
  step handoff { owner bot needs context provides result }
  step notify { owner lane needs result }
  step Test_start { owner lane needs context }
  step route { owner Triggers needs context, route reversible approve by Triggers else notify }
  flow Test -> handoff
  handoff handoff -> notify when route > 1 { carries result, context  sla 1h }
  handoff handoff -> route otherwise { carries context, route, result  sla 1h }
  flow notify -> Test_start
}
"#;
    let checked = handoff::check_source(source);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let settings = Settings::default();
    for wf in &checked.module.workflows {
        let analysis = Analysis::new(wf, &settings);
        let json = emit(&analysis, &Options::default());
        let json = json
            .unwrap_or_else(|problems| panic!("{problems:#?}"))
            .orchestration;
        let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let names: Vec<&str> = doc["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|n| n["name"].as_str())
            .collect();
        let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{names:#?}");
        assert!(names.contains(&"lane Triggers") && names.contains(&"lane · triggers"));
    }
}

/// §4 of contract 1.1: an escalation shows its target only its `carries`, and the work keeps
/// its context: the successors still receive `avail_in ∪ provides`.
#[test]
fn escalations_do_not_cut_the_context_that_continues() {
    let source = r#"
workflow chats {
  owner lead
  actor lead: human { can sensitive  inbox email "lead@example.com" }
  actor bot: ai
  context { question: text  locale: text  brief: summary }
  trigger chat: webhook "/chat" { provides question, locale }
  step reply {
    owner bot
    needs question
    provides brief
    escalate to lead when confidence < 0.5 { carries question  sla 5m }
  }
  step close { owner bot needs question, locale, brief }
  flow chat -> reply -> close
}
"#;
    let codes = codes(source);
    assert!(!codes.contains(&"E301"), "{codes:?}");
}

/// 8,000 steps linked forward and backward, the context lost at the far end: the absence
/// travels back step by step, which cost one full pass per step before the worklist.
#[test]
fn backward_propagation_through_a_long_two_way_chain_is_exact() {
    let n = 8_000;
    let mut s = String::from("workflow w {\n  owner o\n  actor o: human\n  context { f: text }\n");
    s.push_str("  trigger t: webhook \"/t\" { provides f }\n");
    for i in 0..n {
        let needs = if i == 0 { " needs f" } else { "" };
        s.push_str(&format!("  step s{i} {{ owner o{needs} }}\n"));
    }
    s.push_str("  flow t -> s0\n");
    for i in 0..n - 1 {
        s.push_str(&format!("  flow s{i} -> s{} when f == \"a\"\n", i + 1));
        if i + 2 < n {
            s.push_str(&format!("  flow s{} -> s{i} otherwise\n", i + 1));
        }
    }
    // The last step goes back by a handoff, which drops `f` below.
    s.push_str(&format!(
        "  handoff s{} -> s{} {{ carries f }}\n",
        n - 1,
        n - 2
    ));
    s.push_str("}\n");
    // `f` stays available everywhere: the handoff carries it.
    let checked = handoff::check_source(&s);
    assert!(
        !checked.diagnostics.iter().any(|d| d.code() == "E301"),
        "{:#?}",
        checked.diagnostics.iter().find(|d| d.code() == "E301")
    );
    // Dropped at the far end, it is missing at the first step, with the whole path named.
    let dropped = s.replace(
        &format!("handoff s{} -> s{} {{ carries f }}", n - 1, n - 2),
        &format!("handoff s{} -> s{} {{ sla 1h }}", n - 1, n - 2),
    );
    let checked = handoff::check_source(&dropped);
    let e301: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code() == "E301")
        .collect();
    assert_eq!(e301.len(), 1, "{e301:#?}");
    assert!(
        e301[0].message.contains("on the path `t -> s0 -> s1 ->"),
        "{}",
        e301[0].message
    );
    assert!(e301[0].help.contains(&format!("s{} -> s{}", n - 1, n - 2)));
}

/// A 40,000-character misspelt name, and an enum member as long: no suggestion is searched
/// for names that long, and nothing quadratic runs.
#[test]
fn very_long_names_get_no_quadratic_suggestion() {
    let long = "x".repeat(40_000);
    let near = format!("{long}y");
    let source = format!(
        "workflow w {{\n  owner o\n  actor o: human\n  context {{ {long}: text  k: enum(a, {long}) }}\n  trigger t: manual {{ provides {long}, k }}\n  step s {{ owner o needs {near} }}\n  flow t -> s when k == {near}\n  step e {{ owner o }}\n  flow t -> e otherwise\n}}\n"
    );
    let checked = handoff::check_source(&source);
    let e101 = checked
        .diagnostics
        .iter()
        .find(|d| d.code() == "E101")
        .expect("E101");
    assert!(!e101.help.contains("did you mean"), "{}", e101.help);
    let e303 = checked
        .diagnostics
        .iter()
        .find(|d| d.code() == "E303")
        .expect("E303");
    assert!(!e303.help.contains("did you mean"));
    // A short misspelling still gets its suggestion.
    let short = codes_and_help(
        "workflow w {\n  owner o\n  actor o: human\n  context { question: text }\n  trigger t: manual { provides question }\n  step s { owner o needs questoin }\n  flow t -> s\n}\n",
    );
    assert!(
        short
            .iter()
            .any(|(c, h)| *c == "E101" && h.contains("`question`")),
        "{short:?}"
    );
}

fn codes_and_help(source: &str) -> Vec<(&'static str, String)> {
    handoff::check_source(source)
        .diagnostics
        .iter()
        .map(|d| (d.code(), d.help.clone()))
        .collect()
}

/// 10,000 diagnostics render with the line index; each quotes its own line.
#[test]
fn many_diagnostics_render_each_at_its_line() {
    let n = 10_000;
    let mut s = String::from("workflow w {\n  owner o\n  actor o: human\n  trigger t: manual\n");
    for i in 0..n {
        s.push_str(&format!("  step s{i} {{ owner nobody{i} }}\n"));
        s.push_str(&format!("  flow t -> s{i}\n"));
    }
    s.push_str("}\n");
    let checked = handoff::check_source(&s);
    let text = common::human("big.handoff", &s, &checked.diagnostics);
    // The last step's diagnostic points at its own line.
    let last_line = 4 + 2 * (n - 1) + 1;
    assert!(
        text.contains(&format!("[big.handoff:{last_line}:")),
        "{}",
        &text[text.len().saturating_sub(2_000)..]
    );
}

/// Labels 50 lines apart are quoted each with its own lines, not the lines between them.
#[test]
fn distant_labels_are_quoted_apart() {
    let mut s = String::from(
        "workflow far {\n  actor bot: ai\n  actor sales: team\n  context { email: email  brief: summary }\n  trigger inbound: webhook \"/leads\" { provides email }\n  step qualify { owner bot needs email provides brief }\n  handoff qualify -> call { carries brief  sla 1h  fallback sales }\n",
    );
    for i in 0..50 {
        s.push_str(&format!("  // filler {i}\n"));
    }
    s.push_str("  step call { owner sales needs email, brief }\n  flow inbound -> qualify\n}\n");
    let checked = handoff::check_source(&s);
    let text = common::human("far.handoff", &s, &checked.diagnostics);
    assert!(text.contains("E301"), "{text}");
    assert!(
        text.contains("filler 0") && text.contains("filler 49"),
        "{text}"
    );
    assert!(!text.contains("filler 25"), "{text}");
}
