//! The audit trail (§9 Audit): every route taken, handoff, escalation, approval decision, SLA
//! breach, fallback, notice, error and compensation writes a row to n8n's data table
//! [`TABLE`] — the time, the workflow and its version, the run (the n8n execution), the step,
//! the event, the actors, and the **names** of the fields that crossed, never their values (an
//! approval also records the decision and a SHA-256 fingerprint of the values approved).
//!
//! Why a data table and not an audit sub-workflow: the row is written inside the run, by a node
//! beside the work, so there is no second execution per event (a sub-workflow call starts one,
//! and in queue mode a job), the rows outlive n8n's execution pruning, and the user reads,
//! filters and exports them in n8n's own Data tables view or over its public API. A user who
//! wants the rows elsewhere points a workflow at the table.
//!
//! **Invariants:** an audit node is a dead end beside the connection it records, and stands in
//! its lane's audit row, above every node the same output leads to (`layout.rs`): n8n's v1
//! execution order runs the branches of an output from the top of the canvas down, so the row
//! is written before the work goes on, and an audit that fails (after three tries) stops the run
//! before the event's work, so no decision happens unrecorded. Each run creates the table if it
//! is missing (one node beside each place a run starts), with every column a string.

use serde_json::{json, Value};

use super::layout::Place;
use super::{js_string, plain, Builder};
use crate::ir::FieldId;

/// The data table the rows go to (n8n finds tables by lower-case name).
pub const TABLE: &str = "handoff_audit";

/// The table's columns, in order.
pub const COLUMNS: &[&str] = &[
    "time",
    "workflow",
    "version",
    "run",
    "step",
    "event",
    "actors",
    "fields",
    "detail",
    "fingerprint",
];

const DATA_TABLE: &str = "n8n-nodes-base.dataTable";

/// One row, as the builder knows it: literal text but for `detail` and `fingerprint`, which may
/// be expressions the compiler wrote (`=…`).
#[derive(Clone)]
pub(super) struct Row {
    pub(super) event: &'static str,
    /// A parameter: literal text, or an expression the compiler wrote.
    pub(super) step: String,
    /// The run, when it is not this execution (the error workflow records the failed one's).
    pub(super) run: Option<String>,
    pub(super) actors: Vec<String>,
    pub(super) fields: Vec<FieldId>,
    pub(super) detail: String,
    /// The node whose item holds the approved values, and their fields.
    pub(super) fingerprint: Option<(String, Vec<FieldId>)>,
}

impl Row {
    pub(super) fn new(event: &'static str, step: &str) -> Row {
        Row {
            event,
            step: plain(step),
            run: None,
            actors: Vec::new(),
            fields: Vec::new(),
            detail: String::new(),
            fingerprint: None,
        }
    }

    pub(super) fn actors<I: IntoIterator<Item = S>, S: Into<String>>(mut self, actors: I) -> Row {
        self.actors.extend(actors.into_iter().map(Into::into));
        self
    }

    pub(super) fn fields(mut self, fields: &[FieldId]) -> Row {
        self.fields.extend_from_slice(fields);
        self
    }

    /// Literal text.
    pub(super) fn detail(mut self, detail: &str) -> Row {
        self.detail = plain(detail);
        self
    }

    /// An expression the compiler wrote (JavaScript, without the braces).
    pub(super) fn detail_js(mut self, js: &str) -> Row {
        self.detail = format!("={{{{ {js} }}}}");
        self
    }

    /// The run and the step as expressions the compiler wrote (JavaScript, without the braces).
    pub(super) fn of_run(mut self, run_js: &str, step_js: &str) -> Row {
        self.run = Some(format!("={{{{ {run_js} }}}}"));
        self.step = format!("={{{{ {step_js} }}}}");
        self
    }

    pub(super) fn fingerprint(mut self, node: &str, fields: &[FieldId]) -> Row {
        self.fingerprint = Some((node.to_string(), fields.to_vec()));
        self
    }
}

