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
            // Each operand's name is looked up once, here (at 100,000 routes the lookups are
            // a tenth of resolution).
            let (lhs_field, rhs_field) = (field_of(ctx, lhs), field_of(ctx, rhs));
            let lhs_enum = is_enum(ctx, lhs_field);
            let rhs_enum = !lhs_enum && is_enum(ctx, rhs_field);
            // `teir == enterprise`: whether `enterprise` is a member depended on the misspelt
            // field, so only one of two unknown names is reported: the one that looks like a
            // misspelt field (the left one when both or neither do).
            let unknown = |op: &ast::Operand, field: Option<FieldId>| {
                matches!(op.kind, OperandKind::Name(_)) && field.is_none()
            };
            let (quiet_left, quiet_right) = if unknown(lhs, lhs_field) && unknown(rhs, rhs_field) {
                let right_first = !near_a_field(ctx, lhs) && near_a_field(ctx, rhs);
                (right_first, !right_first)
            } else {
                (false, false)
            };
            // A misspelt operand is not "meant" to be the other one: `s == x` is not `s == s`.
            ctx.not_suggested = rhs_field;
            let left = value_of(ctx, lhs, lhs_field, rhs_enum || quiet_left);
            ctx.not_suggested = lhs_field;
            let right = value_of(ctx, rhs, rhs_field, lhs_enum || quiet_right);
            ctx.not_suggested = None;
            CondKind::Compare(left, *op, right)
        }
        ExprKind::In(lhs, items) => {
            let lhs_enum = is_enum_field(ctx, lhs);
            // `kk in [lo, hi]` with `kk` unknown: the items may be members of what was meant.
            let quiet = unknown_name(ctx, lhs);
            let lhs = value(ctx, lhs, false);
            CondKind::In(
                lhs,
                items
                    .iter()
                    .map(|i| value(ctx, i, lhs_enum || (quiet && unknown_name(ctx, i))))
                    .collect(),
            )
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

/// Whether an operand is a name that names no field.
fn unknown_name(ctx: &Ctx<'_>, op: &ast::Operand) -> bool {
    matches!(op.kind, OperandKind::Name(name) if ctx.field_ids.get(name).is_none())
}

/// Whether a name is close to the name of a field (a "did you mean" would find one).
fn near_a_field(ctx: &Ctx<'_>, op: &ast::Operand) -> bool {
    let OperandKind::Name(name) = op.kind else {
        return false;
    };
    super::suggest::closest_unique(name, ctx.fields.iter().map(|f| (f.name.text.as_str(), ())))
        .is_some()
}

/// Whether an operand is a name of an enum-typed field.
fn is_enum_field(ctx: &Ctx<'_>, op: &ast::Operand) -> bool {
    is_enum(ctx, field_of(ctx, op))
}

/// Whether a field (if any) is of an enum type.
fn is_enum(ctx: &Ctx<'_>, field: Option<FieldId>) -> bool {
    field
        .and_then(|id| ctx.fields.get(id.index()))
        .is_some_and(|f| matches!(f.ty, Type::Enum(_)))
}

/// Resolves one operand whose name (if it is one) was looked up already: `field` is the field
/// it names.
fn value_of(ctx: &mut Ctx<'_>, op: &ast::Operand, field: Option<FieldId>, member: bool) -> Value {
    match (field, &op.kind) {
        (Some(id), OperandKind::Name(_)) if !member => Value {
            kind: ValueKind::Field(Some(id)),
            span: op.span,
        },
        _ => value(ctx, op, member),
    }
}

/// Resolves one operand; `member` says a name here names an enum member.
fn value(ctx: &mut Ctx<'_>, op: &ast::Operand, member: bool) -> Value {
    let kind = match &op.kind {
        OperandKind::Name(name) if member => ValueKind::Member((*name).into()),
        OperandKind::Name(name) => {
            let ident = ast::Ident {
                name,
                span: op.span,
            };
            ValueKind::Field(ctx.field(&ident).target)
        }
        OperandKind::Number(n) => ValueKind::Number(*n),
        // Copied rather than moved: a copy made here lies beside the rest of the model, which
        // the routing analysis reads (moved, the literals stay where parsing left them, and
        // at 100,000 routes that slowed the checks by half).
        OperandKind::String(s) => ValueKind::String(s.as_str().into()),
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
