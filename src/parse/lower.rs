//! Lowering pest pairs into the syntax tree, one function per grammar rule.
//!
//! **Invariant:** lowering never panics. The grammar guarantees the shape of the pairs; where a
//! pair is nevertheless missing, the item is dropped instead of unwrapped. Literal values that
//! the grammar cannot judge (escapes, duration overflow) become E001 diagnostics, and lowering
//! goes on. Lowering recurses along conditions and types; their depth is bounded before pest
//! runs (`scan::too_deep`, called on every piece of text pest parses), so the recursion is too.

use pest::iterators::{Pair, Pairs};

use super::grammar::Rule;
use crate::ast::{
    ActorDecl, ActorItem, ActorItemKind, ActorKind, ApproveDecl, Capability, CmpOp, Duration,
    EscalateDecl, Expr, ExprKind, FieldDecl, FlowDecl, Guard, HandoffDecl, Ident, InboxChannel,
    ListItem, Operand, OperandKind, PrimType, RouteItem, RouteItemKind, StepDecl, StepItem,
    StepItemKind, Str, TopItem, TriggerDecl, TriggerKind, TypeExpr, TypeKind, WorkflowDecl,
    WorkflowItem, WorkflowItemKind,
};
use crate::diagnostics::Diagnostic;
use crate::rules::e001_syntax_error;
use crate::span::Span;

/// Lowers pairs parsed from a slice that starts at byte `base` of the file.
pub struct Lowerer<'d, 'i> {
    base: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
    input: std::marker::PhantomData<&'i str>,
}

/// Doc comments waiting for the declaration they document.
#[derive(Default)]
struct PendingDoc(Vec<String>);

impl PendingDoc {
    fn push(&mut self, pair: &Pair<'_, Rule>) {
        let text = pair.clone().into_inner().next().map_or("", |p| p.as_str());
        let text = text.strip_suffix('\r').unwrap_or(text);
        let text = text.strip_prefix(' ').unwrap_or(text);
        self.0.push(text.to_string());
    }

    fn take(&mut self) -> Option<String> {
        if self.0.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.0).join("\n"))
        }
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

impl<'d, 'i> Lowerer<'d, 'i> {
    pub fn new(base: usize, diagnostics: &'d mut Vec<Diagnostic>) -> Self {
        Lowerer {
            base,
            diagnostics,
            input: std::marker::PhantomData,
        }
    }

    /// The span of a pair, without the whitespace and comments that pest's implicit skipping
    /// may have consumed after its last token (it does when a trailing optional part is absent):
    /// the span ends where the last token inside it ends. A string is one token: its inner
    /// pair stops before the closing quote, so the descent stops at the string.
    fn span(&self, pair: &Pair<'i, Rule>) -> Span {
        let whole = pair.as_span();
        let start = whole.start();
        // What a rule consumes after its last token is whitespace and comments only, and no
        // token but a doc comment (which holds `/`) ends in whitespace. So a pair whose text,
        // without its trailing ASCII whitespace, ends in a visible ASCII character with no `/`
        // on its last line (no comment there) ends at that character: the common case, answered
        // without walking the pairs. (A rule that parses a whole input ends in the empty token
        // at its end, after any whitespace: a pair that reaches the end of its input takes the
        // walk.)
        let text = whole.as_str();
        let trimmed = text.trim_end_matches([' ', '\t', '\r', '\n']);
        let last_line = trimmed.rfind('\n').map_or(trimmed, |i| &trimmed[i + 1..]);
        if whole.end() < pair.get_input().len()
            && trimmed.as_bytes().last().is_some_and(u8::is_ascii_graphic)
            && !last_line.contains('/')
        {
            return Span::new(self.base + start, self.base + start + trimmed.len());
        }
        self.span_by_descent(pair)
    }

    /// The span of a pair up to the end of its deepest last token, found by descending into
    /// the last child of each level.
    fn span_by_descent(&self, pair: &Pair<'i, Rule>) -> Span {
        let start = pair.as_span().start();
        let mut last = pair.clone();
        while last.as_rule() != Rule::string {
            let Some(child) = last.clone().into_inner().next_back() else {
                break;
            };
            last = child;
        }
        Span::new(self.base + start, self.base + last.as_span().end())
    }

