//! Linear pre-passes over the raw text, run before pest.
//!
//! They do two things pest cannot do safely on its own. [`too_deep`] bounds the nesting depth of
//! conditions and types: pest recurses once per level, so 200,000 nested `(` would overflow the
//! stack. [`scan`] finds where top-level declarations and workflow items begin, so that a large
//! file can be parsed in pieces and a broken one item by item.
//!
//! **Invariants:** neither pass fails or recurses; both skip strings and comments the way the
//! grammar reads them. The nesting bound is not a property of the file but of each piece of text
//! handed to pest: the parser calls [`too_deep`] on every slice before pest sees it, so no guess
//! of the resynchronisation (which may cut a condition anywhere) can defeat it. Because pest's
//! recursion, lowering's and every later walk over a condition are bounded by this nesting,
//! none of them can overflow the stack.

/// The deepest nesting of parentheses, `not`s and `list<…>` that the parser accepts.
pub const MAX_NESTING: usize = 64;

/// Finds the first token of `src` at which the nesting of parentheses, `not`s and `list<`
/// exceeds [`MAX_NESTING`], counted from the start of `src` with nothing reset on the way (a
/// keyword at the start of a line does not close an open parenthesis). A `not` counts while the
/// operand it applies to is open: in `not (a and not (b …` both `not`s and both `(` count.
/// Returns the byte range of that token.
pub fn too_deep(src: &str) -> Option<(usize, usize)> {
    let bytes = src.as_bytes();
    // For each open `(`: the levels it holds (itself and the `not`s right before it).
    let mut open: Vec<usize> = Vec::new();
    let mut in_parens = 0usize;
    let (mut nots, mut lists) = (0usize, 0usize);
    let mut prev_word_list = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i = skip_string(bytes, i);
                nots = 0;
                prev_word_list = false;
            }
            _ if is_ident_start(b) => {
                let start = i;
                while i < bytes.len() && is_ident_char(bytes[i]) {
                    i += 1;
                }
                let word = &src[start..i];
                if word == "not" {
                    nots += 1;
                } else {
                    nots = 0;
                }
                prev_word_list = word == "list";
                if in_parens + nots + lists > MAX_NESTING {
                    return Some((start, i));
                }
            }
            _ => {
                let mut deeper = false;
                match b {
                    b'(' => {
                        open.push(nots + 1);
                        in_parens += nots + 1;
                        nots = 0;
                        deeper = true;
                    }
                    b')' => in_parens -= open.pop().unwrap_or(0),
                    b'<' if prev_word_list => {
                        lists += 1;
                        deeper = true;
                    }
                    b'>' => lists = lists.saturating_sub(1),
                    _ => {}
                }
                if !deeper {
                    nots = 0;
                }
                prev_word_list = false;
                if deeper && in_parens + nots + lists > MAX_NESTING {
                    return Some((i, i + 1));
                }
                // Step over a whole UTF-8 character so that offsets stay on boundaries.
                i += 1;
                while i < bytes.len() && !src.is_char_boundary(i) {
                    i += 1;
                }
            }
        }
    }
    None
}

/// What the pre-pass found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Byte offsets where top-level declarations start (including their doc comments), in order.
    pub starts: Vec<usize>,
    /// For each start, the shape of its body if it is a `workflow` whose braces close.
    pub bodies: Vec<Option<Body>>,
}

/// Where the body of a workflow declaration opens and closes, and where its items seem to
/// start. Keywords are contextual, so an item start is only a guess (a word such as `step` at
/// brace depth 1); the parser checks every piece and falls back to the whole declaration when a
/// guess was wrong.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Body {
    /// The offset of the `{` that opens the body.
    pub open: usize,
    /// Offsets where items seem to start (including their doc comments), in order.
    pub items: Vec<usize>,
    /// The offset of the `}` that closes the body.
    pub close: usize,
    /// Offsets of words that look like a misspelt item keyword (`flw` for `flow`) and begin a
    /// line of the body, or an item head later on a line (`flw a -> b`): error recovery also
    /// resynchronises there, so that the misspelling gets its own E001 instead of hiding in the
    /// error of the item before it.
    pub near_items: Vec<usize>,
}

