//! Parsing: source text to syntax tree, with every syntax error the parser can recover from.
//!
//! The pipeline is: `scan` finds declaration and item starts; pest parses the file in pieces
//! along them (or whole, when a guess was wrong); if that fails, `recover` parses each
//! top-level declaration on its own and each item of a workflow on its own, so that every broken
//! item reports one E001 and every item that parses is still lowered, resolved and checked.
//!
//! **Invariants:** [`parse`] never fails and never panics: it returns what it could build
//! together with its diagnostics. pest only ever sees text whose nesting `scan::too_deep`
//! accepted ([`MAX_NESTING`] levels), whatever piece the driver cut; so pest's recursion,
//! lowering's and every later recursive walk over a condition or type are bounded.

mod errors;
mod grammar;
mod lower;
mod scan;

use pest::Parser as _;

pub use grammar::Rule;
pub use scan::MAX_NESTING;

use crate::ast::{
    FieldDecl, File, StepDecl, StepItem, TopItem, WorkflowDecl, WorkflowItem, WorkflowItemKind,
};
use crate::diagnostics::Diagnostic;
use crate::rules::e001_syntax_error;
use crate::span::{char_floor, Span};
use grammar::HandoffParser;

/// The result of parsing: the tree that could be built, and the syntax errors.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    pub file: File<'a>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Decodes raw bytes as UTF-8, with lone `\r` line endings read as `\n`
/// ([`crate::span::normalize_line_ends`]). On failure, returns the text decoded lossily (so it
/// can still be shown) and an E001 naming the offset of the first invalid byte.
pub fn decode(bytes: &[u8]) -> (String, Option<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (crate::span::normalize_line_ends(text).into_owned(), None),
        Err(err) => {
            let offset = err.valid_up_to();
            let byte = bytes.get(offset).copied().unwrap_or(0);
            (
                String::from_utf8_lossy(bytes).into_owned(),
                Some(e001_syntax_error::invalid_utf8(offset, byte)),
            )
        }
    }
}

/// Parses a whole file.
pub fn parse(source: &str) -> Parsed<'_> {
    let scan = scan::scan(source);
    let mut parsed = Parsed::default();
    if let Some((items, diagnostics)) = parse_in_pieces(source, &scan, PIECE) {
        parsed.file.items = items;
        parsed.diagnostics = diagnostics;
        return parsed;
    }
    // A guess of the scanner was wrong (or the file is broken): the whole file decides.
    if let Ok(pairs) = pest_parse(Rule::file, source) {
        lower::Lowerer::new(0, &mut parsed.diagnostics).file(pairs, &mut parsed.file.items);
        return parsed;
    }
    recover(source, &scan, &mut parsed);
    parsed.file.broken_names = parsed
        .diagnostics
        .iter()
        .filter_map(|d| {
            let at = char_floor(source, d.span.start());
            // An error found at the start of the next line (a `}` missing after `step s {`)
            // belongs to the declaration on the line before.
            declared_near(source, at)
                .or_else(|| {
                    let line_start = source[..at].rfind('\n')?;
                    let before = source[..line_start].trim_end();
                    declared_near(source, before.len()).filter(|_| !before.is_empty())
                })
                .map(|name| (name, at))
        })
        .collect();
    let dropped = dropped_declarations(source, &parsed.file.items);
    parsed.file.broken_names.extend(dropped);
    parsed
}

