//! Name resolution: syntax tree to the resolved model, reporting E101–E104.
//!
//! Scopes (see `docs/language.md`): the top level of a file holds actors and, separately,
//! workflows. Inside a workflow, actors (the file's top-level ones included), triggers and steps
//! share one scope; context fields have their own; so do the members of each enum.
//!
//! **Invariants:** each mistake is reported once: a top-level actor is resolved once for the
//! file, not once per workflow; an unresolved reference is kept as `Ref { target: None }` so
//! that later stages can skip it. Resolution is linear in the size of the file (hash lookups;
//! "did you mean" suggestions are bounded per workflow), but for one sort of the transitions'
//! packed ends that finds duplicate links (n log n on a compact array).

mod conditions;
mod names;
pub(crate) mod suggest;

use rustc_hash::FxHashMap as HashMap;

use names::Names;

use crate::ast::{
    self, ActorDecl, ActorItemKind, RouteItem, RouteItemKind, StepItemKind, TopItem, TypeKind,
    WorkflowItemKind,
};
use crate::diagnostics::Diagnostic;
use crate::ir::{
    Actor, ActorId, Approval, Capability, Escalation, Field, FieldId, Guard, Inbox, Module, Name,
    NodeId, Ref, Reversibility, ReversibilityKind, Route, Step, StepExtra, StepId, Transition,
    TransitionExtra, TransitionKind, Trigger, TriggerId, TriggerKind, Type, Workflow,
};
use crate::rules::{
    e101_undefined_name, e102_duplicate_definition, e103_wrong_kind, e104_duplicate_item,
};
use crate::span::Span;

/// How many "did you mean" searches one workflow may run; past it, E101 gives no suggestion.
/// Each search is linear in the number of names, with bounded work per name compared
/// (`suggest.rs`), so this keeps resolution linear overall.
const SUGGESTION_BUDGET: usize = 64;

/// Resolves every workflow of a file. Diagnostics are appended to `diagnostics`.
///
/// The tree is consumed: each declaration is freed once it is resolved, so that the tree and the
/// model of a large workflow are not both held in full.
pub fn resolve(file: ast::File, diagnostics: &mut Vec<Diagnostic>) -> Module {
    let mut top_actors: Vec<ActorDecl> = Vec::new();
    let mut workflows: Vec<ast::WorkflowDecl> = Vec::new();
    for item in file.items {
        match item {
            TopItem::Actor(a) => top_actors.push(a),
            TopItem::Workflow(w) => workflows.push(w),
        }
    }
    // Names that broken declarations seem to declare: those outside every workflow (a broken
    // top-level actor) hold everywhere, the others in their own workflow only (one bad workflow
    // does not hide another's diagnostics). Sorted for lookup.
    let (broken, broken_in) = broken_by_workflow(file.broken_names, &workflows);

    // Top-level actors: one scope for the file, resolved once.
    let mut top_scope = Scope::default();
    let mut actors = Vec::new();
    let mut kept = Vec::new();
    for decl in &top_actors {
        let id = ActorId(actors.len() as u32);
        if top_scope.declare(&decl.name, Symbol::Actor(id), "actor", diagnostics) {
            actors.push(declare_actor(decl, true, diagnostics));
            kept.push(decl);
        } else {
            mark_declared_twice(&top_scope, decl, &mut actors);
        }
    }
    let mut budget = SUGGESTION_BUDGET;
    let no_fields = Names::default();
    let mut ctx = Ctx {
        scope: &top_scope,
        field_ids: &no_fields,
        fields: &[],
        diagnostics,
        budget: &mut budget,
        suggested: Vec::new(),
        suggested_steps: Vec::new(),
        as_source: false,
        not_suggested: None,
        listed: Vec::new(),
        carrying: false,
        broken: &broken,
        machines: machine_names(&actors),
        steps_only: false,
        guessing: false,
        rare: Box::default(),
    };
    if kept.iter().any(|decl| {
        decl.items
            .iter()
            .any(|i| matches!(i.kind, ActorItemKind::Fallback(_)))
    }) {
        for w in &workflows {
            for item in &w.items {
                if let WorkflowItemKind::Actor(a) = &item.kind {
                    ctx.rare.local_actors.push((a.name.name, w.name.name));
                }
            }
        }
        ctx.rare.local_actors.sort_unstable();
    }
    let fallbacks: Vec<_> = kept
        .iter()
        .map(|decl| actor_fallback(&mut ctx, decl))
        .collect();
    for (actor, fallback) in actors.iter_mut().zip(fallbacks) {
        actor.fallback = fallback;
    }

    let mut module = Module::default();
    let mut workflow_names: HashMap<&str, Span> = HashMap::default();
    for decl in workflows {
        if let Some(&first) = workflow_names.get(decl.name.name) {
            diagnostics.push(e102_duplicate_definition::duplicate(
                "workflow",
                decl.name.name,
                first,
                decl.name.span,
            ));
            // It is still resolved and checked: one bad workflow does not hide the
            // diagnostics of another (and with the E102 nothing is built from the file).
        } else {
            workflow_names.insert(decl.name.name, decl.name.span);
        }
        let broken = broken_in(&decl);
        module.workflows.push(resolve_workflow(
            decl,
            &top_scope,
            &actors,
            &broken,
            diagnostics,
        ));
    }
    module.actors = actors;
    module
}

/// Splits the names broken declarations seem to declare: those outside every workflow (sorted),
/// and a function giving a workflow those plus its own (sorted). Linear in the names and the
/// workflows, plus the sorting.
#[allow(clippy::type_complexity)]
fn broken_by_workflow<'a>(
    names: Vec<(&'a str, usize)>,
    workflows: &[ast::WorkflowDecl<'a>],
) -> (
    Vec<&'a str>,
    impl Fn(&ast::WorkflowDecl<'a>) -> Vec<&'a str>,
) {
    let mut spans: Vec<(usize, usize)> = workflows
        .iter()
        .map(|w| (w.span.start(), w.span.end()))
        .collect();
    spans.sort_unstable();
    let mut top = Vec::new();
    let mut within: HashMap<usize, Vec<&'a str>> = HashMap::default();
    for (name, at) in names {
        let i = spans.partition_point(|&(start, _)| start <= at);
        match i.checked_sub(1).map(|k| spans[k]) {
            Some((start, end)) if at < end => within.entry(start).or_default().push(name),
            _ => top.push(name),
        }
    }
    top.sort_unstable();
    top.dedup();
    let shared = top.clone();
    let of = move |w: &ast::WorkflowDecl<'a>| {
        let mut all = shared.clone();
        if let Some(own) = within.get(&w.span.start()) {
            all.extend(own);
            all.sort_unstable();
            all.dedup();
        }
        all
    };
    (top, of)
}

/// A thing a name in a workflow's main scope can denote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symbol {
    Actor(ActorId),
    Trigger(TriggerId),
    Step(StepId),
}

impl Symbol {
    fn kind(self) -> &'static str {
        match self {
            Symbol::Actor(_) => "actor",
            Symbol::Trigger(_) => "trigger",
            Symbol::Step(_) => "step",
        }
    }
}

