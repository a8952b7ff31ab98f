//! Implementations: the sub-workflows that do a step's work, outside the compiled workflow.
//!
//! A step with `uses "NAME"` runs the implementation `NAME`; an `ai` or `system` step without
//! `uses` runs `WORKFLOW.STEP`. Each implementation is a workflow of its own that the user owns:
//! the compiler writes a starting body once (the CLI writes the file only when it does not exist
//! yet), and the orchestration calls it by a stable id derived from its name, with the step's
//! `needs` as typed inputs, then checks that every `provides` came back.
//!
//! **Invariants:** the id and file name of an implementation depend only on its name (and, for a
//! test variant, on the sample outputs it returns), so a rebuilt orchestration still calls the
//! implementation the user edited; file names are safe on every file system (`[A-Za-z0-9._-]`,
//! never `.` or `..`), distinct for distinct names.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{n8n_type, uuid_of, TestRun};
use crate::ast::ActorKind;
use crate::ast::PrimType;
use crate::ir::{FieldId, StepId, Type, Workflow};

/// One implementation sub-workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Implementation {
    /// Its name: `uses "NAME"`, else `WORKFLOW.STEP`.
    pub name: String,
    /// The file it is written to, relative to the output directory (`implementations/….json`).
    pub file: String,
    /// The n8n workflow id the orchestration calls.
    pub id: String,
    /// The starting body, as n8n workflow JSON.
    pub json: String,
}

/// What the orchestration needs to know to call an implementation.
#[derive(Clone, Debug)]
pub(super) struct Call {
    pub name: String,
    pub id: String,
}

/// The implementation a step runs, if it runs one: `uses`, else `WORKFLOW.STEP` for `ai` and
/// `system` steps. People's steps without `uses` are tasks, not implementations.
pub(super) fn name_of(wf: &Workflow, s: StepId) -> Option<String> {
    let step = wf.step(s);
    if let Some(uses) = &step.uses() {
        return Some(uses.value.clone());
    }
    let kind = step.owner.and_then(|o| o.target).map(|a| wf.actor(a).kind);
    match kind {
        Some(ActorKind::Ai | ActorKind::System) | None => {
            Some(format!("{}.{}", wf.name.text, step.name.text))
        }
        Some(_) => None,
    }
}

/// A file name for an implementation: the name itself when it is made of safe characters,
/// else the safe characters followed by a hash of the name (so distinct names stay distinct).
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let dots_only = safe.chars().all(|c| c == '.');
    if safe == name && !dots_only {
        format!("implementations/{safe}.json")
    } else {
        let hash = uuid_of(&["implementation file", name]);
        format!("implementations/{safe}-{}.json", &hash[..8])
    }
}

/// The id of an implementation: 16 characters, as n8n's own ids.
fn id_of(name: &str, test: Option<&str>) -> String {
    let hex = match test {
        Some(sample) => uuid_of(&["implementation", name, "test", sample]),
        None => uuid_of(&["implementation", name]),
    }
    .replace('-', "");
    format!("im{}", &hex[..14])
}

/// The implementations of a workflow, in order of first use, with the calls the orchestration
/// makes. Steps that share a name share one implementation, whose inputs and outputs are the
/// union of theirs.
pub(super) fn collect(
    wf: &Workflow,
    test: Option<&TestRun>,
) -> (Vec<Implementation>, BTreeMap<u32, Call>) {
    /// What the steps that share an implementation ask of it.
    #[derive(Default)]
    struct Uses {
        steps: Vec<StepId>,
        needs: Vec<FieldId>,
        provides: Vec<FieldId>,
        ai: bool,
    }
    let mut order: Vec<String> = Vec::new();
    let mut uses: BTreeMap<String, Uses> = BTreeMap::new();
    for i in 0..wf.steps.len() {
        let s = StepId(i as u32);
        let Some(name) = name_of(wf, s) else { continue };
        let step = wf.step(s);
        let ai = step
            .owner
            .and_then(|o| o.target)
            .is_some_and(|a| wf.actor(a).kind == ActorKind::Ai);
        let entry = uses.entry(name.clone()).or_insert_with(|| {
            order.push(name.clone());
            Uses::default()
        });
        entry.steps.push(s);
        for f in step.needs.iter().filter_map(|r| r.target) {
            if !entry.needs.contains(&f) {
                entry.needs.push(f);
            }
        }
        for f in step.provides.iter().filter_map(|r| r.target) {
            if !entry.provides.contains(&f) {
                entry.provides.push(f);
            }
        }
        entry.ai |= ai;
    }
    let mut out = Vec::new();
    let mut calls = BTreeMap::new();
    for name in order {
        let Some(Uses {
            steps,
            needs,
            provides,
            ai,
        }) = uses.remove(&name)
        else {
            continue;
        };
        // A test variant's implementation returns the sample outputs of its first step.
        let sample = test.map(|t| {
            let first = &wf.step(steps[0]).name.text;
            Value::Object(t.outputs.get(first).cloned().unwrap_or_default())
        });
        let sample_text = sample.as_ref().map(Value::to_string);
        let id = id_of(&name, sample_text.as_deref());
        for s in &steps {
            calls.insert(
                s.0,
                Call {
                    name: name.clone(),
                    id: id.clone(),
                },
            );
        }
        let json = body(wf, &name, &id, &needs, &provides, ai, sample.as_ref());
        out.push(Implementation {
            file: file_name(&name),
            name,
            id,
            json,
        });
    }
    (out, calls)
}

