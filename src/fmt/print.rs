//! The layout: which items are lines and which are blocks (from the syntax tree), and the printer
//! that writes the tokens of each item on one line, with comments put back where they were.
//!
//! The printer never writes a code token it did not read: every word, string and operator is
//! copied from the source, so only whitespace, the commas that separate context fields and the
//! trailing commas of lists change. Comments are interleaved by position: a comment that ended a
//! line of code ends the line of code it now follows, and a comment on a line of its own stays on
//! a line of its own, before the same token.

use crate::ast::{ActorDecl, File, StepItemKind, TopItem, WorkflowDecl, WorkflowItemKind};
use crate::span::Span;

use super::lex::{comment_text, Kind, Token};

/// One space of indentation per level, times this.
const INDENT: &str = "  ";

/// Field names longer than this do not widen the alignment of the types of their block.
const MAX_ALIGN: usize = 30;

/// What an item of the layout is.
pub enum Shape {
    /// Printed on one line.
    Line,
    /// A field of a context block: one line, its type aligned with its neighbours'.
    Field,
    /// An item that may have a body `{ … }` holding these items.
    Block { children: Vec<Node>, of: BlockKind },
}

/// Which block, where that changes the layout.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A workflow is always written over several lines.
    Workflow,
    /// A context block aligns the types of its fields.
    Context,
    /// Any other block.
    Other,
}

/// An item of the layout with the span of its source.
pub struct Node {
    pub span: Span,
    pub shape: Shape,
}

impl Node {
    fn line(span: Span) -> Self {
        Node {
            span,
            shape: Shape::Line,
        }
    }

    fn block(span: Span, children: Vec<Node>, of: BlockKind) -> Self {
        Node {
            span,
            shape: Shape::Block { children, of },
        }
    }
}

/// The layout of a file: its top-level declarations.
pub fn layout(file: &File<'_>) -> Vec<Node> {
    file.items
        .iter()
        .map(|item| match item {
            TopItem::Actor(a) => actor(a),
            TopItem::Workflow(w) => workflow(w),
        })
        .collect()
}

fn actor(a: &ActorDecl<'_>) -> Node {
    let children = a.items.iter().map(|i| Node::line(i.span)).collect();
    Node::block(a.span, children, BlockKind::Other)
}

fn workflow(w: &WorkflowDecl<'_>) -> Node {
    let children = w
        .items
        .iter()
        .map(|item| match &item.kind {
            WorkflowItemKind::Actor(a) => actor(a),
            WorkflowItemKind::Context(fields) => Node::block(
                item.span,
                fields
                    .iter()
                    .map(|f| Node {
                        span: f.span,
                        shape: Shape::Field,
                    })
                    .collect(),
                BlockKind::Context,
            ),
            WorkflowItemKind::Trigger(t) => Node::block(
                item.span,
                t.provides.iter().map(|p| Node::line(p.span)).collect(),
                BlockKind::Other,
            ),
            WorkflowItemKind::Step(s) => Node::block(
                item.span,
                s.items
                    .iter()
                    .map(|i| match &i.kind {
                        StepItemKind::Escalate(e) => Node::block(
                            i.span,
                            e.body.iter().map(|r| Node::line(r.span)).collect(),
                            BlockKind::Other,
                        ),
                        _ => Node::line(i.span),
                    })
                    .collect(),
                BlockKind::Other,
            ),
            WorkflowItemKind::Handoff(h) => Node::block(
                item.span,
                h.body.iter().map(|r| Node::line(r.span)).collect(),
                BlockKind::Other,
            ),
            WorkflowItemKind::Title(_)
            | WorkflowItemKind::Version(_)
            | WorkflowItemKind::Owner(_)
            | WorkflowItemKind::CustomerFacing
            | WorkflowItemKind::Customer(_)
            | WorkflowItemKind::Flow(_) => Node::line(item.span),
        })
        .collect();
    Node::block(w.span, children, BlockKind::Workflow)
}

/// Why the printer gave up: the layout and the tokens do not agree (a bug, never a property of
/// valid input; the caller leaves the text as it was).
#[derive(Debug)]
pub struct Mismatch(pub String);

/// Prints `nodes` (the layout of `source`) over `tokens` (its tokens). Lines end with `\n`.
pub fn print(source: &str, tokens: &[Token], nodes: &[Node]) -> Result<String, Mismatch> {
    let mut p = Printer {
        src: source,
        toks: tokens,
        out: String::with_capacity(source.len() + source.len() / 8),
    };
    p.body(nodes, 0, tokens.len(), 0, BlockKind::Other)?;
    Ok(p.out)
}