/// The main scope of a workflow (or of the top level): names to symbols and declaration spans.
/// Names borrow the source text, so building a scope allocates no strings.
#[derive(Clone, Default)]
struct Scope<'s> {
    symbols: Names<'s, (Symbol, Span)>,
    /// Declarations rejected because their name was taken by a declaration of another kind
    /// (E102): a reference that expects the rejected kind is not reported again as E103.
    clashes: Names<'s, Symbol>,
}

impl<'s> Scope<'s> {
    /// Declares a name; on a duplicate, reports E102 and returns false.
    fn declare(
        &mut self,
        name: &ast::Ident<'s>,
        symbol: Symbol,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
        match self.symbols.insert(name.name, (symbol, name.span)) {
            Ok(()) => true,
            Err((taken, first)) if taken.kind() != what => {
                diagnostics.push(e102_duplicate_definition::name_taken(
                    what,
                    taken.kind(),
                    name.name,
                    first,
                    name.span,
                ));
                let _ = self.clashes.insert(name.name, symbol);
                false
            }
            Err((_, first)) => {
                diagnostics.push(e102_duplicate_definition::duplicate(
                    what, name.name, first, name.span,
                ));
                false
            }
        }
    }
}

/// Builds an actor from its declaration; its `fallback` is resolved later, once every actor of
/// the scope is known.
/// Marks the actor that an E102 kept under the name of `rejected` with what the rejected
/// declaration gives (an inbox, a fallback, `can sensitive`, a person's kind): which of the two
/// was meant is not known, so the kept one's lack of it is not reported. What neither gives is
/// a mistake of its own.
fn mark_declared_twice(scope: &Scope, rejected: &ActorDecl, actors: &mut [Actor]) {
    let Some((Symbol::Actor(id), _)) = scope.symbols.get(rejected.name.name) else {
        return;
    };
    let Some(actor) = actors.get_mut(id.index()) else {
        return;
    };
    let kept = &mut actor.declared_twice;
    kept.person |= rejected.kind.is_person();
    for item in &rejected.items {
        match &item.kind {
            ActorItemKind::Inbox(..) => kept.inbox = true,
            ActorItemKind::Fallback(_) => kept.fallback = true,
            ActorItemKind::Can(caps) => {
                kept.sensitive |= caps.iter().any(|c| crate::ir::grants(c.name, "sensitive"));
            }
            _ => {}
        }
    }
}

fn declare_actor(decl: &ActorDecl, top_level: bool, diagnostics: &mut Vec<Diagnostic>) -> Actor {
    let mut actor = Actor {
        name: Name {
            text: decl.name.name.to_string(),
            span: decl.name.span,
        },
        kind: decl.kind,
        doc: decl.doc.clone(),
        title: None,
        can: Vec::new(),
        fallback: None,
        members: Vec::new(),
        inboxes: Vec::new(),
        top_level,
        declared_twice: crate::ir::AlsoDeclared::default(),
        span: decl.span,
    };
    let mut title_span: Option<Span> = None;
    let mut fallback_span: Option<Span> = None;
    let mut can = CapabilityList::default();
    let block = format!("actor `{}`", decl.name.name);
    let block = block.as_str();
    for item in &decl.items {
        match &item.kind {
            ActorItemKind::Title(s) => {
                if let Some(first) = title_span {
                    diagnostics.push(e104_duplicate_item::duplicate_item(
                        "title", block, first, item.span,
                    ));
                } else {
                    title_span = Some(item.span);
                    actor.title = Some(s.clone());
                }
            }
            ActorItemKind::Can(caps) => {
                for cap in caps {
                    push_capability(&mut can, cap, "can", diagnostics);
                }
            }
            ActorItemKind::Fallback(_) => {
                if let Some(first) = fallback_span {
                    diagnostics.push(e104_duplicate_item::duplicate_item(
                        "fallback", block, first, item.span,
                    ));
                } else {
                    fallback_span = Some(item.span);
                }
            }
            ActorItemKind::Members(members) => actor.members.extend(members.iter().cloned()),
            ActorItemKind::Inbox(channel, address) => {
                let same = actor
                    .inboxes
                    .iter()
                    .find(|i| i.channel == *channel && i.address.value == address.value);
                if let Some(first) = same {
                    diagnostics.push(e104_duplicate_item::duplicate_item(
                        "inbox", block, first.span, item.span,
                    ));
                } else {
                    actor.inboxes.push(Inbox {
                        channel: *channel,
                        address: address.clone(),
                        span: item.span,
                    });
                }
            }
        }
    }
    actor.can = can.caps;
    actor
}

/// Capabilities being collected from the items of one block, each once.
#[derive(Default)]
struct CapabilityList<'s> {
    caps: Vec<Capability>,
    seen: HashMap<&'s str, Span>,
}

fn push_capability<'s>(
    list: &mut CapabilityList<'s>,
    cap: &ast::Capability<'s>,
    item: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let Some(&first) = list.seen.get(cap.name) {
        diagnostics.push(e104_duplicate_item::listed_twice(
            cap.name, item, first, cap.span,
        ));
    } else {
        list.seen.insert(cap.name, cap.span);
        list.caps.push(Capability {
            name: cap.name.to_string(),
            span: cap.span,
        });
    }
}

/// Resolves the first `fallback` item of an actor declaration.
fn actor_fallback(ctx: &mut Ctx<'_>, decl: &ActorDecl) -> Option<Ref<ActorId>> {
    decl.items.iter().find_map(|item| match &item.kind {
        ActorItemKind::Fallback(name) => {
            // "Did you mean" does not offer the actor itself: falling back to oneself is E204.
            Some(ctx.person(name, std::slice::from_ref(&decl.name)))
        }
        _ => None,
    })
}

/// What resolving one workflow needs to look names up and report. (Its flags are independent
/// modes of the reference being resolved, not states of one machine.)
#[allow(clippy::struct_excessive_bools)]
struct Ctx<'a> {
    scope: &'a Scope<'a>,
    field_ids: &'a Names<'a, FieldId>,
    fields: &'a [Field],
    diagnostics: &'a mut Vec<Diagnostic>,
    budget: &'a mut usize,
    /// Fields that a "did you mean" suggested: they are not reported as unused (W301).
    suggested: Vec<FieldId>,
    /// Steps that a "did you mean" suggested for a route's target, `else` step or compensating
    /// step: they are not reported as unreachable (E501).
    suggested_steps: Vec<StepId>,
    /// Whether the name being resolved is the source of a route (see [`Ctx::source`]).
    as_source: bool,
    /// The names broken declarations seem to declare, sorted ([`ast::File::broken_names`]).
    broken: &'a [&'a str],
    /// A field that "did you mean" must not suggest: the other side of the comparison being
    /// resolved.
    not_suggested: Option<FieldId>,
    /// The names of the list being resolved, sorted, when one of them is unknown: "did you
    /// mean" does not offer a name the list holds already (the edit would list it twice).
    listed: Vec<String>,
    /// Whether the list being resolved is a `carries`: a "did you mean" there that names a
    /// `sensitive` field is not a safe fix (carrying it may leak it, E305).
    carrying: bool,
    /// The `ai` and `system` actors in scope, sorted: "did you mean" does not offer them where
    /// a person must stand (an approver, an escalation target, a fallback: else E203).
    machines: Vec<String>,
    /// Whether "did you mean" offers steps only (a route's target: a trigger there is E205).
    /// Read only when a name did not resolve, so that resolving costs nothing more.
    steps_only: bool,
    /// Whether the "did you mean" of the reference being resolved skips a closer name that may
    /// not stand there: its fix is then not safe.
    guessing: bool,
    /// What only rare references read, kept apart so that the context of every lookup stays
    /// small (two fields more inline made resolution 8% slower at 100,000 steps).
    rare: Box<Rare<'a>>,
}