/// A JSON Schema type for a field, for the AI agent's structured output.
fn schema_of(ty: &Type) -> Value {
    match ty {
        Type::Prim(PrimType::Number | PrimType::Money | PrimType::Duration) => {
            json!({ "type": "number" })
        }
        Type::Prim(PrimType::Bool) => json!({ "type": "boolean" }),
        Type::List(inner) => json!({ "type": "array", "items": schema_of(inner) }),
        Type::Enum(members) => {
            let members: Vec<&str> = members.iter().map(|m| m.text.as_str()).collect();
            json!({ "type": "string", "enum": members })
        }
        Type::Prim(_) => json!({ "type": "string" }),
    }
}

/// The connections of a node whose one output goes to the node `target`.
fn to(target: &str) -> Value {
    json!({ "main": [[{ "node": target, "type": "main", "index": 0 }]] })
}

fn node(name: &str, kind: &str, version: f64, position: [i64; 2], parameters: Value) -> Value {
    // n8n writes whole versions as integers (`1`, not `1.0`).
    let version = if version.fract() == 0.0 {
        json!(version.round() as i64)
    } else {
        json!(version)
    };
    let mut node = json!({
        "id": uuid_of(&["implementation node", name, kind]),
        "name": name,
        "type": kind,
        "typeVersion": version,
        "position": position,
    });
    node["parameters"] = parameters;
    node
}