/// The names that declarations left out of the syntax tree seem to declare: a name before `:`
/// (an actor, a trigger, a context field), after a declaring keyword (misspelt or not), or at the
/// start of a line before a type (`answer text`), at a place where no declaration that parsed
/// has its name. A declaration is dropped with a broken item or a broken block (`contxt {`, a
/// missing `}`); the names it declared are then not reported undefined where they are used (its
/// E001 is the one diagnostic). Linear in the text.
fn dropped_declarations<'a>(source: &'a str, items: &[TopItem<'a>]) -> Vec<(&'a str, usize)> {
    use crate::fmt::lex::{tokens, Kind};
    let mut declared = std::collections::HashSet::new();
    for item in items {
        match item {
            TopItem::Actor(a) => {
                declared.insert(a.name.span.start());
            }
            TopItem::Workflow(w) => {
                declared.insert(w.name.span.start());
                for item in &w.items {
                    match &item.kind {
                        WorkflowItemKind::Actor(a) => {
                            declared.insert(a.name.span.start());
                        }
                        WorkflowItemKind::Context(fields) => {
                            declared.extend(fields.iter().map(|f| f.name.span.start()));
                        }
                        WorkflowItemKind::Trigger(t) => {
                            declared.insert(t.name.span.start());
                        }
                        WorkflowItemKind::Step(s) => {
                            declared.insert(s.name.span.start());
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    let code: Vec<_> = tokens(source)
        .into_iter()
        .filter(|t| t.kind != Kind::Comment)
        .collect();
    let is_name = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let mut names = Vec::new();
    for (i, t) in code.iter().enumerate() {
        if t.kind != Kind::Word || declared.contains(&t.start) {
            continue;
        }
        let text = t.text(source);
        if !is_name(text) {
            continue;
        }
        let next = code.get(i + 1).map(|n| (n.kind, n.text(source)));
        let before_colon = next == Some((Kind::Punct, ":"));
        let after_keyword = i > 0 && {
            let p = code[i - 1];
            let word = p.text(source);
            p.kind == Kind::Word && (DECLARING.contains(&word) || scan::near_declaring_word(word))
        };
        let is_type =
            |w: &str| crate::ast::PrimType::from_keyword(w).is_some() || w == "enum" || w == "list";
        // Where a field may start: a line, or after `{`, `,`, the end of a type or `sensitive`.
        let field_start = t.starts_line(i == 0)
            || code[i - 1].kind == Kind::Punct
                && matches!(code[i - 1].text(source), "{" | "," | ")" | ">")
            || code[i - 1].kind == Kind::Word && {
                let w = code[i - 1].text(source);
                is_type(w) || w == "sensitive"
            };
        // An item that parsed (`customer email`, `owner text`) is no field.
        let keyword = scan::starts_an_item(text);
        let before_type =
            field_start && !keyword && matches!(next, Some((Kind::Word, w)) if is_type(w));
        // `email = email` in `context`: `=` written for `:`.
        let before_equals = field_start && !keyword && next == Some((Kind::Punct, "="));
        if before_colon || after_keyword || before_type || before_equals {
            names.push((text, t.start));
        }
    }
    names
}

/// The words whose declarations name something: the name follows the (possibly misspelt)
/// keyword.
const DECLARING: &[&str] = &["actor", "trigger", "step"];

/// The name a broken declaration on the line of offset `at` seems to declare: the word after a
/// declaring keyword that begins the line (misspelt or not: `stpe review {`), or else the name
/// before the last `:` ahead of `at` (a field, `x: nubmer`).
fn declared_near(source: &str, at: usize) -> Option<&str> {
    let at = char_floor(source, at);
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    let line = source.get(line_start..line_end)?;
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut words = line
        .split(|c: char| !is_word(c))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'));
    let first = words.next()?;
    if DECLARING.contains(&first) || scan::near_declaring_word(first) {
        // `step { … }`: the name is left out. The empty name stands for it: any step, trigger
        // or actor the workflow names in vain may be this one (see `resolve`).
        let after = line.find(first).map_or("", |i| &line[i + first.len()..]);
        if after.trim_start().starts_with(['{', ':']) {
            return Some("");
        }
        let name = words.next();
        // `trigger new-ticket:`: a name with a `-` is no name; its uses may be written either
        // way (`new_ticket`), so it stands for any name, like one left out.
        let hyphen = name
            .and_then(|n| after.find(n).map(|i| &after[i + n.len()..]))
            .is_some_and(|rest| rest.starts_with('-') && rest[1..].starts_with(is_word));
        return if hyphen { Some("") } else { name };
    }
    let before = source.get(line_start..at)?;
    let colon = before.rfind(':')?;
    Some(last_word(&before[..colon]))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
}

/// `text` without the comment at the end of its last line (a `//` outside a string).
pub(crate) fn without_comment(text: &str) -> &str {
    let line_start = text.rfind('\n').map_or(0, |n| n + 1);
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text[line_start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '/' if !quoted && text[line_start + i + 1..].starts_with('/') => {
                return text[..line_start + i].trim_end();
            }
            _ => {}
        }
    }
    text
}

/// Whether `c` can be part of a word (a name or a keyword): an ASCII letter, digit or `_`.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The word (letters, digits, `_`) that `text` ends with, spaces after it aside; empty if none.
fn last_word(text: &str) -> &str {
    let text = text.trim_end();
    text.rsplit(|c: char| !is_word_char(c)).next().unwrap_or("")
}

/// The word (letters, digits, `_`) that `text` starts with; empty if none.
pub(crate) fn first_word(text: &str) -> &str {
    &text[..text.find(|c: char| !is_word_char(c)).unwrap_or(text.len())]
}

/// Why pest was not given, or did not accept, a piece of text.
enum Failure {
    /// The nesting bound was exceeded at this byte range of the piece; pest never ran.
    TooDeep(usize, usize),
    /// pest's own error.
    Syntax(Box<pest::error::Error<Rule>>),
}

impl Failure {
    /// Where in the piece the failure was found.
    fn position(&self) -> usize {
        match self {
            Failure::TooDeep(at, _) => *at,
            Failure::Syntax(err) => match err.location {
                pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
            },
        }
    }

    /// The E001 for this failure of `input`, which starts at `base` in the file.
    fn diagnostic(&self, input: &str, base: usize) -> Diagnostic {
        match self {
            Failure::TooDeep(a, b) => {
                e001_syntax_error::too_deep(Span::new(base + a, base + b), MAX_NESTING)
            }
            Failure::Syntax(err) => errors::from_pest(err, input, base),
        }
    }
}

/// The only way the parser calls pest: the nesting of `input` is checked first, so that pest's
/// recursion (and lowering's, which follows the same tree) stays bounded whatever piece of text
/// the driver or its resynchronisation chose.
fn pest_parse(rule: Rule, input: &str) -> Result<pest::iterators::Pairs<'_, Rule>, Failure> {
    if let Some((a, b)) = scan::too_deep(input) {
        return Err(Failure::TooDeep(a, b));
    }
    HandoffParser::parse(rule, input).map_err(|e| Failure::Syntax(Box::new(e)))
}

/// How many runs of items one recovery attempt may join when a cut of the scanner turns out to
/// be inside an item (`step step { … }` names a step `step`).
const MAX_JOIN: usize = 4;

/// Error recovery: parses each top-level declaration on its own, and each item of a workflow
/// whose braces close on its own, so that every broken item reports one E001 and every item that
/// parses is lowered (and later resolved and checked).
fn recover<'a>(source: &'a str, scan: &scan::Scan, parsed: &mut Parsed<'a>) {
    let mut bounds: Vec<(usize, Option<&scan::Body>)> = scan
        .starts
        .iter()
        .zip(&scan.bodies)
        .map(|(&s, b)| (s, b.as_ref()))
        .collect();
    if bounds.first().map(|b| b.0) != Some(0) {
        bounds.insert(0, (0, None));
    }
    for (k, &(start, body)) in bounds.iter().enumerate() {
        let end = bounds.get(k + 1).map_or(source.len(), |b| b.0);
        match body {
            // A body that runs to the end of the text (its `}` missing) closes at `end`.
            Some(body) if body.open >= start && body.close <= end => {
                if let Some(decl) = recover_workflow(source, start, end, body, parsed) {
                    parsed.file.items.push(TopItem::Workflow(decl));
                }
            }
            _ => {
                let chunk = &source[start..end];
                match pest_parse(Rule::file, chunk) {
                    Ok(pairs) => lower::Lowerer::new(start, &mut parsed.diagnostics)
                        .file(pairs, &mut parsed.file.items),
                    Err(failure) => parsed
                        .diagnostics
                        .push(failure.diagnostic(&source[start..], start)),
                }
            }
        }
    }
}

/// What [`recover_runs`] does with the runs of one kind of body.
trait Runs<'a> {
    /// Lowers a run that parsed; `base` is where it starts in the file.
    fn lower(
        &mut self,
        pairs: pest::iterators::Pairs<'a, Rule>,
        base: usize,
        diagnostics: &mut Vec<Diagnostic>,
    );

    /// Tries to recover `source[from..to]`, a run that did not parse, at a finer grain; returns
    /// whether it did (and reported its errors itself).
    fn rescue(
        &mut self,
        _source: &'a str,
        _from: usize,
        _to: usize,
        _diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
        false
    }
}

/// The items of a workflow body; a broken step or context block is recovered item by item.
struct WorkflowRuns<'a> {
    items: Vec<WorkflowItem<'a>>,
}

impl<'a> Runs<'a> for WorkflowRuns<'a> {
    fn lower(
        &mut self,
        pairs: pest::iterators::Pairs<'a, Rule>,
        base: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        lower::Lowerer::new(base, diagnostics).workflow_body(pairs, &mut self.items);
    }

    fn rescue(
        &mut self,
        source: &'a str,
        from: usize,
        to: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
        recover_block(source, from, to, &mut self.items, diagnostics)
    }
}