struct Printer<'s> {
    src: &'s str,
    toks: &'s [Token],
    out: String,
}

/// How the tokens of one line are spaced.
#[derive(Clone, Copy)]
enum Style {
    /// Items, heads and conditions.
    Plain,
    /// A field: `<` and `>` are the brackets of `list<…>`, and the type starts after `pad`
    /// spaces.
    Field { pad: usize },
}

impl Printer<'_> {
    fn text(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| t.text(self.src))
    }

    fn is(&self, i: usize, punct: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Punct && t.text(self.src) == punct)
    }

    /// The token indices `a..b` of the tokens that start inside `span`.
    fn range(&self, span: Span) -> (usize, usize) {
        let a = self.toks.partition_point(|t| t.start < span.start());
        let b = self.toks.partition_point(|t| t.start < span.end());
        (a, b)
    }

    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Appends a comment to the last line written.
    fn attach(&mut self, comment: &str) {
        if self.out.ends_with('\n') {
            self.out.pop();
            self.out.push(' ');
        }
        self.out.push_str(comment);
        self.out.push('\n');
    }

    /// Whether token `i` begins a line of the source.
    fn starts_line(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.starts_line(i == 0))
    }

    /// Whether a blank line precedes token `i` in the source.
    fn blank_before(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.breaks >= 2)
    }

    /// The items of a body (or of the file) with what lies between them: tokens `from..to`.
    fn body(
        &mut self,
        nodes: &[Node],
        from: usize,
        to: usize,
        indent: usize,
        of: BlockKind,
    ) -> Result<(), Mismatch> {
        let pads = if of == BlockKind::Context {
            self.pads(nodes, from)
        } else {
            Vec::new()
        };
        let mut at = from;
        let mut first = true;
        for (k, node) in nodes.iter().enumerate() {
            let (a, b) = self.range(node.span);
            if a < at || b > to || a >= b {
                return Err(Mismatch(format!(
                    "an item at byte {} lies outside its block",
                    node.span.start()
                )));
            }
            self.gap(at, a, indent, &mut first)?;
            if !first && self.blank_before(a) {
                self.blank();
            }
            let pad = pads.get(k).copied().unwrap_or(1);
            if self.under_suppression(at, a) && self.on_one_line(a, b) {
                // A suppression applies to the line below it: a block written on that line stays
                // on it, so that what it suppresses stays there too.
                self.run(a, b, indent, Style::Plain);
            } else {
                self.node(node, a, b, indent, pad)?;
            }
            first = false;
            at = b;
        }
        self.gap(at, to, indent, &mut first)
    }

    /// Whether tokens `a..b` (what lies before an item) hold an inline suppression, a comment
    /// `// handoff: …` on a line of its own (see `crate::suppress`).
    fn under_suppression(&self, a: usize, b: usize) -> bool {
        (a..b).any(|i| {
            let t = self.toks[i];
            t.kind == Kind::Comment
                && self.starts_line(i)
                && t.text(self.src).strip_prefix("//").is_some_and(|rest| {
                    !rest.starts_with('/') && rest.trim_start().starts_with("handoff:")
                })
        })
    }

    /// Whether tokens `a..b` are on one line of the source.
    fn on_one_line(&self, a: usize, b: usize) -> bool {
        (a + 1..b).all(|i| !self.starts_line(i))
    }

    /// The spaces after `NAME:` of each field of a context block: the names of a run of fields
    /// not broken by a blank line end at one column.
    fn pads(&self, nodes: &[Node], from: usize) -> Vec<usize> {
        let mut names = Vec::with_capacity(nodes.len());
        let mut runs = Vec::with_capacity(nodes.len());
        let mut run = 0usize;
        let mut at = from;
        for (k, node) in nodes.iter().enumerate() {
            let (a, b) = self.range(node.span);
            if k > 0 && (at..=a).any(|i| self.blank_before(i)) {
                run += 1;
            }
            names.push(self.text(a).len());
            runs.push(run);
            at = b.max(at);
        }
        let mut widths = vec![0usize; run + 1];
        for (&len, &r) in names.iter().zip(&runs) {
            if len <= MAX_ALIGN {
                widths[r] = widths[r].max(len);
            }
        }
        names
            .iter()
            .zip(&runs)
            .map(|(&len, &r)| widths[r].saturating_sub(len) + 1)
            .collect()
    }

    /// What lies between items: comments, and the commas that may separate context fields.
    fn gap(&mut self, a: usize, b: usize, indent: usize, first: &mut bool) -> Result<(), Mismatch> {
        for i in a..b {
            let t = self.toks[i];
            match t.kind {
                Kind::Comment => {
                    let text = comment_text(t.text(self.src));
                    if self.starts_line(i) {
                        if !*first && self.blank_before(i) {
                            self.blank();
                        }
                        self.line(indent, text);
                        *first = false;
                    } else {
                        self.attach(text);
                    }
                }
                Kind::Punct if t.text(self.src) == "," => {}
                _ => {
                    return Err(Mismatch(format!(
                        "`{}` at byte {} belongs to no item",
                        t.text(self.src),
                        t.start
                    )))
                }
            }
        }
        Ok(())
    }

    /// One item, tokens `a..b`.
    fn node(
        &mut self,
        node: &Node,
        a: usize,
        b: usize,
        indent: usize,
        pad: usize,
    ) -> Result<(), Mismatch> {
        let (children, of) = match &node.shape {
            Shape::Line => {
                self.run(a, b, indent, Style::Plain);
                return Ok(());
            }
            Shape::Field => {
                self.run(a, b, indent, Style::Field { pad });
                return Ok(());
            }
            Shape::Block { children, of } => (children, *of),
        };
        let Some(open) = (a..b).find(|&i| self.is(i, "{")) else {
            self.run(a, b, indent, Style::Plain);
            return Ok(());
        };
        let close = b - 1;
        if close <= open || !self.is(close, "}") {
            return Err(Mismatch(format!(
                "the block at byte {} does not end with `}}`",
                node.span.start()
            )));
        }
        let inner = open + 1..close;
        let quiet = inner.clone().all(|i| self.toks[i].kind != Kind::Comment);
        let one_line = (open + 1..=close).all(|i| !self.starts_line(i));
        let inline = quiet
            && (children.is_empty()
                || (of != BlockKind::Workflow
                    && one_line
                    && children.len() == 1
                    && matches!(children[0].shape, Shape::Line | Shape::Field)
                    && self.range(children[0].span) == (inner.start, inner.end)));
        if inline {
            self.run(a, b, indent, Style::Plain);
            return Ok(());
        }
        self.run(a, open + 1, indent, Style::Plain);
        self.body(children, open + 1, close, indent + 1, of)?;
        self.line(indent, "}");
        Ok(())
    }

    /// Writes tokens `a..b` as one line at `indent`, normalising the space between them; a
    /// comment among them ends the line, and the rest continues on the next line, indented
    /// further.
    fn run(&mut self, a: usize, b: usize, indent: usize, style: Style) {
        let mut line = String::new();
        let mut line_indent = indent;
        let mut prev: Option<&str> = None;
        let mut continued = false;
        for i in a..b {
            let t = self.toks[i];
            let text = t.text(self.src);
            if t.kind == Kind::Comment {
                let comment = comment_text(text);
                if !line.is_empty() && !self.starts_line(i) {
                    line.push(' ');
                    line.push_str(comment);
                    self.line(line_indent, &line);
                } else {
                    if !line.is_empty() {
                        self.line(line_indent, &line);
                    }
                    if self.starts_line(i) {
                        self.line(indent + 2, comment);
                    } else {
                        self.attach(comment);
                    }
                }
                line.clear();
                prev = None;
                continued = true;
                continue;
            }
            if t.kind == Kind::Punct && text == "," && self.closes_list(i + 1, b) {
                continue;
            }
            if line.is_empty() {
                line_indent = if continued { indent + 2 } else { indent };
            } else if let Some(p) = prev {
                match style {
                    Style::Field { pad } if i == a + 2 && p == ":" => {
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    _ => {
                        if spaced(p, text, matches!(style, Style::Field { .. })) {
                            line.push(' ');
                        }
                    }
                }
            }
            line.push_str(text);
            prev = Some(text);
        }
        if !line.is_empty() {
            self.line(line_indent, &line);
        }
    }

    /// Whether the next token from `i` (before `b`) closes a list, so that a comma before it is
    /// a trailing comma. A comment in between keeps the comma.
    fn closes_list(&self, i: usize, b: usize) -> bool {
        i < b && (self.is(i, ")") || self.is(i, "]") || self.is(i, ">"))
    }
}

/// Whether one space separates two tokens on a line.
fn spaced(prev: &str, next: &str, field: bool) -> bool {
    match (prev, next) {
        (_, "," | ")" | "]" | ":") | ("(" | "[", _) | ("{", "}") => false,
        (_, "<" | ">" | "(") | ("<", _) => !field,
        _ => true,
    }
}
