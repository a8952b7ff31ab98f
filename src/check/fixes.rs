//! The structured fixes that semantic rules attach: adding fields to a `carries` list, and
//! turning a `flow` into a `handoff`. Each is built from the analysis, so its safety is judged
//! on the same facts the rule reported.
//!
//! A fix is marked safe only when it removes its diagnostic without a new error: the fields it
//! adds are available where they are carried, none is `sensitive` (carrying one may leak it, E305),
//! and a `flow` made a `handoff` passes every field that anything in the workflow reads.

use crate::diagnostics::{Edit, Fix};
use crate::ir::{FieldId, Route, Transition, TransitionKind};

use super::flow::{Cause, Missing};
use super::Analysis;

/// The edit that adds `names` to the `carries` of `route`, whose declaration (the handoff or
/// the `escalate` item) ends at byte `end`: after the last carried name, as a `carries` item
/// at the start of the body, or as a new body.
pub fn add_to_carries(route: &Route, end: usize, names: &[&str]) -> Edit {
    let list = names.join(", ");
    if let Some(last) = route.carries.iter().map(|c| c.span.end()).max() {
        Edit::insert(last, format!(", {list}"))
    } else if let Some(body) = route.body {
        // After the `{`.
        Edit::insert(body.start() + 1, format!(" carries {list}"))
    } else {
        Edit::insert(end, format!(" {{ carries {list} }}"))
    }
}

impl Analysis<'_> {
    /// The fix of a field lost at a handoff that does not carry it: add it to that handoff's
    /// `carries`, and to those of the handoffs after it on the path that drop it too. `None`
    /// when the field was lost some other way. Safe when the field is available on every path
    /// into the handoff where it was lost and is not `sensitive`.
    pub fn carries_fix(&self, field: FieldId, missing: &Missing) -> Option<Fix> {
        let Cause::Handoff(first) = missing.cause else {
            return None;
        };
        let wf = self.wf;
        let name = self.field_name(field);
        let mut edits = Vec::new();
        let mut arrows = Vec::new();
        for id in std::iter::once(first).chain(missing.also_dropped_by.iter().copied()) {
            let t = &wf.transitions[id.index()];
            if t.kind != TransitionKind::Handoff || t.rejected {
                return None;
            }
            edits.push(add_to_carries(t.route(), t.span.end(), &[name]));
            arrows.push(format!("`{}`", self.arrow(t)));
        }
        let t = &wf.transitions[first.index()];
        let available = t
            .ends()
            .is_some_and(|(from, _)| self.context.has_out(self.graph.node(from), field));
        let safe = available && !wf.field(field).sensitive;
        let of = if arrows.len() == 1 {
            "the handoff"
        } else {
            "the handoffs"
        };
        Some(Fix::new(
            format!("add `{name}` to `carries` of {of} {}", arrows.join(", ")),
            edits,
            safe,
        ))
    }

    /// Which fields anything in the workflow reads: a `needs`, a `carries`, a condition, or the
    /// workflow's `customer`. Indexed by field.
    pub fn used_fields(&self) -> Vec<bool> {
        let wf = self.wf;
        let mut used = vec![false; wf.fields.len()];
        let mut mark = |f: Option<FieldId>| {
            if let Some(slot) = f.and_then(|f| used.get_mut(f.index())) {
                *slot = true;
            }
        };
        mark(wf.customer.and_then(|c| c.target));
        for step in &wf.steps {
            step.needs.iter().for_each(|r| mark(r.target));
            for esc in step.escalations() {
                esc.route.carries.iter().for_each(|r| mark(r.target));
                for (f, _) in crate::rules::e301_missing_context::tested(&esc.condition) {
                    mark(Some(f));
                }
            }
        }
        for t in &wf.transitions {
            t.route().carries.iter().for_each(|r| mark(r.target));
            if let crate::ir::Guard::When(cond) = &t.guard {
                for (f, _) in crate::rules::e301_missing_context::tested(cond) {
                    mark(Some(f));
                }
            }
        }
        used
    }

    /// The fix of a `flow` between different owners (E202): the keyword becomes `handoff`, and
    /// the handoff carries every field the flow passed (available after the source on every
    /// path) that anything in the workflow reads, so the change takes nothing away. `index` is
    /// the transition's index; `used` comes from [`Analysis::used_fields`]. `None` for a link of
    /// a chain (`flow a -> b -> c`), which one keyword cannot change alone. Safe unless a field
    /// it would carry is `sensitive`.
    pub fn flow_to_handoff_fix(&self, index: usize, used: &[bool]) -> Option<Fix> {
        let wf = self.wf;
        let t: &Transition = wf.transitions.get(index)?;
        // The links of a chain are consecutive and share the chain's span.
        let in_chain = |i: Option<usize>| {
            i.and_then(|i| wf.transitions.get(i))
                .is_some_and(|u| u.kind == TransitionKind::Flow && u.span == t.span)
        };
        if in_chain(index.checked_sub(1)) || in_chain(index.checked_add(1)) {
            return None;
        }
        let (from, _) = t.ends()?;
        let n = self.graph.node(from);
        let carried: Vec<FieldId> = self
            .context
            .after_run(n)
            .filter(|f| used.get(f.index()).copied().unwrap_or(true))
            .collect();
        let names: Vec<&str> = carried.iter().map(|f| self.field_name(*f)).collect();
        let start = t.span.start();
        let mut edits = vec![Edit::replace(
            crate::span::Span::new(start, start + "flow".len()),
            "handoff",
        )];
        let message = if names.is_empty() {
            "replace `flow` with `handoff`".to_string()
        } else {
            edits.push(Edit::insert(
                t.span.end(),
                format!(" {{ carries {} }}", names.join(", ")),
            ));
            format!(
                "replace `flow` with `handoff` and carry {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let safe = !carried.iter().any(|f| wf.field(*f).sensitive);
        Some(Fix::new(message, edits, safe))
    }
}
