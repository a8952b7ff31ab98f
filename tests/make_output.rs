//! The Make target: snapshots of every example's blueprints, the structural validator on every
//! one of them, one negative test per validator rule, determinism, and the injection cases.

mod common;

use std::path::Path;

use handoff::check::{Analysis, Settings};
use handoff::emit::make::{emit, escape, validate, Scenario};
use serde_json::{json, Value};

/// Every scenario of every workflow of a source, as `(workflow, scenario)`.
fn compile(source: &str) -> Vec<(String, Scenario)> {
    let checked = common::checked_without_errors(source);
    let settings = Settings::default();
    let mut out = Vec::new();
    for wf in &checked.module.workflows {
        let analysis = Analysis::new(wf, &settings);
        for s in emit(&analysis).expect("the output passes its own validation") {
            out.push((wf.name.text.clone(), s));
        }
    }
    out
}

fn examples() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "handoff"))
        .collect();
    files.sort();
    files
}

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
    )
    .expect("readable")
}

#[test]
fn every_example_compiles_and_matches_its_snapshots() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        for (wf, s) in compile(&source) {
            let file = s.file.trim_end_matches(".json");
            insta::assert_snapshot!(format!("make_{wf}__{file}"), s.json);
        }
    }
}

#[test]
fn every_blueprint_of_every_example_passes_the_validator() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        let parts = compile(&source);
        assert!(
            parts.len() >= 2,
            "{}: at least a part and a sweep",
            path.display()
        );
        for (wf, s) in parts {
            let doc: Value = serde_json::from_str(&s.json).expect("JSON");
            assert_eq!(
                validate::validate(&doc),
                Vec::<String>::new(),
                "{wf}/{}",
                s.file
            );
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        let a: Vec<(String, String, String)> = compile(&source)
            .into_iter()
            .map(|(w, s)| (w, s.file, s.json))
            .collect();
        let b: Vec<(String, String, String)> = compile(&source)
            .into_iter()
            .map(|(w, s)| (w, s.file, s.json))
            .collect();
        assert_eq!(a, b);
    }
}

#[test]
fn a_person_splits_the_scenario_into_named_parts() {
    let names: Vec<String> = compile(&example("refund.handoff"))
        .into_iter()
        .map(|(_, s)| {
            let doc: Value = serde_json::from_str(&s.json).expect("JSON");
            doc["name"].as_str().expect("name").to_owned()
        })
        .collect();
    assert_eq!(names[0], "refund · 1 intake");
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("after approval by finance_lead of pay")),
        "{names:#?}"
    );
    assert!(
        names.iter().any(|n| n == "refund · SLA sweep"),
        "{names:#?}"
    );
}

/// The blueprint of refund's continuation after `check_order`: a router, filters, a split.
fn sample() -> Value {
    let parts = compile(&example("refund.handoff"));
    let (_, s) = parts
        .iter()
        .find(|(_, s)| s.file == "3-after-check-order.json")
        .expect("part 3");
    serde_json::from_str(&s.json).expect("JSON")
}

/// The intake of refund: an implementation call with an `onerror` handler.
fn intake() -> Value {
    let parts = compile(&example("refund.handoff"));
    serde_json::from_str(&parts[0].1.json).expect("JSON")
}

fn router(bp: &mut Value) -> &mut Value {
    bp["flow"]
        .as_array_mut()
        .expect("flow")
        .iter_mut()
        .find(|m| m["module"] == "builtin:BasicRouter")
        .expect("a router")
}

fn with_onerror(bp: &mut Value) -> &mut Value {
    bp["flow"]
        .as_array_mut()
        .expect("flow")
        .iter_mut()
        .find(|m| m.get("onerror").is_some())
        .expect("a module with onerror")
}

type Mutation = fn(&mut Value);