/// The items of a step body.
struct StepRuns<'a> {
    items: Vec<StepItem<'a>>,
}

impl<'a> Runs<'a> for StepRuns<'a> {
    fn lower(
        &mut self,
        pairs: pest::iterators::Pairs<'a, Rule>,
        base: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        lower::Lowerer::new(base, diagnostics).step_body(pairs, &mut self.items);
    }
}

/// The fields of a context block.
struct ContextRuns<'a> {
    fields: Vec<FieldDecl<'a>>,
}

impl<'a> Runs<'a> for ContextRuns<'a> {
    fn lower(
        &mut self,
        pairs: pest::iterators::Pairs<'a, Rule>,
        base: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        lower::Lowerer::new(base, diagnostics).context_body(pairs, &mut self.fields);
    }
}

/// Parses `source[cuts[0]..cuts[last]]` run by run with `rule`. A run that fails is retried
/// joined with the next runs (the cut may have been a wrong guess), then offered to
/// [`Runs::rescue`]; if that declines, the error that got furthest is reported and parsing
/// resumes at the first cut at or after it.
fn recover_runs<'a>(
    source: &'a str,
    cuts: &[usize],
    rule: Rule,
    runs: &mut dyn Runs<'a>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut i = 0;
    while i + 1 < cuts.len() {
        let from = cuts[i];
        let mut furthest: Option<(usize, Failure)> = None;
        let mut next = None;
        for j in i + 1..cuts.len().min(i + 1 + MAX_JOIN) {
            match pest_parse(rule, &source[from..cuts[j]]) {
                Ok(pairs) => {
                    runs.lower(pairs, from, diagnostics);
                    next = Some(j);
                    break;
                }
                Err(failure) => {
                    let at = failure.position();
                    if furthest.as_ref().is_none_or(|f| at > f.0) {
                        furthest = Some((at, failure));
                    }
                }
            }
        }
        i = match (next, furthest) {
            (Some(j), _) => j,
            (None, _) if runs.rescue(source, from, cuts[i + 1], diagnostics) => i + 1,
            (None, Some((at, failure))) => {
                // The message reads the rest of the file, so that an error at the end of the
                // piece names the token after it (`expected }, found flow`), not "end of file".
                diagnostics.push(failure.diagnostic(&source[from..], from));
                let mut at = from + at;
                // A string in typographic quotes is one broken token: resume past it.
                if let Some(end) = errors::curly_string_end(source, at) {
                    at = end;
                }
                // Resume at the first cut at or after the error, so one broken item reports
                // once and the item the error stopped at is still parsed. A cut at the word
                // right after the token the error is at, where that word only resembles a
                // keyword (`owner: sys`, `sys` being near `uses`), is part of the broken item.
                // (On the same line: a cut at the start of the next line is the next item.)
                let right_after = |c: usize| {
                    source.get(at..c).is_some_and(|gap| {
                        let gap = gap.trim_end_matches([' ', '\t']);
                        !gap.is_empty() && !gap.contains(char::is_whitespace)
                    })
                };
                // `flow s ->` then `step r { … }` on the next line: `step` was read as the
                // target and the error is at `r`. The step starts at its cut: resume there.
                // Or `owner` with nothing after it, then `needs q`: `needs` was read as the
                // owner.
                let swallowed = |c: usize| {
                    let Some(word) = source.get(c..at).and_then(|gap| {
                        let word = gap.trim_end_matches([' ', '\t']);
                        (word.len() < gap.len() && word.chars().all(is_word_char)).then_some(word)
                    }) else {
                        return false;
                    };
                    (starts_with_keyword(word)
                        && scan::starts_with_item_head(&source[c..])
                        && arrow_before(source, c).is_some())
                        || (scan::starts_any_item(word) && value_taker_before(source, c).is_some())
                };
                (i + 1..cuts.len())
                    .find(|&k| {
                        (cuts[k] >= at || swallowed(cuts[k]))
                            && (k + 1 == cuts.len()
                                || rule == Rule::context_body
                                || !right_after(cuts[k])
                                || starts_with_keyword(&source[cuts[k]..]))
                    })
                    .unwrap_or(cuts.len() - 1)
            }
            (None, None) => cuts.len() - 1,
        };
    }
}