/// The parts of [`Ctx`] that only rare references read.
#[derive(Default)]
struct Rare<'a> {
    /// For the top-level actors' references: the actors declared inside workflows, with their
    /// workflow, sorted by name. A top-level actor's fallback cannot name one of them, and
    /// declaring it again at the top level would be E102: the help says to move it.
    local_actors: Vec<(&'a str, &'a str)>,
    /// Whether the actor being resolved must be a person (an approver, an escalation target, a
    /// fallback): the help to declare it offers `human` or `team` only (else E203).
    person_wanted: bool,
}

impl Ctx<'_> {
    /// The closest declared name among `candidates`, and whether it is the only close one, if
    /// the suggestion budget allows a search.
    fn suggest<'n>(
        &mut self,
        name: &str,
        candidates: impl Iterator<Item = (&'n str, Span)>,
    ) -> Option<(&'n str, Span, bool)> {
        if *self.budget == 0 {
            return None;
        }
        *self.budget -= 1;
        suggest::closest_unique(name, candidates)
    }

    // The error path: kept out of line so that the lookups that succeed stay small.
    #[cold]
    #[inline(never)]
    fn undefined(&mut self, kind: &'static str, name: &ast::Ident, want: fn(Symbol) -> bool) {
        // A declaration of this name was broken (E001): that is the one diagnostic. A
        // declaration whose name was left out (the empty name, first when sorted) may have been
        // any step, trigger or actor.
        if self.broken.binary_search(&name.name).is_ok()
            || (kind != "field" && self.broken.first() == Some(&""))
        {
            return;
        }
        let scope = self.scope;
        let suggestion = if kind == "field" {
            let (fields, avoid) = (self.fields, self.not_suggested.map(FieldId::index));
            let listed = std::mem::take(&mut self.listed);
            let found = self.suggest(
                name.name,
                fields
                    .iter()
                    .enumerate()
                    .filter(|&(i, f)| avoid != Some(i) && !is_listed(&listed, &f.name.text))
                    .map(|(_, f)| (f.name.text.as_str(), f.name.span)),
            );
            self.listed = listed;
            let id = found.and_then(|(n, _, _)| self.field_ids.get(n));
            if let Some(id) = id {
                self.suggested.push(id);
            }
            let leaks = self.carrying && id.is_some_and(|id| fields[id.index()].sensitive);
            found.map(|(n, span, unique)| (n, span, unique && !leaks))
        } else {
            // Only while a search is allowed (the budget bounds the work per file).
            let narrowed = self.steps_only && *self.budget > 0;
            if narrowed {
                let triggers = scope
                    .symbols
                    .iter()
                    .filter(|(_, (s, _))| matches!(s, Symbol::Trigger(_)))
                    .map(|(n, _)| n);
                self.list_names(&[], triggers);
            }
            let listed = std::mem::take(&mut self.listed);
            let found = self.suggest(
                name.name,
                scope
                    .symbols
                    .iter()
                    .filter(|&(n, (s, _))| want(s) && !is_listed(&listed, n))
                    .map(|(n, (_, span))| (n, span)),
            );
            self.listed = listed;
            if narrowed {
                self.listed.clear();
            }
            let guessing = self.guessing;
            let found = found.map(|(n, span, unique)| (n, span, unique && !guessing));
            if let Some((Symbol::Step(id), _)) = found.and_then(|(n, _, _)| scope.symbols.get(n)) {
                // Only a route meant to lead to the step stands for a way into it.
                if !self.as_source {
                    self.suggested_steps.push(id);
                }
            }
            found
        };
        // A route's target must be a step (a trigger there is E205): declare a step.
        let kind = if self.steps_only && kind == "step or trigger" {
            "step"
        } else {
            kind
        };
        // The workflows that declare the name as a local actor (sorted by name, then workflow).
        let locals = &self.rare.local_actors;
        let from = locals.partition_point(|(n, _)| *n < name.name);
        let local: Vec<String> = locals[from..]
            .iter()
            .take_while(|(n, _)| *n == name.name)
            .map(|(_, w)| format!("`{w}`"))
            .collect();
        let hint = match kind {
            "actor" if !local.is_empty() => format!(
                "`{}` is declared inside {} {}, where top-level actors cannot see it: {}",
                name.name,
                if local.len() == 1 {
                    "workflow"
                } else {
                    "workflows"
                },
                local.join(", "),
                if local.len() == 1 {
                    "move its declaration to the top level"
                } else {
                    "declare it once at the top level and remove the declarations inside the \
                     workflows"
                }
            ),
            "actor" if self.rare.person_wanted => format!(
                "declare it with `actor {}: human` (or `team`: a person must stand here)",
                name.name
            ),
            "actor" => format!(
                "declare it with `actor {}: human` (or `team`, `ai`, `system`)",
                name.name
            ),
            "field" => format!(
                "add `{}: TYPE` to the workflow's `context` block",
                name.name
            ),
            "step" => format!("declare `step {} {{ owner … }}`", name.name),
            _ => format!("declare a step or trigger named `{}`", name.name),
        };
        self.diagnostics.push(e101_undefined_name::undefined(
            kind, name.name, name.span, suggestion, &hint,
        ));
    }

    fn wrong_kind(&mut self, name: &ast::Ident, expected: &str, found: &str, decl: Span) {
        self.diagnostics.push(e103_wrong_kind::wrong_kind(
            name.name, name.span, expected, found, decl,
        ));
    }

    /// Looks up a name of the main scope. `accept` turns the symbols of the expected kind into
    /// the target; any other symbol, or a context field of that name, is E103; no declaration at
    /// all is E101 (with the closest name of the kinds `want` selects).
    fn lookup<T>(
        &mut self,
        name: &ast::Ident,
        expected: &'static str,
        undefined_as: &'static str,
        accept: fn(Symbol) -> Option<T>,
        want: fn(Symbol) -> bool,
    ) -> Ref<T> {
        let target = if let Some((symbol, decl)) = self.scope.symbols.get(name.name) {
            // A name means its first declaration. When that is of the wrong kind and a
            // declaration of a kind wanted here was rejected under the name (E102), the
            // reference is to the rejected one: the clash is its one diagnostic.
            let target = accept(symbol);
            let clashed = || self.scope.clashes.get(name.name).is_some_and(want);
            if target.is_none() && !clashed() {
                self.wrong_kind(name, expected, symbol.kind(), decl);
            }
            target
        } else {
            if let Some(id) = self.field_ids.get(name.name) {
                let decl = self.fields[id.index()].name.span;
                self.wrong_kind(name, expected, "context field", decl);
            } else {
                self.undefined(undefined_as, name, want);
            }
            None
        };
        Ref {
            target,
            span: name.span,
        }
    }

    /// A reference that must name an actor.
    fn actor(&mut self, name: &ast::Ident) -> Ref<ActorId> {
        self.lookup(
            name,
            "actor",
            "actor",
            |s| match s {
                Symbol::Actor(id) => Some(id),
                _ => None,
            },
            |s| matches!(s, Symbol::Actor(_)),
        )
    }

    /// A reference that must name a step.
    fn step(&mut self, name: &ast::Ident) -> Ref<StepId> {
        self.lookup(
            name,
            "step",
            "step",
            |s| match s {
                Symbol::Step(id) => Some(id),
                _ => None,
            },
            |s| matches!(s, Symbol::Step(_)),
        )
    }

    /// A step other than `own` (the step whose item names it): "did you mean" does not offer
    /// `own`, since a step that compensates itself (E402) or whose approval's `else` returns to
    /// itself is no fix.
    fn other_step(&mut self, name: &ast::Ident, own: &str) -> Ref<StepId> {
        self.list_names(&[], std::iter::once(own));
        let r = self.step(name);
        self.listed.clear();
        r
    }

    /// A step named by an item rejected as a repeat (E104): the item was meant to lead there,
    /// so the step is not reported as unreachable (E501) as well. Nothing is reported about the
    /// name itself.
    fn named_by_dropped_item(&mut self, name: &ast::Ident) {
        if let Some((Symbol::Step(id), _)) = self.scope.symbols.get(name.name) {
            self.suggested_steps.push(id);
        }
    }

    /// The source of a route: a step or a trigger, which a "did you mean" does not make reached.
    fn source(&mut self, name: &ast::Ident) -> Ref<NodeId> {
        self.as_source = true;
        let r = self.node(name);
        self.as_source = false;
        r
    }

    /// Notes the fields that a declaration rejected for its name (E102) names, so that they are
    /// not reported unused: no diagnostic for names that are no field.
    fn note_rejected_uses(&mut self, names: &[ast::Ident]) {
        for name in names {
            if let Some(id) = self.field_ids.get(name.name) {
                self.suggested.push(id);
            }
        }
    }

    /// The target of a transition: a step or a trigger (E205 reports a trigger). A name that a
    /// step was rejected under (E102: a trigger had it first) means that step: the clash is the
    /// one diagnostic, not also E205.
    fn target(&mut self, name: &ast::Ident) -> Ref<NodeId> {
        // "Did you mean" offers steps only: a route into a trigger is E205.
        self.steps_only = true;
        let mut r = self.node(name);
        self.steps_only = false;
        let step_rejected = || {
            self.scope
                .clashes
                .get(name.name)
                .is_some_and(|s| matches!(s, Symbol::Step(_)))
        };
        if matches!(r.target, Some(NodeId::Trigger(_))) && step_rejected() {
            r.target = None;
        }
        r
    }

    /// A reference that must name a step or a trigger (an end of a transition).
    fn node(&mut self, name: &ast::Ident) -> Ref<NodeId> {
        self.lookup(
            name,
            "step",
            "step or trigger",
            |s| match s {
                Symbol::Step(id) => Some(NodeId::Step(id)),
                Symbol::Trigger(id) => Some(NodeId::Trigger(id)),
                Symbol::Actor(_) => None,
            },
            |s| matches!(s, Symbol::Step(_) | Symbol::Trigger(_)),
        )
    }

    /// A reference that must name a context field.
    fn field(&mut self, name: &ast::Ident) -> Ref<FieldId> {
        let target = if let Some(id) = self.field_ids.get(name.name) {
            Some(id)
        } else {
            if let Some((symbol, decl)) = self.scope.symbols.get(name.name) {
                let kind = symbol.kind();
                self.wrong_kind(name, "context field", kind, decl);
            } else {
                self.undefined("field", name, |_| false);
            }
            None
        };
        Ref {
            target,
            span: name.span,
        }
    }

    /// Resolves a list of fields, appending to `out`; a field listed twice in the same list
    /// (across all items of that list in one block, tracked in `seen`) is E104.
    fn field_list(&mut self, names: &[ast::Ident], list: &str, out: &mut FieldList) {
        self.carrying = list == "carries";
        // Most lists are one item: sized exactly, the model keeps them without reallocating.
        out.refs.reserve_exact(names.len());
        let (field_ids, fields) = (self.field_ids, self.fields);
        // Each name is looked up once.
        let ids: smallvec::SmallVec<[Option<FieldId>; 8]> =
            names.iter().map(|n| field_ids.get(n.name)).collect();
        if ids.contains(&None) {
            let earlier = out.refs.iter().filter_map(|r| r.target);
            self.list_names(
                names,
                earlier.map(|id| fields[id.index()].name.text.as_str()),
            );
        }
        for (name, id) in names.iter().zip(ids) {
            let r = match id {
                Some(id) => Ref {
                    target: Some(id),
                    span: name.span,
                },
                None => self.field(name),
            };
            if let Some(id) = r.target {
                if let Some(first) = out.first(id) {
                    self.diagnostics.push(e104_duplicate_item::listed_twice(
                        name.name, list, first, name.span,
                    ));
                    continue;
                }
            }
            out.push(r);
        }
        self.listed.clear();
        self.carrying = false;
    }

    /// Notes the names of a list (and `earlier`, what the list held before) for "did you mean"
    /// when one of them is unknown (see [`Ctx::listed`]).
    /// A reference that must name a person (an approver, an escalation target, a fallback):
    /// an actor, whose "did you mean" offers no `ai` or `system` actor and none of `besides`
    /// (the actor itself, the other approvers).
    fn person(&mut self, name: &ast::Ident, besides: &[ast::Ident]) -> Ref<ActorId> {
        // Rare enough (approvers, escalations, fallbacks) for a lookup of its own.
        if *self.budget > 0 && self.scope.symbols.get(name.name).is_none() {
            // When a machine is the closest name, the person offered instead is a guess: not a
            // safe fix.
            let closest = suggest::closest_unique(
                name.name,
                self.scope
                    .symbols
                    .iter()
                    .filter(|(_, (s, _))| matches!(s, Symbol::Actor(_)))
                    .map(|(n, (_, span))| (n, span)),
            );
            self.guessing = closest.is_some_and(|(n, _, _)| {
                self.machines
                    .binary_search_by(|m| m.as_str().cmp(n))
                    .is_ok()
            });
            let machines = std::mem::take(&mut self.machines);
            self.list_names(besides, machines.iter().map(String::as_str));
            self.machines = machines;
        }
        self.rare.person_wanted = true;
        let r = self.actor(name);
        self.rare.person_wanted = false;
        self.listed.clear();
        self.guessing = false;
        r
    }

    fn list_names<'n>(&mut self, names: &[ast::Ident], earlier: impl Iterator<Item = &'n str>) {
        self.listed = names
            .iter()
            .map(|n| n.name.to_string())
            .chain(earlier.map(str::to_string))
            .collect();
        self.listed.sort_unstable();
    }
}