/// Words that start an item of a workflow body (also the keywords E001 suggests there).
pub(crate) const ITEM_WORDS: &[&str] = &[
    "title",
    "version",
    "owner",
    "customer_facing",
    "customer",
    "actor",
    "context",
    "trigger",
    "step",
    "flow",
    "handoff",
];

/// The words that start a top-level declaration.
const TOP_WORDS: &[&str] = &["actor", "workflow"];

/// Whether a name follows offset `i` on the same line (after spaces or tabs).
fn name_follows(bytes: &[u8], mut i: usize) -> bool {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
        i += 1;
    }
    i > 0
        && bytes.get(i).copied().is_some_and(is_ident_start)
        && matches!(bytes[i - 1], b' ' | b'\t')
}

/// A workflow body being scanned.
struct OpenBody {
    open: Option<usize>,
    items: Vec<usize>,
    near_items: Vec<usize>,
}

/// Whether `word` is one or two edits away from a keyword that declares a name (`actor`,
/// `trigger`, `step`) without being one.
pub(crate) fn near_declaring_word(word: &str) -> bool {
    near_word(word, &["actor", "trigger", "step"])
}

/// Whether `word` is one or two edits away from an item keyword without being one.
fn near_item_word(word: &str) -> bool {
    near_word(word, ITEM_WORDS)
}

/// Whether `word` is one or two edits away from one of `words` without being one.
fn near_word(word: &str, words: &[&str]) -> bool {
    word.len() <= 20
        && !words.contains(&word)
        && words.iter().any(|kw| {
            // Most words are rejected by a lower bound before the distance (which allocates) is
            // computed.
            if edits_at_least(word.as_bytes(), kw.as_bytes()) > 2 {
                return false;
            }
            let d = strsim::damerau_levenshtein(word, kw);
            d <= 2 && d < kw.len() / 2 + 1
        })
}

/// A lower bound of the edit distance (insertions, deletions, substitutions and transpositions)
/// between two short words: the letters of one that the other lacks, counted with repetition.
/// An insertion or a deletion adds one such letter to one side, a substitution one to each side,
/// a transposition none. Words longer than 32 bytes count as a length difference only.
fn edits_at_least(a: &[u8], b: &[u8]) -> usize {
    let by_length = a.len().abs_diff(b.len());
    if a.len() > 32 || b.len() > 32 {
        return by_length;
    }
    let mut used = [false; 32];
    let mut matched = 0;
    for x in a {
        if let Some(j) = (0..b.len()).find(|&j| !used[j] && b[j] == *x) {
            used[j] = true;
            matched += 1;
        }
    }
    (a.len() - matched).max(b.len() - matched)
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Words that start an item of a step body.
pub(crate) const STEP_WORDS: &[&str] = &[
    "title",
    "owner",
    "needs",
    "provides",
    "action",
    "uses",
    "reversible",
    "irreversible",
    "compensable",
    "approve",
    "escalate",
];

/// The block of a step or context item: where its `{` and `}` are and where its items (step
/// keywords) or fields (a name followed by `:`) seem to start, all as offsets into `src`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Block {
    pub open: usize,
    pub items: Vec<usize>,
    pub close: usize,
}

/// Finds the first `{ … }` block of `src` (a step or a context block) and the starts of its
/// items: step keywords if `step`, otherwise names followed by `:`. `None` if it does not close.
pub fn block(src: &str, step: bool) -> Option<Block> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut open = None;
    let mut items = Vec::new();
    // An `escalate` head whose `{` is missing ([`missing_open`]): open at the end of its line.
    let mut pending_open = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                if std::mem::take(&mut pending_open) {
                    depth += 1;
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i = skip_string(bytes, i);
            }
            _ if is_ident_start(b) => {
                let start = i;
                while i < bytes.len() && is_ident_char(bytes[i]) {
                    i += 1;
                }
                if depth == 1
                    && step
                    && &src[start..i] == "escalate"
                    && missing_open(bytes, i, "escalate")
                {
                    pending_open = true;
                }
                if depth == 1 {
                    let word = &src[start..i];
                    // A near miss of a step keyword (`needz`) is cut too, so that the item
                    // before it still parses; a wrong cut is joined again by the parser.
                    let is_start = if step {
                        STEP_WORDS.contains(&word) || near_word(word, STEP_WORDS)
                    } else {
                        let mut j = i;
                        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                            j += 1;
                        }
                        bytes.get(j) == Some(&b':')
                    };
                    if is_start {
                        items.push(start);
                    }
                }
            }
            b'{' => {
                depth += 1;
                if open.is_none() {
                    open = Some(i);
                }
                i += 1;
            }
            b'}' => {
                if depth == 1 {
                    return Some(Block {
                        open: open?,
                        items,
                        close: i,
                    });
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of the string whose `"` is at `i`: past its closing `"`, or at the line break that
/// ends an unterminated one (so that the next line still starts a line for the scanners).
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n' | b'\r') {
        let escape = bytes[i] == b'\\' && !matches!(bytes.get(i + 1), Some(b'\n' | b'\r'));
        i += if escape { 2 } else { 1 };
    }
    if bytes.get(i) == Some(&b'"') {
        i += 1;
    }
    i
}