/// The arrow that ends the last line with code before `line_start` (comment-only and blank
/// lines skipped, the line's own comment left out): `flow s ->` whose target is missing.
/// Returns the arrow's offset.
pub(crate) fn arrow_before(text: &str, line_start: usize) -> Option<usize> {
    let (start, line) = last_code_line(text, line_start)?;
    line.strip_suffix("->").map(|a| start + a.len())
}

/// The last line with code before `line_start` (blank and comment-only lines skipped), without
/// its comment and trailing blanks, with the offset where it starts.
pub(crate) fn last_code_line(text: &str, line_start: usize) -> Option<(usize, &str)> {
    let mut end = line_start;
    loop {
        let head = text[..end].trim_end();
        let start = head.rfind('\n').map_or(0, |i| i + 1);
        let line = without_comment(&head[start..]).trim_end();
        if !line.trim_start().is_empty() {
            return Some((start, line));
        }
        if start == 0 {
            return None;
        }
        end = start;
    }
}

/// The end of a keyword that takes a name (`owner`, `needs`, `carries`, …; see
/// `errors::NAME_TAKERS`) ending the last line with code before `line_start`, with nothing
/// after it: its value is missing.
pub(crate) fn value_taker_before(text: &str, line_start: usize) -> Option<usize> {
    let (start, line) = last_code_line(text, line_start)?;
    let word = last_word(line);
    let before = line[..line.len() - word.len()].trim_end();
    // The keyword starts its item: at the start of the line or after a `{`.
    let starts_item = before.trim_start().is_empty() || before.ends_with('{');
    (errors::NAME_TAKERS.contains(&word) && line.ends_with(word) && starts_item)
        .then_some(start + line.len())
}

