//! E303 type-mismatch: a condition compares incompatible types, or names a member its enum lacks.

use crate::check::conditions::CondRef;
use crate::check::types::{problems, type_of, OpType, Problem};
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Edit, Fix, Severity};
use crate::ir::{Cond, Guard, StepId, TransitionId, Type, Value, ValueKind};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E303",
    name: "type-mismatch",
    severity: Severity::Error,
    summary: "a condition compares incompatible types, or names a member its enum lacks",
    explanation: r##"
## What it does
Type-checks every condition. `number` and `money` compare with numbers; `duration` with
durations; `text`, `email`, `url` and `summary` with strings, using `==`, `!=` or `in` only;
`date` and `datetime` with strings in ISO 8601 form; `bool` with `true` and `false`; an enum
field only with its own members; a `list` with nothing. A bare operand used as a whole condition
must be a `bool`. An unknown enum member gets the closest member as a suggestion.

## Why it matters
A condition that can never be true silently routes every case down the other branch: the
high-intent lead goes to the newsletter because `tier == "enterprise"` compared an enum with a
string.

## Example
```handoff
workflow leads {
  owner sales
  actor bot: ai
  actor sales: team { inbox slack "#sales" }
  context { tier: enum(smb, mid, enterprise)  brief: summary }
  trigger inbound: webhook "/leads" { provides tier }
  step qualify { owner bot needs tier provides brief }
  step call { owner sales }
  flow inbound -> qualify
  handoff qualify -> call when tier == enterprse { carries brief  sla 4h }
  handoff qualify -> call_back otherwise { carries brief  sla 4h }
  step call_back { owner sales }
}
```

## Fix
Compare like with like: `tier == enterprise`, `intent > 70`.
"##,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    // A sound condition has no type error (`Conditions` has type-checked it): only the others
    // are checked again here, for their diagnostics.
    let mut conditions: Vec<&Cond> = Vec::new();
    for (i, step) in wf.steps.iter().enumerate() {
        for (k, e) in step.escalations().iter().enumerate() {
            if !a
                .conditions
                .is_sound(CondRef::Escalation(StepId(i as u32), k))
            {
                conditions.push(&e.condition);
            }
        }
    }
    for (i, t) in wf.transitions.iter().enumerate() {
        if let Guard::When(c) = &t.guard {
            if !a
                .conditions
                .is_sound(CondRef::Guard(TransitionId(i as u32)))
            {
                conditions.push(c);
            }
        }
    }
    for cond in conditions {
        let mut found = Vec::new();
        problems(wf, cond, &mut found);
        for p in found {
            out.push(diagnostic(a, &p));
        }
    }
}

fn operand_text(a: &Analysis<'_>, v: &Value) -> String {
    match &v.kind {
        ValueKind::Field(Some(f)) => format!("`{}`", a.field_name(*f)),
        ValueKind::Member(m) => format!("`{m}`"),
        ValueKind::Number(n) => format!("`{n}`"),
        ValueKind::String(s) => format!("`{s:?}`"),
        ValueKind::Duration(secs) => {
            format!("`{}`", crate::check::routing::seconds_text(*secs))
        }
        ValueKind::Bool(b) => format!("`{b}`"),
        ValueKind::Confidence => "`confidence`".to_string(),
        ValueKind::Attempts => "`attempts`".to_string(),
        ValueKind::Elapsed => "`elapsed`".to_string(),
        ValueKind::Field(None) => "this operand".to_string(),
    }
}

