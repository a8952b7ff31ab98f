//! Types of condition operands (docs/language.md, conditions): what may be compared with what.
//!
//! **Invariant:** an operand whose field did not resolve has the type `Unknown`, which is
//! compatible with everything, so a name error never turns into a type error too.

use crate::ast::{CmpOp, PrimType};
use crate::ir::{Cond, CondKind, FieldId, Name, Type, Value, ValueKind, Workflow};
use crate::span::Span;

/// The type of an operand, as far as comparisons care.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OpType<'a> {
    /// The operand did not resolve; nothing is reported about it.
    Unknown,
    /// `number` or `money` fields, `confidence`, `attempts`, number literals.
    Number,
    /// `duration` fields, `elapsed`, duration literals.
    Duration,
    /// `text`, `email`, `url` and `summary` fields.
    Text,
    Date,
    Datetime,
    /// `bool` fields and `true`/`false`.
    Bool,
    /// An enum-typed field and its members.
    Enum(FieldId, &'a [Name]),
    List,
    /// A string literal (compatible with text, and with dates in ISO 8601 form).
    Str(&'a str),
    /// A member name next to an enum-typed operand.
    Member(&'a str),
}

impl OpType<'_> {
    /// How the type is named in messages.
    pub fn describe(&self) -> String {
        match self {
            OpType::Unknown => "unknown".into(),
            OpType::Number => "a number".into(),
            OpType::Duration => "a duration".into(),
            OpType::Text => "text".into(),
            OpType::Date => "a date".into(),
            OpType::Datetime => "a datetime".into(),
            OpType::Bool => "a bool".into(),
            OpType::Enum(..) => "an enum".into(),
            OpType::List => "a list".into(),
            OpType::Str(_) => "a string".into(),
            OpType::Member(_) => "an enum member".into(),
        }
    }
}

/// The type of an operand.
pub fn type_of<'a>(wf: &'a Workflow, v: &'a Value) -> OpType<'a> {
    match &v.kind {
        ValueKind::Field(None) => OpType::Unknown,
        // Which of its two declarations is meant is unclear: E102 has been reported.
        ValueKind::Field(Some(id)) if wf.field(*id).declared_twice => OpType::Unknown,
        ValueKind::Field(Some(id)) => match &wf.field(*id).ty {
            Type::Prim(PrimType::Number | PrimType::Money) => OpType::Number,
            Type::Prim(PrimType::Duration) => OpType::Duration,
            Type::Prim(PrimType::Text | PrimType::Email | PrimType::Url | PrimType::Summary) => {
                OpType::Text
            }
            Type::Prim(PrimType::Date) => OpType::Date,
            Type::Prim(PrimType::Datetime) => OpType::Datetime,
            Type::Prim(PrimType::Bool) => OpType::Bool,
            Type::Enum(members) => OpType::Enum(*id, members),
            Type::List(_) => OpType::List,
        },
        ValueKind::Member(m) => OpType::Member(m),
        ValueKind::Number(_) | ValueKind::Confidence | ValueKind::Attempts => OpType::Number,
        ValueKind::String(s) => OpType::Str(s),
        ValueKind::Duration(_) | ValueKind::Elapsed => OpType::Duration,
        ValueKind::Bool(_) => OpType::Bool,
    }
}

/// A type error in a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem<'a> {
    /// Two operands whose types cannot be compared with `op` (`None` for `in`).
    Mismatch {
        span: Span,
        left: &'a Value,
        right: &'a Value,
        op: Option<CmpOp>,
    },
    /// A member name that the enum on the other side lacks.
    UnknownMember {
        member: &'a Value,
        name: &'a str,
        field: FieldId,
        /// The other items of the `in [ … ]` list the member is in (empty for `==`, `!=`).
        siblings: &'a [Value],
    },
    /// A bare operand used as a whole condition that is not a `bool`.
    NotBool { value: &'a Value },
}

/// Whether a string is a date in ISO 8601 form (`YYYY-MM-DD`).
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && {
            let year = s[0..4].parse::<u32>().unwrap_or(0);
            let month = s[5..7].parse::<u32>().unwrap_or(0);
            let day = s[8..10].parse::<u32>().unwrap_or(0);
            (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)
        }
}

/// The days of a month of the proleptic Gregorian calendar (`2024-02-30` is no date).
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether a string is a datetime in ISO 8601 form (`YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`).
pub fn is_iso_datetime(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', ' ']) else {
        return false;
    };
    if !is_iso_date(date) {
        return false;
    }
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() == 6
            && zone.as_bytes()[3] == b':'
            && zone[1..3].bytes().all(|c| c.is_ascii_digit())
            && zone[4..].bytes().all(|c| c.is_ascii_digit())
            && &zone[1..3] < "24"
            && &zone[4..] < "60");
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let clock_ok = (parts.len() == 2 || parts.len() == 3)
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()))
        && parts[0] < "24"
        && parts[1] < "60"
        && parts.get(2).is_none_or(|s| *s < "61")
        && fraction.is_none_or(|f| {
            !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) && parts.len() == 3
        });
    zone_ok && clock_ok
}