/// The starting body of an implementation.
fn body(
    wf: &Workflow,
    name: &str,
    id: &str,
    needs: &[FieldId],
    provides: &[FieldId],
    ai: bool,
    sample: Option<&Value>,
) -> String {
    let inputs: Vec<Value> = needs
        .iter()
        .map(|&f| {
            let field = wf.field(f);
            json!({ "name": field.name.text, "type": n8n_type(&field.ty) })
        })
        .collect();
    let mut nodes = vec![node(
        "Start",
        "n8n-nodes-base.executeWorkflowTrigger",
        1.1,
        [0, 0],
        json!({ "inputSource": "workflowInputs", "workflowInputs": { "values": inputs } }),
    )];
    let mut connections = Map::new();
    let provide_names: Vec<String> = provides
        .iter()
        .map(|&f| wf.field(f).name.text.clone())
        .collect();
    let listed = if provide_names.is_empty() {
        "nothing".to_string()
    } else {
        provide_names.join(", ")
    };
    let return_node = |source: &str| {
        let mut assignments: Vec<Value> = provides
            .iter()
            .map(|&f| {
                let field = wf.field(f);
                json!({
                    "id": uuid_of(&["implementation return", name, &field.name.text]),
                    "name": field.name.text,
                    "value": format!("={{{{ {source}[\"{}\"] }}}}", field.name.text),
                    "type": n8n_type(&field.ty),
                })
            })
            .collect();
        if ai {
            assignments.push(json!({
                "id": uuid_of(&["implementation return", name, "_confidence"]),
                "name": "_confidence",
                "value": format!("={{{{ {source}[\"_confidence\"] }}}}"),
                "type": "number",
            }));
        }
        json!({
            "mode": "manual",
            "assignments": { "assignments": assignments },
            "includeOtherFields": false,
            "options": {},
        })
    };
    if let Some(sample) = sample {
        // A test variant returns the sample outputs.
        let code = format!(
            "// Test implementation of `{}`: returns the sample outputs.\nreturn [{{ json: {} }}];",
            name.replace(['\n', '\r', '\u{2028}', '\u{2029}'], " "),
            serde_json::to_string(sample).unwrap_or_else(|_| "{}".to_string())
        );
        nodes.push(node(
            "Sample outputs",
            "n8n-nodes-base.code",
            2.0,
            [240, 0],
            json!({ "jsCode": code }),
        ));
        connections.insert("Start".to_string(), to("Sample outputs"));
    } else if ai {
        let mut properties = Map::new();
        for &f in provides {
            let field = wf.field(f);
            let mut schema = schema_of(&field.ty);
            if let Some(doc) = &field.doc {
                schema["description"] = json!(doc);
            }
            properties.insert(field.name.text.clone(), schema);
        }
        properties.insert(
            "_confidence".to_string(),
            json!({ "type": "number", "minimum": 0, "maximum": 1, "description": "How sure the agent is, from 0 to 1" }),
        );
        let required: Vec<&str> = provide_names
            .iter()
            .map(String::as_str)
            .chain(["_confidence"])
            .collect();
        let schema = json!({ "type": "object", "properties": properties, "required": required });
        let prompt_inputs: Vec<String> = needs
            .iter()
            .map(|&f| {
                let n = &wf.field(f).name.text;
                format!("\"{n}: \" + JSON.stringify($json[\"{n}\"])")
            })
            .collect();
        nodes.push(node(
            "Agent",
            "@n8n/n8n-nodes-langchain.agent",
            3.1,
            [240, 0],
            json!({
                "promptType": "define",
                "text": format!("={{{{ [{}].join(\"\\n\") }}}}", prompt_inputs.join(", ")),
                "hasOutputParser": true,
                "options": {
                    "systemMessage": format!("Provide: {listed}. Say how confident you are in _confidence, from 0 to 1."),
                },
            }),
        ));
        nodes.push(node(
            "Output",
            "@n8n/n8n-nodes-langchain.outputParserStructured",
            1.3,
            [320, 220],
            json!({
                "schemaType": "manual",
                "inputSchema": serde_json::to_string_pretty(&schema).unwrap_or_default(),
            }),
        ));
        nodes.push(node(
            "Return",
            "n8n-nodes-base.set",
            3.4,
            [560, 0],
            return_node("$json[\"output\"]"),
        ));
        connections.insert("Start".to_string(), to("Agent"));
        connections.insert(
            "Output".to_string(),
            json!({ "ai_outputParser": [[{ "node": "Agent", "type": "ai_outputParser", "index": 0 }]] }),
        );
        connections.insert("Agent".to_string(), to("Return"));
    } else {
        nodes.push(node(
            "Request",
            "n8n-nodes-base.httpRequest",
            4.2,
            [240, 0],
            json!({
                "method": "POST",
                "url": "https://example.invalid/replace-with-your-endpoint",
                "sendBody": true,
                "specifyBody": "json",
                "jsonBody": "={{ JSON.stringify($json) }}",
                "options": {},
            }),
        ));
        nodes.push(node(
            "Return",
            "n8n-nodes-base.set",
            3.4,
            [480, 0],
            return_node("$json"),
        ));
        connections.insert("Start".to_string(), to("Request"));
        connections.insert("Request".to_string(), to("Return"));
    }
    let note = format!(
        "## {}\nThe implementation of a handoff step, yours to edit: compiling again never overwrites this workflow.\nIt receives the step's needs and must return: {listed}.",
        super::markdown_literal(name)
    );
    nodes.push(json!({
        "parameters": { "content": note, "height": 200, "width": 520, "color": 7 },
        "id": uuid_of(&["implementation note", name]),
        "name": "About",
        "type": "n8n-nodes-base.stickyNote",
        "typeVersion": 1,
        "position": [0, -260],
    }));
    let workflow = json!({
        "name": format!("{name} (implementation)"),
        "nodes": nodes,
        "connections": connections,
        "settings": { "executionOrder": "v1", "callerPolicy": "workflowsFromSameOwner" },
        "pinData": {},
        "meta": { "templateCredsSetupCompleted": true },
        "tags": [],
        "active": false,
        "id": id,
    });
    let mut text = serde_json::to_string_pretty(&workflow).unwrap_or_default();
    text.push('\n');
    text
}