/// What an operand of this type may be compared with, for the help line (`confidence` with a
/// number in its range).
fn advice(t: OpType<'_>, v: &Value) -> &'static str {
    if matches!(v.kind, ValueKind::Confidence) {
        return "a number from 0 to 1, such as `0.8`";
    }
    match t {
        OpType::Number => "a number, such as `70`",
        OpType::Duration => "a duration, such as `4h`",
        OpType::Text | OpType::Str(_) => "a string using `==`, `!=` or `in`",
        OpType::Date => "a date string such as `\"2026-01-31\"`",
        OpType::Datetime => "a datetime string such as `\"2026-01-31T09:00:00Z\"`",
        OpType::Bool => "`true` or `false` using `==` or `!=`",
        OpType::Enum(..) | OpType::Member(_) => {
            "one of its members, without quotes, using `==`, `!=` or `in`"
        }
        OpType::List => "nothing: test another field instead of a list",
        OpType::Unknown => "an operand of the same type",
    }
}

/// How many members of an enum the help of an unknown member lists.
const MEMBERS_LISTED: usize = 12;

fn diagnostic(a: &Analysis<'_>, problem: &Problem<'_>) -> Diagnostic {
    let wf = a.wf;
    match problem {
        Problem::UnknownMember {
            member,
            name: m,
            field,
            siblings,
        } => {
            let f = wf.field(*field);
            let members: Vec<&str> = match &f.ty {
                Type::Enum(ms) => ms.iter().map(|n| n.text.as_str()).collect(),
                _ => Vec::new(),
            };
            // Not a member the `in` list holds already: the edit would list it twice.
            let mut listed: Vec<&str> = siblings
                .iter()
                .filter_map(|v| match &v.kind {
                    ValueKind::Member(s) => Some(&**s),
                    _ => None,
                })
                .collect();
            listed.sort_unstable();
            let listed = |c: &str| listed.binary_search(&c).is_ok();
            let closest = crate::resolve::suggest::closest_unique(
                m,
                members.iter().filter(|c| !listed(c)).map(|c| (*c, ())),
            );
            // The member is replaced by the closest one; safe when no other member is close.
            let fix = closest.map(|(c, (), unique)| {
                Fix::new(
                    format!("replace `{m}` with `{c}`"),
                    vec![Edit::replace(member.span, c)],
                    unique,
                )
            });
            let help = if let Some((c, (), _)) = closest {
                format!("did you mean `{c}`? replace `{m}` with `{c}`")
            } else {
                // The list is bounded too: an enum of thousands of members named in each of
                // thousands of diagnostics would make the output quadratic.
                let mut list = members
                    .iter()
                    .take(MEMBERS_LISTED)
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                if members.len() > MEMBERS_LISTED {
                    list.push_str(", …");
                }
                format!("use one of {list}")
            };
            let d = Diagnostic::new(
                &RULE,
                format!("`{m}` is not a member of `{}`", f.name.text),
                member.span,
                format!("`{}` has no member `{m}`", f.name.text),
                help,
            )
            .with_label(
                f.span,
                format!("`{}` is declared `{}` here", f.name.text, f.ty),
            );
            match fix {
                Some(fix) => d.with_fix(fix),
                None => d,
            }
        }
        Problem::NotBool { value } => {
            let t = type_of(wf, value);
            let mut d = Diagnostic::new(
                &RULE,
                format!(
                    "{} is {}, not a condition",
                    operand_text(a, value),
                    describe(wf, value, t)
                ),
                value.span,
                "a condition needs a `bool` here",
                format!("compare it with {}", advice(t, value)),
            );
            if let ValueKind::Field(Some(f)) = value.kind {
                let f = wf.field(f);
                d = d.with_label(
                    f.span,
                    format!("`{}` is declared `{}` here", f.name.text, f.ty),
                );
            }
            d
        }
        Problem::Mismatch {
            span,
            left,
            right,
            op,
        } => {
            let (tl, tr) = (type_of(wf, left), type_of(wf, right));
            let how = match op {
                Some(op) => format!("with `{}`", op.symbol()),
                None => "with `in`".to_string(),
            };
            let same_kind = std::mem::discriminant(&tl) == std::mem::discriminant(&tr)
                || matches!(
                    (tl, tr),
                    (OpType::Text | OpType::Str(_), OpType::Text | OpType::Str(_))
                );
            let (message, label) = if same_kind && !matches!(tl, OpType::Enum(..) | OpType::List) {
                (
                    format!("{} cannot be compared {how}", tl.describe()),
                    format!("{} {how}", operand_text(a, left)),
                )
            } else {
                (
                    format!(
                        "cannot compare {} ({}) with {} ({})",
                        operand_text(a, left),
                        describe(wf, left, tl),
                        operand_text(a, right),
                        describe(wf, right, tr)
                    ),
                    "incompatible types".to_string(),
                )
            };
            let anchor = if matches!(tl, OpType::Unknown | OpType::Str(_)) {
                tr
            } else {
                tl
            };
            let mut d = Diagnostic::new(
                &RULE,
                message,
                *span,
                label,
                format!(
                    "compare {} with {}",
                    operand_text(a, if anchor == tl { left } else { right }),
                    advice(anchor, if anchor == tl { left } else { right })
                ),
            );
            for v in [left, right] {
                if let ValueKind::Field(Some(f)) = v.kind {
                    let f = wf.field(f);
                    d = d.with_label(
                        f.span,
                        format!("`{}` is declared `{}` here", f.name.text, f.ty),
                    );
                }
            }
            d
        }
    }
}

/// How an operand's type is named: a `money` field is money (it compares as a number).
fn describe(wf: &crate::ir::Workflow, v: &crate::ir::Value, t: OpType<'_>) -> String {
    match v.kind {
        ValueKind::Field(Some(f))
            if matches!(
                wf.field(f).ty,
                crate::ir::Type::Prim(crate::ast::PrimType::Money)
            ) =>
        {
            "money".to_string()
        }
        _ => t.describe(),
    }
}
