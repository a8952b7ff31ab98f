//! W301 unused-field: a context field is never provided, or provided but never used.

use crate::check::conditions::Operand;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{FieldId, Ref, Step};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "W301",
    name: "unused-field",
    severity: Severity::Warning,
    summary: "a context field is never provided, or provided but never needed, carried, tested or named by `customer`",
    explanation: r#"
## What it does
Reports a field of `context` that no trigger or step provides and nothing uses, and a field that
is provided but never needed by a step, carried across a handoff or escalation, tested by a
condition, or named by `customer`. A field named by `customer` that nothing provides is reported
too, unless the workflow sends a `notify` (then E307 reports the notice that cannot reach it).
A field that an E101 "did you mean" suggests for a misspelt name is not reported: the misspelt
use was probably meant for it, and neither is a summary that W202 asks a cold handoff to carry
(unless that W202 is allowed or suppressed). (A field that is used but never provided is
reported where it is used, by E301 or E302.)

## Why it matters
The context block is the contract of what travels through the workflow. A field that is produced
and then ignored is usually a handoff somebody forgot to wire: the AI computed a risk score and
no step ever looks at it.

## Example
```handoff
workflow leads {
  actor bot: ai
  context { email: email  score: number }
  trigger inbound: webhook "/leads" { provides email }
  step qualify { owner bot needs email provides score }
  flow inbound -> qualify
}
```

## Fix
Use the field where it matters (`needs score`, `carries score`, `when score > 50`), or remove it
from `context`.
"#,
    check: Some(check),
};

fn mark(refs: &[Ref<FieldId>], seen: &mut [bool]) {
    for f in refs.iter().filter_map(|r| r.target) {
        seen[f.index()] = true;
    }
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    // An item dropped for a syntax error (E001) may have supplied what looks absent.
    if a.wf.recovered {
        return;
    }
    let wf = a.wf;
    let mut provided = vec![false; wf.fields.len()];
    let mut used = vec![false; wf.fields.len()];
    for t in &wf.triggers {
        mark(&t.provides, &mut provided);
    }
    for s in &wf.steps {
        mark(&s.provides, &mut provided);
        mark(&s.needs, &mut used);
        for e in s.escalations() {
            mark(&e.route.carries, &mut used);
        }
    }
    for t in &wf.transitions {
        mark(&t.route().carries, &mut used);
    }
    // The fields every condition tests, read from the one walk over the conditions.
    for (o, _) in a.conditions.all_operands() {
        if let Operand::Field(f) = o {
            used[f.index()] = true;
        }
    }
    // Naming a field in `customer` uses it once it is provided. A customer field that is never
    // provided is reported here unless a `notify` would have to reach it: E307 reports that.
    let customer = wf.customer.and_then(|c| c.target);
    let notices = wf.transitions.iter().any(|t| t.route().notify.is_some())
        || wf
            .steps
            .iter()
            .flat_map(Step::escalations)
            .any(|e| e.route.notify.is_some());
    // A summary that W202 asks a cold handoff to carry is reported there, with the edit that
    // uses it; found only when some provided field is unused.
    let mut to_carry: Option<Vec<Vec<Span>>> = None;
    let mut providers: Option<Vec<Vec<&str>>> = None;
    for (i, field) in wf.fields.iter().enumerate() {
        // A misspelt use that E101 suggested this field for was probably meant for it.
        if field.suggested {
            continue;
        }
        let mut cold = &[][..];
        if provided[i] && !used[i] {
            let to_carry = to_carry.get_or_insert_with(|| {
                let mut heads = vec![Vec::new(); wf.fields.len()];
                for c in super::w202_cold_handoff::cold_routes(a) {
                    if let Some((f, _)) = c.summary {
                        heads[f.index()].push(a.routes()[c.route].head);
                    }
                }
                heads
            });
            cold = &to_carry[i];
        }
        let named = customer.is_some_and(|c| c.index() == i);
        if named && !provided[i] && !used[i] && !notices {
            out.push(Diagnostic::new(
                &RULE,
                format!(
                    "the customer field `{}` is never provided",
                    field.name.text
                ),
                field.name.span,
                "named by `customer`, filled by no trigger or step",
                format!(
                    "provide `{}` where the work starts (for example `provides {}` on a trigger), or remove `customer`",
                    field.name.text, field.name.text
                ),
            ));
            continue;
        }
        let (message, label) = match (provided[i], used[i] || named) {
            (_, true) => continue,
            (false, false) => (
                format!("the field `{}` is never provided nor used", field.name.text),
                "declared here and used nowhere",
            ),
            (true, false) => (
                format!(
                    "the field `{}` is provided but never needed, carried or tested",
                    field.name.text
                ),
                "provided, then ignored",
            ),
        };
        // Removing a provided field from `context` leaves the `provides` that name it undefined
        // (E101): the help names them too (one pass over the providers, when first needed).
        let remove = if provided[i] {
            let providers = providers.get_or_insert_with(|| providers_of(wf));
            // One more than is named is kept, to know whether there are more.
            let quoted: Vec<String> = providers[i]
                .iter()
                .take(MAX_PROVIDERS)
                .map(|n| format!("`{n}`"))
                .collect();
            let more = if providers[i].len() > MAX_PROVIDERS {
                ", …"
            } else {
                ""
            };
            format!(
                "remove it from `context` and from the `provides` of {}{more}",
                quoted.join(", ")
            )
        } else {
            "remove it from `context`".to_string()
        };
        let mut d = Diagnostic::new(
            &RULE,
            message,
            field.name.span,
            label,
            format!(
                "use `{}` (`needs`, `carries` or a condition) where it matters, or {remove}",
                field.name.text
            ),
        );
        for &head in cold {
            d = d.deferring_to(&super::w202_cold_handoff::RULE, head);
        }
        out.push(d);
    }
}

/// How many providers a help names.
const MAX_PROVIDERS: usize = 3;

/// Per field, the first triggers and steps (at most one more than [`MAX_PROVIDERS`]) that
/// provide it, in declaration order: one pass over every `provides`.
fn providers_of(wf: &crate::ir::Workflow) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = vec![Vec::new(); wf.fields.len()];
    let lists = wf
        .triggers
        .iter()
        .map(|t| (t.name.text.as_str(), &t.provides))
        .chain(wf.steps.iter().map(|s| (s.name.text.as_str(), &s.provides)));
    for (name, provides) in lists {
        for f in provides.iter().filter_map(|r| r.target) {
            let list = &mut out[f.index()];
            if list.len() <= MAX_PROVIDERS && !list.contains(&name) {
                list.push(name);
            }
        }
    }
    out
}