/// Whether `a op b` is well-typed. `op` is `None` for membership in `in [...]` (equality).
// One arm per line of the contract's table of compatible types, even where two arms agree.
#[allow(clippy::match_same_arms)]
fn compatible(a: OpType<'_>, b: OpType<'_>, op: Option<CmpOp>) -> bool {
    use OpType as T;
    let ordering = matches!(op, Some(CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge));
    match (a, b) {
        (T::Unknown, _) | (_, T::Unknown) => true,
        (T::List, _) | (_, T::List) => false,
        (T::Number, T::Number) | (T::Duration, T::Duration) => true,
        (T::Text | T::Str(_), T::Text | T::Str(_)) => !ordering,
        (T::Date, T::Date) | (T::Datetime, T::Datetime) => true,
        (T::Date, T::Str(s)) | (T::Str(s), T::Date) => is_iso_date(s),
        // A date compared with a datetime means its midnight UTC.
        (T::Datetime, T::Str(s)) | (T::Str(s), T::Datetime) => is_iso_datetime(s) || is_iso_date(s),
        (T::Bool, T::Bool) => !ordering,
        (T::Enum(_, x), T::Enum(_, y)) => !ordering && x == y,
        (T::Enum(..), T::Member(_)) | (T::Member(_), T::Enum(..)) => !ordering,
        _ => false,
    }
}

/// Whether a condition is free of mistakes already reported: every field resolved, none
/// declared twice, no type error. Only such conditions are decided by the routing analysis.
pub fn is_sound(wf: &Workflow, cond: &Cond) -> bool {
    let mut sound = true;
    cond.for_each_value(&mut |v| {
        if let ValueKind::Field(f) = v.kind {
            sound &= f.is_some_and(|f| !wf.field(f).declared_twice);
        }
    });
    if sound {
        let mut found = Vec::new();
        problems(wf, cond, &mut found);
        sound = found.is_empty();
    }
    sound
}

/// Finds the type errors of a condition, in source order, one per comparison.
pub fn problems<'a>(wf: &'a Workflow, cond: &'a Cond, out: &mut Vec<Problem<'a>>) {
    match &cond.kind {
        CondKind::Or(parts) | CondKind::And(parts) => {
            for p in parts {
                problems(wf, p, out);
            }
        }
        CondKind::Not(inner) => problems(wf, inner, out),
        CondKind::Bare(v) => {
            if !matches!(type_of(wf, v), OpType::Bool | OpType::Unknown) {
                out.push(Problem::NotBool { value: v });
            }
        }
        CondKind::Compare(a, op, b) => {
            compare(wf, cond.span, a, b, Some(*op), &[], out);
        }
        CondKind::In(a, items) => {
            for item in items {
                if compare(wf, cond.span, a, item, None, items, out) {
                    break;
                }
            }
        }
    }
}

/// Checks one comparison; returns whether a problem was found.
fn compare<'a>(
    wf: &'a Workflow,
    span: Span,
    a: &'a Value,
    b: &'a Value,
    op: Option<CmpOp>,
    siblings: &'a [Value],
    out: &mut Vec<Problem<'a>>,
) -> bool {
    let (ta, tb) = (type_of(wf, a), type_of(wf, b));
    for (enum_side, member_side) in [(ta, b), (tb, a)] {
        if let (OpType::Enum(field, members), ValueKind::Member(m)) = (enum_side, &member_side.kind)
        {
            if !members.iter().any(|n| *n.text == **m) {
                out.push(Problem::UnknownMember {
                    member: member_side,
                    name: m,
                    field,
                    siblings,
                });
                return true;
            }
        }
    }
    if compatible(ta, tb, op) {
        return false;
    }
    out.push(Problem::Mismatch {
        span,
        left: a,
        right: b,
        op,
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        assert!(is_iso_date("2026-01-31"));
        assert!(!is_iso_date("2026-13-01"));
        assert!(!is_iso_date("26-01-01"));
        assert!(is_iso_datetime("2026-01-31T09:30:00Z"));
        assert!(is_iso_datetime("2026-01-31T09:30"));
        assert!(is_iso_datetime("2026-01-31T09:30:00.250+02:00"));
        assert!(!is_iso_datetime("2026-01-31"));
        assert!(!is_iso_datetime("2026-01-31T25:00"));
    }
}
