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

/// A valid if-else: a webhook, `builtin:BasicIfElse` with a `condition` and an `else` branch,
/// then `builtin:BasicMerge` (the shape of Make's published if-else-merge pattern).
fn if_else_sample() -> Value {
    let set = |id: u32, y: i64| {
        json!({
            "id": id, "module": "util:SetVariable2", "version": 1, "parameters": {},
            "mapper": {"name": "v", "scope": "roundtrip", "value": "{{1.kind}}"},
            "metadata": {"designer": {"x": 600, "y": y}},
        })
    };
    json!({
        "name": "if-else",
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "version": 1, "parameters": {},
             "mapper": {}, "metadata": {"designer": {"x": 0, "y": 0}}},
            {"id": 2, "module": "builtin:BasicIfElse", "version": 1, "mapper": null,
             "branches": [
                {"type": "condition", "label": "a",
                 "conditions": [[{"a": "{{1.kind}}", "o": "text:equal", "b": "a"}]],
                 "merge": true, "flow": [set(3, 0)]},
                {"type": "else", "merge": true, "flow": [set(4, 300)]},
             ],
             "metadata": {"designer": {"x": 300, "y": 0}}},
            {"id": 5, "module": "builtin:BasicMerge", "version": 1, "mapper": null,
             "outputs": [{"name": "v", "mappings": ["{{3.v}}", "{{4.v}}"]}],
             "metadata": {"designer": {"x": 900, "y": 0}}},
        ],
        "metadata": {
            "version": 1,
            "scenario": {"roundtrips": 1, "maxErrors": 3, "autoCommit": true,
                         "autoCommitTriggerLast": true, "freshVariables": false},
            "designer": {"orphans": []},
        },
    })
}

#[test]
fn a_valid_if_else_passes_the_validator() {
    assert_eq!(validate::validate(&if_else_sample()), Vec::<String>::new());
}

type Mutation = fn(&mut Value);

