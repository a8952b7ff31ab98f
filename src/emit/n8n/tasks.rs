//! People's tasks and calls to implementations.
//!
//! A person's task (a step, an approval, an escalation, a fallback's cover) is sent to the
//! actor's inbox with n8n's *send and wait* operation: the message carries a signed link to a
//! form (or Approve/Decline buttons) that only that message has, and the run waits until it is
//! answered or the time limit runs out. An email inbox gets an email (`emailSend` 2.1), a Slack
//! inbox a Slack message (`slack` 2.4); an actor with several inboxes gets the task in every one
//! (see [`Builder::task_everywhere`]); an actor with no inbox falls back to a `Wait` node
//! resuming on an unsigned form (W206 warns about it).
//!
//! **Invariants:** every node that waits for a person receives an item holding `_entered_at`;
//! a wait that ends by its time limit passes that item on unchanged, while an answer is a new
//! item (the form's fields, or `data` for send-and-wait) without it. So `answered?` tells a
//! timeout from an answer by how the wait ended, never by the values of context fields. A task
//! sent to several inboxes counts a resumption as an answer only with its own secret.

use serde_json::{json, Value};

use super::audit::Row;
use super::implementations::Call;
use super::{duration_unit, js_string, n8n_type, plain, Builder, Place};
use crate::ast::InboxChannel;
use crate::ir::{Actor, FieldId, StepId};

/// The n8n credential the email nodes name; the user creates it once (docs/targets/n8n.md).
pub const SMTP_CREDENTIAL: (&str, &str) = ("handoffSmtp0001", "handoff SMTP");
/// The n8n credential the Slack nodes name.
pub const SLACK_CREDENTIAL: (&str, &str) = ("handoffSlack001", "handoff Slack");
/// The sender of every email.
pub const FROM_ADDRESS: &str = "handoff@localhost";

/// Whether the item after a wait is an answer: a wait that ran out passes its input on, which
/// holds `_entered_at`; an answer is a new item, which never does.
pub(super) const ANSWERED: &str = "$json[\"_entered_at\"] === undefined";

/// What a person is asked for.
pub(super) enum Ask<'f> {
    /// A form with these fields.
    Form(&'f [Value]),
    /// Approve or decline.
    Approval,
}

/// A task that covers for one nobody answered in time.
pub(super) struct Cover<'c> {
    /// The step whose task it is, and the fields its task shows (for the audit).
    pub step: &'c str,
    pub shown: &'c [FieldId],
    pub title: &'c str,
    pub description: &'c str,
    pub fields: &'c [Value],
    pub provides: &'c [FieldId],
    /// The node whose context the answers are merged into.
    pub base: &'c str,
    /// The fallback's own time limit (the same as the one that ran out).
    pub limit: Option<u64>,
    /// Where the work goes on after an answer.
    pub join: &'c str,
}

/// Where an answer came from.
#[derive(Clone, Copy)]
pub(super) enum Answer<'d> {
    /// n8n's own form (an actor without an inbox).
    Form,
    /// A send-and-wait message to an inbox.
    Inbox(&'d Delivery),
}

impl<'d> Answer<'d> {
    pub(super) fn of(delivery: Option<&'d Delivery>) -> Self {
        delivery.map_or(Answer::Form, Answer::Inbox)
    }
}

/// How a task reached its person: the inbox, as recorded with the answer.
#[derive(Clone)]
pub(super) struct Delivery {
    pub inbox: String,
    /// Whether the task went to every inbox of the actor: the answer then names the inbox it
    /// came from (`_answered_by`) and when (`_answered_at`).
    pub every_inbox: bool,
}

/// The nodes of a person's task: where the work goes in, and where the answer (or the item of a
/// wait that ran out) comes out. One node for a task sent to one inbox.
pub(super) struct Task {
    pub entry: String,
    pub exit: String,
}

impl Task {
    fn one(node: String) -> Self {
        Task {
            entry: node.clone(),
            exit: node,
        }
    }
}

/// The node that starts a run of the orchestration from another run (intake.rs).
const STARTED_BY_ANOTHER_RUN: &str = "started by another run";

