//! The n8n target: snapshots of every example's output, determinism, escaping, and the
//! self-checks of the emitted JSON. (Running the output in real n8n is `tests/n8n/harness.py`.)

mod common;

use std::path::Path;

use handoff::check::{Analysis, Settings};
use handoff::emit::n8n::{emit, js_string, plain, Options, Profile, NODE_TYPES};
use serde_json::Value;

/// Per workflow: its name, the orchestration, and its intakes and implementations (file, then
/// JSON) as one text.
fn compile(source: &str, options: &Options) -> Vec<(String, String, String)> {
    let checked = common::checked_without_errors(source);
    let settings = Settings::default();
    checked
        .module
        .workflows
        .iter()
        .map(|wf| {
            let analysis = Analysis::new(wf, &settings);
            let output = emit(&analysis, options).expect("valid output");
            let implementations: String = output
                .intakes
                .iter()
                .map(|(file, json)| format!("== {file} (intake)\n{json}"))
                .chain(std::iter::once(format!(
                    "== {} (error workflow)\n{}",
                    output.errors.0, output.errors.1
                )))
                .chain(
                    output
                        .implementations
                        .iter()
                        .map(|i| format!("== {} ({})\n{}", i.file, i.name, i.json)),
                )
                .collect();
            (wf.name.text.clone(), output.orchestration, implementations)
        })
        .collect()
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

#[test]
fn every_example_compiles_and_matches_its_snapshot() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        for (name, json, implementations) in compile(&source, &Options::default()) {
            insta::assert_snapshot!(format!("n8n_{name}"), json);
            insta::assert_snapshot!(format!("n8n_{name}_implementations"), implementations);
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(
            compile(&source, &Options::default()),
            compile(&source, &Options::default())
        );
    }
}

#[test]
fn output_has_the_shape_of_an_n8n_export() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        for (_, json, _) in compile(&source, &Options::default()) {
            let doc: Value = serde_json::from_str(&json).expect("JSON");
            for key in [
                "name",
                "nodes",
                "connections",
                "settings",
                "pinData",
                "meta",
                "tags",
                "active",
                "id",
            ] {
                assert!(doc.get(key).is_some(), "missing `{key}`");
            }
            assert_eq!(doc["settings"]["executionOrder"], "v1");
            assert_eq!(doc["active"], false);
            let nodes = doc["nodes"].as_array().expect("nodes");
            let names: std::collections::HashSet<&str> = nodes
                .iter()
                .map(|n| n["name"].as_str().expect("name"))
                .collect();
            assert_eq!(names.len(), nodes.len(), "node names are unique");
            for node in nodes {
                let kind = node["type"].as_str().expect("type");
                let version = node["typeVersion"].as_f64().expect("version");
                assert!(
                    NODE_TYPES
                        .iter()
                        .any(|(k, v)| *k == kind && (*v - version).abs() < 1e-9),
                    "{kind} v{version}"
                );
            }
            for (from, outputs) in doc["connections"].as_object().expect("connections") {
                assert!(names.contains(from.as_str()));
                for output in outputs["main"].as_array().expect("main") {
                    for c in output.as_array().expect("targets") {
                        assert!(names.contains(c["node"].as_str().expect("node")), "{c}");
                    }
                }
            }
            // No two nodes share a position.
            let mut positions = std::collections::HashSet::new();
            for node in nodes
                .iter()
                .filter(|n| n["type"] != "n8n-nodes-base.stickyNote")
            {
                assert!(
                    positions.insert(node["position"].to_string()),
                    "overlap at {}",
                    node["position"]
                );
            }
        }
    }
}