/// `at` moved past whitespace and comments (doc comments too): where the next token starts.
pub(crate) fn past_comments(text: &str, mut at: usize) -> usize {
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if !trimmed.starts_with("//") {
            return at;
        }
        at += trimmed.find('\n').unwrap_or(trimmed.len());
    }
}

/// Whether `text` starts with a keyword that starts an item of a workflow or a step.
fn starts_with_keyword(text: &str) -> bool {
    scan::starts_an_item(first_word(text))
}

/// Recovers a broken step or context block `source[from..to]` item by item (field by field),
/// so that one broken item of a step drops that item, not the step that other items refer to.
/// Declines (returns `false`, having reported nothing) unless the run is one step or context
/// block whose head parses and whose braces close; whatever follows the block in the run is
/// parsed as workflow items.
fn recover_block<'a>(
    source: &'a str,
    from: usize,
    to: usize,
    items: &mut Vec<WorkflowItem<'a>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let piece = &source[from..to];
    let rest = &piece[past_comments(piece, 0)..];
    let step = match first_word(rest) {
        "step" => true,
        "context" => false,
        _ => return false,
    };
    let Some(block) = scan::block(piece, step) else {
        return false;
    };
    let head_src = &piece[..=block.open];
    let head_rule = if step {
        Rule::step_head
    } else {
        Rule::context_head
    };
    let Ok(head) = pest_parse(head_rule, head_src) else {
        return false;
    };
    let mut cuts = vec![from + block.open + 1];
    cuts.extend(
        block
            .items
            .iter()
            .map(|&i| from + i)
            .filter(|&i| i > from + block.open + 1),
    );
    cuts.push(from + block.close);
    let span = Span::new(from + (piece.len() - rest.len()), from + block.close + 1);
    if step {
        let Some((doc, name, start)) = lower::Lowerer::new(from, diagnostics).step_head(head)
        else {
            return false;
        };
        let mut runs = StepRuns { items: Vec::new() };
        recover_runs(source, &cuts, Rule::step_body, &mut runs, diagnostics);
        let span = Span::new(start, span.end());
        items.push(WorkflowItem {
            kind: WorkflowItemKind::Step(StepDecl {
                doc,
                name,
                items: runs.items,
                recovered: true,
                span,
            }),
            span,
        });
    } else {
        let mut runs = ContextRuns { fields: Vec::new() };
        recover_runs(source, &cuts, Rule::context_body, &mut runs, diagnostics);
        items.push(WorkflowItem {
            kind: WorkflowItemKind::Context(runs.fields),
            span,
        });
    }
    let tail_from = from + block.close + 1;
    match pest_parse(Rule::workflow_body, &source[tail_from..to]) {
        Ok(pairs) => lower::Lowerer::new(tail_from, diagnostics).workflow_body(pairs, items),
        Err(failure) => diagnostics.push(failure.diagnostic(&source[tail_from..], tail_from)),
    }
    true
}

