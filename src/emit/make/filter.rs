//! Conditions as Make filters: an OR of ANDs of comparisons. `not` is pushed down to the
//! comparisons; `in` becomes an OR of equalities. A condition Make's filters cannot express
//! (`elapsed`, `attempts`, a form too large once expanded) is decided by the implementation of
//! the step the route leaves: the filter reads its answer `route_N` (see `docs/targets/make.md`).

use crate::ast::{CmpOp, PrimType};
use crate::ir::{Cond, CondKind, Type, Value, ValueKind, Workflow};

use super::blueprint::Condition;
use super::{escape, Context};

/// How many comparisons an expanded condition may have before it falls back.
const MAX_ATOMS: usize = 64;
/// How deep a condition may nest before it falls back.
const MAX_DEPTH: usize = 64;

/// Where operands are read: the context (which module holds each field) and the module that
/// gave the source step's result (`confidence` and the `route_N` answers).
pub struct Operands<'a> {
    pub wf: &'a Workflow,
    pub context: &'a Context,
    /// `{{R.data.}}` or `{{1.}}`: the prefix of the source step's result, if it has one.
    pub result: Option<String>,
}

/// A disjunction of conjunctions.
pub type Dnf = Vec<Vec<Condition>>;

/// The filter conditions of `cond` (or of its negation), or `None` when Make cannot express it.
pub fn dnf(ops: &Operands<'_>, cond: &Cond, negate: bool) -> Option<Dnf> {
    let out = walk(ops, cond, negate, 0)?;
    (out.iter().map(Vec::len).sum::<usize>() <= MAX_ATOMS).then_some(out)
}

/// The conjunction of several DNFs (`None` if it grows too large).
pub fn and(parts: Vec<Dnf>) -> Option<Dnf> {
    let mut acc: Dnf = vec![Vec::new()];
    for p in parts {
        let mut next = Vec::new();
        for a in &acc {
            for b in &p {
                let mut c = a.clone();
                c.extend(b.iter().cloned());
                next.push(c);
            }
        }
        if next.iter().map(Vec::len).sum::<usize>() > MAX_ATOMS {
            return None;
        }
        acc = next;
    }
    Some(acc)
}

fn walk(ops: &Operands<'_>, cond: &Cond, negate: bool, depth: usize) -> Option<Dnf> {
    if depth > MAX_DEPTH {
        return None;
    }
    match &cond.kind {
        CondKind::Not(inner) => walk(ops, inner, !negate, depth + 1),
        CondKind::Or(parts) | CondKind::And(parts) => {
            let is_or = matches!(cond.kind, CondKind::Or(_)) != negate;
            let subs = parts
                .iter()
                .map(|p| walk(ops, p, negate, depth + 1))
                .collect::<Option<Vec<_>>>()?;
            if is_or {
                let out: Dnf = subs.into_iter().flatten().collect();
                (out.len() <= MAX_ATOMS).then_some(out)
            } else {
                and(subs)
            }
        }
        CondKind::Compare(a, op, b) => Some(vec![vec![compare(ops, a, *op, b, negate)?]]),
        CondKind::In(a, items) => {
            let atoms = items
                .iter()
                .map(|i| compare(ops, a, CmpOp::Eq, i, negate))
                .collect::<Option<Vec<_>>>()?;
            Some(if negate {
                vec![atoms]
            } else {
                atoms.into_iter().map(|c| vec![c]).collect()
            })
        }
        CondKind::Bare(v) => {
            let t = Value {
                kind: ValueKind::Bool(true),
                span: v.span,
            };
            Some(vec![vec![compare(ops, v, CmpOp::Eq, &t, negate)?]])
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Text,
    Bool,
    Date,
}

fn kind_of(ops: &Operands<'_>, v: &Value) -> Option<Kind> {
    Some(match &v.kind {
        ValueKind::Field(Some(f)) => match &ops.wf.field(*f).ty {
            Type::Prim(PrimType::Number | PrimType::Money | PrimType::Duration) => Kind::Number,
            Type::Prim(PrimType::Bool) => Kind::Bool,
            Type::Prim(PrimType::Date | PrimType::Datetime) => Kind::Date,
            Type::Prim(_) | Type::Enum(_) => Kind::Text,
            Type::List(_) => return None,
        },
        ValueKind::Number(_) | ValueKind::Duration(_) | ValueKind::Confidence => Kind::Number,
        ValueKind::Bool(_) => Kind::Bool,
        ValueKind::Member(_) | ValueKind::String(_) => Kind::Text,
        ValueKind::Field(None) | ValueKind::Attempts | ValueKind::Elapsed => return None,
    })
}

fn operand(ops: &Operands<'_>, v: &Value) -> Option<String> {
    Some(match &v.kind {
        // A field the context does not hold cannot be read: the route falls back.
        ValueKind::Field(Some(f)) => ops.context.get(&ops.wf.field(*f).name.text)?,
        ValueKind::Number(n) => format!("{n}"),
        ValueKind::Duration(s) => s.to_string(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Member(m) | ValueKind::String(m) => escape::text(m),
        ValueKind::Confidence => format!("{{{{{}confidence}}}}", ops.result.as_deref()?),
        ValueKind::Field(None) | ValueKind::Attempts | ValueKind::Elapsed => return None,
    })
}

fn compare(ops: &Operands<'_>, a: &Value, op: CmpOp, b: &Value, negate: bool) -> Option<Condition> {
    let kind = kind_of(ops, a).or_else(|| kind_of(ops, b))?;
    let op = if negate {
        match op {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    } else {
        op
    };
    let o = match (kind, op) {
        (Kind::Number, CmpOp::Eq) => "number:equal",
        (Kind::Number, CmpOp::Ne) => "number:notequal",
        (Kind::Number, CmpOp::Lt) => "number:less",
        (Kind::Number, CmpOp::Le) => "number:lessorequal",
        (Kind::Number, CmpOp::Gt) => "number:greater",
        (Kind::Number, CmpOp::Ge) => "number:greaterorequal",
        (Kind::Date, CmpOp::Eq) => "date:equal",
        (Kind::Date, CmpOp::Ne) => "date:notequal",
        (Kind::Date, CmpOp::Lt) => "date:less",
        (Kind::Date, CmpOp::Le) => "date:lessorequal",
        (Kind::Date, CmpOp::Gt) => "date:greater",
        (Kind::Date, CmpOp::Ge) => "date:greaterorequal",
        (Kind::Bool, CmpOp::Eq) => "boolean:equal",
        (Kind::Bool, CmpOp::Ne) => "boolean:notequal",
        (Kind::Text, CmpOp::Eq) => "text:equal",
        (Kind::Text, CmpOp::Ne) => "text:notequal",
        _ => return None,
    };
    Some(Condition {
        a: operand(ops, a)?,
        o,
        b: Some(operand(ops, b)?),
    })
}