/// The canvas reads left to right: no connection of an example runs back but a loop's, no
/// two nodes stand closer than a node's size, every node of an orchestration stands inside a
/// lane, below its label, and the frames of two steps never overlap.
#[test]
fn the_canvas_reads_left_to_right_in_lanes() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        for (_, json, _) in compile(&source, &Options::default()) {
            let doc: Value = serde_json::from_str(&json).expect("JSON");
            let nodes = doc["nodes"].as_array().expect("nodes");
            let at = |n: &Value| {
                let p = n["position"].as_array().expect("position");
                (p[0].as_i64().expect("x"), p[1].as_i64().expect("y"))
            };
            let positions: std::collections::HashMap<&str, (i64, i64)> = nodes
                .iter()
                .map(|n| (n["name"].as_str().expect("name"), at(n)))
                .collect();
            let mut next: std::collections::HashMap<&str, Vec<&str>> =
                std::collections::HashMap::new();
            for (from, outputs) in doc["connections"].as_object().expect("connections") {
                for output in outputs["main"].as_array().expect("main") {
                    for c in output.as_array().expect("targets") {
                        let to = c["node"].as_str().expect("node");
                        next.entry(from.as_str()).or_default().push(to);
                    }
                }
            }
            let reaches = |from: &str, to: &str| {
                let mut seen = std::collections::HashSet::from([from]);
                let mut stack = vec![from];
                while let Some(v) = stack.pop() {
                    for &w in next.get(v).into_iter().flatten() {
                        if w == to {
                            return true;
                        }
                        if seen.insert(w) {
                            stack.push(w);
                        }
                    }
                }
                false
            };
            for (&from, targets) in &next {
                for &to in targets {
                    assert!(
                        positions[from].0 < positions[to].0 || reaches(to, from),
                        "{}: `{from}` → `{to}` runs back, and is no loop's way back",
                        path.display()
                    );
                }
            }
            let (stickies, work): (Vec<&Value>, Vec<&Value>) = nodes
                .iter()
                .partition(|n| n["type"] == "n8n-nodes-base.stickyNote");
            let named = |prefix: &str| -> Vec<&Value> {
                stickies
                    .iter()
                    .copied()
                    .filter(|n| n["name"].as_str().is_some_and(|s| s.starts_with(prefix)))
                    .collect()
            };
            let (lanes, frames) = (named("lane "), named("step "));
            assert_eq!(lanes.len() + frames.len(), stickies.len());
            let size = |n: &Value| {
                (
                    n["parameters"]["width"].as_i64().expect("width"),
                    n["parameters"]["height"].as_i64().expect("height"),
                )
            };
            for (i, a) in frames.iter().enumerate() {
                for b in &frames[i + 1..] {
                    let ((ax, ay), (aw, ah)) = (at(a), size(a));
                    let ((bx, by), (bw, bh)) = (at(b), size(b));
                    assert!(
                        ax + aw <= bx || bx + bw <= ax || ay + ah <= by || by + bh <= ay,
                        "{}: {} and {} overlap",
                        path.display(),
                        a["name"],
                        b["name"]
                    );
                }
            }
            for (i, a) in work.iter().enumerate() {
                for b in &work[i + 1..] {
                    let (pa, pb) = (at(a), at(b));
                    assert!(
                        (pa.0 - pb.0).abs() >= 160 || (pa.1 - pb.1).abs() >= 160,
                        "{}: `{}` and `{}` overlap",
                        path.display(),
                        a["name"],
                        b["name"]
                    );
                }
                if lanes.is_empty() {
                    continue;
                }
                let (x, y) = at(a);
                let inside = lanes.iter().filter(|lane| {
                    let ((lx, ly), (w, h)) = (at(lane), size(lane));
                    x >= lx && x + 100 <= lx + w && y >= ly + 100 && y + 100 <= ly + h
                });
                assert_eq!(
                    inside.count(),
                    1,
                    "{}: {} is in one lane",
                    path.display(),
                    a["name"]
                );
            }
        }
    }
}

/// n8n (execution order v1) runs the branches of an output from the top of the canvas down: an
/// audit row (a data table node beside the work) stands above every other node its output leads
/// to, so it is written before the work goes on — before a wait can hold the rest back. Checked
/// on the examples and the harness's workflows.
#[test]
fn an_audit_row_is_written_before_the_work_goes_on() {
    let harness = std::fs::read_dir("tests/n8n")
        .expect("tests/n8n")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "handoff"));
    let mut audits = 0;
    for path in examples().into_iter().chain(harness) {
        let source = std::fs::read_to_string(&path).expect("readable");
        for (_, json, _) in compile(&source, &Options::default()) {
            let doc: Value = serde_json::from_str(&json).expect("JSON");
            let nodes: std::collections::HashMap<&str, &Value> = doc["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| (n["name"].as_str().expect("name"), n))
                .collect();
            let at = |name: &str| {
                let p = nodes[name]["position"].as_array().expect("position");
                (p[1].as_i64().expect("y"), p[0].as_i64().expect("x"))
            };
            // A row, or the creation of the table beside where a run starts.
            let is_row = |name: &str| nodes[name]["type"] == "n8n-nodes-base.dataTable";
            for (from, outputs) in doc["connections"].as_object().expect("connections") {
                // Every output: a Switch taking every matching output runs all their branches
                // in one order.
                let targets: Vec<&str> = outputs["main"]
                    .as_array()
                    .expect("main")
                    .iter()
                    .flat_map(|o| o.as_array().expect("targets"))
                    .map(|c| c["node"].as_str().expect("node"))
                    .collect();
                for &row in targets.iter().filter(|t| is_row(t)) {
                    audits += 1;
                    assert!(
                        !doc["connections"]
                            .as_object()
                            .expect("connections")
                            .contains_key(row),
                        "{}: the audit row `{row}` leads on",
                        path.display()
                    );
                    for &other in targets.iter().filter(|t| !is_row(t)) {
                        assert!(
                            at(row) < at(other),
                            "{}: `{from}` runs `{other}` before its audit row `{row}`",
                            path.display()
                        );
                    }
                }
            }
        }
    }
    assert!(
        audits > 100,
        "only {audits} audit rows in all the workflows"
    );
}