/// Recovers inside one workflow `source[start..end]` whose body the scanner found: its head,
/// then its items run by run along the scanner's cuts. A run that fails is retried joined with
/// the next runs (the cut may have been a wrong guess); if every attempt fails, the error that
/// got furthest is reported and parsing resumes at the first cut after it.
fn recover_workflow<'a>(
    source: &'a str,
    start: usize,
    end: usize,
    body: &scan::Body,
    parsed: &mut Parsed<'a>,
) -> Option<WorkflowDecl<'a>> {
    // `workflow w` with its `{` left out (the scanner opened the body at the end of the line).
    if !source[body.open..].starts_with('{') {
        // Without a comment at the end of the line (the scanner saw no `{` before it).
        let head = without_comment(source[start..body.open].trim_end());
        let line = head.rfind('\n').map_or(0, |n| n + 1);
        let at = Span::new(start + head.len(), start + head.len());
        let Some((name, kw_start)) =
            misspelt_head(&format!("{} {{", &head[line..]), start + line).map(|(n, k)| (n.span, k))
        else {
            // Not `KEYWORD NAME`: the head itself is broken, and nothing of it can be read.
            parsed
                .diagnostics
                .push(crate::rules::e001_syntax_error::expected(
                    at,
                    "`{`",
                    "the end of the line",
                    "write the workflow's head as `workflow NAME {`".to_string(),
                ));
            return None;
        };
        let name = crate::ast::Ident {
            name: &source[name.start()..name.end()],
            span: name,
        };
        parsed.diagnostics.push(
            crate::rules::e001_syntax_error::expected(
                at,
                "`{`",
                "the end of the line",
                "the workflow's body opens with `{`: insert ` {` at the end of this line"
                    .to_string(),
            )
            .with_fix(crate::diagnostics::Fix::new(
                "insert ` {` at the end of the line",
                vec![crate::diagnostics::Edit::replace(at, " {")],
                false,
            )),
        );
        let decl = recover_body(source, name, kw_start, end, body, parsed);
        return Some(WorkflowDecl {
            recovered: true,
            ..decl
        });
    }
    let head_src = &source[start..=body.open];
    let (doc, name, kw_start) = match pest_parse(Rule::workflow_head, head_src) {
        Ok(head) => lower::Lowerer::new(start, &mut parsed.diagnostics).workflow_head(head)?,
        Err(failure) => {
            parsed.diagnostics.push(failure.diagnostic(head_src, start));
            // `wrkflow name {`: the keyword is misspelt (the scanner only opens a body after a
            // near miss of `workflow`); the items are still parsed and checked, under the name.
            let (name, kw_start) = misspelt_head(head_src, start)?;
            let decl = recover_body(source, name, kw_start, end, body, parsed);
            return Some(WorkflowDecl {
                recovered: true,
                ..decl
            });
        }
    };
    let decl = recover_body(source, name, kw_start, end, body, parsed);
    Some(WorkflowDecl { doc, ..decl })
}