/// One mutation per rule of the validator, each breaking exactly that rule.
const MUTATIONS: &[(&str, Mutation)] = &[
    ("name", |bp| {
        bp["name"] = json!("x".repeat(121));
    }),
    ("flow-non-empty", |bp| {
        bp["flow"] = json!([]);
    }),
    ("metadata-version", |bp| {
        bp["metadata"]["version"] = json!(2);
    }),
    ("scenario-settings", |bp| {
        bp["metadata"]["scenario"]
            .as_object_mut()
            .expect("scenario")
            .remove("roundtrips");
    }),
    ("designer-orphans", |bp| {
        bp["metadata"]["designer"]["orphans"] = json!([{"id": 99}]);
    }),
    ("module-id", |bp| {
        bp["flow"][1]["id"] = json!(0);
    }),
    ("unique-ids", |bp| {
        bp["flow"][1]["id"] = json!(1);
    }),
    ("module-name", |bp| {
        bp["flow"][1]["module"] = json!("Gateway:Webhook Respond");
    }),
    ("module-version", |bp| {
        bp["flow"][1]["version"] = json!(-1);
    }),
    ("known-module", |bp| {
        bp["flow"][1]["version"] = json!(9);
    }),
    ("designer-place", |bp| {
        bp["flow"][1]["metadata"]["designer"]
            .as_object_mut()
            .expect("designer")
            .remove("y");
    }),
    ("router-mapper", |bp| router(bp)["mapper"] = json!({})),
    ("router-routes", |bp| {
        router(bp)["routes"][0]["flow"] = json!([]);
    }),
    ("filter-on-router", |bp| {
        router(bp)["filter"] =
            json!({"name": "x", "conditions": [[{"a": "1", "o": "text:equal", "b": "1"}]]});
    }),
    ("filter-shape", |bp| {
        router(bp)["routes"][0]["flow"][0]["filter"] =
            json!({"name": "x", "conditions": [{"a": "1"}]});
    }),
    ("first-module-filter", |bp| {
        bp["flow"][0]["filter"] =
            json!({"name": "x", "conditions": [[{"a": "1", "o": "text:equal", "b": "1"}]]});
    }),
    ("reference", |bp| {
        bp["flow"][2]["mapper"]["variables"][0]["value"] = json!("{{999.x}}");
    }),
    ("onerror", |bp| {
        let m = with_onerror(bp);
        let last = m["onerror"]
            .as_array_mut()
            .expect("onerror")
            .last_mut()
            .expect("handler");
        last["module"] = json!("builtin:BasicRouter");
    }),
    ("binding", |bp| {
        bp["flow"][0]["parameters"]["hook"] = json!(12345);
    }),
    ("placeholder", |bp| {
        bp["flow"][1]["module"] = json!("placeholder:Placeholder");
    }),
    ("exporter-metadata", |bp| {
        bp["flow"][1]["metadata"]["restore"] = json!({});
    }),
];

#[test]
fn every_validator_rule_catches_its_violation() {
    let rules: Vec<&str> = MUTATIONS.iter().map(|(r, _)| *r).collect();
    assert_eq!(rules, validate::RULES, "one mutation per rule, in order");
    for (rule, mutate) in MUTATIONS {
        {
            // refund's intake has every kind of module the rules are about: a router with
            // filtered routes, an implementation call with `onerror`, a webhook, context.
            let mut bp = intake();
            mutate(&mut bp);
            let problems = validate::validate(&bp);
            assert!(
                problems.iter().any(|p| p.starts_with(&format!("{rule}: "))),
                "{rule} did not fire: {problems:#?}"
            );
        }
    }
}

#[test]
fn bindings_users_attach_after_import_are_rejected() {
    let mut bp = intake();
    bp["flow"][2]["parameters"]["__IMTCONN__"] = json!(1);
    assert!(validate::validate(&bp)
        .iter()
        .any(|p| p.starts_with("binding: ")));
    let mut bp = sample();
    let store = router(&mut bp)["routes"][0]["flow"]
        .as_array_mut()
        .expect("route")
        .iter_mut()
        .find(|m| m["module"] == "datastore:AddRecord")
        .expect("the split stores the context");
    store["parameters"]["datastore"] = json!(42);
    assert!(validate::validate(&bp)
        .iter()
        .any(|p| p.starts_with("binding: ")));
}

