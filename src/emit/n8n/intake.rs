//! Intakes: how work started by a form or a webhook reaches the orchestration.
//!
//! n8n's Form Trigger sends whoever submitted the form on to any later form of the same run, so
//! a customer who starts the work would be shown (and could answer) the staff's tasks. A webhook
//! caller would wait on the run. Each form or webhook trigger therefore gets an intake, a
//! workflow of its own: it answers its caller at once (the form's completion page, the
//! webhook's `202`), keeps exactly the trigger's fields, and starts the orchestration without
//! waiting for it. The orchestration starts from `started by an intake` (an Execute Workflow
//! Trigger) and, when several intakes lead into it, picks the trigger's entry by `_entry`.
//!
//! **Invariants:** an intake never waits for the orchestration, so no person's task can reach
//! its caller; it carries only the trigger's `provides` (and `_entry`); its name and id are
//! derived from the workflow's and the trigger's names.

use serde_json::json;

use super::{ids, js_string, plain, Builder, Options, Place};
use crate::check::Analysis;
use crate::ir::TriggerKind;

/// Whether a trigger starts the work through an intake: a form, a webhook, or a manual start
/// that provides fields (the person who starts it is asked for them on a form of its own).
pub(super) fn has_intake(t: &crate::ir::Trigger) -> bool {
    match t.kind {
        TriggerKind::Webhook(_) | TriggerKind::Form(_) => true,
        TriggerKind::Manual => !t.provides.is_empty(),
        TriggerKind::Schedule(_) => false,
    }
}

/// The name of the n8n workflow of trigger `trigger`'s intake.
fn title(workflow: &str, trigger: &str) -> String {
    format!("{workflow} · intake {trigger}")
}

/// The intake of trigger `i`: its file name and JSON.
pub(super) fn emit(
    a: &Analysis<'_>,
    options: &Options,
    i: usize,
) -> Result<(String, String), Vec<String>> {
    let wf = a.wf;
    let t = &wf.triggers[i];
    let mut b = Builder::new(
        a,
        options,
        title(&wf.name.text, &t.name.text),
        std::collections::BTreeMap::new(),
    );
    b.error_workflow = Some(super::errors::error_workflow_id(&wf.name.text));
    let place = Place::lane(0);
    let (node, source) = if t.kind == TriggerKind::Manual {
        // A manual start asks whoever starts it for the fields it provides.
        let fields = b.form_fields(&ids(&t.provides));
        let title = wf
            .title
            .as_ref()
            .map_or(wf.name.text.as_str(), |t| t.value.as_str());
        let node = b.add(
            &t.name.text,
            "n8n-nodes-base.formTrigger",
            2.5,
            json!({
                "formTitle": plain(&format!("Start: {title}")),
                "formFields": { "values": fields },
                "options": {},
            }),
            place,
        );
        b.listen(&node);
        (node, None)
    } else {
        b.trigger_node(i, place)
    };
    if let Some(doc) = &t.doc {
        b.note(&node, doc.clone());
    }
    let provides = ids(&t.provides);
    let kept = b.keep(
        &format!("{} · context", t.name.text),
        &provides,
        source,
        false,
        place.at(1, 0),
    );
    b.connect(&node, 0, &kept);
    let start = b.start_run(
        "start the work",
        &wf.name.text,
        &format!("intake:{}", t.name.text),
        false,
        place.at(2, 0),
    );
    b.connect(&kept, 0, &start);
    b.note(
        &start,
        format!(
            "Starts the workflow {} without waiting: whoever started the work is answered at once and never sees a person's task.",
            wf.name.text
        ),
    );
    let text = b.finish()?;
    Ok((
        format!(
            "{}.intake.{}.json",
            crate::emit::file_stem(&wf.name.text),
            crate::emit::file_stem(&t.name.text)
        ),
        text,
    ))
}

impl Builder<'_> {
    /// Where another run starts this workflow: one Execute Workflow Trigger that passes the
    /// item on to its entry (by `_entry` when there are several): an intake's trigger context,
    /// or the arrival of a forked route.
    pub(super) fn entry_points(&mut self) {
        let entries = std::mem::take(&mut self.entries);
        let Some((_, first, place)) = entries.first() else {
            return;
        };
        let start = self.add(
            "started by another run",
            "n8n-nodes-base.executeWorkflowTrigger",
            1.1,
            json!({ "inputSource": "passthrough" }),
            place.alone().at(0, 0),
        );
        self.note(
            &start,
            "An intake (a form or webhook trigger's own workflow) or a fork of this workflow starts a run here.".to_string(),
        );
        self.audit_table(&start);
        if entries.len() == 1 {
            self.connect(&start, 0, first);
            self.audit_fork(&entries[0].0, &start, 0);
            return;
        }
        let rules: Vec<serde_json::Value> = entries
            .iter()
            .map(|(key, _, _)| {
                super::switch_rule(
                    &super::uuid_of(&[&self.title, "entry", key]),
                    &format!("$json[\"_entry\"] === {}", js_string(key)),
                    "strict",
                    key,
                )
            })
            .collect();
        let switch = self.add(
            "which entry?",
            super::SWITCH,
            3.4,
            json!({ "rules": { "values": rules }, "options": {} }),
            place.alone().at(1, 1),
        );
        self.connect(&start, 0, &switch);
        for (k, (key, node, _)) in entries.iter().enumerate() {
            self.connect(&switch, k, node);
            self.audit_fork(key, &switch, k);
        }
    }

    /// The first row of a forked run (entry `key` `route:T`, from `from`'s output `output`):
    /// which run forked it, so that the trails of the branches of one piece of work link up.
    fn audit_fork(&mut self, key: &str, from: &str, output: usize) {
        let wf = self.wf;
        let Some(t) = key
            .strip_prefix("route:")
            .and_then(|t| t.parse::<usize>().ok())
            .and_then(|t| wf.transitions.get(t))
        else {
            return;
        };
        let Some((source, crate::ir::NodeId::Step(to))) = t.ends() else {
            return;
        };
        let row = super::audit::Row::new("fork", &wf.step(to).name.text)
            .actors(self.a.owner(to).map(|o| o.name.text.clone()))
            .detail_js(&format!(
                "{} + String($json[\"_parent\"] ?? \"\")",
                js_string(&format!("from {}, started by run ", wf.node_name(source)))
            ));
        self.audit(from, output, row);
    }
}
