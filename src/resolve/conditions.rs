//! Resolution of conditions: which identifiers are fields and which are enum members.
//!
//! docs/language.md: an identifier compared with an enum-typed operand names a member of that
//! enum; anywhere else it names a field. Whether the member exists is a type question (E303),
//! left to the checks.

use super::Ctx;
use crate::ast::{self, ExprKind, OperandKind};
use crate::ir::{Cond, CondKind, FieldId, Type, Value, ValueKind};

/// Resolves a condition. Nesting is bounded by the parser, so recursion here is bounded too.
pub(super) fn resolve(ctx: &mut Ctx<'_>, expr: &ast::Expr) -> Cond {
    let kind = match &expr.kind {
        ExprKind::Or(parts) => CondKind::Or(parts.iter().map(|p| resolve(ctx, p)).collect()),
        ExprKind::And(parts) => CondKind::And(parts.iter().map(|p| resolve(ctx, p)).collect()),
        ExprKind::Not(inner) => CondKind::Not(Box::new(resolve(ctx, inner))),
        ExprKind::Bare(op) => CondKind::Bare(value(ctx, op, false)),
        ExprKind::Compare(lhs, op, rhs) => {
            let lhs_enum = is_enum_field(ctx, lhs);
            let rhs_enum = !lhs_enum && is_enum_field(ctx, rhs);
            // A misspelt operand is not "meant" to be the other one: `s == x` is not `s == s`.
            ctx.not_suggested = field_of(ctx, rhs);
            let left = value(ctx, lhs, rhs_enum);
            ctx.not_suggested = field_of(ctx, lhs);
            let right = value(ctx, rhs, lhs_enum);
            ctx.not_suggested = None;
            CondKind::Compare(left, *op, right)
        }
        ExprKind::In(lhs, items) => {
            let lhs_enum = is_enum_field(ctx, lhs);
            let lhs = value(ctx, lhs, false);
            CondKind::In(lhs, items.iter().map(|i| value(ctx, i, lhs_enum)).collect())
        }
    };
    Cond {
        kind,
        span: expr.span,
    }
}

/// The field an operand names, if it names one.
fn field_of(ctx: &Ctx<'_>, op: &ast::Operand) -> Option<FieldId> {
    match op.kind {
        OperandKind::Name(name) => ctx.field_ids.get(name),
        _ => None,
    }
}

/// Whether an operand is a name of an enum-typed field.
fn is_enum_field(ctx: &Ctx<'_>, op: &ast::Operand) -> bool {
    let OperandKind::Name(name) = &op.kind else {
        return false;
    };
    ctx.field_ids
        .get(name)
        .and_then(|id| ctx.fields.get(id.index()))
        .is_some_and(|f| matches!(f.ty, Type::Enum(_)))
}

/// Resolves one operand; `member` says a name here names an enum member.
fn value(ctx: &mut Ctx<'_>, op: &ast::Operand, member: bool) -> Value {
    let kind = match &op.kind {
        OperandKind::Name(name) if member => ValueKind::Member((*name).to_string()),
        OperandKind::Name(name) => {
            let ident = ast::Ident {
                name,
                span: op.span,
            };
            ValueKind::Field(ctx.field(&ident).target)
        }
        OperandKind::Number(n) => ValueKind::Number(*n),
        OperandKind::String(s) => ValueKind::String(s.clone()),
        OperandKind::Duration(d) => ValueKind::Duration(*d),
        OperandKind::Bool(b) => ValueKind::Bool(*b),
        OperandKind::Confidence => ValueKind::Confidence,
        OperandKind::Attempts => ValueKind::Attempts,
        OperandKind::Elapsed => ValueKind::Elapsed,
    };
    Value {
        kind,
        span: op.span,
    }
}