const INJECTION: &str = r##"
actor bot: ai
actor agent: human {
  title "{{1.field}} \"quoted\"\nnew line ünï"
  inbox email "x{{now}}y@example.com"
  inbox slack "#ops{{1.field}}"
}
workflow injection {
  title "X{{now}}Y \"q\" \n ünïcödé"
  owner agent
  customer_facing
  customer mail
  /// {{1.field}} title of brief
  context { brief: summary  tier: enum(a, b)  mail: email  note: text }
  trigger hook: webhook "/x{{now}}" { provides tier, mail, note }
  step s {
    title "{{1.field}}"
    owner bot
    needs tier, note
    provides brief
    uses "impl{{now}}\"q\"/é"
    reversible
    escalate to agent when note == "{{1.field}}" or confidence < 0.5 {
      carries tier, note, brief, mail
      sla 5m
      notify "X{{now}}Y and {{1.field}} and }} and \"quoted\"\nnew line ✓"
    }
  }
  step t { owner agent needs brief uses "desk{{1.field}}" }
  step u { owner agent needs brief }
  flow hook -> s
  handoff s -> t when tier == a {
    carries brief, mail
    sla 1h
    notify "{{{{1.field}}}}"
  }
  handoff s -> u otherwise { carries brief, mail sla 1h notify "{{ 1 }}" }
}
"##;

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

/// The formulas the compiler itself writes: module references, `now`, `uuid`, a deadline, the
/// error of a failed module, and
/// the escaped literal brace.
fn compiler_formula(f: &str) -> bool {
    let inner = &f[2..f.len() - 2];
    if matches!(inner, "now" | "uuid" | "\"{\"" | "error.message") {
        return true;
    }
    if let Some(rest) = inner.strip_prefix("addSeconds(now; ") {
        return rest
            .strip_suffix(')')
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
    }
    let Some((id, path)) = inner.split_once('.') else {
        return false;
    };
    id.chars().all(|c| c.is_ascii_digit())
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

#[test]
fn source_text_never_becomes_a_formula() {
    let parts = compile(INJECTION);
    let mut all = String::new();
    for (_, s) in &parts {
        let doc: Value = serde_json::from_str(&s.json).expect("JSON");
        let mut found = Vec::new();
        strings(&doc, &mut found);
        for text in found {
            all.push_str(text);
            all.push('\n');
            // Every `{{` in the output opens a formula the compiler wrote.
            let mut rest = text;
            while let Some(start) = rest.find("{{") {
                let end = rest[start..]
                    .find("}}")
                    .map(|e| start + e + 2)
                    .expect("closed");
                let formula = &rest[start..end];
                assert!(compiler_formula(formula), "`{formula}` in {text:?}");
                rest = &rest[end..];
            }
        }
    }
    // The source's strings are in the output, escaped, and none of them raw.
    for raw in ["X{{now}}Y", "impl{{now}}", "x{{now}}y", "{{{{1.field}}}}"] {
        assert!(!all.contains(raw), "{raw} is in the output raw");
    }
    for inert in [
        // Customer notices go out as the HTML of an email.
        escape::html("X{{now}}Y and {{1.field}} and }} and \"quoted\"\nnew line ✓"),
        escape::text("x{{now}}y@example.com"),
        escape::text("#ops{{1.field}}"),
        escape::text("{{1.field}}"),
        escape::text("{{{{1.field}}}}"),
    ] {
        assert!(all.contains(&inert), "{inert} is missing");
    }
    assert!(
        all.contains("impl%7B%7Bnow%7D%7D%22q%22%2F%C3%A9"),
        "the implementation's URL"
    );
}