/// Mutations of refund's intake (or, for the if-else rules, of `if_else_sample`), each
/// breaking one rule; every rule has at least one.
const MUTATIONS: &[(&str, Mutation)] = &[
    ("top-level-keys", |bp| {
        bp["scheduling"] = json!({"type": "immediately"});
    }),
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
    ("designer-layout", |bp| {
        bp["flow"][1]["metadata"]["designer"]["x"] = json!(0);
    }),
    ("designer-layout", |bp| {
        let routes = router(bp)["routes"].as_array_mut().expect("routes");
        let y = routes[0]["flow"][0]["metadata"]["designer"]["y"].clone();
        routes[1]["flow"][0]["metadata"]["designer"]["y"] = y;
    }),
    ("designer-layout", |bp| {
        let r = router(bp);
        let x = r["metadata"]["designer"]["x"].clone();
        r["routes"][0]["flow"][0]["metadata"]["designer"]["x"] = x;
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
    ("filter-shape", |bp| {
        router(bp)["routes"][0]["flow"][0]["filter"] =
            json!({"name": "x", "conditions": [[{"a": "1", "o": "equals", "b": "1"}]]});
    }),
    ("first-module-filter", |bp| {
        bp["flow"][0]["filter"] =
            json!({"name": "x", "conditions": [[{"a": "1", "o": "text:equal", "b": "1"}]]});
    }),
    ("if-else-shape", |bp| {
        *bp = if_else_sample();
        bp["flow"][1]["mapper"] = json!({});
    }),
    ("if-else-shape", |bp| {
        *bp = if_else_sample();
        bp["flow"][1]["branches"][1]["conditions"] = json!([[{"a": "1", "o": "exist"}]]);
    }),
    ("if-else-one-else", |bp| {
        *bp = if_else_sample();
        let first = &mut bp["flow"][1]["branches"][0];
        first["type"] = json!("else");
        first.as_object_mut().expect("branch").remove("conditions");
    }),
    ("if-else-empty-branch", |bp| {
        *bp = if_else_sample();
        bp["flow"][1]["branches"][1]["flow"] = json!([]);
    }),
    ("if-else-empty-branch", |bp| {
        *bp = if_else_sample();
        bp["flow"][1]["branches"][0]["conditions"] = json!([]);
    }),
    ("if-else-no-branching", |bp| {
        *bp = if_else_sample();
        let inner = bp["flow"][1]["branches"][0]["flow"][0].clone();
        bp["flow"][1]["branches"][0]["flow"][0] = json!({
            "id": 6, "module": "builtin:BasicRouter", "version": 1, "mapper": null,
            "routes": [{"flow": [inner]}],
            "metadata": {"designer": {"x": 450, "y": 0}},
        });
    }),
    ("if-else-merge", |bp| {
        *bp = if_else_sample();
        bp["flow"].as_array_mut().expect("flow").pop();
    }),
    ("if-else-merge", |bp| {
        *bp = if_else_sample();
        bp["flow"][1]["module"] = json!("util:SetVariable2");
    }),
    ("reference", |bp| {
        bp["flow"][2]["mapper"]["value"] = json!("{{999.x}}");
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
    ("binding", |bp| {
        bp["flow"][2]["parameters"]["account"] = json!(12345);
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
    let mut rules: Vec<&str> = MUTATIONS.iter().map(|(r, _)| *r).collect();
    rules.dedup();
    assert_eq!(
        rules,
        validate::RULES,
        "every rule has a mutation, in order"
    );
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

/// A handoff with an `sla` into a person's step that also needs an approval: the approval
/// comes first, and the task stored after it still carries the handoff's deadline and fallback.
const SLA_AFTER_APPROVAL: &str = r#"
actor bot: system
actor boss: human { can approve  inbox email "boss@example.com" }
actor clerk: human { fallback boss  inbox email "clerk@example.com" }
workflow settle_claim {
  owner boss
  context { amount: money  note: text }
  trigger claim: webhook "/claim" { provides amount }
  step prepare { owner bot  needs amount  provides note  reversible }
  step settle { owner clerk  needs amount, note  approve by boss within 1d }
  flow claim -> prepare
  handoff prepare -> settle { carries amount, note  sla 4h  fallback boss }
}
"#;

/// The records a blueprint stores (`datastore:AddRecord` mappers), in flow order.
fn stored(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if m.get("module").and_then(Value::as_str) == Some("datastore:AddRecord") {
                out.push(m["mapper"].clone());
            }
            m.values().for_each(|i| stored(i, out));
        }
        Value::Array(items) => items.iter().for_each(|i| stored(i, out)),
        _ => {}
    }
}

#[test]
fn the_sla_of_a_handoff_survives_the_approval_before_the_task() {
    let parts = compile(SLA_AFTER_APPROVAL);
    let (_, after) = parts
        .iter()
        .find(|(_, s)| s.file == "2-after-approval-by-boss-of-settle.json")
        .expect("the part after the approval");
    let doc: Value = serde_json::from_str(&after.json).expect("JSON");
    let mut records = Vec::new();
    stored(&doc, &mut records);
    let task = records
        .iter()
        .find(|r| r["data"]["handoff_part"] == "3")
        .expect("the approved branch stores the clerk's task for part 3");
    assert_eq!(task["data"]["handoff_due"], "{{addSeconds(now; 14400)}}");
    assert_eq!(task["data"]["handoff_fallback"], "boss");
    insta::assert_snapshot!("make_sla_after_approval", after.json);
}

/// `charge` fails after `reserve` (compensable by `release`) completed in the same part.
const COMPENSATION: &str = r#"
actor sys: system
workflow book_trip {
  context { trip: text  hotel: text }
  trigger order: webhook "/order" { provides trip }
  step reserve { owner sys  needs trip  provides hotel  compensable by release }
  step release { owner sys  needs trip  reversible }
  step charge { owner sys  needs hotel }
  flow order -> reserve -> charge
}
"#;

#[test]
fn a_failure_after_a_compensable_step_compensates_then_ends() {
    let parts = compile(COMPENSATION);
    let doc: Value = serde_json::from_str(&parts[0].1.json).expect("JSON");
    let handlers: Vec<Vec<(String, String)>> = doc["flow"]
        .as_array()
        .expect("flow")
        .iter()
        .filter_map(|m| m.get("onerror").and_then(Value::as_array))
        .map(|h| {
            h.iter()
                .map(|m| {
                    (
                        m["module"].as_str().expect("module").to_owned(),
                        m["metadata"]["designer"]["name"]
                            .as_str()
                            .expect("name")
                            .to_owned(),
                    )
                })
                .collect()
        })
        .collect();
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(
        handlers,
        vec![
            // `reserve` itself fails: nothing to undo yet; the owner decides.
            owned(&[
                ("http:MakeRequest", "audit: error"),
                ("builtin:Break", "stop for the owner (not retried)"),
            ]),
            // `charge` fails: `release` undoes `reserve`, then the run ends.
            owned(&[
                ("http:MakeRequest", "audit: error"),
                ("http:MakeRequest", "audit: compensation"),
                ("http:MakeRequest", "undo reserve with release"),
                ("builtin:Ignore", "end after compensating"),
            ]),
        ]
    );
    assert_eq!(validate::validate(&doc), Vec::<String>::new());
}