    /// The span of a token (an atomic rule), which never includes trailing whitespace.
    fn token_span(&self, pair: &Pair<'i, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    /// The lowercase spelling of a keyword token that the grammar accepts in any case, with an
    /// E001 when it was not written in lowercase (the item is kept, so nothing that refers to it
    /// reports again).
    fn keyword_case(&mut self, pair: &Pair<'i, Rule>, expected: &str) -> String {
        let word = pair.as_str();
        let lower = word.to_ascii_lowercase();
        if lower != word {
            let span = self.token_span(pair);
            self.diagnostics.push(
                e001_syntax_error::expected(
                    span,
                    expected,
                    &format!("`{word}`"),
                    format!("did you mean `{lower}`? replace `{word}` with `{lower}`"),
                )
                .with_fix(crate::diagnostics::Fix::new(
                    format!("replace `{word}` with `{lower}`"),
                    vec![crate::diagnostics::Edit::replace(span, lower.clone())],
                    false,
                )),
            );
        }
        lower
    }

    fn ident(&self, pair: &Pair<'i, Rule>) -> Ident<'i> {
        Ident {
            name: pair.as_str(),
            span: self.token_span(pair),
        }
    }

    /// Lowers the pairs of the `file` rule into top-level items.
    pub fn file(&mut self, pairs: Pairs<'i, Rule>, out: &mut Vec<TopItem<'i>>) {
        let mut doc = PendingDoc::default();
        for pair in pairs.flat_map(Pair::into_inner) {
            match pair.as_rule() {
                Rule::doc => doc.push(&pair),
                Rule::actor_decl => {
                    if let Some(actor) = self.actor(pair, doc.take()) {
                        out.push(TopItem::Actor(actor));
                    }
                }
                Rule::workflow_decl => {
                    if let Some(workflow) = self.workflow(pair, doc.take()) {
                        out.push(TopItem::Workflow(workflow));
                    }
                }
                _ => {}
            }
        }
    }

    fn actor(&mut self, pair: Pair<'i, Rule>, doc: Option<String>) -> Option<ActorDecl<'i>> {
        let span = self.span(&pair);
        let mut name = None;
        let mut kind = None;
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(&p)),
                Rule::actor_kind => {
                    let word =
                        self.keyword_case(&p, "an actor kind (`human`, `team`, `ai` or `system`)");
                    let k = match word.as_str() {
                        "human" => ActorKind::Human,
                        "team" => ActorKind::Team,
                        "ai" => ActorKind::Ai,
                        _ => ActorKind::System,
                    };
                    kind = Some((k, self.span(&p)));
                }
                Rule::actor_body => {
                    for item in p.into_inner() {
                        let item_span = self.span(&item);
                        let kind = match item.as_rule() {
                            Rule::title_item => self.string_of(item).map(ActorItemKind::Title),
                            Rule::can_item => Some(ActorItemKind::Can(self.capabilities(item))),
                            Rule::fallback_item => self.ident_of(item).map(ActorItemKind::Fallback),
                            Rule::inbox_item => self.inbox(item),
                            Rule::members_item => Some(ActorItemKind::Members(
                                item.into_inner()
                                    .filter(|p| p.as_rule() == Rule::string)
                                    .map(|p| self.string(&p))
                                    .collect(),
                            )),
                            _ => None,
                        };
                        if let Some(kind) = kind {
                            items.push(ActorItem {
                                kind,
                                span: item_span,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        let (kind, kind_span) = kind?;
        Some(ActorDecl {
            doc,
            name: name?,
            kind,
            kind_span,
            items,
            span,
        })
    }

    fn inbox(&mut self, pair: Pair<'i, Rule>) -> Option<ActorItemKind<'i>> {
        let mut channel = None;
        let mut address = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::inbox_channel => {
                    channel = Some(if p.as_str() == "slack" {
                        InboxChannel::Slack
                    } else {
                        InboxChannel::Email
                    });
                }
                Rule::string => address = Some(self.string(&p)),
                _ => {}
            }
        }
        Some(ActorItemKind::Inbox(channel?, address?))
    }

    fn workflow(&mut self, pair: Pair<'i, Rule>, doc: Option<String>) -> Option<WorkflowDecl<'i>> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner.find(|p| p.as_rule() == Rule::ident)?;
        let name = self.ident(&name);
        let mut items = Vec::new();
        // A literal that does not lower (E001) is a broken item: the workflow counts as
        // recovered, like one with an item dropped for a syntax error.
        let before = self.diagnostics.len();
        self.workflow_items(inner, &mut items);
        Some(WorkflowDecl {
            doc,
            name,
            items,
            recovered: self.diagnostics.len() > before,
            span,
        })
    }

    /// Lowers the `workflow_head` rule: the doc comments, the name, and where the declaration
    /// starts (the `workflow` keyword).
    pub fn workflow_head(
        &mut self,
        pairs: Pairs<'i, Rule>,
    ) -> Option<(Option<String>, Ident<'i>, usize)> {
        let mut doc = PendingDoc::default();
        let mut start = None;
        for p in pairs.flat_map(Pair::into_inner) {
            match p.as_rule() {
                Rule::doc => doc.push(&p),
                Rule::kw_workflow => start = Some(self.span(&p).start()),
                Rule::ident => return Some((doc.take(), self.ident(&p), start?)),
                _ => {}
            }
        }
        None
    }

    /// Lowers the `workflow_body` rule: a run of workflow items.
    pub fn workflow_body(&mut self, pairs: Pairs<'i, Rule>, items: &mut Vec<WorkflowItem<'i>>) {
        self.workflow_items(pairs.flat_map(Pair::into_inner), items);
    }

    /// Lowers the items of a workflow body, attaching doc comments to the declarations after them.
    fn workflow_items(
        &mut self,
        pairs: impl Iterator<Item = Pair<'i, Rule>>,
        items: &mut Vec<WorkflowItem<'i>>,
    ) {
        let mut pending = PendingDoc::default();
        for p in pairs {
            let rule = p.as_rule();
            if rule == Rule::doc {
                pending.push(&p);
                continue;
            }
            if matches!(rule, Rule::lbrace | Rule::rbrace | Rule::EOI) {
                continue;
            }
            let item_span = self.span(&p);
            let kind = match rule {
                Rule::title_item => self.string_of(p).map(WorkflowItemKind::Title),
                Rule::version_item => self.string_of(p).map(WorkflowItemKind::Version),
                Rule::owner_item => self.ident_of(p).map(WorkflowItemKind::Owner),
                Rule::customer_facing_item => Some(WorkflowItemKind::CustomerFacing),
                Rule::customer_item => self.ident_of(p).map(WorkflowItemKind::Customer),
                Rule::actor_decl => self
                    .actor(p, pending.take())
                    .map(|a| WorkflowItemKind::Actor(Box::new(a))),
                Rule::context_block => Some(WorkflowItemKind::Context(self.context(p))),
                Rule::trigger_decl => self
                    .trigger(p, pending.take())
                    .map(|t| WorkflowItemKind::Trigger(Box::new(t))),
                Rule::step_decl => self.step(p, pending.take()).map(WorkflowItemKind::Step),
                Rule::flow_decl => Some(WorkflowItemKind::Flow(self.flow(p, pending.take()))),
                Rule::handoff_decl => self
                    .handoff(p, pending.take())
                    .map(|h| WorkflowItemKind::Handoff(Box::new(h))),
                _ => None,
            };
            // A doc comment documents only the declaration right after it.
            pending.clear();
            if let Some(kind) = kind {
                items.push(WorkflowItem {
                    kind,
                    span: item_span,
                });
            }
        }
    }

    fn context(&mut self, pair: Pair<'i, Rule>) -> Vec<FieldDecl<'i>> {
        let mut fields = Vec::new();
        let mut pending = PendingDoc::default();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::doc => pending.push(&p),
                Rule::field_decl => {
                    let span = self.span(&p);
                    let mut name = None;
                    let mut ty = None;
                    let mut sensitive = false;
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::ident => name = Some(self.ident(&q)),
                            Rule::type_expr => ty = self.type_expr(q),
                            Rule::kw_sensitive => sensitive = true,
                            _ => {}
                        }
                    }
                    if let (Some(name), Some(ty)) = (name, ty) {
                        fields.push(FieldDecl {
                            doc: pending.take(),
                            name,
                            ty,
                            sensitive,
                            span,
                        });
                    }
                    pending.clear();
                }
                _ => {}
            }
        }
        fields
    }

    fn type_expr(&mut self, pair: Pair<'i, Rule>) -> Option<TypeExpr<'i>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let kind = match inner.as_rule() {
            Rule::prim_type => {
                let word = self.keyword_case(&inner, "a field type such as `text` or `number`");
                TypeKind::Prim(PrimType::from_keyword(&word)?)
            }
            Rule::enum_type => TypeKind::Enum(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::ident)
                    .map(|p| self.ident(&p))
                    .collect(),
            ),
            Rule::list_type => {
                let element = inner
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::type_expr)?;
                TypeKind::List(Box::new(self.type_expr(element)?))
            }
            _ => return None,
        };
        Some(TypeExpr { kind, span })
    }

    fn trigger(&mut self, pair: Pair<'i, Rule>, doc: Option<String>) -> Option<TriggerDecl<'i>> {
        let span = self.span(&pair);
        let mut name = None;
        let mut kind = None;
        let mut provides = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(&p)),
                Rule::trigger_kind => {
                    let kind_span = self.span(&p);
                    let k = p.into_inner().next()?;
                    let rule = k.as_rule();
                    let arg = k
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::string)
                        .map(|s| self.string(&s));
                    let k = match (rule, arg) {
                        (Rule::manual_kind, _) => TriggerKind::Manual,
                        (Rule::webhook_kind, Some(s)) => TriggerKind::Webhook(s),
                        (Rule::schedule_kind, Some(s)) => TriggerKind::Schedule(s),
                        (Rule::form_kind, Some(s)) => TriggerKind::Form(s),
                        _ => return None,
                    };
                    kind = Some((k, kind_span));
                }
                Rule::trigger_body => {
                    for item in p.into_inner() {
                        if item.as_rule() == Rule::provides_item {
                            let item_span = self.span(&item);
                            provides.push(ListItem {
                                names: self.names(item),
                                span: item_span,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        let (kind, kind_span) = kind?;
        Some(TriggerDecl {
            doc,
            name: name?,
            kind,
            kind_span,
            provides,
            span,
        })
    }

    fn step(&mut self, pair: Pair<'i, Rule>, doc: Option<String>) -> Option<StepDecl<'i>> {
        let span = self.span(&pair);
        let mut name = None;
        let mut items = Vec::new();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::ident {
                name = Some(self.ident(&p));
            } else if let Some(item) = self.step_item(p) {
                items.push(item);
            }
        }
        items.shrink_to_fit();
        Some(StepDecl {
            doc,
            name: name?,
            items,
            recovered: false,
            span,
        })
    }

    /// Lowers the `step_head` rule: the doc comments, the name, and where the step starts.
    pub fn step_head(
        &mut self,
        pairs: Pairs<'i, Rule>,
    ) -> Option<(Option<String>, Ident<'i>, usize)> {
        let mut doc = PendingDoc::default();
        let mut start = None;
        for p in pairs.flat_map(Pair::into_inner) {
            match p.as_rule() {
                Rule::doc => doc.push(&p),
                Rule::kw_step => start = Some(self.span(&p).start()),
                Rule::ident => return Some((doc.take(), self.ident(&p), start?)),
                _ => {}
            }
        }
        None
    }

    /// Lowers the `step_body` rule: a run of step items.
    pub fn step_body(&mut self, pairs: Pairs<'i, Rule>, items: &mut Vec<StepItem<'i>>) {
        for p in pairs.flat_map(Pair::into_inner) {
            if let Some(item) = self.step_item(p) {
                items.push(item);
            }
        }
    }

    /// Lowers the `context_body` rule: a run of fields.
    pub fn context_body(&mut self, pairs: Pairs<'i, Rule>, fields: &mut Vec<FieldDecl<'i>>) {
        for p in pairs {
            fields.extend(self.context(p));
        }
    }

    fn step_item(&mut self, p: Pair<'i, Rule>) -> Option<StepItem<'i>> {
        {
            let item_span = self.span(&p);
            let kind = match p.as_rule() {
                Rule::title_item => self.string_of(p).map(StepItemKind::Title),
                Rule::owner_item => self.ident_of(p).map(StepItemKind::Owner),
                Rule::needs_item => Some(StepItemKind::Needs(self.names(p))),
                Rule::provides_item => Some(StepItemKind::Provides(self.names(p))),
                Rule::action_item => Some(StepItemKind::Action(self.capabilities(p))),
                Rule::uses_item => self.string_of(p).map(StepItemKind::Uses),
                Rule::reversible_item => Some(StepItemKind::Reversible),
                Rule::irreversible_item => Some(StepItemKind::Irreversible),
                Rule::compensable_item => self.ident_of(p).map(StepItemKind::CompensableBy),
                Rule::approve_item => Some(StepItemKind::Approve(Box::new(self.approve(p)))),
                Rule::escalate_item => self
                    .escalate(p)
                    .map(|e| StepItemKind::Escalate(Box::new(e))),
                _ => None,
            };
            kind.map(|kind| StepItem {
                kind,
                span: item_span,
            })
        }
    }

    fn approve(&mut self, pair: Pair<'i, Rule>) -> ApproveDecl<'i> {
        let mut approve = ApproveDecl {
            approvers: Vec::new(),
            within: None,
            else_step: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => approve.approvers.push(self.ident(&p)),
                Rule::within_clause => {
                    approve.within = p
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::duration)
                        .map(|d| self.duration(&d));
                }
                Rule::else_clause => approve.else_step = self.ident_of(p),
                _ => {}
            }
        }
        approve
    }

    fn escalate(&mut self, pair: Pair<'i, Rule>) -> Option<EscalateDecl<'i>> {
        let mut target = None;
        let mut condition = None;
        let mut body = Vec::new();
        let mut body_span = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => target = Some(self.ident(&p)),
                Rule::condition => condition = self.condition(p),
                Rule::route_body => {
                    body_span = Some(self.span(&p));
                    body = self.route_body(p, "an escalation", false);
                }
                _ => {}
            }
        }
        Some(EscalateDecl {
            target: target?,
            condition: condition?,
            body,
            body_span,
        })
    }

    fn flow(&mut self, pair: Pair<'i, Rule>, doc: Option<String>) -> FlowDecl<'i> {
        let span = self.span(&pair);
        let mut chain = smallvec::SmallVec::new();
        let mut guard = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => chain.push(self.ident(&p)),
                Rule::guard => guard = self.guard(p),
                _ => {}
            }
        }
        chain.shrink_to_fit();
        FlowDecl {
            doc,
            chain,
            guard,
            span,
        }
    }

    fn handoff(&mut self, pair: Pair<'i, Rule>, doc: Option<String>) -> Option<HandoffDecl<'i>> {
        let span = self.span(&pair);
        let mut ends = Vec::new();
        let mut guard = None;
        let mut body = Vec::new();
        let mut body_span = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => ends.push(self.ident(&p)),
                Rule::guard => guard = self.guard(p),
                Rule::route_body => {
                    body_span = Some(self.span(&p));
                    body = self.route_body(p, "a handoff", true);
                }
                _ => {}
            }
        }
        let mut ends = ends.into_iter();
        Some(HandoffDecl {
            doc,
            from: ends.next()?,
            to: ends.next()?,
            guard,
            body,
            body_span,
            span,
        })
    }

    fn guard(&mut self, pair: Pair<'i, Rule>) -> Option<Guard<'i>> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        if first.as_rule() == Rule::kw_otherwise {
            return Some(Guard::Otherwise(span));
        }
        let condition = inner.find(|p| p.as_rule() == Rule::condition)?;
        Some(Guard::When(Box::new(self.condition(condition)?), span))
    }

    fn route_body(
        &mut self,
        pair: Pair<'i, Rule>,
        place: &str,
        handoff: bool,
    ) -> Vec<RouteItem<'i>> {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            let span = self.span(&p);
            let kind = match p.as_rule() {
                Rule::carries_item => Some(RouteItemKind::Carries(self.names(p))),
                Rule::sla_item => p
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::duration)
                    .map(|d| RouteItemKind::Sla(self.duration(&d))),
                Rule::fallback_item => self.ident_of(p).map(RouteItemKind::Fallback),
                Rule::notify_item => self.string_of(p).map(RouteItemKind::Notify),
                Rule::reason_item => self.string_of(p).map(RouteItemKind::Reason),
                _ => None,
            };
            let Some(kind) = kind else { continue };
            if !handoff && matches!(kind, RouteItemKind::Reason(_)) {
                self.diagnostics.push(e001_syntax_error::misplaced_item(
                    span,
                    kind.keyword(),
                    place,
                    "`carries`, `sla`, `fallback` and `notify`",
                ));
                continue;
            }
            items.push(RouteItem { kind, span });
        }
        items
    }

    // Conditions.

    fn condition(&mut self, pair: Pair<'i, Rule>) -> Option<Expr<'i>> {
        let inner = pair.into_inner().next()?;
        self.or_expr(inner)
    }

    // Spans of conditions are built from their parts (the first token's start to the last
    // token's end), never by walking the pairs again: a condition nests six rules deep for every
    // comparison, and a walk at every level would cost the square of the depth.

    fn or_expr(&mut self, pair: Pair<'i, Rule>) -> Option<Expr<'i>> {
        self.joined(pair, Rule::and_expr, Self::and_expr, ExprKind::Or)
    }

    fn and_expr(&mut self, pair: Pair<'i, Rule>) -> Option<Expr<'i>> {
        self.joined(pair, Rule::not_expr, Self::not_expr, ExprKind::And)
    }

    /// `a or b or …` and `a and b and …`: the parts (`part` pairs, lowered by `lower`), or the
    /// one part alone.
    fn joined(
        &mut self,
        pair: Pair<'i, Rule>,
        part: Rule,
        lower: fn(&mut Self, Pair<'i, Rule>) -> Option<Expr<'i>>,
        kind: fn(Vec<Expr<'i>>) -> ExprKind<'i>,
    ) -> Option<Expr<'i>> {
        let whole = pair.clone();
        let mut missing = false;
        let mut parts: Vec<Expr<'i>> = pair
            .into_inner()
            .filter(|p| p.as_rule() == part)
            .filter_map(|p| {
                let part = lower(self, p);
                missing |= part.is_none();
                part
            })
            .collect();
        if parts.len() == 1 {
            return parts.pop();
        }
        // A part that did not lower (its error is reported) leaves the span to the pair.
        let span = match (parts.first(), parts.last()) {
            (Some(first), Some(last)) if !missing => Span::new(first.span.start(), last.span.end()),
            _ => self.span(&whole),
        };
        Some(Expr {
            kind: kind(parts),
            span,
        })
    }

    fn not_expr(&mut self, pair: Pair<'i, Rule>) -> Option<Expr<'i>> {
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        match first.as_rule() {
            Rule::kw_not => {
                let operand = self.not_expr(inner.next()?)?;
                let span = Span::new(self.token_span(&first).start(), operand.span.end());
                Some(Expr {
                    kind: ExprKind::Not(Box::new(operand)),
                    span,
                })
            }
            _ => self.compare(first),
        }
    }

    fn compare(&mut self, pair: Pair<'i, Rule>) -> Option<Expr<'i>> {
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        if first.as_rule() == Rule::lparen {
            let nested = inner.next()?;
            let mut expr = self.or_expr(nested)?;
            // The parentheses belong to the span of what they group.
            let close = inner.next()?;
            expr.span = Span::new(
                self.token_span(&first).start(),
                self.token_span(&close).end(),
            );
            return Some(expr);
        }
        let lhs = self.operand(first)?;
        let start = lhs.span.start();
        let (kind, end) = match inner.next() {
            None => {
                let end = lhs.span.end();
                (ExprKind::Bare(lhs), end)
            }
            Some(tail) if tail.as_rule() == Rule::in_tail => {
                // The list ends in its `]`.
                let end = self.span(&tail).end();
                let items = tail
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::operand)
                    .filter_map(|p| self.operand(p))
                    .collect();
                (ExprKind::In(lhs, items), end)
            }
            Some(tail) => {
                let mut parts = tail.into_inner();
                let op = match parts.next()?.as_str() {
                    "==" => CmpOp::Eq,
                    "!=" => CmpOp::Ne,
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                let rhs = self.operand(parts.next()?)?;
                let end = rhs.span.end();
                (ExprKind::Compare(lhs, op, rhs), end)
            }
        };
        Some(Expr {
            kind,
            span: Span::new(start, end),
        })
    }

    fn operand(&mut self, pair: Pair<'i, Rule>) -> Option<Operand<'i>> {
        let inner = pair.into_inner().next()?;
        // Every operand is one token (a string with both its quotes).
        let span = self.token_span(&inner);
        let kind = match inner.as_rule() {
            Rule::duration => {
                // A duration with its own E001 (not whole seconds, too long) leaves out its
                // comparison, as a number too large does: its value is not what was written.
                let before = self.diagnostics.len();
                let d = self.duration(&inner);
                if self.diagnostics.len() > before {
                    return None;
                }
                OperandKind::Duration(d.seconds)
            }
            Rule::number => OperandKind::Number(self.number(&inner)?),
            Rule::string => OperandKind::String(self.string(&inner).value),
            Rule::kw_true => OperandKind::Bool(true),
            Rule::kw_false => OperandKind::Bool(false),
            Rule::kw_confidence => OperandKind::Confidence,
            Rule::kw_attempts => OperandKind::Attempts,
            Rule::kw_elapsed => OperandKind::Elapsed,
            _ => OperandKind::Name(inner.as_str()),
        };
        Some(Operand { kind, span })
    }

    // Tokens.

    /// The names of a list item such as `needs a, b`.
    fn names(&self, pair: Pair<'i, Rule>) -> Vec<Ident<'i>> {
        let mut names: Vec<Ident<'i>> = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(&p))
            .collect();
        // Lists are built once and kept: hold no spare capacity.
        names.shrink_to_fit();
        names
    }

    fn capabilities(&self, pair: Pair<'i, Rule>) -> Vec<Capability<'i>> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::capability)
            .map(|p| Capability {
                name: p.as_str(),
                span: self.token_span(&p),
            })
            .collect()
    }

    /// The first name inside an item such as `owner x`.
    fn ident_of(&self, pair: Pair<'i, Rule>) -> Option<Ident<'i>> {
        pair.into_inner()
            .find(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(&p))
    }

    /// The first string inside an item such as `title "…"`.
    fn string_of(&mut self, pair: Pair<'i, Rule>) -> Option<Str> {
        pair.into_inner()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(&p))
    }

    fn string(&mut self, pair: &Pair<'i, Rule>) -> Str {
        let span = self.token_span(pair);
        let raw = pair.as_str();
        let inner = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'u')) => {
                    let rest = &inner[i + 2..];
                    let hex_end = rest.find('}').unwrap_or(rest.len());
                    let hex = rest.get(1..hex_end).unwrap_or("");
                    if let Some(ch) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                        value.push(ch);
                    } else {
                        let at = span.start() + 1 + i;
                        self.diagnostics.push(e001_syntax_error::bad_literal(
                            Span::new(at, at + hex_end + 3),
                            format!("`\\u{{{hex}}}` is not a unicode scalar value"),
                            "write a code point from 0 to 10FFFF outside the surrogate range D800–DFFF",
                        ));
                    }
                    // Skip `{HEX}`.
                    for _ in 0..=hex_end {
                        chars.next();
                    }
                }
                Some((_, other)) => value.push(other),
                None => {}
            }
        }
        Str { value, span }
    }

    fn number(&mut self, pair: &Pair<'i, Rule>) -> Option<f64> {
        let value: f64 = pair.as_str().parse().ok()?;
        if value.is_finite() {
            Some(value)
        } else {
            self.diagnostics.push(e001_syntax_error::bad_literal(
                self.span(pair),
                "this number is too large".to_string(),
                "write a number below 1e308",
            ));
            None
        }
    }

    fn duration(&mut self, pair: &Pair<'i, Rule>) -> Duration {
        let span = self.token_span(pair);
        let mut total: u64 = 0;
        let mut ok = true;
        let mut whole = true;
        let text = pair.as_str();
        let mut rest = text;
        while let Some(end) = rest.find(|c: char| c.is_ascii_alphabetic()) {
            let (number, unit) = (&rest[..end], rest.as_bytes()[end]);
            rest = &rest[end + 1..];
            let unit: u64 = match unit {
                b's' => 1,
                b'm' => 60,
                b'h' => 3_600,
                b'd' => 86_400,
                _ => 604_800,
            };
            let (int, frac) = number.split_once('.').unwrap_or((number, ""));
            let frac = frac.trim_end_matches('0');
            // The fraction of a unit, in whole seconds: `0.5h` is 1800 s; `0.3s` is none. A
            // fraction of more than 7 significant digits is never a whole number of seconds
            // (a unit holds fewer than 10^6 seconds).
            let frac_seconds = if frac.is_empty() {
                Some(0)
            } else if frac.len() > 7 {
                None
            } else {
                let digits: u64 = frac.parse().unwrap_or(0);
                let scale = 10u64.pow(frac.len() as u32);
                let scaled = digits * unit;
                (scaled % scale == 0).then(|| scaled / scale)
            };
            let Some(frac_seconds) = frac_seconds else {
                whole = false;
                continue;
            };
            let int: Option<u64> = int.parse().ok();
            match int
                .and_then(|v| v.checked_mul(unit))
                .and_then(|v| v.checked_add(frac_seconds))
                .and_then(|v| total.checked_add(v))
            {
                Some(v) => total = v,
                None => ok = false,
            }
        }
        if !whole && ok {
            self.diagnostics.push(e001_syntax_error::bad_literal(
                span,
                format!("`{text}` is not a whole number of seconds"),
                "write a duration of whole seconds (`1.5h` is `1h30m`; `0.5s` cannot be written)",
            ));
        }
        if !ok {
            // Keep the item (at the largest duration) so that nothing downstream reports it as
            // missing: the literal has its diagnostic.
            self.diagnostics.push(e001_syntax_error::bad_literal(
                span,
                "this duration is too long".to_string(),
                "write a duration shorter than 500 billion years",
            ));
            total = u64::MAX;
        }
        Duration {
            seconds: total,
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use pest::Parser;

    use super::*;
    use crate::parse::grammar::HandoffParser;

    /// A comparison that does not lower (a number too large, reported as E001) leaves an empty
    /// `and` in an `or`, and is left out of an `and`; spans stay those of the pairs, as before
    /// conditions' spans were built from their parts.
    #[test]
    fn a_part_that_does_not_lower_keeps_the_rest_of_the_condition() {
        let big = format!("1{}", "0".repeat(309));
        for joint in ["or", "and"] {
            let failed = format!("attempts < {big}");
            let condition = format!("{failed} {joint} attempts < 3");
            let src = format!(
                "workflow w {{\n  trigger t: manual\n  step s {{ owner a }}\n  flow t -> s when {condition}\n}}\n"
            );
            let parsed = crate::parse::parse(&src);
            assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
            let start = src.find("attempts").expect("the condition is there");
            let crate::ast::TopItem::Workflow(w) = &parsed.file.items[0] else {
                panic!("not a workflow")
            };
            let guard = w.items.iter().find_map(|item| match &item.kind {
                WorkflowItemKind::Flow(f) => f.guard.as_ref(),
                _ => None,
            });
            let Some(Guard::When(expr, _)) = guard else {
                panic!("no condition: {guard:?}")
            };
            let last = start + condition.len() - "attempts < 3".len();
            match (&expr.kind, joint) {
                (ExprKind::Or(parts), "or") => {
                    assert_eq!(expr.span, Span::new(start, start + condition.len()));
                    assert!(matches!(&parts[0].kind, ExprKind::And(p) if p.is_empty()));
                    assert_eq!(parts[0].span, Span::new(start, start + failed.len()));
                    assert_eq!(parts[1].span, Span::new(last, start + condition.len()));
                }
                (ExprKind::Compare(..), "and") => {
                    assert_eq!(expr.span, Span::new(last, start + condition.len()));
                }
                (other, _) => panic!("{joint}: {other:?}"),
            }
        }
    }

    /// The quick answer of `span` agrees with the descent on every pair, trailing comments,
    /// strings with slashes and missing optional parts included.
    #[test]
    fn the_quick_span_is_the_span_by_descent() {
        let src = concat!(
            "actor a: human { inbox email \"a@x.io\" } // note {x}\n",
            "actor b: ai\n",
            "/// doc\n",
            "workflow w { // open\n",
            "  context { f: text // trailing\n  g: enum(x, y) }\n",
            "  trigger t: webhook \"/in\" { provides f }\n",
            "  step s { owner a needs f // why\n  }\n",
            "  step u { owner b provides g approve by a within 1h }\n",
            "  flow t -> s when f == \"http://x\" // a comment } with a brace\n",
            "  flow s -> u when (g == x or not (f in [\"a\", \"b\"])) and attempts < 3\n",
            "  handoff u -> s otherwise { carries f  sla 1h }   \n",
            "  flow s -> u\n",
            "}\n",
        );
        // A piece of a workflow body may end in a comment with no line break after it.
        let piece = "  step s { owner a }\n  flow s -> u when x == 1 // end }";
        let mut diagnostics = Vec::new();
        let lowerer = Lowerer::new(0, &mut diagnostics);
        let mut checked = 0;
        for (rule, src) in [(Rule::file, src), (Rule::workflow_body, piece)] {
            let pairs = HandoffParser::parse(rule, src).expect("the source parses");
            for pair in pairs.flatten() {
                assert_eq!(
                    lowerer.span(&pair),
                    lowerer.span_by_descent(&pair),
                    "{:?} {:?}",
                    pair.as_rule(),
                    pair.as_str()
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }
}
