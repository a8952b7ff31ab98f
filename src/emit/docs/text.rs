//! Plain-text renderings of model parts (durations, conditions, field lists) shared by the
//! diagrams and the tables. Plain text: callers escape it for where it goes.

use crate::ast::Duration;
use crate::ir::{Cond, CondKind, Value, ValueKind, Workflow};

/// A duration as the source spells it (`2h`, `1d`), read from its span; when the span does not
/// hold a duration literal, the largest whole unit.
pub fn duration(source: &str, d: Duration) -> String {
    if let Some(written) = source.get(d.span.start()..d.span.end()) {
        let b = written.as_bytes();
        if !b.is_empty()
            && b.len() <= 24
            && b.iter().all(u8::is_ascii_alphanumeric)
            && b[0].is_ascii_digit()
        {
            return written.to_string();
        }
    }
    let s = d.seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if s != 0 && s % size == 0 {
            return format!("{}{unit}", s / size);
        }
    }
    format!("{s}s")
}

/// A condition as it would be written. Nesting is bounded by the parser's depth limit.
pub fn condition(wf: &Workflow, cond: &Cond) -> String {
    match &cond.kind {
        CondKind::Or(parts) => join(wf, parts, " or "),
        CondKind::And(parts) => join(wf, parts, " and "),
        CondKind::Not(inner) => format!("not {}", grouped(wf, inner)),
        CondKind::Compare(a, op, b) => {
            format!("{} {} {}", value(wf, a), op.symbol(), value(wf, b))
        }
        CondKind::In(a, items) => {
            let items: Vec<String> = items.iter().map(|i| value(wf, i)).collect();
            format!("{} in ({})", value(wf, a), items.join(", "))
        }
        CondKind::Bare(v) => value(wf, v),
    }
}

fn grouped(wf: &Workflow, cond: &Cond) -> String {
    match cond.kind {
        CondKind::Or(_) | CondKind::And(_) => format!("({})", condition(wf, cond)),
        _ => condition(wf, cond),
    }
}

fn join(wf: &Workflow, parts: &[Cond], sep: &str) -> String {
    parts
        .iter()
        .map(|p| grouped(wf, p))
        .collect::<Vec<_>>()
        .join(sep)
}

fn value(wf: &Workflow, v: &Value) -> String {
    match &v.kind {
        ValueKind::Field(Some(f)) => wf.field(*f).name.text.clone(),
        ValueKind::Field(None) => String::from("…"),
        ValueKind::Member(m) => m.to_string(),
        ValueKind::Number(n) => format!("{n}"),
        ValueKind::String(s) => {
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        }
        ValueKind::Duration(secs) => {
            let d = Duration {
                seconds: *secs,
                span: crate::span::Span::new(0, 0),
            };
            duration("", d)
        }
        ValueKind::Bool(b) => format!("{b}"),
        ValueKind::Confidence => String::from("confidence"),
        ValueKind::Attempts => String::from("attempts"),
        ValueKind::Elapsed => String::from("elapsed"),
    }
}