#[test]
fn the_api_profile_has_only_what_the_api_accepts() {
    let source = include_str!("../examples/refund.handoff");
    let options = Options {
        profile: Profile::Api,
        test: None,
    };
    for (_, json, _) in compile(source, &options) {
        let doc: Value = serde_json::from_str(&json).expect("JSON");
        let keys: Vec<&str> = doc
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["connections", "name", "nodes", "settings"]);
    }
}

#[test]
fn source_text_never_becomes_an_expression() {
    // Every string the source controls, with every way into an n8n expression.
    let source = r#"
actor bot: ai
actor agent: human { title "={{ $env.SECRET }}" }
workflow injection {
  title "={{ $env.HOME }}"
  owner agent
  customer_facing
  context { brief: summary  tier: enum(a, b) }
  trigger hook: webhook "={{ $env.PATH }}/x" { provides tier }
  trigger form_in: form "{{ $env.USER }}\"quoted\"\nnew line" { provides tier }
  step s {
    title "={{ $execution.id }}"
    owner bot
    needs tier
    provides brief
    escalate to agent when tier == "={{ $env.X }}" or confidence < 0.5 {
      carries tier, brief
      sla 5m
      notify "={{ $env.TOKEN }} and {{ 7*7 }} and }} and ${x}"
    }
  }
  step t { owner agent needs brief }
  flow hook -> s
  flow form_in -> s
  handoff s -> t when tier == a {
    carries brief
    sla 1h
    notify "={{ $json }}"
  }
  handoff s -> t otherwise { carries brief sla 1h notify "{{ 1 }}" }
}
"#;
    let checked = handoff::check_source(source);
    let settings = Settings::default();
    for wf in &checked.module.workflows {
        let analysis = Analysis::new(wf, &settings);
        let output = emit(&analysis, &Options::default()).expect("valid output");
        let docs: Vec<Value> = std::iter::once(&output.orchestration)
            .chain(output.intakes.iter().map(|(_, json)| json))
            .chain(std::iter::once(&output.errors.1))
            .chain(output.implementations.iter().map(|i| &i.json))
            .map(|json| serde_json::from_str(json).expect("JSON"))
            .collect();
        let mut strings = Vec::new();
        for doc in &docs {
            collect_strings(doc, &mut strings);
        }
        for s in &strings {
            // Only the compiler's own expressions may start with `=`; they never contain source
            // braces or `$env`, and every literal inside them is an escaped JavaScript string.
            if s.starts_with('=') {
                assert!(!s.contains("$env"), "{s}");
                // The audit's run column is the compiler's one use of `$execution`.
                assert!(
                    !s.contains("$execution") || *s == "={{ $execution.id }}",
                    "{s}"
                );
                let inner = s.trim_start_matches("={{").trim_end_matches("}}");
                assert!(!inner.contains("{{") && !inner.contains("}}"), "{s}");
            }
        }
    }
    assert_eq!(
        plain("={{ $env.X }}"),
        "={{ \"=\\u007b\\u007b \\u0024env.X \\u007d\\u007d\" }}"
    );
    assert_eq!(plain("hello {{ x }}"), "hello {{ x }}");
    assert_eq!(js_string("a\"b\n{"), "\"a\\\"b\\n\\u007b\"");
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}