fn column_schema() -> Vec<Value> {
    COLUMNS
        .iter()
        .map(|c| {
            json!({
                "id": c,
                "displayName": c,
                "required": false,
                "defaultMatch": false,
                "display": true,
                "type": "string",
                "readOnly": false,
                "removed": false,
            })
        })
        .collect()
}

impl Builder<'_> {
    /// Records `row` when the work leaves `from` by `output`: a data table node beside that
    /// connection, named `from · audit` (`from · audit (k)` for output k ≥ 1).
    pub(super) fn audit(&mut self, from: &str, output: usize, row: Row) -> String {
        let name = if output == 0 {
            format!("{from} · audit")
        } else {
            format!("{from} · audit ({output})")
        };
        self.audit_as(&name, from, output, row)
    }

    /// [`Builder::audit`] with a name of the caller's (several rows on one output).
    pub(super) fn audit_as(&mut self, name: &str, from: &str, output: usize, row: Row) -> String {
        let wf = self.wf;
        let Row {
            event,
            step,
            run,
            actors,
            fields,
            detail,
            fingerprint,
        } = row;
        let names: Vec<&str> = fields
            .iter()
            .map(|&f| wf.field(f).name.text.as_str())
            .collect();
        let fingerprint = match &fingerprint {
            None => String::new(),
            Some((node, fields)) => {
                let keys: Vec<String> = fields
                    .iter()
                    .map(|&f| js_string(&wf.field(f).name.text))
                    .collect();
                format!(
                    "={{{{ JSON.stringify([{}].map((k) => [k, $({}).first().json[k] ?? null])).hash(\"sha256\") }}}}",
                    keys.join(", "),
                    js_string(node)
                )
            }
        };
        let version = wf.version.as_ref().map_or("", |v| v.value.as_str());
        let values = json!({
            "time": "={{ $now.toUTC().toISO() }}",
            "workflow": plain(&wf.name.text),
            "version": plain(version),
            "run": run.unwrap_or_else(|| "={{ $execution.id }}".to_string()),
            "step": step,
            "event": event,
            "actors": plain(&actors.join(", ")),
            "fields": names.join(", "),
            "detail": detail,
            "fingerprint": fingerprint,
        });
        let node = self.add(
            name,
            DATA_TABLE,
            1.1,
            json!({
                "resource": "row",
                "operation": "insert",
                "dataTableId": { "__rl": true, "value": TABLE, "mode": "name" },
                "columns": {
                    "mappingMode": "defineBelow",
                    "value": values,
                    "matchingColumns": [],
                    "schema": column_schema(),
                    "attemptToConvertTypes": false,
                    "convertFieldsToString": false,
                },
                "options": {},
            }),
            Place::audit(),
        );
        // Written before the work goes on; a store that keeps failing stops the run there.
        self.settings(
            &node,
            json!({ "retryOnFail": true, "maxTries": 3, "waitBetweenTries": 1000 }),
        );
        self.connect(from, output, &node);
        node
    }

    /// Creates the audit table when it is missing, beside where a run starts (`from`).
    pub(super) fn audit_table(&mut self, from: &str) {
        let columns: Vec<Value> = COLUMNS
            .iter()
            .map(|c| json!({ "name": c, "type": "string" }))
            .collect();
        let name = format!("{from} · audit table");
        let node = self.add(
            &name,
            DATA_TABLE,
            1.1,
            json!({
                "resource": "table",
                "operation": "create",
                "tableName": TABLE,
                "columns": { "column": columns },
                "options": { "createIfNotExists": true },
            }),
            Place::audit(),
        );
        // Two runs starting at once may both create it: the second one's failure is harmless.
        self.settings(&node, json!({ "onError": "continueRegularOutput" }));
        self.note(
            &node,
            format!("Creates the data table `{TABLE}` for the audit trail if it is missing."),
        );
        self.connect(from, 0, &node);
    }
}