/// The name and keyword offset of a workflow head `KEYWORD NAME {` whose keyword pest did not
/// accept.
fn misspelt_head(head: &str, base: usize) -> Option<(crate::ast::Ident<'_>, usize)> {
    // Past the doc comment (and other comments) before the keyword.
    let mut skip = 0;
    while head[skip..].trim_start().starts_with("//") {
        skip += head[skip..].find('\n')? + 1;
    }
    let (head, base) = (&head[skip..], base + skip);
    let kw_start = head.len() - head.trim_start().len();
    let mut words = head.trim_start().splitn(2, char::is_whitespace);
    words.next()?;
    let rest = words.next()?;
    let name_start = head.len() - rest.trim_start().len();
    let name: &str = rest
        .trim_start()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && head[name_start + name.len()..].trim() == "{";
    valid.then(|| {
        (
            crate::ast::Ident {
                name,
                span: Span::new(base + name_start, base + name_start + name.len()),
            },
            base + kw_start,
        )
    })
}

/// Recovers the items and tail of a workflow whose head was read.
fn recover_body<'a>(
    source: &'a str,
    name: crate::ast::Ident<'a>,
    kw_start: usize,
    end: usize,
    body: &scan::Body,
    parsed: &mut Parsed<'a>,
) -> WorkflowDecl<'a> {
    let first = body.open + 1;
    let mut cuts = vec![first];
    cuts.extend(
        body.items
            .iter()
            .chain(&body.near_items)
            .copied()
            .filter(|&i| i > first && i < body.close),
    );
    cuts.sort_unstable();
    cuts.push(body.close);
    let before = parsed.diagnostics.len();
    let mut runs = WorkflowRuns { items: Vec::new() };
    recover_runs(
        source,
        &cuts,
        Rule::workflow_body,
        &mut runs,
        &mut parsed.diagnostics,
    );
    let recovered = parsed.diagnostics.len() > before;
    let items = runs.items;
    let tail_src = &source[body.close..end];
    if body.close == source.len() {
        // The body runs to the end of the text: its `}` is missing.
        parsed
            .diagnostics
            .push(errors::missing_close_at_end(source, body.close, 0));
    } else if let Err(failure) = pest_parse(Rule::workflow_tail, tail_src) {
        parsed
            .diagnostics
            .push(failure.diagnostic(tail_src, body.close));
    }
    WorkflowDecl {
        doc: None,
        name,
        items,
        recovered,
        span: Span::new(kw_start, body.close + 1),
    }
}

/// How much source one pest call parses at least when a workflow is parsed piece by piece.
/// pest builds a queue of tokens for everything it parses in one call (dozens of bytes per
/// token); parsing a large workflow in pieces keeps that queue small, and peak memory with it.
const PIECE: usize = 64 * 1024;