/// The names of the `ai` and `system` actors among `actors`, sorted.
fn machine_names(actors: &[Actor]) -> Vec<String> {
    let mut names: Vec<String> = actors
        .iter()
        .filter(|a| !a.kind.is_person())
        .map(|a| a.name.text.clone())
        .collect();
    names.sort_unstable();
    names
}

/// Whether `name` is among `listed` (sorted).
fn is_listed(listed: &[String], name: &str) -> bool {
    !listed.is_empty() && listed.binary_search_by(|l| l.as_str().cmp(name)).is_ok()
}

/// A list of fields being built from the items of one block, with what it already holds.
/// Short lists are searched directly; a hash map is built once a list grows long.
#[derive(Default)]
struct FieldList {
    refs: Vec<Ref<FieldId>>,
    seen: Option<HashMap<FieldId, Span>>,
}

/// The length from which a [`FieldList`] indexes its entries.
const SHORT_LIST: usize = 16;

impl FieldList {
    /// Where `id` is already listed, if it is.
    fn first(&self, id: FieldId) -> Option<Span> {
        match &self.seen {
            Some(seen) => seen.get(&id).copied(),
            None => self
                .refs
                .iter()
                .find(|r| r.target == Some(id))
                .map(|r| r.span),
        }
    }

    fn push(&mut self, r: Ref<FieldId>) {
        if self.seen.is_none() && self.refs.len() >= SHORT_LIST {
            self.seen = Some(
                self.refs
                    .iter()
                    .filter_map(|r| r.target.map(|t| (t, r.span)))
                    .collect(),
            );
        }
        if let (Some(seen), Some(id)) = (self.seen.as_mut(), r.target) {
            seen.entry(id).or_insert(r.span);
        }
        self.refs.push(r);
    }

