//! The IR target (`handoff-ir`): snapshots of every example's document, determinism, the
//! committed JSON Schema (fresh, and every example valid against it), escaping, the library
//! entry point and `handoff build --target ir`.
//!
//! Regenerate the committed schema after changing `src/model/`:
//! `UPDATE_SCHEMA=1 cargo test --test ir_output`.

use std::path::{Path, PathBuf};
use std::process::Command;

use handoff::model::{self, Document};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "handoff"))
        .collect();
    files.sort();
    files
}

/// The documents of one example, as JSON text, with spans naming `examples/NAME.handoff`.
fn compile(path: &Path) -> Vec<(String, String)> {
    let source = std::fs::read_to_string(path).expect("readable");
    let name = format!(
        "examples/{}",
        path.file_name().expect("a file").to_string_lossy()
    );
    let compiled = handoff::compile(&source, &handoff::Options::new(name));
    assert!(!compiled.has_errors(), "{:#?}", compiled.diagnostics);
    assert!(!compiled.workflows.is_empty());
    compiled
        .workflows
        .iter()
        .map(|d| (d.workflow.name.to_string(), model::to_json(d)))
        .collect()
}

fn schema_path() -> PathBuf {
    root().join("schema/handoff-ir.schema.json")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_path()).expect("schema/handoff-ir.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::meta::validate(&schema).expect("the schema is a valid JSON Schema");
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn every_example_matches_its_snapshot() {
    for path in examples() {
        for (name, json) in compile(&path) {
            insta::assert_snapshot!(format!("ir_{name}"), json);
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    for path in examples() {
        assert_eq!(compile(&path), compile(&path));
    }
}

#[test]
fn committed_schema_is_up_to_date() {
    let fresh = model::schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(root().join("schema")).expect("schema/");
        std::fs::write(schema_path(), &fresh).expect("write the schema");
    }
    let committed = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        committed == fresh,
        "schema/handoff-ir.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test --test ir_output` and commit it"
    );
    let schema: Value = serde_json::from_str(&fresh).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

#[test]
fn every_example_validates_against_the_committed_schema() {
    let validator = validator();
    for path in examples() {
        for (name, json) in compile(&path) {
            let doc: Value = serde_json::from_str(&json).expect("JSON");
            let problems = errors(&validator, &doc);
            assert!(problems.is_empty(), "{name}: {problems:#?}");
            // And a Rust tool reads the same document back.
            let back: Document = serde_json::from_value(doc).expect("deserializes");
            assert_eq!(model::to_json(&back), json);
        }
    }
}

#[test]
fn the_schema_rejects_documents_of_another_shape() {
    let validator = validator();
    let (_, json) = compile(&examples()[0]).remove(0);
    let doc: Value = serde_json::from_str(&json).expect("JSON");
    let mut no_steps = doc.clone();
    no_steps.as_object_mut().expect("object").remove("steps");
    assert!(!errors(&validator, &no_steps).is_empty());
    let mut bad_kind = doc.clone();
    bad_kind["actors"][0]["kind"] = Value::from("robot");
    assert!(!errors(&validator, &bad_kind).is_empty());
    let mut bad_span = doc;
    bad_span["workflow"]["span"]["line"] = Value::from("one");
    assert!(!errors(&validator, &bad_span).is_empty());
}

const INJECTION: &str = r#"actor bot: ai { can x }
actor agent: human { can approve, sensitive  inbox email "a\"b@example.com" }
/// Doc with "quotes", {{ braces }}, ${x} and a
/// second line; ünïcødé ✓
workflow injection {
  title "={{ $env.HOME }}"
  version "1.0\n\"beta\""
  owner agent
  customer contact
  context { brief: summary  tier: enum(a, b)  contact: email }
  trigger hook: webhook "={{ $env.PATH }}/x" { provides tier, contact }
  trigger form_in: form "{{ $env.USER }}\"quoted\"\nnew line\u{1F600}" { provides tier, contact }
  step s {
    title "</script><script>alert(1)</script>"
    owner bot
    needs tier
    provides brief
    uses "impl \"quoted\" {{ x }}"
    escalate to agent when brief == "={{ $env.X }}" or confidence < 0.5 {
      carries tier, brief
      sla 5m
      notify "={{ $env.TOKEN }} and {{ 7*7 }} and }} and ${x}"
    }
  }
  step t { owner agent needs brief }
  step u { owner agent needs brief }
  flow hook -> s
  flow form_in -> s
  handoff s -> t when tier == a {
    carries brief
    sla 1h
    notify "line one\nline two\t\"tab\" \\ backslash"
    reason "ünïcødé ✓ {{ $json }}"
  }
  handoff s -> u otherwise { carries brief sla 1h notify "{{ 1 }}" }
}
"#;

#[test]
fn strings_from_the_source_stay_literal_json_strings() {
    let compiled = handoff::compile(INJECTION, &handoff::Options::new("in \"jection\".handoff"));
    assert!(!compiled.has_errors(), "{:#?}", compiled.diagnostics);
    let json = model::to_json(&compiled.workflows[0]);
    insta::assert_snapshot!("ir_injection", json);
    let doc: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(doc["workflow"]["title"], "={{ $env.HOME }}");
    assert_eq!(doc["workflow"]["customer"], "contact");
    assert_eq!(doc["workflow"]["version"], "1.0\n\"beta\"");
    assert_eq!(
        doc["workflow"]["doc"],
        "Doc with \"quotes\", {{ braces }}, ${x} and a\nsecond line; ünïcødé ✓"
    );
    assert_eq!(
        doc["triggers"][1]["argument"],
        "{{ $env.USER }}\"quoted\"\nnew line\u{1F600}"
    );
    assert_eq!(doc["steps"][0]["uses"], "impl \"quoted\" {{ x }}");
    assert_eq!(doc["steps"][0]["implementation"], "impl \"quoted\" {{ x }}");
    assert_eq!(
        doc["edges"][0]["notify"],
        "={{ $env.TOKEN }} and {{ 7*7 }} and }} and ${x}"
    );
    assert_eq!(
        doc["edges"][0]["condition"]["operands"][0]["right"]["value"],
        "={{ $env.X }}"
    );
    assert_eq!(
        doc["edges"][3]["notify"],
        "line one\nline two\t\"tab\" \\ backslash"
    );
    assert_eq!(
        doc["actors"][1]["inboxes"][0]["address"],
        "a\"b@example.com"
    );
    assert_eq!(doc["workflow"]["span"]["file"], "in \"jection\".handoff");
    let problems = errors(&validator(), &doc);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_model_resolves_fallbacks_contexts_and_crossings() {
    let compiled = handoff::compile(INJECTION, &handoff::Options::default());
    let doc = &compiled.workflows[0];
    // The escalation to `agent` has no fallback of its own, nor has `agent`: the workflow owner.
    let esc = &doc.edges[doc.steps[0].escalations[0]];
    assert_eq!(esc.kind, model::EdgeKind::Escalation);
    assert_eq!(esc.fallback.as_deref(), Some("agent"));
    assert_eq!(
        esc.fallback_from,
        Some(model::FallbackSource::WorkflowOwner)
    );
    assert_eq!(
        doc.steps[1].available_on_entry,
        [model::Name::from("brief")]
    );
    // `tier` is available after `s` but the handoffs carry only `brief`.
    let tier = &doc.fields[1];
    let statuses: Vec<_> = tier
        .crossings
        .iter()
        .map(|c| (doc.edges[c.edge].kind, c.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (model::EdgeKind::Escalation, model::CrossingStatus::Carried),
            (model::EdgeKind::Handoff, model::CrossingStatus::Dropped),
            (model::EdgeKind::Handoff, model::CrossingStatus::Dropped),
        ]
    );
    assert_eq!(doc.steps[1].implementation, "injection.t");
}

#[test]
fn a_source_with_errors_has_no_model() {
    let compiled = handoff::compile(
        "workflow w { step s { owner nobody } }",
        &handoff::Options::default(),
    );
    assert!(compiled.has_errors());
    assert!(compiled.workflows.is_empty());
}

#[test]
fn warnings_are_in_the_document() {
    // A handoff without an SLA into a person's step is W201.
    let source = r#"workflow w {
  owner p
  actor a: ai { can x }
  actor p: human { can approve  inbox email "p@example.com" }
  context { f: text }
  trigger go: manual { provides f }
  step one { owner a needs f reversible }
  step two { owner p needs f reversible }
  flow go -> one
  handoff one -> two { carries f }
}
"#;
    let compiled = handoff::compile(source, &handoff::Options::default());
    assert!(!compiled.has_errors(), "{:#?}", compiled.diagnostics);
    let warnings = &compiled.workflows[0].warnings;
    let codes: Vec<&str> = compiled
        .diagnostics
        .iter()
        .map(handoff::diagnostics::Diagnostic::code)
        .collect();
    assert!(!codes.is_empty());
    assert_eq!(
        warnings.iter().map(|w| w.code.as_str()).collect::<Vec<_>>(),
        codes
    );
    assert!(warnings
        .iter()
        .all(|w| w.severity == model::Severity::Warning));
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("handoff-ir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `handoff build INPUT --target ir -o OUT`.
fn build_ir(input: &str, out: &Path) -> std::process::Output {
    handoff(&[
        "build",
        input,
        "--target",
        "ir",
        "-o",
        out.to_str().expect("utf-8"),
    ])
}

/// A JSON file the build wrote.
fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("written")).expect("JSON")
}

fn handoff(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("runs")
}

#[test]
fn build_writes_one_document_per_workflow_and_an_index() {
    let out = scratch("dir");
    let run = build_ir("examples", &out);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let index = read_json(&out.join("index.json"));
    assert_eq!(index["format"]["name"], "handoff-ir");
    let entries = index["workflows"].as_array().expect("a list");
    assert_eq!(entries.len(), examples().len());
    for (entry, path) in entries.iter().zip(examples()) {
        let file = entry["file"].as_str().expect("file");
        let written = std::fs::read_to_string(out.join(file)).expect("written");
        let source = entry["source"].as_str().expect("source");
        assert_eq!(
            Path::new(source),
            Path::new("examples").join(path.file_name().expect("name"))
        );
        // The CLI writes what the library returns.
        let (_, json) = compile(&path).remove(0);
        assert_eq!(written, json);
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn build_of_one_workflow_writes_no_index() {
    let out = scratch("one");
    let run = build_ir("examples/refund.handoff", &out);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(out.join("refund.json").is_file());
    assert!(!out.join("index.json").exists());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_workflow_named_index_is_not_written_over_by_the_index() {
    let out = scratch("index");
    let source = out.with_extension("handoff");
    std::fs::write(
        &source,
        "actor bot: system\n\
         workflow a { trigger go: manual  step s { owner bot }  flow go -> s }\n\
         workflow index { trigger go: manual  step s { owner bot }  flow go -> s }\n",
    )
    .expect("written");
    let run = build_ir(source.to_str().expect("utf-8"), &out);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let index = read_json(&out.join("index.json"));
    let files: Vec<&str> = index["workflows"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["file"].as_str().expect("file"))
        .collect();
    assert_eq!(files, ["a.json", "index.workflow.json"]);
    let document = read_json(&out.join("index.workflow.json"));
    assert_eq!(document["workflow"]["name"], "index");
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_file(&source);
}

#[test]
fn build_writes_nothing_when_the_input_has_errors() {
    let dir = scratch("broken-in");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("ok.handoff"),
        std::fs::read(root().join("examples/refund.handoff")).expect("example"),
    )
    .expect("write");
    std::fs::write(
        dir.join("broken.handoff"),
        "workflow w { step s { owner nobody } }",
    )
    .expect("write");
    let out = scratch("broken-out");
    let run = build_ir(dir.to_str().expect("utf-8"), &out);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn build_refuses_two_workflows_that_would_share_a_file() {
    let dir = scratch("same-name-in");
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    let example = std::fs::read(root().join("examples/refund.handoff")).expect("example");
    std::fs::write(dir.join("a.handoff"), &example).expect("write");
    std::fs::write(dir.join("sub/b.handoff"), &example).expect("write");
    let out = scratch("same-name-out");
    let run = build_ir(dir.to_str().expect("utf-8"), &out);
    assert_eq!(run.status.code(), Some(2), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("`refund.json`"));
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_long_chain_and_deep_conditions_compile_to_an_ir() {
    // 20,000 steps in a chain, and a condition nested as deep as the parser accepts: the model
    // is built and serialized without deep recursion.
    let n = 20_000;
    let mut source = String::from(
        "workflow long {\n  owner p\n  actor p: human { can x  inbox email \"p@example.com\" }\n  context { f: number }\n  trigger go: manual { provides f }\n",
    );
    for i in 0..n {
        source.push_str(&format!("  step s{i} {{ owner p needs f reversible }}\n"));
    }
    source.push_str("  flow go -> s0\n");
    for i in 0..n - 1 {
        source.push_str(&format!("  flow s{i} -> s{}\n", i + 1));
    }
    let deep = format!("{}f > 1{}", "(not ".repeat(30), ")".repeat(30));
    source.push_str(&format!("  step end {{ owner p needs f reversible }}\n  step other {{ owner p needs f reversible }}\n  flow s{} -> end when {deep}\n  flow s{} -> other otherwise\n}}\n", n - 1, n - 1));
    let compiled = handoff::compile(&source, &handoff::Options::default());
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == handoff::diagnostics::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let doc = &compiled.workflows[0];
    assert_eq!(doc.steps.len(), n + 2);
    assert_eq!(doc.edges.len(), n + 2);
    let json = model::to_json(doc);
    let back: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(back["steps"][n]["available_on_entry"][0], "f");
    let mut condition = &back["edges"][n]["condition"];
    let mut depth = 0;
    while condition["op"] == "not" {
        condition = &condition["operand"];
        depth += 1;
    }
    assert_eq!(depth, 30);
    assert_eq!(condition["op"], "compare");
}