/// Parses a file declaration by declaration, and large workflows item run by item run, along
/// the boundaries the scanner found. Returns `None` as soon as a piece does not parse: then the
/// caller parses the whole file, which decides between a wrong guess and a real error.
fn parse_in_pieces<'a>(
    source: &'a str,
    scan: &scan::Scan,
    piece: usize,
) -> Option<(Vec<TopItem<'a>>, Vec<Diagnostic>)> {
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    let mut starts: Vec<(usize, Option<&scan::Body>)> = scan
        .starts
        .iter()
        .zip(&scan.bodies)
        .map(|(&s, b)| (s, b.as_ref()))
        .collect();
    if starts.first().map(|s| s.0) != Some(0) {
        starts.insert(0, (0, None));
    }
    for (k, &(start, body)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(source.len(), |s| s.0);
        match body {
            // A body that runs to the end of the text (its `}` missing) closes at `end`.
            Some(body) if body.open >= start && body.close <= end => {
                let decl =
                    parse_workflow_in_pieces(source, start, end, body, piece, &mut diagnostics)?;
                items.push(TopItem::Workflow(decl));
            }
            _ => {
                let pairs = pest_parse(Rule::file, &source[start..end]).ok()?;
                lower::Lowerer::new(start, &mut diagnostics).file(pairs, &mut items);
            }
        }
    }
    Some((items, diagnostics))
}

/// Parses one workflow declaration `source[start..end]` as its head, runs of items, and tail.
fn parse_workflow_in_pieces<'a>(
    source: &'a str,
    start: usize,
    end: usize,
    body: &scan::Body,
    piece: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<WorkflowDecl<'a>> {
    let head = pest_parse(Rule::workflow_head, &source[start..=body.open]).ok()?;
    let (doc, name, kw_start) = lower::Lowerer::new(start, diagnostics).workflow_head(head)?;
    // The scanner's count of items is exact for a well-formed body; sizing the vector up front
    // spares the doubling that would leave up to half of it unused.
    let mut items = Vec::with_capacity(body.items.len() + 1);
    let first = body.open + 1;
    let mut from = first;
    // A literal that does not lower (E001) is a broken item too.
    let before = diagnostics.len();
    let cuts = body
        .items
        .iter()
        .copied()
        .filter(|&i| i > first && i < body.close)
        .chain(std::iter::once(body.close));
    for cut in cuts {
        if cut - from < piece && cut != body.close {
            continue;
        }
        let pairs = pest_parse(Rule::workflow_body, &source[from..cut]).ok()?;
        lower::Lowerer::new(from, diagnostics).workflow_body(pairs, &mut items);
        from = cut;
    }
    pest_parse(Rule::workflow_tail, &source[body.close..end]).ok()?;
    Some(WorkflowDecl {
        doc,
        name,
        items,
        recovered: diagnostics.len() > before,
        span: Span::new(kw_start, body.close + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(source: &str) -> Vec<TopItem<'_>> {
        let mut diagnostics = Vec::new();
        let mut items = Vec::new();
        let pairs = HandoffParser::parse(Rule::file, source).expect("parses");
        lower::Lowerer::new(0, &mut diagnostics).file(pairs, &mut items);
        items
    }

    #[test]
    fn parsing_in_pieces_builds_the_same_tree_as_parsing_whole() {
        let sources = [
            include_str!("../../tests/fixtures/language/all_forms.handoff"),
            include_str!("../../tests/fixtures/language/section1.handoff"),
            include_str!("../../examples/refund.handoff"),
            include_str!("../../examples/lead_qualification.handoff"),
        ];
        for source in sources {
            let scan = scan::scan(source);
            // A piece size of 1 parses every item on its own.
            let (items, _) = parse_in_pieces(source, &scan, 1).expect("every piece parses");
            assert_eq!(items, whole(source));
        }
    }

    #[test]
    fn a_wrong_guess_of_the_scanner_falls_back_to_the_whole_file() {
        // `step` names a step here, so the scanner's cut before it is wrong.
        let source = "actor a: human\nworkflow w {\n  trigger t: manual\n  step step { owner a }\n  flow t -> step\n}\n";
        let scan = scan::scan(source);
        assert!(parse_in_pieces(source, &scan, 1).is_none());
        let parsed = parse(source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert_eq!(parsed.file.items, whole(source));
    }
}