/// Whether `word`, ending at `i`, starts an item head that no block inside an item can hold:
/// `step NAME {`, `flow NAME ->`, `handoff NAME ->`, `trigger NAME :` or `context {`.
fn item_head_follows(bytes: &[u8], i: usize, word: &str) -> bool {
    if word == "context" {
        return bytes.get(skip_blanks(bytes, i)) == Some(&b'{');
    }
    let expected: &[u8] = match word {
        "step" => b"{",
        "flow" | "handoff" => b"->",
        "trigger" => b":",
        _ => return false,
    };
    past_name(bytes, i).is_some_and(|i| bytes[i..].starts_with(expected))
}

/// Whether `text` starts with the head of a workflow item that nothing else can begin:
/// `step NAME {`, `flow NAME ->`, `handoff NAME ->`, `trigger NAME :` or `context {` (a step
/// named `step` is a target, `step r {` is not).
pub(crate) fn starts_with_item_head(text: &str) -> bool {
    let bytes = text.as_bytes();
    let end = bytes
        .iter()
        .position(|&b| !is_ident_char(b))
        .unwrap_or(bytes.len());
    item_head_follows(bytes, end, &text[..end])
}

/// Whether the workflow item at `start`, inside a block, is whole on its line (its braces
/// balance) and the next line with code goes on with the block: a step item or a `}`. Then
/// the item was put in the wrong block (`context { … }` pasted into a step), rather than the
/// block's `}` being missing before it. Reads to the end of the next line with code.
pub(crate) fn misplaced_item(src: &str, start: usize) -> bool {
    let bytes = src.as_bytes();
    // Indented like the line before it (the block's items): a block whose `}` is missing is
    // followed by items indented less (`step u {` / `owner b` / `handoff …` at the step's
    // depth).
    let indent = |line_start: usize| {
        bytes[line_start..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count()
    };
    let line_start = bytes[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let Some((previous, _)) = super::last_code_line(src, line_start) else {
        return false;
    };
    if indent(line_start) < indent(previous) {
        return false;
    }
    let mut depth = 0i32;
    let mut i = start;
    while i < bytes.len() && bytes[i] != b'\n' {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => break,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
        i += 1;
    }
    if depth != 0 {
        return false;
    }
    // The first word (or `}`) of the next line with code.
    let i = past_space_and_comments(bytes, i);
    if bytes.get(i) == Some(&b'}') {
        return true;
    }
    let end = bytes[i..]
        .iter()
        .position(|&b| !is_ident_char(b))
        .map_or(bytes.len(), |n| i + n);
    STEP_WORDS.iter().any(|k| k.as_bytes() == &bytes[i..end])
}

/// `i` moved past blanks (spaces and tabs).
fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| matches!(b, b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Where the text after a name that follows `i` (past blanks) resumes, past the blanks after
/// the name; `None` when no name follows.
fn past_name(bytes: &[u8], i: usize) -> Option<usize> {
    let mut i = skip_blanks(bytes, i);
    if !bytes.get(i).copied().is_some_and(is_ident_start) {
        return None;
    }
    while bytes.get(i).copied().is_some_and(is_ident_char) {
        i += 1;
    }
    Some(skip_blanks(bytes, i))
}

/// Whether the word ending at `i` is followed by `NAME ->`, `NAME {` or `NAME :`, the shape of an
/// item head (`flw a -> b`, `stp a {`, `trigr t: manual`): a near miss of an item keyword in the
/// middle of a line starts an item only then, since two names never follow each other inside
/// an item.
fn near_head_follows(bytes: &[u8], i: usize) -> bool {
    past_name(bytes, i).is_some_and(|i| {
        let rest = &bytes[i..];
        rest.starts_with(b"->") || rest.starts_with(b"{") || rest.starts_with(b":")
    })
}

/// Whether `word` is a keyword that starts an item of a workflow or of a step.
pub(crate) fn starts_an_item(word: &str) -> bool {
    ITEM_WORDS.contains(&word) || STEP_WORDS.contains(&word)
}

/// Whether `word` starts an item of any block: a workflow, a step, a route's body or an actor.
pub(crate) fn starts_any_item(word: &str) -> bool {
    starts_an_item(word)
        || ROUTE_WORDS.contains(&word)
        || ACTOR_WORDS.contains(&word)
        || word == "actor"
}

/// Words that start an item of an actor's body.
pub(crate) const ACTOR_WORDS: &[&str] = &["title", "can", "fallback", "members", "inbox"];

/// Words that start an item of a handoff's or an escalation's body.
pub(crate) const ROUTE_WORDS: &[&str] = &["carries", "sla", "fallback", "notify", "reason"];

/// Whether `step` (ending at `i`) is followed on its line by a name and then a step keyword
/// (`step s owner sys }`), with no `{` on the line: the head's `{` was left out. Reads the rest
/// of the line once.
fn missing_open_inline(bytes: &[u8], i: usize) -> bool {
    let Some(mut i) = past_name(bytes, i) else {
        return false;
    };
    let start = i;
    while bytes.get(i).copied().is_some_and(is_ident_char) {
        i += 1;
    }
    let word = &bytes[start..i];
    if !STEP_WORDS.iter().any(|k| k.as_bytes() == word) {
        return false;
    }
    // No `{` on the line (the `}` that closes the step may be there).
    !rest_of_line(bytes, i).open
}

/// What the rest of a line holds outside strings and comments.
struct RestOfLine {
    /// Where the line ends (its line break, or the end of the text).
    end: usize,
    /// Whether it has a `{`.
    open: bool,
    /// Whether it has a `}`.
    close: bool,
}

/// Reads the line from `i` to its end once.
fn rest_of_line(bytes: &[u8], mut i: usize) -> RestOfLine {
    let (mut open, mut close) = (false, false);
    while i < bytes.len() && bytes[i] != b'\n' {
        match bytes[i] {
            b'{' => open = true,
            b'}' => close = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                break;
            }
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    RestOfLine {
        end: i,
        open,
        close,
    }
}

/// `i` moved past whitespace (line breaks too) and comments.
fn past_space_and_comments(bytes: &[u8], mut i: usize) -> usize {
    loop {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if !bytes[i.min(bytes.len())..].starts_with(b"//") {
            return i;
        }
        while i < bytes.len() && bytes[i] != b'\n' {
            i += 1;
        }
    }
}

/// Whether the next word after `i` (past blanks, line breaks and comments) starts the head of
/// a workflow item (`step NAME {`, `flow NAME ->`, `handoff NAME ->`, `trigger NAME :`,
/// `context {`). Reads up to that word: a `}` is followed by at most one such look.
fn item_after(bytes: &[u8], i: usize) -> bool {
    let mut i = past_space_and_comments(bytes, i);
    let start = i;
    while bytes.get(i).copied().is_some_and(is_ident_char) {
        i += 1;
    }
    match std::str::from_utf8(&bytes[start..i]) {
        Ok(word @ ("step" | "flow" | "handoff" | "trigger" | "context")) => {
            item_head_follows(bytes, i, word)
        }
        // Items only a workflow holds: nothing at the top level starts so.
        Ok("owner" | "title" | "version" | "customer" | "customer_facing") => true,
        // An indented `actor NAME:` is a workflow's (a top-level one starts its line).
        Ok("actor") => start > 0 && bytes[start - 1] != b'\n' && name_follows(bytes, i),
        _ => false,
    }
}

/// Whether the line that starts with `word` (ending at `i`) is the head of a block whose `{` was
/// left out: `step NAME`, `context` or `escalate to … when …` with no `{` on the line, followed
/// by a line that starts like an item of that block (`owner …`, `email: …`, `carries …`). The
/// scanners then count a `{` at the end of the line, so that the block's `}` closes the block
/// and not the one around it: the head gets its E001 and the items after the block still parse.
/// Reads the rest of the line and the next non-blank line once: linear over a scan.
fn missing_open(bytes: &[u8], mut i: usize, word: &str) -> bool {
    let body: fn(&[u8]) -> bool = match word {
        "step" => |w| STEP_WORDS.iter().any(|k| k.as_bytes() == w),
        "escalate" | "handoff" => |w| ROUTE_WORDS.iter().any(|k| k.as_bytes() == w),
        "workflow" => |w| ITEM_WORDS.iter().any(|k| k.as_bytes() == w),
        "actor" => |w| ACTOR_WORDS.iter().any(|k| k.as_bytes() == w),
        "context" => |_| true,
        _ => return false,
    };
    // The rest of the head's line: no `{` or `}` outside strings and comments.
    let line = rest_of_line(bytes, i);
    if line.open || line.close {
        return false;
    }
    i = line.end;
    // The first word of the next non-blank line.
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    while i < bytes.len() && is_ident_char(bytes[i]) {
        i += 1;
    }
    if start == i || !is_ident_start(bytes[start]) {
        return false;
    }
    if word == "context" {
        // A field: `NAME:`.
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        return bytes.get(i) == Some(&b':');
    }
    body(&bytes[start..i])
}

/// Scans `src`. A declaration start is the keyword `actor` or `workflow` outside any braces, or
/// either keyword at the very start of a line (which resynchronises after an unclosed brace).
pub fn scan(src: &str) -> Scan {
    let bytes = src.as_bytes();
    let mut out = Scan::default();
    let mut braces = 0usize;
    let mut doc_start: Option<usize> = None;
    let mut line_start = true;
    let mut first_on_line = true;
    let mut body: Option<OpenBody> = None;
    // A block head whose `{` is missing ([`missing_open`]): counted open at the end of its line.
    let mut pending_open = false;
    // A `workflow` head whose `{` is missing: its body opens at the end of its line.
    let mut pending_workflow_open = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let at_line_start = line_start;
        line_start = false;
        match b {
            b'\n' => {
                line_start = true;
                first_on_line = true;
                if std::mem::take(&mut pending_open) {
                    braces += 1;
                }
                if std::mem::take(&mut pending_workflow_open) {
                    if let Some(b) = body.as_mut().filter(|b| b.open.is_none()) {
                        b.open = Some(i);
                        braces += 1;
                    }
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let is_doc = bytes.get(i + 2) == Some(&b'/') && bytes.get(i + 3) != Some(&b'/');
                if is_doc && doc_start.is_none() {
                    doc_start = Some(i);
                }
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i = skip_string(bytes, i);
                doc_start = None;
                first_on_line = false;
            }
            _ if is_ident_start(b) => {
                let start = i;
                while i < bytes.len() && is_ident_char(bytes[i]) {
                    i += 1;
                }
                let word = &src[start..i];
                // A misspelt `actor` or `workflow` at the top level (`acter boss: human`) starts
                // a declaration too, so that its E001 does not swallow the next declaration.
                let near_top = braces == 0
                    && first_on_line
                    && near_word(word, TOP_WORDS)
                    && name_follows(bytes, i);
                if ((word == "actor" || word == "workflow") && (braces == 0 || at_line_start))
                    || near_top
                {
                    if out.bodies.len() < out.starts.len() {
                        out.bodies.push(None);
                    }
                    let workflow =
                        word == "workflow" || (near_top && near_word(word, &["workflow"]));
                    body = workflow.then(|| OpenBody {
                        open: None,
                        items: Vec::new(),
                        near_items: Vec::new(),
                    });
                    out.starts.push(doc_start.unwrap_or(start));
                    braces = 0;
                    // `workflow w` with its `{` left out, items on the next lines: the body
                    // opens at the end of the head's line.
                    if workflow && missing_open(bytes, i, "workflow") {
                        pending_workflow_open = true;
                    }
                }
                // A block left open above: an item head that is never valid inside a block
                // (`step NAME {`, `flow NAME ->`, …) starting a line closes it.
                // Unless the item is whole on its line and the block goes on after it (a step
                // item or its `}` on the next line): then it was put in the wrong block, and is
                // that block's broken item.
                if braces > 1
                    && first_on_line
                    && body.as_ref().is_some_and(|b| b.open.is_some())
                    && item_head_follows(bytes, i, word)
                    && !misplaced_item(src, start)
                {
                    braces = 1;
                }
                // `step s owner sys }`: the `{` left out on the head's own line. It is counted
                // open here, so that `owner` is read as the step's and the `}` closes the step.
                if first_on_line
                    && braces == 1
                    && word == "step"
                    && body.as_ref().is_some_and(|b| b.open.is_some())
                    && missing_open_inline(bytes, i)
                {
                    braces += 1;
                }
                if first_on_line
                    && body.as_ref().is_some_and(|b| b.open.is_some())
                    && ((braces == 1 && matches!(word, "step" | "context" | "handoff" | "actor"))
                        || (braces == 2 && word == "escalate"))
                    && missing_open(bytes, i, word)
                {
                    pending_open = true;
                }
                if let Some(b) = body.as_mut() {
                    if braces == 1 && b.open.is_some() {
                        if ITEM_WORDS.contains(&word) {
                            b.items.push(doc_start.unwrap_or(start));
                        } else if (first_on_line || near_head_follows(bytes, i))
                            && near_item_word(word)
                        {
                            b.near_items.push(start);
                        }
                    }
                }
                doc_start = None;
                first_on_line = false;
            }
            _ => {
                match b {
                    b'{' => {
                        if let Some(body) = body.as_mut() {
                            if braces == 0 && body.open.is_none() {
                                body.open = Some(i);
                            }
                        }
                        braces += 1;
                    }
                    // A `}` that would close the workflow while an item head of a workflow
                    // follows (`step s { … } }` then `flow …`) is stray: the body goes on, so
                    // the items after it are still parsed and checked (the item holding the
                    // `}` gets the E001).
                    b'}' if braces == 1
                        && body.as_ref().is_some_and(|b| b.open.is_some())
                        && item_after(bytes, i + 1) => {}
                    b'}' => {
                        if braces == 1 {
                            if let Some(OpenBody {
                                open: Some(open),
                                items,
                                near_items,
                            }) = body.take()
                            {
                                out.bodies.push(Some(Body {
                                    open,
                                    items,
                                    close: i,
                                    near_items,
                                }));
                            }
                        }
                        braces = braces.saturating_sub(1);
                    }
                    _ => {}
                }
                doc_start = None;
                first_on_line = false;
                // Step over a whole UTF-8 character so that offsets stay on boundaries.
                i += 1;
                while i < bytes.len() && !src.is_char_boundary(i) {
                    i += 1;
                }
            }
        }
    }
    // The text ends inside a workflow's body: its `}` is missing. The body runs to the end, so
    // that its items are still read and checked (the missing `}` is one E001).
    if let Some(OpenBody {
        open: Some(open),
        items,
        near_items,
    }) = body.take()
    {
        if out.bodies.len() < out.starts.len() {
            out.bodies.push(Some(Body {
                open,
                items,
                close: bytes.len(),
                near_items,
            }));
        }
    }
    if out.bodies.len() < out.starts.len() {
        out.bodies.push(None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lower_bound_never_exceeds_the_edit_distance() {
        let words = [
            "r0", "flw", "stpe", "hadnoff", "hnadoff", "s1", "xyz", "owenr", "needz", "prvides",
            "ab", "", "ttitle", "contxet", "aaaa", "wolf", "pets", "customre", "f0",
        ];
        let mut tight = 0;
        for kw in ITEM_WORDS.iter().chain(STEP_WORDS) {
            for word in words.iter().chain(ITEM_WORDS).chain(STEP_WORDS) {
                let bound = edits_at_least(word.as_bytes(), kw.as_bytes());
                let distance = strsim::damerau_levenshtein(word, kw);
                assert!(bound <= distance, "{word} / {kw}: {bound} > {distance}");
                tight += usize::from(bound == distance);
            }
        }
        // The bound is exact for most near misses (one deletion, one insertion, a swap).
        assert!(tight > 100, "{tight}");
        assert!(near_item_word("hadnoff") && near_item_word("flw") && !near_item_word("r0"));
    }

    #[test]
    fn finds_declaration_starts_with_their_docs() {
        let src = "/// a\nactor x: human\nworkflow w { actor y: ai }\n  workflow v {";
        let scan = scan(src);
        assert_eq!(scan.starts, vec![0, 21, 50]);
        // Inside unclosed braces only a declaration at the start of a line counts.
        let src = "workflow a {\n  step x {\n  workflow b {\nworkflow c {";
        assert_eq!(super::scan(src).starts, vec![0, 39]);
    }

    #[test]
    fn finds_workflow_bodies_and_their_items() {
        let src = "actor a: human\nworkflow w {\n  /// d\n  step s { owner a }\n  flow t -> s\n}\n";
        let scan = scan(src);
        assert_eq!(scan.starts, vec![0, 15]);
        assert_eq!(scan.bodies[0], None);
        let body = scan.bodies[1].clone().expect("a body");
        assert_eq!(&src[body.open..=body.open], "{");
        assert_eq!(&src[body.close..=body.close], "}");
        let items: Vec<&str> = body.items.iter().map(|&i| &src[i..i + 6]).collect();
        assert_eq!(items, vec!["/// d\n", "flow t"]);
    }

    #[test]
    fn an_item_head_starting_a_line_closes_a_block_left_open() {
        let src = "workflow w {\n  step a { owner x\n  flow a -> b\n  step b { owner x }\n}\n";
        let body = scan(src).bodies[0].clone().expect("the body closes");
        let items: Vec<&str> = body.items.iter().map(|&i| &src[i..i + 4]).collect();
        assert_eq!(items, vec!["step", "flow", "step"]);
        assert_eq!(body.close, src.len() - 2);
        // Inside a context block, `step: text` is a field.
        let src = "workflow w {\n  context {\n  step: text\n  flow: text }\n}\n";
        let body = scan(src).bodies[0].clone().expect("the body closes");
        assert_eq!(body.items, vec![src.find("context").unwrap_or(0)]);
    }

    #[test]
    fn bounds_parentheses_and_nots() {
        let deep = format!("workflow w {{ flow a -> b when {}x }}", "not ".repeat(100));
        assert!(too_deep(&deep).is_some());
        let deep = format!("workflow w {{ flow a -> b when {}x }}", "(".repeat(100));
        assert!(too_deep(&deep).is_some());
        let fine = "workflow w { flow a -> b when not (not (x)) }";
        assert!(too_deep(fine).is_none());
        // A `not` before a parenthesis stays open with it.
        let deep = format!("flow a -> b when {}x", "not (a and ".repeat(40));
        assert!(too_deep(&deep).is_some());
        let fine = format!("flow a -> b when {}x", "not a and ".repeat(400));
        assert!(too_deep(&fine).is_none());
    }

    #[test]
    fn a_misspelt_top_level_keyword_starts_a_declaration() {
        let src = "acter boss: human\nactr helper: ai\nwrkflow w {\n  step s { owner boss }\n}\n";
        let scan = super::scan(src);
        assert_eq!(scan.starts, vec![0, 18, 34]);
        assert!(scan.bodies[2].is_some(), "{scan:?}");
        // Not inside a body, not without a name after it, not a word far from both.
        assert_eq!(super::scan("workflow w {\n  actr x\n}\n").starts, vec![0]);
        assert_eq!(super::scan("acter\nzebra x\n").starts, Vec::<usize>::new());
    }

    #[test]
    fn keywords_at_line_starts_do_not_reset_the_nesting() {
        let deep = format!(
            "flow a -> b when x and\n{}",
            "actor and ((((((((\n".repeat(20)
        );
        assert_eq!(too_deep(&deep).map(|(a, _)| &deep[a..=a]), Some("("));
    }
}