impl Builder<'_> {
    /// The inbox of an actor's task when it has one: its email inbox, else its Slack inbox.
    fn inbox_of(actor: &Actor) -> Option<(InboxChannel, String)> {
        actor
            .inboxes
            .iter()
            .find(|i| i.channel == InboxChannel::Email)
            .or_else(|| actor.inboxes.first())
            .map(|i| (i.channel, i.address.value.clone()))
    }

    /// A task for `actor`: sent to its inbox and waited for, or a `Wait` form when it has no
    /// inbox. Returns the waiting node and how it was delivered.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn task(
        &mut self,
        name: &str,
        actor: Option<&Actor>,
        title: &str,
        description: &str,
        ask: &Ask<'_>,
        limit: Option<u64>,
        place: Place,
    ) -> (Task, Option<Delivery>) {
        if let Some(actor) = actor.filter(|a| a.inboxes.len() > 1) {
            // Only the orchestration can start runs of itself at an entry.
            if self.title == self.wf.name.text {
                return self.task_everywhere(name, actor, title, description, ask, limit, place);
            }
        }
        let inbox = actor.and_then(Self::inbox_of);
        let (node, delivery) = self.send(name, inbox, title, description, ask, limit, place);
        (Task::one(node), delivery)
    }

    /// A task sent to `inbox` with send and wait, or a `Wait` form without one. Returns the
    /// waiting node and how it was delivered.
    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        name: &str,
        inbox: Option<(InboxChannel, String)>,
        title: &str,
        description: &str,
        ask: &Ask<'_>,
        limit: Option<u64>,
        place: Place,
    ) -> (String, Option<Delivery>) {
        let Some((channel, address)) = inbox else {
            let fields = match ask {
                Ask::Form(fields) => fields.to_vec(),
                Ask::Approval => vec![json!({
                    "fieldLabel": "decision",
                    "fieldType": "dropdown",
                    "requiredField": true,
                    "fieldOptions": { "values": [{ "option": "Approve" }, { "option": "Reject" }] },
                })],
            };
            let node = self.form_wait(name, title, description, &fields, limit, place);
            return (node, None);
        };
        let mut options = json!({
            "appendAttribution": false,
        });
        if let Some(seconds) = limit {
            // Send and wait counts in minutes, hours or days (not seconds, as `Wait` does).
            let (amount, unit) = match duration_unit(seconds) {
                (amount, "seconds") => (
                    json!(f64::from(u32::try_from(amount).unwrap_or(u32::MAX)) / 60.0),
                    "minutes",
                ),
                (amount, unit) => (json!(amount), unit),
            };
            options["limitWaitTime"] = json!({ "values": {
                "limitType": "afterTimeInterval",
                "resumeAmount": amount,
                "resumeUnit": unit,
            } });
        }
        let mut parameters = match ask {
            Ask::Form(fields) => {
                options["responseFormTitle"] = json!(plain(title));
                options["messageButtonLabel"] = json!("Open the task");
                json!({
                    "responseType": "customForm",
                    "defineForm": "fields",
                    "formFields": { "values": fields },
                })
            }
            Ask::Approval => json!({
                "responseType": "approval",
                "approvalOptions": { "values": {
                    "approvalType": "double",
                    "approveLabel": "Approve",
                    "disapproveLabel": "Reject",
                } },
            }),
        };
        parameters["operation"] = json!("sendAndWait");
        parameters["subject"] = json!(plain(title));
        parameters["message"] = json!(description);
        parameters["options"] = options;
        let (kind, version, credential) = match channel {
            InboxChannel::Email => {
                parameters["fromEmail"] = json!(FROM_ADDRESS);
                parameters["toEmail"] = json!(plain(&address));
                ("n8n-nodes-base.emailSend", 2.1, ("smtp", SMTP_CREDENTIAL))
            }
            InboxChannel::Slack => {
                // Slack's message has no subject: the title leads the message.
                if let Some(map) = parameters.as_object_mut() {
                    map.remove("subject");
                }
                parameters["message"] = json!(format!(
                    "={{{{ {} + {} }}}}",
                    js_string(&format!("{title}\n")),
                    description
                        .strip_prefix("={{")
                        .and_then(|d| d.strip_suffix("}}"))
                        .unwrap_or("\"\"")
                ));
                // Slack's node is version 2.4, where n8n's form fields need a name too.
                if let Some(values) = parameters
                    .pointer_mut("/formFields/values")
                    .and_then(Value::as_array_mut)
                {
                    for field in values {
                        field["fieldName"] = field["fieldLabel"].clone();
                    }
                }
                parameters["authentication"] = json!("accessToken");
                parameters["resource"] = json!("message");
                parameters["select"] = json!("channel");
                // Slack accepts a channel's name where it takes its id.
                parameters["channelId"] = json!({
                    "__rl": true,
                    "value": plain(&address),
                    "mode": "list",
                    "cachedResultName": plain(&address),
                });
                ("n8n-nodes-base.slack", 2.4, ("slackApi", SLACK_CREDENTIAL))
            }
        };
        let node = self.add(name, kind, version, parameters, place);
        self.listen(&node);
        self.credential(&node, credential.0, credential.1);
        let inbox = format!("{} {address}", channel.keyword());
        (
            node,
            Some(Delivery {
                inbox,
                every_inbox: false,
            }),
        )
    }

    /// A task for an actor with several inboxes, sent to every one of them. One n8n run waits at
    /// one node at a time, so each inbox gets a delivery run of its own (this workflow, started
    /// at `deliver:«task»:«k»` without waiting) that sends the task with send and wait (its own
    /// signed link) and hands the answer to this run's resume URL; this run waits on a `Wait`
    /// resumed by webhook, with the task's time limit as a deadline.
    ///
    /// n8n does not sign a `Wait` node's resume URL (only send and wait's), and execution ids
    /// are sequential: so this run makes a random secret (`«task» · secret`), gives it only to its
    /// delivery runs, and takes a resumption as an answer only when it carries that secret;
    /// anything else waits again until the same deadline. A late answer from another inbox
    /// finds this run finished or waiting for another task (another secret): it changes nothing.
    #[allow(clippy::too_many_arguments)]
    fn task_everywhere(
        &mut self,
        name: &str,
        actor: &Actor,
        title: &str,
        description: &str,
        ask: &Ask<'_>,
        limit: Option<u64>,
        place: Place,
    ) -> (Task, Option<Delivery>) {
        let secret = self.add(
            &format!("{name} · secret"),
            "n8n-nodes-base.crypto",
            2.0,
            json!({
                "action": "generate",
                "dataPropertyName": "_task_secret",
                "encodingType": "hex",
                "stringLength": 64,
            }),
            place,
        );
        let keys: Vec<String> = (0..actor.inboxes.len())
            .map(|k| format!("deliver:{name}:{k}"))
            .collect();
        let deadline = limit.map_or("undefined".to_string(), |seconds| {
            format!(
                "new Date(Math.min(Date.now() + {}, 8640000000000000)).toISOString()",
                seconds.saturating_mul(1000)
            )
        });
        let code = format!(
            "// Generated by handoff: one delivery run per inbox, each told where and with which secret to hand the answer back.\n\
             const item = $input.first().json;\n\
             const deadline = {deadline};\n\
             return [{keys}].map((entry) => ({{ json: {{ ...item, _task_deadline: deadline, _resume: $execution.resumeUrl, _deliver: entry }} }}));",
            keys = keys.iter().map(|k| js_string(k)).collect::<Vec<_>>().join(", "),
        );
        let deliveries = self.code_node(
            &format!("{name} · deliveries"),
            &code,
            place.at(place.col, place.row + 1),
        );
        self.connect(&secret, 0, &deliveries);
        let workflow = self.wf.name.text.clone();
        let start = self.add(
            &format!("{name} · deliver to every inbox"),
            "n8n-nodes-base.executeWorkflow",
            1.3,
            json!({
                // This very workflow, whatever id n8n gave it (an import or a copy may change it).
                "workflowId": { "__rl": true, "value": "={{ $workflow.id }}", "mode": "id", "cachedResultName": workflow },
                "workflowInputs": {
                    "mappingMode": "defineBelow",
                    "value": { "_entry": "={{ $json[\"_deliver\"] }}" },
                    "matchingColumns": [],
                    "schema": [],
                    "attemptToConvertTypes": false,
                    "convertFieldsToString": false,
                },
                "mode": "each",
                "options": { "waitForSubWorkflow": false },
            }),
            place.at(place.col, place.row + 2),
        );
        self.connect(&deliveries, 0, &start);
        let code = format!(
            "// Generated by handoff: the work as it came to the task (with its deadline), without what only the delivery runs need.\n\
             const out = {{ ...$({deliveries}).first().json }};\n\
             delete out._task_secret;\n\
             delete out._resume;\n\
             delete out._deliver;\n\
             return [{{ json: out }}];",
            deliveries = js_string(&deliveries),
        );
        let awaiting = self.code_node(
            &format!("{name} · awaiting an answer"),
            &code,
            place.at(place.col, place.row + 3),
        );
        self.connect(&start, 0, &awaiting);
        let mut parameters = json!({
            "resume": "webhook",
            "httpMethod": "POST",
            "options": {},
        });
        if limit.is_some() {
            parameters["limitWaitTime"] = json!(true);
            parameters["limitType"] = json!("atSpecifiedTime");
            parameters["maxDateAndTime"] = json!("={{ $json[\"_task_deadline\"] }}");
        }
        let wait = self.add(
            name,
            super::WAIT,
            1.1,
            parameters,
            place.at(place.col + 1, place.row),
        );
        self.listen(&wait);
        self.connect(&awaiting, 0, &wait);
        let genuine = self.if_node(
            &format!("{name} · from a delivery?"),
            &format!(
                "$json[\"_entered_at\"] !== undefined || ($json[\"body\"] ?? {{}})[\"_secret\"] === $({secret}).first().json[\"_task_secret\"]",
                secret = js_string(&secret)
            ),
            place.at(place.col + 2, place.row),
        );
        self.note(
            &genuine,
            "n8n does not sign this wait's resume URL: only a resumption with the secret given to this task's delivery runs is an answer; anything else waits again.".to_string(),
        );
        self.connect(&wait, 0, &genuine);
        self.connect(&genuine, 1, &awaiting);
        let code = "// Generated by handoff: an answer as send and wait gives it (`data`), with the inbox it came from; a wait that ran out passes on as it is.\n\
             return $input.all().map((item) => {\n\
             \x20 if (item.json._entered_at !== undefined) return item;\n\
             \x20 const body = item.json.body ?? {};\n\
             \x20 return { json: { data: body.data ?? {}, _answered_by: body.answered_by, _answered_at: body.answered_at } };\n\
             });";
        let answer = self.code_node(
            &format!("{name} · the answer"),
            code,
            place.at(place.col + 3, place.row),
        );
        self.connect(&genuine, 0, &answer);
        // The delivery runs: one per inbox.
        for (k, inbox) in actor.inboxes.iter().enumerate() {
            let row = i64::try_from(k).unwrap_or(i64::MAX / 4).saturating_mul(2);
            // A delivery run is no part of the step's frame: it starts apart, from the entry.
            let at = place
                .at(place.col + 1, place.row.saturating_add(4 + row))
                .alone();
            let address = inbox.address.value.clone();
            let who = format!("{} {address}", inbox.channel.keyword());
            let (send, _) = self.send(
                &format!("{name} · to {who}"),
                Some((inbox.channel, address)),
                title,
                description,
                ask,
                limit,
                at,
            );
            self.entries.push((keys[k].clone(), send.clone(), at));
            let answered = self.answered(
                &format!("{name} · answered by {who}?"),
                at.at(at.col + 1, at.row),
            );
            self.connect(&send, 0, &answered);
            let started = js_string(STARTED_BY_ANOTHER_RUN);
            let hand = self.add(
                &format!("{name} · hand back the answer from {who}"),
                "n8n-nodes-base.httpRequest",
                4.2,
                json!({
                    "method": "POST",
                    "url": format!("={{{{ $({started}).first().json[\"_resume\"] }}}}"),
                    "sendBody": true,
                    "specifyBody": "json",
                    "jsonBody": format!(
                        "={{{{ JSON.stringify({{ _secret: $({started}).first().json[\"_task_secret\"], data: $json[\"data\"] ?? {{}}, answered_by: {who}, answered_at: new Date().toISOString() }}) }}}}",
                        who = js_string(&who)
                    ),
                    "options": {},
                }),
                at.at(at.col + 2, at.row),
            );
            // A late answer finds the run finished (n8n answers 409) or waiting for another
            // task: it changes nothing, and this delivery run ends quietly.
            self.settings(
                &hand,
                json!({ "retryOnFail": true, "maxTries": 3, "waitBetweenTries": 2000, "onError": "continueRegularOutput" }),
            );
            self.connect(&answered, 0, &hand);
        }
        let inbox = actor
            .inboxes
            .iter()
            .map(|i| format!("{} {}", i.channel.keyword(), i.address.value))
            .collect::<Vec<_>>()
            .join(", ");
        (
            Task {
                entry: secret,
                exit: answer,
            },
            Some(Delivery {
                inbox,
                every_inbox: true,
            }),
        )
    }

    /// The fallback's task after a wait ran out (from `timed_out`, a node and its output): the
    /// same task sent to the fallback's inbox; if nobody answers that either, or there is no
    /// fallback, the work ends as breached and the workflow owner is told.
    pub(super) fn cover(
        &mut self,
        what: &str,
        timed_out: (&str, usize),
        fallback: Option<&Actor>,
        cover: &Cover<'_>,
        place: Place,
    ) {
        let Some(fallback) = fallback else {
            let breach = self.breach(what, place);
            self.connect(timed_out.0, timed_out.1, &breach);
            let row = Row::new("sla breach", cover.step).detail("no answer in time, no fallback");
            self.audit(timed_out.0, timed_out.1, row);
            return;
        };
        let who = fallback.name.text.clone();
        let row = Row::new("fallback", cover.step)
            .actors([who.as_str()])
            .fields(cover.shown)
            .detail(&format!("no answer in time: {who} takes over"));
        self.audit(timed_out.0, timed_out.1, row);
        let (task, delivery) = self.task(
            &format!("{what} · covered by {who}"),
            Some(fallback),
            &format!("{} (time ran out: {who} takes over)", cover.title),
            cover.description,
            &Ask::Form(cover.fields),
            cover.limit,
            place,
        );
        self.connect(timed_out.0, timed_out.1, &task.entry);
        let answer = self.merge(
            &format!("{what} · answer from {who}"),
            cover.base,
            cover.provides,
            Some(Answer::of(delivery.as_ref())),
            place.at(place.col + 2, place.row),
        );
        self.connect(&answer, 0, cover.join);
        if cover.limit.is_some() {
            let answered = self.answered(
                &format!("{what} · covered in time?"),
                place.at(place.col + 1, place.row),
            );
            self.connect(&task.exit, 0, &answered);
            self.connect(&answered, 0, &answer);
            let breach = self.breach(what, place.at(place.col + 1, place.row + 1));
            self.connect(&answered, 1, &breach);
            let row = Row::new("sla breach", cover.step)
                .actors([who.as_str()])
                .detail(&format!("no answer in time from the fallback {who}"));
            self.audit(&answered, 1, row);
        } else {
            self.connect(&task.exit, 0, &answer);
        }
    }

    /// Where work nobody answered in time ends: the workflow owner is told (by email when the
    /// owner has an email inbox), then the run ends. Returns the first node.
    pub(super) fn breach(&mut self, what: &str, place: Place) -> String {
        let wf = self.wf;
        let end = format!("{what} · SLA breached (end)");
        let owner = wf.owner.and_then(|o| o.target).map(|a| wf.actor(a));
        let email = owner.and_then(|o| {
            o.inboxes
                .iter()
                .find(|i| i.channel == InboxChannel::Email)
                .map(|i| i.address.value.clone())
        });
        let Some(address) = email else {
            return self.no_op(&end, place);
        };
        let subject = format!("{}: nobody answered in time ({what})", wf.name.text);
        let text = format!(
            "The workflow {} stopped: nobody answered the task {what} in time, nor its fallback. The run ended as breached.",
            wf.name.text
        );
        let tell = self.add(
            &format!("{what} · tell the owner of the breach"),
            "n8n-nodes-base.emailSend",
            2.1,
            json!({
                "fromEmail": FROM_ADDRESS,
                "toEmail": plain(&address),
                "subject": plain(&subject),
                "emailFormat": "text",
                "text": plain(&text),
                "options": { "appendAttribution": false },
            }),
            place,
        );
        self.credential(&tell, "smtp", SMTP_CREDENTIAL);
        let end = self.no_op(&end, place.at(place.col + 1, place.row));
        self.connect(&tell, 0, &end);
        tell
    }

    /// An `If` that tells an answer (output 0) from a wait that ran out of time (output 1).
    pub(super) fn answered(&mut self, name: &str, place: Place) -> String {
        self.if_node(name, ANSWERED, place)
    }

    /// Calls the implementation of step `s` with its `needs` (and nothing else), then checks
    /// that every `provides` came back and puts them into the context kept by `base`. The call
    /// node is named `name` (the step's name, or a compensation's). Returns the first node, the
    /// call and the last node.
    pub(super) fn call_as(
        &mut self,
        s: StepId,
        call: &Call,
        base: &str,
        name: &str,
        place: Place,
    ) -> (String, String, String) {
        let wf = self.wf;
        let step = wf.step(s);
        let name = name.to_string();
        let needs: Vec<FieldId> = step.needs.iter().filter_map(|r| r.target).collect();
        let provides: Vec<FieldId> = step.provides.iter().filter_map(|r| r.target).collect();
        let mut value = serde_json::Map::new();
        let mut schema = Vec::new();
        for &f in &needs {
            let field = wf.field(f);
            let n = &field.name.text;
            value.insert(n.clone(), json!(format!("={{{{ $json[\"{n}\"] }}}}")));
            schema.push(json!({
                "id": n,
                "displayName": n,
                "required": false,
                "defaultMatch": false,
                "display": true,
                "canBeUsedToMatch": true,
                "type": n8n_type(&field.ty),
                "removed": false,
            }));
        }
        let parameters = json!({
            "workflowId": { "__rl": true, "value": call.id, "mode": "id", "cachedResultName": call.name },
            "workflowInputs": {
                "mappingMode": "defineBelow",
                "value": value,
                "matchingColumns": [],
                "schema": schema,
                "attemptToConvertTypes": false,
                "convertFieldsToString": false,
            },
            "mode": "each",
            "options": { "waitForSubWorkflow": true },
        });
        let kept = self.keep(
            &format!("{name} · needs"),
            &needs,
            None,
            false,
            place.at(place.col, place.row + 1),
        );
        let node = self.add(
            &name,
            "n8n-nodes-base.executeWorkflow",
            1.3,
            parameters,
            place,
        );
        self.connect(&kept, 0, &node);
        // A reversible step's implementation is retried when it fails (three tries in all); an
        // irreversible one, or one whose reversibility is not declared, never is.
        if step
            .reversibility()
            .is_some_and(|r| matches!(r.kind, crate::ir::ReversibilityKind::Reversible))
        {
            self.settings(
                &node,
                json!({ "retryOnFail": true, "maxTries": 3, "waitBetweenTries": 2000 }),
            );
        }
        let required: Vec<String> = provides
            .iter()
            .map(|&f| js_string(&wf.field(f).name.text))
            .collect();
        let code = format!(
            "// Generated by handoff: the implementation {implementation} must return every field the step provides.\n\
             const base = $({base}).all();\n\
             const required = [{required}];\n\
             return $input.all().map((item, i) => {{\n\
             \x20 const missing = required.filter((k) => item.json[k] === undefined || item.json[k] === null);\n\
             \x20 if (missing.length > 0) {{\n\
             \x20   throw new Error(\"the implementation \" + {implementation} + \" did not return \" + missing.join(\", \"));\n\
             \x20 }}\n\
             \x20 const out = {{ ...((base[i] ?? base[0] ?? {{ json: {{}} }}).json) }};\n\
             \x20 for (const k of required) out[k] = item.json[k];\n\
             \x20 if (item.json._confidence !== undefined) out._confidence = item.json._confidence;\n\
             \x20 return {{ json: out }};\n\
             }});",
            implementation = js_string(&call.name),
            base = js_string(base),
            required = required.join(", "),
        );
        let check = self.code_node(
            &format!("{name} · returned"),
            &code,
            place.at(place.col + 1, place.row),
        );
        self.connect(&node, 0, &check);
        (kept, node, check)
    }
}