    /// The references, without spare capacity (the model keeps them for its lifetime).
    fn into_refs(mut self) -> Vec<Ref<FieldId>> {
        self.refs.shrink_to_fit();
        self.refs
    }
}

/// Remembers the first span of each single-valued item in a block, reporting E104 on repeats.
/// It allocates nothing: a block has at most a handful of single-valued items, and the name of
/// the block is only formatted when there is something to report.
struct Once<'b> {
    block: &'b dyn Fn() -> String,
    seen: [Option<(&'static str, Span)>; 8],
}

impl<'b> Once<'b> {
    fn new(block: &'b dyn Fn() -> String) -> Self {
        Once {
            block,
            seen: [None; 8],
        }
    }

    /// Whether this is the first `item` in the block; reports E104 otherwise.
    fn first(&mut self, item: &'static str, span: Span, diagnostics: &mut Vec<Diagnostic>) -> bool {
        if let Some((_, first)) = self.seen.iter().flatten().find(|(i, _)| *i == item) {
            diagnostics.push(e104_duplicate_item::duplicate_item(
                item,
                &(self.block)(),
                *first,
                span,
            ));
            false
        } else {
            if let Some(slot) = self.seen.iter_mut().find(|s| s.is_none()) {
                *slot = Some((item, span));
            }
            true
        }
    }
}

fn resolve_workflow(
    decl: ast::WorkflowDecl,
    top_scope: &Scope,
    top_actors: &[Actor],
    broken: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) -> Workflow {
    let mut scope = top_scope.clone();
    // Sized once, for at most one name per item, and without a pass of its own over the
    // items (a pass over 100,000 items read from memory costs a tenth of resolution): growing
    // a table of 100,000 names rehashes it a dozen times.
    scope.symbols.reserve(decl.items.len());
    let mut actors: Vec<Actor> = top_actors.to_vec();
    let mut local_actor_decls = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    let mut field_ids: Names<FieldId> = Names::default();
    // For each item, whether it declares a trigger or step (that was not a duplicate): one
    // byte per item, read again in pass 2.
    let mut declared: Vec<bool> = vec![false; decl.items.len()];
    let (mut trigger_count, mut step_count) = (0u32, 0u32);
    let workflow_name = decl.name.name;
    let block = move || format!("workflow `{workflow_name}`");
    let mut once = Once::new(&block);
    let mut rejected_trigger = false;
    let mut transition_count = 0usize;

    // Pass 1: declarations (and the number of transitions, to size their list).
    for (i, item) in decl.items.iter().enumerate() {
        match &item.kind {
            WorkflowItemKind::Flow(f) => transition_count += f.chain.len().saturating_sub(1),
            WorkflowItemKind::Handoff(_) => transition_count += 1,
            WorkflowItemKind::Actor(a) => {
                let id = ActorId(actors.len() as u32);
                if scope.declare(&a.name, Symbol::Actor(id), "actor", diagnostics) {
                    actors.push(declare_actor(a, false, diagnostics));
                    local_actor_decls.push(a);
                } else {
                    mark_declared_twice(&scope, a, &mut actors);
                }
            }
            WorkflowItemKind::Context(decls) => {
                // A second block is E104, and its fields are declared all the same: the names
                // that use them are not the mistake.
                once.first("context", item.span, diagnostics);
                for f in decls {
                    let id = FieldId(fields.len() as u32);
                    if let Err(first) = field_ids.insert(f.name.name, id) {
                        diagnostics.push(e102_duplicate_definition::duplicate(
                            "field",
                            f.name.name,
                            fields[first.index()].name.span,
                            f.name.span,
                        ));
                        fields[first.index()].declared_twice = true;
                        continue;
                    }
                    fields.push(Field {
                        name: Name {
                            text: f.name.name.to_string(),
                            span: f.name.span,
                        },
                        ty: lower_type(&f.ty, diagnostics),
                        sensitive: f.sensitive,
                        declared_twice: false,
                        suggested: false,
                        doc: f.doc.clone(),
                        span: f.span,
                    });
                }
            }
            WorkflowItemKind::Trigger(t) => {
                let symbol = Symbol::Trigger(TriggerId(trigger_count));
                if scope.declare(&t.name, symbol, "trigger", diagnostics) {
                    declared[i] = true;
                    trigger_count += 1;
                } else {
                    rejected_trigger = true;
                }
            }
            WorkflowItemKind::Step(s) => {
                let symbol = Symbol::Step(StepId(step_count));
                if scope.declare(&s.name, symbol, "step", diagnostics) {
                    declared[i] = true;
                    step_count += 1;
                }
            }
            _ => {}
        }
    }

    // Where this workflow's diagnostics from resolution start (see `no_safe_duplicates`).
    let first_diagnostic = diagnostics.len();
    let mut budget = SUGGESTION_BUDGET;
    let mut ctx = Ctx {
        scope: &scope,
        field_ids: &field_ids,
        fields: &fields,
        diagnostics,
        budget: &mut budget,
        suggested: Vec::new(),
        suggested_steps: Vec::new(),
        as_source: false,
        not_suggested: None,
        listed: Vec::new(),
        carrying: false,
        broken,
        machines: machine_names(&actors),
        steps_only: false,
        guessing: false,
        rare: Box::default(),
    };

    // Pass 2: references.
    let local_fallbacks: Vec<_> = local_actor_decls
        .iter()
        .map(|d| actor_fallback(&mut ctx, d))
        .collect();

    let mut title = None;
    let mut version = None;
    let mut owner = None;
    let mut customer_facing = false;
    let mut customer = None;
    let mut transitions = Vec::with_capacity(transition_count);
    // The ends of each transition, noted while it is in the cache (see `reject_duplicate_links`).
    let mut links: Vec<Link> = Vec::with_capacity(transition_count);
    let mut triggers: Vec<Trigger> = Vec::with_capacity(trigger_count as usize);
    let mut steps: Vec<Step> = Vec::with_capacity(step_count as usize);
    let ast::WorkflowDecl {
        doc,
        name: workflow_name,
        items,
        recovered,
        span,
    } = decl;
    // Items are consumed in source order; triggers and steps were numbered in that order.
    for (mut item, declared) in items.into_iter().zip(declared) {
        match &mut item.kind {
            WorkflowItemKind::Title(s) => {
                if once.first("title", item.span, ctx.diagnostics) {
                    title = Some(s.clone());
                }
            }
            WorkflowItemKind::Version(s) => {
                if once.first("version", item.span, ctx.diagnostics) {
                    version = Some(s.clone());
                }
            }
            WorkflowItemKind::Owner(name) => {
                if once.first("owner", item.span, ctx.diagnostics) {
                    owner = Some(ctx.actor(name));
                }
            }
            WorkflowItemKind::CustomerFacing => {
                if once.first("customer_facing", item.span, ctx.diagnostics) {
                    customer_facing = true;
                }
            }
            WorkflowItemKind::Customer(name) => {
                if once.first("customer", item.span, ctx.diagnostics) {
                    customer = Some(ctx.field(name));
                }
            }
            WorkflowItemKind::Flow(flow) => {
                let first = transitions.len();
                resolve_flow(&mut ctx, flow, &mut transitions);
                note_links(&mut links, &transitions, first, trigger_count);
            }
            WorkflowItemKind::Handoff(handoff) => {
                let first = transitions.len();
                resolve_handoff(&mut ctx, handoff, &mut transitions);
                note_links(&mut links, &transitions, first, trigger_count);
            }
            WorkflowItemKind::Trigger(t) if declared => {
                triggers.push(resolve_trigger(&mut ctx, t));
            }
            WorkflowItemKind::Step(s) if declared => {
                steps.push(resolve_step(&mut ctx, s));
            }
            // A step or trigger rejected for its name (E102) is left out, but the fields it
            // names were used by it: they are not reported unused (W301).
            WorkflowItemKind::Step(s) => {
                for item in &s.items {
                    match &item.kind {
                        StepItemKind::Needs(names) | StepItemKind::Provides(names) => {
                            ctx.note_rejected_uses(names);
                        }
                        _ => {}
                    }
                }
            }
            WorkflowItemKind::Trigger(t) => {
                for list in &t.provides {
                    ctx.note_rejected_uses(&list.names);
                }
            }
            _ => {}
        }
    }

    let suggested = std::mem::take(&mut ctx.suggested);
    let suggested_steps = std::mem::take(&mut ctx.suggested_steps);
    drop(ctx);
    let links = reject_duplicate_links(&mut transitions, links, &triggers, &steps, diagnostics);
    no_safe_duplicates(
        &transitions,
        &links,
        trigger_count,
        &scope,
        &mut diagnostics[first_diagnostic..],
    );
    for id in suggested_steps {
        steps[id.index()].suggested = true;
    }
    for id in suggested {
        fields[id.index()].suggested = true;
    }
    let first_local = top_actors.len();
    for (actor, fallback) in actors[first_local..].iter_mut().zip(local_fallbacks) {
        actor.fallback = fallback;
    }

    Workflow {
        name: Name {
            text: workflow_name.name.to_string(),
            span: workflow_name.span,
        },
        doc,
        title,
        version,
        owner,
        customer_facing,
        recovered,
        rejected_trigger,
        customer,
        actors,
        fields,
        triggers,
        steps,
        transitions,
        span,
    }
}

fn lower_type(ty: &ast::TypeExpr, diagnostics: &mut Vec<Diagnostic>) -> Type {
    match &ty.kind {
        TypeKind::Prim(p) => Type::Prim(*p),
        TypeKind::List(inner) => Type::List(Box::new(lower_type(inner, diagnostics))),
        TypeKind::Enum(members) => {
            let mut seen: HashMap<&str, Span> = HashMap::default();
            let mut out = Vec::new();
            for m in members {
                if let Some(&first) = seen.get(m.name) {
                    diagnostics.push(e102_duplicate_definition::duplicate(
                        "enum member",
                        m.name,
                        first,
                        m.span,
                    ));
                    continue;
                }
                seen.insert(m.name, m.span);
                out.push(Name {
                    text: m.name.to_string(),
                    span: m.span,
                });
            }
            Type::Enum(out)
        }
    }
}

fn resolve_trigger(ctx: &mut Ctx<'_>, decl: &ast::TriggerDecl) -> Trigger {
    let kind = match &decl.kind {
        ast::TriggerKind::Manual => TriggerKind::Manual,
        ast::TriggerKind::Webhook(s) => TriggerKind::Webhook(s.clone()),
        ast::TriggerKind::Schedule(s) => TriggerKind::Schedule(s.clone()),
        ast::TriggerKind::Form(s) => TriggerKind::Form(s.clone()),
    };
    let mut provides = FieldList::default();
    for item in &decl.provides {
        ctx.field_list(&item.names, "provides", &mut provides);
    }
    let provides = provides.into_refs();
    Trigger {
        name: Name {
            text: decl.name.name.to_string(),
            span: decl.name.span,
        },
        kind,
        provides,
        doc: decl.doc.clone(),
        span: decl.span,
    }
}

fn resolve_step(ctx: &mut Ctx<'_>, decl: &ast::StepDecl) -> Step {
    let step_name = decl.name.name;
    let block = move || format!("step `{step_name}`");
    let mut once = Once::new(&block);
    let mut step = Step {
        name: Name {
            text: decl.name.name.to_string(),
            span: decl.name.span,
        },
        owner: None,
        recovered: decl.recovered,
        disputed: false,
        suggested: false,
        needs: Vec::new(),
        provides: Vec::new(),
        span: decl.span,
        extra: None,
    };
    let mut extra = StepExtra {
        doc: decl.doc.clone(),
        ..StepExtra::default()
    };
    let mut needs = FieldList::default();
    let mut provides = FieldList::default();
    let mut actions = CapabilityList::default();
    let mut first_owner = None;
    let mut first_class: Option<(Span, &StepItemKind)> = None;
    for item in &decl.items {
        match &item.kind {
            StepItemKind::Title(s) => {
                if once.first("title", item.span, ctx.diagnostics) {
                    extra.title = Some(s.clone());
                }
            }
            StepItemKind::Owner(name) => {
                if once.first("owner", item.span, ctx.diagnostics) {
                    step.owner = Some(ctx.actor(name));
                    first_owner = Some(name.name);
                } else if first_owner != Some(name.name) {
                    // Two different owners (E104): which one was meant is not known, so the
                    // rules that read the owner stay silent, as for an owner that did not
                    // resolve.
                    if let Some(owner) = &mut step.owner {
                        owner.target = None;
                    }
                }
            }
            StepItemKind::Needs(names) => ctx.field_list(names, "needs", &mut needs),
            StepItemKind::Provides(names) => {
                ctx.field_list(names, "provides", &mut provides);
            }
            StepItemKind::Action(caps) => {
                for cap in caps {
                    push_capability(&mut actions, cap, "action", ctx.diagnostics);
                }
            }
            StepItemKind::Uses(s) => {
                if once.first("uses", item.span, ctx.diagnostics) {
                    extra.uses = Some(s.clone());
                }
            }
            StepItemKind::Reversible
            | StepItemKind::Irreversible
            | StepItemKind::CompensableBy(_) => {
                if let Some((first, first_kind)) = first_class {
                    if let StepItemKind::CompensableBy(name) = &item.kind {
                        ctx.named_by_dropped_item(name);
                    }
                    let same = match (first_kind, &item.kind) {
                        (StepItemKind::CompensableBy(a), StepItemKind::CompensableBy(b)) => {
                            a.name == b.name
                        }
                        (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
                    };
                    if same {
                        // The same class given twice: a repeat, not two classes.
                        let keyword = match &item.kind {
                            StepItemKind::Reversible => "reversible",
                            StepItemKind::Irreversible => "irreversible",
                            _ => "compensable by",
                        };
                        ctx.diagnostics.push(e104_duplicate_item::duplicate_item(
                            keyword,
                            &block(),
                            first,
                            item.span,
                        ));
                        continue;
                    }
                    ctx.diagnostics.push(e104_duplicate_item::two_reversibility(
                        decl.name.name,
                        first,
                        item.span,
                    ));
                    // Which class was meant is not known: the step keeps none, and the rules
                    // that read the class stay silent about it (`disputed`).
                    if let Some(Reversibility {
                        kind: ReversibilityKind::CompensableBy(undo),
                        ..
                    }) = extra.reversibility.take()
                    {
                        if let Some(undo) = undo.target {
                            ctx.suggested_steps.push(undo);
                        }
                    }
                    step.disputed = true;
                    continue;
                }
                first_class = Some((item.span, &item.kind));
                let kind = match &item.kind {
                    StepItemKind::Reversible => ReversibilityKind::Reversible,
                    StepItemKind::Irreversible => ReversibilityKind::Irreversible,
                    StepItemKind::CompensableBy(name) => {
                        ReversibilityKind::CompensableBy(ctx.other_step(name, step_name))
                    }
                    _ => continue,
                };
                extra.reversibility = Some(Reversibility {
                    kind,
                    span: item.span,
                });
            }
            StepItemKind::Approve(approve) => {
                if !once.first("approve by", item.span, ctx.diagnostics) {
                    if let Some(name) = &approve.else_step {
                        ctx.named_by_dropped_item(name);
                    }
                    continue;
                }
                let mut approvers: Vec<Ref<ActorId>> = Vec::new();
                let mut seen: HashMap<ActorId, Span> = HashMap::default();
                for name in &approve.approvers {
                    let r = ctx.person(name, &approve.approvers);
                    if let Some(id) = r.target {
                        if let Some(&first) = seen.get(&id) {
                            ctx.diagnostics.push(e104_duplicate_item::listed_twice(
                                name.name,
                                "approve by",
                                first,
                                name.span,
                            ));
                            continue;
                        }
                        seen.insert(id, name.span);
                    }
                    approvers.push(r);
                }
                ctx.listed.clear();
                extra.approval = Some(Approval {
                    approvers,
                    within: approve.within,
                    else_step: approve
                        .else_step
                        .as_ref()
                        .map(|s| ctx.other_step(s, step_name)),
                    span: item.span,
                });
            }
            StepItemKind::Escalate(esc) => {
                let target = ctx.person(&esc.target, &[]);
                let condition = conditions::resolve(ctx, &esc.condition);
                let (step_name, target_name) = (decl.name.name, esc.target.name);
                let block =
                    move || format!("the escalation of step `{step_name}` to `{target_name}`");
                let route = resolve_route(ctx, &esc.body, esc.body_span, &block);
                extra.escalations.push(Escalation {
                    target,
                    condition,
                    route,
                    span: item.span,
                });
            }
        }
    }
    step.needs = needs.into_refs();
    step.provides = provides.into_refs();
    extra.actions = actions.caps;
    if !extra.is_empty() {
        step.extra = Some(Box::new(extra));
    }
    step
}

fn resolve_route(
    ctx: &mut Ctx<'_>,
    items: &[RouteItem],
    body: Option<Span>,
    block: &dyn Fn() -> String,
) -> Route {
    let mut once = Once::new(block);
    let mut route = Route {
        body,
        ..Route::default()
    };
    let mut carries = FieldList::default();
    for item in items {
        match &item.kind {
            RouteItemKind::Carries(names) => ctx.field_list(names, "carries", &mut carries),
            RouteItemKind::Sla(d) => {
                if once.first("sla", item.span, ctx.diagnostics) {
                    route.sla = Some(*d);
                }
            }
            RouteItemKind::Fallback(name) => {
                if once.first("fallback", item.span, ctx.diagnostics) {
                    route.fallback = Some(ctx.person(name, &[]));
                }
            }
            RouteItemKind::Notify(s) => {
                if once.first("notify", item.span, ctx.diagnostics) {
                    route.notify = Some(s.clone());
                }
            }
            RouteItemKind::Reason(s) => {
                if once.first("reason", item.span, ctx.diagnostics) {
                    route.reason = Some(s.clone());
                }
            }
        }
    }
    route.carries = carries.into_refs();
    route
}

fn resolve_guard(ctx: &mut Ctx<'_>, guard: Option<ast::Guard>) -> Guard {
    match guard {
        None => Guard::Always,
        Some(ast::Guard::Otherwise(span)) => Guard::Otherwise(span),
        Some(ast::Guard::When(expr, _)) => {
            let cond = conditions::resolve(ctx, &expr);
            // The tree's condition is freed before the model's is allocated, which can then
            // take its place (the two are the same size).
            drop(expr);
            Guard::When(Box::new(cond))
        }
    }
}

/// A transition's link: the numbers of its two ends, then its index. Sorted, equal links are
/// adjacent, the first declared first. Twelve bytes, where a packed `(u64, u32)` took sixteen.
type Link = [u32; 3];

/// Notes the link of each transition from `first` on, for [`reject_duplicate_links`]: those
/// whose ends resolved and that were not rejected already.
fn note_links(links: &mut Vec<Link>, transitions: &[Transition], first: usize, triggers: u32) {
    for (i, t) in transitions.iter().enumerate().skip(first) {
        if let (false, Some(a), Some(b)) = (t.rejected, t.from.target, t.to.target) {
            let [from, to] = link_ends(a, b, triggers);
            links.push([from, to, i as u32]);
        }
    }
}

/// The ends of a link `a -> b` as node numbers, numbered as in the routing graph: the triggers
/// (`triggers` of them) first, then the steps.
fn link_ends(a: NodeId, b: NodeId, triggers: u32) -> [u32; 2] {
    let node = |n: NodeId| match n {
        NodeId::Trigger(t) => t.0,
        NodeId::Step(s) => triggers + s.0,
    };
    [node(a), node(b)]
}

/// Reports E102 on every transition whose `from -> to` was declared before, and rejects it:
/// a duplicate is kept, rejected, so that its source knows it has a route that failed (and a
/// chain's condition stays on its first link). Transitions whose ends did not resolve, or that
/// were rejected already, take no part.
///
/// The links are sorted by their ends rather than entered in a hash table as they are met: on
/// 100,000 transitions a sort is one sequential pass over a compact array, where the table
/// was a cache miss per transition (and a megabyte held through resolution).
fn reject_duplicate_links(
    transitions: &mut [Transition],
    mut links: Vec<Link>,
    triggers: &[Trigger],
    steps: &[Step],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Link> {
    links.sort_unstable();
    let name = |n: NodeId| match n {
        NodeId::Trigger(t) => triggers[t.index()].name.text.as_str(),
        NodeId::Step(s) => steps[s.index()].name.text.as_str(),
    };
    let span = |t: &Transition| t.from.span.to(t.to.span);
    for pair in links.windows(2) {
        let ([a, b, _], [next_a, next_b, i]) = (pair[0], pair[1]);
        if (a, b) != (next_a, next_b) {
            continue;
        }
        // The first of a run of equal links is its first declaration (indices are in source
        // order, and sorting puts the smallest first).
        let first = links[links.partition_point(|l| (l[0], l[1]) < (a, b))][2];
        let first_span = span(&transitions[first as usize]);
        let t = &mut transitions[i as usize];
        t.rejected = true;
        let (Some(a), Some(b)) = (t.from.target, t.to.target) else {
            continue;
        };
        diagnostics.push(e102_duplicate_definition::duplicate_transition(
            name(a),
            name(b),
            first_span,
            span(t),
        ));
    }
    links
}

/// `flow a -> b` then `flow a -> bb`: the "did you mean `b`" of the misspelt target would
/// declare `a -> b` twice (E102), so it is not a fix `check --fix` applies without asking.
/// `links` are the sorted links of [`reject_duplicate_links`]; linear in the diagnostics plus
/// the transitions whose target did not resolve.
fn no_safe_duplicates(
    transitions: &[Transition],
    links: &[Link],
    triggers: u32,
    scope: &Scope<'_>,
    diagnostics: &mut [Diagnostic],
) {
    let unresolved: HashMap<Span, NodeId> = transitions
        .iter()
        .filter(|t| !t.rejected && t.to.target.is_none())
        .filter_map(|t| Some((t.to.span, t.from.target?)))
        .collect();
    if unresolved.is_empty() {
        return;
    }
    for d in diagnostics {
        let Some(&from) = unresolved.get(&d.span) else {
            continue;
        };
        let Some(fix) = d.fix.as_mut().filter(|f| f.safe) else {
            continue;
        };
        let to = match fix
            .edits
            .first()
            .and_then(|e| scope.symbols.get(&e.replacement))
        {
            Some((Symbol::Step(s), _)) => NodeId::Step(s),
            Some((Symbol::Trigger(t), _)) => NodeId::Trigger(t),
            _ => continue,
        };
        let [a, b] = link_ends(from, to, triggers);
        if links
            .binary_search_by(|l| (l[0], l[1]).cmp(&(a, b)))
            .is_ok()
        {
            fix.safe = false;
        }
    }
}

fn resolve_flow(ctx: &mut Ctx<'_>, flow: &mut ast::FlowDecl, out: &mut Vec<Transition>) {
    // Resolve every name once, even where it is the end of one link and the start of the next.
    // Most flows are one link: their two ends need no allocation.
    let two: [Ref<NodeId>; 2];
    let many: Vec<Ref<NodeId>>;
    let refs: &[Ref<NodeId>] = if let [a, b] = flow.chain.as_slice() {
        two = [ctx.source(a), ctx.target(b)];
        &two
    } else {
        many = flow
            .chain
            .iter()
            .enumerate()
            .map(|(i, n)| if i == 0 { ctx.source(n) } else { ctx.target(n) })
            .collect();
        &many
    };
    let mut guard = Some(resolve_guard(ctx, flow.guard.take()));
    let links = refs.len().saturating_sub(1);
    for (k, pair) in refs.windows(2).enumerate() {
        let (from, to) = (pair[0], pair[1]);
        // A duplicate link is rejected once every transition is known.
        let rejected = false;
        out.push(Transition {
            kind: TransitionKind::Flow,
            from,
            to,
            guard: guard.take().unwrap_or(Guard::Always),
            // The doc describes every link of the chain.
            extra: TransitionExtra::boxed(
                Route::default(),
                if k + 1 == links {
                    flow.doc.take()
                } else {
                    flow.doc.clone()
                },
            ),
            span: flow.span,
            rejected,
        });
    }
}

fn resolve_handoff(ctx: &mut Ctx<'_>, handoff: &mut ast::HandoffDecl, out: &mut Vec<Transition>) {
    let from = ctx.source(&handoff.from);
    let to = ctx.target(&handoff.to);
    let mut rejected = false;
    if let Some(NodeId::Trigger(_)) = from.target {
        let decl = ctx
            .scope
            .symbols
            .get(handoff.from.name)
            .map_or(handoff.from.span, |(_, span)| span);
        ctx.diagnostics.push(e103_wrong_kind::handoff_from_trigger(
            handoff.from.name,
            handoff.from.span,
            decl,
            handoff.body_span.is_some(),
        ));
        rejected = true;
    }
    let guard = resolve_guard(ctx, handoff.guard.take());
    let (from_name, to_name) = (handoff.from.name, handoff.to.name);
    let block = move || format!("the handoff `{from_name} -> {to_name}`");
    let route = resolve_route(ctx, &handoff.body, handoff.body_span, &block);
    // A rejected edge has had its diagnostic; it takes no part in duplicate detection
    // (`reject_duplicate_links`, once every transition is known).
    out.push(Transition {
        kind: TransitionKind::Handoff,
        from,
        to,
        guard,
        extra: TransitionExtra::boxed(route, handoff.doc.take()),
        span: handoff.span,
        rejected,
    });
}

#[cfg(test)]
mod tests {
    /// A doc comment on a chain `a -> b -> c` describes each of its links.
    #[test]
    fn every_link_of_a_documented_chain_has_the_doc() {
        let source = "actor a: human\nworkflow w {\n  trigger t: manual\n  step x { owner a }\n  \
                      step y { owner a }\n  /// The main path.\n  flow t -> x -> y\n}\n";
        let parsed = crate::parse::parse(source);
        let mut diagnostics = parsed.diagnostics;
        let module = super::resolve(parsed.file, &mut diagnostics);
        let docs: Vec<_> = module.workflows[0]
            .transitions
            .iter()
            .map(|t| t.doc().map(String::as_str))
            .collect();
        assert_eq!(docs, [Some("The main path."), Some("The main path.")]);
    }

    /// `resolve_guard` frees the tree's condition just before it allocates the model's, so
    /// that the allocator hands the same block back: that needs the two to stay one size.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_condition_takes_the_place_of_the_tree_it_came_from() {
        assert_eq!(
            std::mem::size_of::<crate::ast::Expr>(),
            std::mem::size_of::<crate::ir::Cond>()
        );
    }
}
