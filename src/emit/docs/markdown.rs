//! The page of one workflow and the index of several: prose, diagrams and tables in Markdown
//! that GitHub and GitLab render (Mermaid in fenced `mermaid` blocks).

use crate::check::Analysis;
use crate::diagnostics::Diagnostic;

use super::escape::{code, markdown};
use super::mermaid::{self, MAX_EDGES, MAX_TEXT};
use super::{tables, view};

const LEGEND: &str = "\
**Legend**

- Lanes are owners, titled with the actor's name, kind and title; triggers stand outside them.
- Shapes: stadium, a trigger; rounded box, a human's step; double-sided box, a team's; hexagon, \
an AI's; cylinder, a system's; diamond, an approval; flag, an escalation reaching its target. A \
red border and ⚠ mark an irreversible step; ↺ names the step that undoes a compensable one.
- Thin arrow: a flow (the owner keeps the work). **Thick arrow: a handoff** (the work changes \
hands), labelled with what it carries and its SLA. Dotted arrow: an exception path (an \
escalation, an approval's rejection, or an undo). Conditions label the arrows they guard.
";

/// Doc comment text as paragraphs.
fn prose(doc: &str) -> String {
    let mut out = String::new();
    for para in doc.split("\n\n") {
        let para = para.trim();
        if !para.is_empty() {
            out.push_str(&markdown(&para.replace('\n', " ")));
            out.push_str("\n\n");
        }
    }
    out
}

/// The doc comments of the workflow's actors, fields, triggers, steps and transitions, as a
/// list (fields' docs are in the context table instead).
fn notes(a: &Analysis<'_>) -> String {
    let wf = a.wf;
    let mut items: Vec<String> = Vec::new();
    let mut note = |name: String, what: &str, doc: &Option<String>| {
        if let Some(doc) = doc {
            let doc = doc.trim();
            if !doc.is_empty() {
                items.push(format!(
                    "- {name} ({what}): {}\n",
                    markdown(&doc.replace('\n', " "))
                ));
            }
        }
    };
    for actor in &wf.actors {
        note(code(&actor.name.text), "actor", &actor.doc);
    }
    for t in &wf.triggers {
        note(code(&t.name.text), "trigger", &t.doc);
    }
    for s in &wf.steps {
        note(code(&s.name.text), "step", &s.doc().cloned());
    }
    for t in &wf.transitions {
        if let Some((from, to)) = t.ends() {
            let what = match t.kind {
                crate::ir::TransitionKind::Flow => "flow",
                crate::ir::TransitionKind::Handoff => "handoff",
            };
            note(
                format!("{} → {}", code(wf.node_name(from)), code(wf.node_name(to))),
                what,
                &t.doc().cloned(),
            );
        }
    }
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("Notes from the source:\n\n");
    for item in items {
        out.push_str(&item);
    }
    out.push('\n');
    out
}

/// The page of one workflow; `diagnostics` are those `handoff check` reports on it.
pub fn page(a: &Analysis<'_>, source: &str, diagnostics: &[&Diagnostic]) -> String {
    let wf = a.wf;
    let mut out = String::new();
    let title = wf
        .title
        .as_ref()
        .map_or_else(|| wf.name.text.clone(), |t| markdown(&t.value));
    out.push_str(&format!("# {title}\n\n"));
    out.push_str(&format!("- Workflow: {}\n", code(&wf.name.text)));
    if let Some(v) = &wf.version {
        out.push_str(&format!("- Version: {}\n", markdown(&v.value)));
    }
    if let Some(o) = wf.owner.and_then(|o| o.target) {
        let owner = a.actor(o);
        let mut line = format!(
            "- Owner: {} ({})",
            code(&owner.name.text),
            owner.kind.keyword()
        );
        if let Some(t) = &owner.title {
            line.push_str(&format!(", {}", markdown(&t.value)));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if wf.customer_facing {
        let mut line = String::from("- Customer-facing");
        if let Some(f) = wf.customer.and_then(|c| c.target) {
            line.push_str(&format!(
                ": the customer is reached through {}",
                code(a.field_name(f))
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    let warnings = diagnostics.len();
    out.push_str(&format!(
        "- Known risks: {}\n\n",
        match warnings {
            0 => String::from("none reported by `handoff check`"),
            1 => String::from("[1 diagnostic](#diagnostics)"),
            n => format!("[{n} diagnostics](#diagnostics)"),
        }
    ));
    if let Some(doc) = &wf.doc {
        out.push_str(&prose(doc));
    }
    out.push_str(&notes(a));

    out.push_str("## Diagram\n\n");
    let v = view::build(a, source);
    let diagrams = mermaid::diagrams(&v);
    if diagrams.len() > 1 {
        out.push_str(&format!(
            "This workflow is too large for one Mermaid diagram (its defaults allow {MAX_TEXT} \
             characters and {MAX_EDGES} edges), so it is shown in {} parts cut in source order; \
             an arrow to a step of another part ends at a dashed box naming it. `handoff graph \
             --format dot` draws the whole workflow with Graphviz.\n\n",
            diagrams.len()
        ));
        for (i, d) in diagrams.iter().enumerate() {
            out.push_str(&format!("- [Part {}](#part-{})\n", i + 1, i + 1));
            let _ = d;
        }
        out.push('\n');
    }
    for (i, d) in diagrams.iter().enumerate() {
        if let Some(t) = &d.title {
            out.push_str(&format!("### Part {}\n\n{}\n\n", i + 1, markdown(t)));
        }
        out.push_str("```mermaid\n");
        out.push_str(&d.text);
        out.push_str("```\n\n");
    }
    out.push_str(LEGEND);
    out.push('\n');

    let rows = tables::routes(a, source);
    out.push_str("## Handoffs\n\n");
    out.push_str(
        "Every place the work changes hands. *Dropped* lists what was available at the source \
         but is not carried.\n\n",
    );
    out.push_str(&tables::handoffs(a, &rows));
    out.push_str("\n## Context\n\n");
    out.push_str(&tables::context(a, &rows));
    out.push_str("\n## Actors\n\n");
    out.push_str(&tables::actors(a));
    out.push_str("\n## Reversibility\n\n");
    out.push_str(&tables::reversibility(a, source));
    out.push_str("\n## Diagnostics\n\n");
    out.push_str(&tables::diagnostics(source, diagnostics));
    out
}

/// One entry of the index page.
pub struct IndexEntry<'a> {
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub file: &'a str,
    pub diagnostics: usize,
}

/// The index page of several workflows.
pub fn index(entries: &[IndexEntry<'_>]) -> String {
    let mut out =
        String::from("# Workflows\n\n| Workflow | Title | Diagnostics |\n|---|---|---|\n");
    for e in entries {
        out.push_str(&format!(
            "| [{}]({}) | {} | {} |\n",
            markdown(e.name),
            e.file,
            e.title.map_or(String::from("—"), markdown),
            e.diagnostics
        ));
    }
    out
}
