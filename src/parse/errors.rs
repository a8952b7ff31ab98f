//! Turning pest's errors into E001 diagnostics that read as English.
//!
//! **Invariant:** every grammar rule has a phrase (or is deliberately left out of messages); the
//! `match` below is exhaustive, so a new rule in the grammar does not compile without one.

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;
use crate::diagnostics::{Diagnostic, Edit, Fix};
use crate::rules::e001_syntax_error;
use crate::span::Span;

/// How a rule is named in "expected …"; `None` leaves it out of the list.
// One arm per grammar rule, even where two rules read the same, so the table mirrors the grammar.
#[allow(clippy::match_same_arms)]
fn phrase(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::WHITESPACE | Rule::COMMENT | Rule::doc | Rule::doc_text => return None,
        Rule::EOI => "end of file",
        Rule::file | Rule::top_item => "`actor` or `workflow`",
        Rule::workflow_head => "a workflow declaration",
        Rule::workflow_body => "a workflow item",
        Rule::workflow_tail => "`}`",
        Rule::step_head => "a step declaration",
        Rule::step_body => {
            "a step item (`title`, `owner`, `needs`, `provides`, `action`, `uses`, `reversible`, \
             `irreversible`, `compensable`, `approve` or `escalate`)"
        }
        Rule::context_head => "`context`",
        Rule::context_body => "a field declaration `NAME: TYPE`",
        Rule::actor_decl => "an actor declaration",
        Rule::actor_kind => "an actor kind (`human`, `team`, `ai` or `system`)",
        Rule::actor_body => "an actor body `{ … }`",
        Rule::actor_item => "an actor item (`title`, `can`, `fallback`, `members` or `inbox`)",
        Rule::inbox_item => "`inbox`",
        Rule::inbox_channel => "an inbox channel (`email` or `slack`)",
        Rule::can_item => "`can`",
        Rule::members_item => "`members`",
        Rule::workflow_decl => "a workflow declaration",
        Rule::workflow_item => "a workflow item",
        Rule::version_item => "`version`",
        Rule::customer_facing_item => "`customer_facing`",
        Rule::customer_item => "`customer`",
        Rule::context_block => "`context`",
        Rule::field_decl => "a field declaration `NAME: TYPE`",
        Rule::type_expr => "a field type such as `text` or `enum(…)`",
        Rule::prim_type => "a field type such as `text` or `number`",
        Rule::enum_type => "`enum(…)`",
        Rule::list_type => "`list<…>`",
        Rule::trigger_decl => "a trigger declaration",
        Rule::trigger_kind => {
            "a trigger kind (`manual`, `webhook \"PATH\"`, `schedule \"CRON\"` or `form \"TITLE\"`)"
        }
        Rule::manual_kind => "`manual`",
        Rule::webhook_kind => "`webhook \"PATH\"`",
        Rule::schedule_kind => "`schedule \"CRON\"`",
        Rule::form_kind => "`form \"TITLE\"`",
        Rule::trigger_body => "a trigger body `{ provides … }`",
        Rule::step_decl => "a step declaration",
        Rule::step_item => "a step item",
        Rule::needs_item => "`needs`",
        Rule::provides_item => "`provides`",
        Rule::action_item => "`action`",
        Rule::uses_item => "`uses`",
        Rule::reversible_item => "`reversible`",
        Rule::irreversible_item => "`irreversible`",
        Rule::compensable_item => "`compensable by`",
        Rule::approve_item => "`approve by`",
        Rule::within_clause => "`within`",
        Rule::else_clause => "`else`",
        Rule::escalate_item => "`escalate to`",
        Rule::flow_decl => "`flow`",
        Rule::handoff_decl => "`handoff`",
        Rule::guard => "`when` or `otherwise`",
        Rule::route_body => "a body `{ … }`",
        Rule::route_item => ROUTE_ITEMS,
        Rule::carries_item => "`carries`",
        Rule::sla_item => "`sla`",
        Rule::notify_item => "`notify`",
        Rule::reason_item => "`reason`",
        Rule::title_item => "`title`",
        Rule::owner_item => "`owner`",
        Rule::fallback_item => "`fallback`",
        Rule::name_list => "a name",
        Rule::condition | Rule::or_expr | Rule::and_expr | Rule::not_expr | Rule::compare => {
            "a condition"
        }
        Rule::in_tail => "`in [ … ]`",
        Rule::cmp_tail | Rule::cmp_op => COMPARISON,
        Rule::operand => "an operand (a field, number, string, duration, `true` or `false`)",
        Rule::ident_char | Rule::ident => "a name",
        Rule::reserved => "a reserved word",
        Rule::capability => "a capability such as `crm.write`",
        Rule::string | Rule::string_inner | Rule::string_char | Rule::string_escape => {
            "a string `\"…\"`"
        }
        Rule::number => "a number",
        Rule::duration => "a duration such as `30m` or `1h30m`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::langle => "`<`",
        Rule::rangle => "`>`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::arrow => "`->`",
        Rule::kw_actor => "`actor`",
        Rule::kw_workflow => "`workflow`",
        Rule::kw_title => "`title`",
        Rule::kw_version => "`version`",
        Rule::kw_owner => "`owner`",
        Rule::kw_customer_facing => "`customer_facing`",
        Rule::kw_can => "`can`",
        Rule::kw_customer => "`customer`",
        Rule::kw_inbox => "`inbox`",
        Rule::kw_uses => "`uses`",
        Rule::kw_fallback => "`fallback`",
        Rule::kw_members => "`members`",
        Rule::kw_context => "`context`",
        Rule::kw_sensitive => "`sensitive`",
        Rule::kw_enum => "`enum`",
        Rule::kw_list => "`list`",
        Rule::kw_trigger => "`trigger`",
        Rule::kw_manual => "`manual`",
        Rule::kw_webhook => "`webhook`",
        Rule::kw_schedule => "`schedule`",
        Rule::kw_form => "`form`",
        Rule::kw_step => "`step`",
        Rule::kw_needs => "`needs`",
        Rule::kw_provides => "`provides`",
        Rule::kw_action => "`action`",
        Rule::kw_reversible => "`reversible`",
        Rule::kw_irreversible => "`irreversible`",
        Rule::kw_compensable => "`compensable`",
        Rule::kw_by => "`by`",
        Rule::kw_approve => "`approve`",
        Rule::kw_within => "`within`",
        Rule::kw_else => "`else`",
        Rule::kw_escalate => "`escalate`",
        Rule::kw_to => "`to`",
        Rule::kw_flow => "`flow`",
        Rule::kw_handoff => "`handoff`",
        Rule::kw_carries => "`carries`",
        Rule::kw_sla => "`sla`",
        Rule::kw_notify => "`notify`",
        Rule::kw_reason => "`reason`",
        Rule::kw_when => "`when`",
        Rule::kw_otherwise => "`otherwise`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::kw_in => "`in`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::kw_confidence => "`confidence`",
        Rule::kw_attempts => "`attempts`",
        Rule::kw_elapsed => "`elapsed`",
    })
}

/// Keywords that start a declaration of a workflow or a file: finding one where a block should
/// go on usually means the block above was not closed.
const STARTS_ITEM: &[&str] = &[
    "actor",
    "workflow",
    "context",
    "trigger",
    "step",
    "flow",
    "handoff",
    "customer_facing",
    "customer",
    "version",
];

/// Joins phrases as "a, b or c".
/// The items of a handoff's body, and of an escalation's.
const ROUTE_ITEMS: &str = "`carries`, `sla`, `fallback`, `notify` or `reason`";
const ESCALATION_ITEMS: &str = "`carries`, `sla`, `fallback` or `notify`";

/// Whether `pos` is inside the `{ … }` of an `escalate` item: the innermost open `{` before it
/// follows the word `escalate` more closely than the word `handoff` (strings skipped).
fn in_escalation_body(input: &str, pos: usize) -> bool {
    let before = &input[..crate::span::char_floor(input, pos)];
    let mut depth = 0usize;
    let mut open = None;
    let mut in_string = false;
    let bytes = before.as_bytes();
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => in_string = !in_string,
            b'}' if !in_string => depth += 1,
            b'{' if !in_string => {
                if depth == 0 {
                    open = Some(i);
                    break;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    let Some(open) = open else { return false };
    let head = &before[..open];
    let last = |word: &str| head.rfind(word);
    match (last("escalate"), last("handoff")) {
        (Some(e), Some(h)) => e > h,
        (Some(_), None) => true,
        _ => false,
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token found at `pos`, for "found …", and its byte length.
fn found_at(src: &str, pos: usize) -> (String, usize) {
    let rest = &src[pos.min(src.len())..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    if first.is_ascii_alphabetic() || first == '_' || first.is_ascii_digit() {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        return (format!("`{}`", truncate(word)), len);
    }
    match first {
        '"' => ("a string".to_string(), 1),
        '\n' | '\r' => ("end of line".to_string(), 0),
        '\0' => ("a NUL byte".to_string(), 1),
        c if c.is_control() => (
            format!("control character U+{:04X}", c as u32),
            c.len_utf8(),
        ),
        '-' if rest.starts_with("->") => ("`->`".to_string(), 2),
        c if invisible(c).is_some() => (
            format!("{} (U+{:04X})", invisible(c).unwrap_or_default(), c as u32),
            c.len_utf8(),
        ),
        c => (format!("`{c}`"), c.len_utf8()),
    }
}

/// The name of a character that shows as a space or as nothing: pasted from a word processor
/// or a web page, it is invisible in the source.
fn invisible(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{a0}' | '\u{202f}' => "a non-breaking space",
        '\u{2000}'..='\u{200a}' | '\u{3000}' => "a wide space",
        '\u{200b}' => "a zero-width space",
        '\u{200c}' | '\u{200d}' | '\u{2060}' => "an invisible joiner",
        '\u{feff}' => "a byte order mark",
        _ => return None,
    })
}

fn truncate(word: &str) -> &str {
    match word.char_indices().nth(40) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

/// The words a rule stands for, when a misspelling of one of them may be what was found.
fn keywords(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::file | Rule::top_item => &["actor", "workflow"],
        Rule::workflow_head => &["workflow"],
        Rule::actor_kind => &["human", "team", "ai", "system"],
        Rule::inbox_channel => &["email", "slack"],
        Rule::prim_type => &[
            "text", "number", "bool", "email", "url", "datetime", "date", "duration", "money",
            "summary",
        ],
        Rule::type_expr => &[
            "text", "number", "bool", "email", "url", "datetime", "date", "duration", "money",
            "summary", "enum", "list",
        ],
        Rule::trigger_kind => &["manual", "webhook", "schedule", "form"],
        Rule::guard => &["when", "otherwise"],
        Rule::workflow_body | Rule::workflow_item => super::scan::ITEM_WORDS,
        Rule::step_item | Rule::step_body => &[
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
        ],
        Rule::actor_item => &["title", "can", "fallback", "members", "inbox"],
        Rule::route_item => &["carries", "sla", "fallback", "notify", "reason"],
        _ => &[],
    }
}

/// Words people write for a keyword that are not misspellings of it.
const SYNONYMS: &[(&str, &str)] = &[
    ("if", "when"),
    ("else", "otherwise"),
    ("carry", "carries"),
    ("need", "needs"),
    ("boolean", "bool"),
    ("string", "text"),
    ("str", "text"),
    ("int", "number"),
    ("integer", "number"),
    ("float", "number"),
    ("decimal", "number"),
    // A step's side effect where an actor's permission goes.
    ("action", "can"),
    // An actor's permission where a step's side effect goes.
    ("can", "action"),
];

/// The keyword among `candidates` closest to a misspelt word, if any is close: the same word in
/// another case, a word people use for it (`if` for `when`), or one at edit distance 1 or 2.
fn closest_keyword<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // Keywords are short: a long word is no misspelling of one, and skipping it bounds the work.
    if word.is_empty()
        || word.len() > 24
        || !word.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
    {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    if let Some(kw) = candidates.iter().find(|kw| **kw == lower && **kw != word) {
        return Some(kw);
    }
    if let Some(&(_, kw)) = SYNONYMS.iter().find(|(w, _)| *w == lower) {
        if let Some(kw) = candidates.iter().find(|c| **c == kw) {
            return Some(kw);
        }
    }
    candidates
        .iter()
        .filter(|kw| **kw != word)
        .filter_map(|kw| {
            let distance = strsim::damerau_levenshtein(&lower, kw);
            // Not a word of one letter for a keyword of three: nothing of it was kept.
            (distance <= 2 && distance < kw.len() && distance < lower.len())
                .then_some((distance, *kw))
        })
        .min()
        .map(|(_, kw)| kw)
}

/// Operators of other languages and what this one writes for them, longest first, with the
/// phrase (see [`phrase`]) that must be among the expected for the replacement to fit there.
const FOREIGN_OPERATORS: &[(&str, &str, &str)] = &[
    ("===", "==", COMPARISON),
    ("!==", "!=", COMPARISON),
    ("is not", "!=", COMPARISON),
    ("is", "==", COMPARISON),
    ("&&", "and", "`and`"),
    ("||", "or", "`or`"),
    ("=<", "<=", COMPARISON),
    ("=>", ">=", COMPARISON),
    ("<>", "!=", COMPARISON),
    ("≥", ">=", COMPARISON),
    ("≤", "<=", COMPARISON),
    ("≠", "!=", COMPARISON),
    ("=!=", "!=", COMPARISON),
    ("=!", "!=", COMPARISON),
    ("&", "and", "`and`"),
    ("|", "or", "`or`"),
    ("=", "==", COMPARISON),
    ("!", "not", "`not`"),
];

/// The phrase for a comparison operator.
const COMPARISON: &str = "a comparison operator (`==`, `!=`, `<`, `<=`, `>` or `>=`)";

/// `a > 1 && b`, `a = 1`, `!a`: an operator of another language where this one expects its own
/// gets a message about that operator alone, and the edit that writes this language's.
fn foreign_operator(input: &str, pos: usize, base: usize, expected: &[&str]) -> Option<Diagnostic> {
    // `a <> 1` reads as `<` followed by a `>` where an operand was expected.
    if input.get(pos..)?.starts_with('>')
        && pos > 0
        && input.get(pos - 1..pos) == Some("<")
        && expected.iter().any(|e| e.starts_with("an operand"))
    {
        return foreign_operator(input, pos - 1, base, &[COMPARISON]);
    }
    // `a === 1` and `a !== 1` read as `==` or `!=` followed by a `=` where an operand was
    // expected.
    if input.get(pos..)?.starts_with('=')
        && pos >= 2
        && matches!(input.get(pos - 2..pos), Some("==" | "!="))
        && expected.iter().any(|e| e.starts_with("an operand"))
    {
        return foreign_operator(input, pos - 2, base, &[COMPARISON]);
    }
    let rest = input.get(pos..)?;
    let &(op, ours, phrase) = FOREIGN_OPERATORS.iter().find(|(op, _, _)| {
        // A word (`is`) only as a whole word: `isbn` is a name.
        rest.starts_with(op)
            && (!op.ends_with(|c: char| c.is_ascii_alphabetic())
                || !rest.get(op.len()..).is_some_and(|r| {
                    r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                }))
    })?;
    // `!=` is this language's; `!` alone is the foreign one.
    if op == "!" && rest.starts_with("!=") {
        return None;
    }
    // `not` is expected where a condition starts, which its phrase says.
    let fits = expected.contains(&phrase) || (ours == "not" && expected.contains(&"a condition"));
    if !fits {
        return None;
    }
    let span = Span::new(base + pos, base + pos + op.len());
    // A word written against a name (`big&x`, `!x`) needs spaces, or it joins the name.
    let word_char = super::is_word_char;
    let ours_text = if ours.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let before = input[..pos].ends_with(word_char);
        let after = rest[op.len()..].starts_with(word_char);
        format!(
            "{}{ours}{}",
            if before { " " } else { "" },
            if after { " " } else { "" }
        )
    } else {
        ours.to_string()
    };
    let kind = if phrase == COMPARISON {
        "a comparison operator"
    } else {
        phrase
    };
    Some(
        e001_syntax_error::expected(
            span,
            kind,
            &format!("`{op}`"),
            format!("this language writes `{ours}` for `{op}`: replace `{op}` with `{ours}`"),
        )
        .with_fix(syntax_fix(
            format!("replace `{op}` with `{ours}`"),
            span,
            ours_text,
        )),
    )
}

/// Typographic quotes that word processors put where `"` was typed.
pub(super) const CURLY_QUOTES: &[char] = &['“', '”', '„', '‟', '«', '»'];

/// The end of a string written in typographic quotes that opens at `pos` (past its closing
/// quote on the same line), if one does.
pub(super) fn curly_string_end(input: &str, pos: usize) -> Option<usize> {
    let rest = input.get(pos..)?;
    // In single quotes (`'…'`, `‘…’`): an apostrophe may be inside, so the string ends at the
    // last quote of the line; not when a `"` is inside (the edit would break it).
    if let Some(open) = rest.chars().next().filter(|c| matches!(c, '\'' | '‘')) {
        let body = &rest[open.len_utf8()..];
        let line = &body[..body.find('\n').unwrap_or(body.len())];
        let close = line.rfind(['\'', '’'])?;
        if line[..close].contains('"') {
            return None;
        }
        let close_len = line[close..].chars().next().map_or(0, char::len_utf8);
        return Some(pos + open.len_utf8() + close + close_len);
    }
    let open = rest.chars().next().filter(|c| CURLY_QUOTES.contains(c))?;
    let body = &rest[open.len_utf8()..];
    let line = &body[..body.find('\n').unwrap_or(body.len())];
    let close = line.find(CURLY_QUOTES)?;
    let close_len = line[close..].chars().next().map_or(0, char::len_utf8);
    Some(pos + open.len_utf8() + close + close_len)
}

/// `# note`, `-- note`, `/* note */`: a comment of another language. The edit writes `//`.
fn foreign_comment(input: &str, pos: usize, base: usize, expected: &[&str]) -> Option<Diagnostic> {
    let rest = input.get(pos..)?;
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    // `a -- b` where `->` was expected is an arrow written another way; `inbox slack #ops` a
    // string left unquoted, `n > --1` a sign: a comment of another language starts its line.
    let arrow = expected.contains(&"`->`");
    let line_start = input[..pos].rfind('\n').map_or(0, |i| i + 1);
    if !input[line_start..pos].trim().is_empty() {
        return None;
    }
    let (open, close) = if line.starts_with('#') {
        ("#", None)
    } else if line.starts_with("--") && !line.starts_with("-->") && !arrow {
        ("--", None)
    } else if line.starts_with("/*") {
        // Closed on its line, with nothing after it but a comment: one edit per end.
        let closed = |i: usize| {
            let after = line[i + 2..].trim();
            after.is_empty() || after.starts_with("//")
        };
        ("/*", line.find("*/").map(|i| (i, closed(i))))
    } else {
        return None;
    };
    let mut edits = vec![Edit::replace(
        Span::new(base + pos, base + pos + open.len()),
        "//",
    )];
    if let Some((at, true)) = close {
        edits.push(Edit::replace(
            Span::new(base + pos + at, base + pos + at + 2),
            "",
        ));
    } else if open == "/*" {
        // A block comment over several lines: the edit would be one per line.
        return Some(e001_syntax_error::expected(
            Span::new(base + pos, base + pos + 2),
            "a comment `// …`",
            "`/*`",
            "comments start with `//` and run to the end of the line: write `//` on each line"
                .to_string(),
        ));
    }
    Some(
        e001_syntax_error::expected(
            Span::new(base + pos, base + pos + open.len()),
            "a comment `// …`",
            &format!("`{open}`"),
            format!("comments start with `//`: replace `{open}` with `//`"),
        )
        .with_fix(Fix::new(
            format!("replace `{open}` with `//`"),
            edits,
            false,
        )),
    )
}

/// `title “Check the order”`: a string in typographic quotes. The edit writes straight ones.
fn typographic_quotes(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let end = curly_string_end(input, pos)?;
    let text = input.get(pos..end)?;
    let open = text.chars().next()?;
    let close = text.chars().next_back()?;
    let span = Span::new(base + pos, base + end);
    Some(
        e001_syntax_error::expected(
            span,
            "a string `\"…\"`",
            &format!("`{open}`"),
            format!(
                "strings are written in double straight quotes: replace `{open}` and `{close}` \
                 with `\"`"
            ),
        )
        .with_fix(Fix::new(
            format!("replace `{open}` and `{close}` with `\"`"),
            vec![
                Edit::replace(Span::new(base + pos, base + pos + open.len_utf8()), "\""),
                Edit::replace(Span::new(base + end - close.len_utf8(), base + end), "\""),
            ],
            false,
        )),
    )
}

/// `flow s -> r when` and the next line `step z {`: the condition is missing, and the next
/// item's keyword was read as its first operand. The mistake is on the line above.
fn empty_condition(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let (before, keyword) = keyword_before(input, pos);
    let head = &before[..before.len() - keyword.len()];
    let starts_line = head.trim_end_matches([' ', '\t']).ends_with('\n');
    let line_above = super::without_comment(head.trim_end());
    let joint = super::last_word(line_above);
    if !starts_line
        || !super::scan::starts_an_item(keyword)
        || !matches!(joint, "when" | "and" | "or" | "not")
    {
        return None;
    }
    let at = line_above.len() - joint.len();
    let span = Span::new(base + at, base + line_above.len());
    let mut d = e001_syntax_error::expected(
        span,
        &format!("a condition after `{joint}`"),
        "the end of the line",
        format!(
            "a condition is missing after `{joint}`: write it on this line (such as \
             `{joint} amount > 100`), or remove `{joint}`"
        ),
    );
    d.label = format!("no condition after `{joint}`");
    Some(d)
}

/// `needs n, provides k`: the list's `,` took the next item's keyword for a name, and the error
/// is at the name after it. The mistake is the trailing `,`.
fn trailing_comma(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let (before, keyword) = keyword_before(input, pos);
    let ahead = super::without_comment(before[..before.len() - keyword.len()].trim_end());
    let is_keyword = super::scan::starts_an_item(keyword)
        || super::scan::ROUTE_WORDS.contains(&keyword)
        || super::scan::ACTOR_WORDS.contains(&keyword);
    // `approve` is a capability too (`can crm.read, approve`): a keyword only where it
    // starts a line.
    let starts_line = input[ahead.len()..before.len() - keyword.len()].contains('\n');
    // The token the parser stopped at follows the keyword on its line (`provides k`): a
    // keyword alone at the end of a line may be a name (`needs a, title`).
    let on_its_line = !input[before.len()..pos.min(input.len())].contains('\n');
    if !is_keyword
        || !on_its_line
        || (keyword == "approve" && !starts_line)
        || !ahead.ends_with(',')
        || found_at(input, pos).0.starts_with("end")
    {
        return None;
    }
    let comma = Span::new(base + ahead.len() - 1, base + ahead.len());
    Some(
        e001_syntax_error::expected(
            Span::new(comma.start(), base + before.len()),
            "a name after `,`",
            &format!("`{keyword}`"),
            format!("the list ends before `{keyword}`: remove the trailing `,`"),
        )
        .with_fix(syntax_fix("remove the trailing `,`", comma, "")),
    )
}

/// The text before `pos` (blanks after it aside) and the word it ends with.
fn keyword_before(input: &str, pos: usize) -> (&str, &str) {
    let before = input[..pos.min(input.len())].trim_end();
    (before, super::last_word(before))
}

/// `owner: sys`: a `:` after a keyword that takes a name, as other formats write it.
fn colon_after_keyword(
    input: &str,
    pos: usize,
    base: usize,
    expected: &[&str],
) -> Option<Diagnostic> {
    let rest = input.get(pos..)?;
    // `owner: x`, `sla: 4h`, `title = "…"`: a sign between an item's keyword and its value.
    let sign = if rest.starts_with(':') && !rest.starts_with("::") {
        ':'
    } else if rest.starts_with('=') && !rest.starts_with("==") {
        '='
    } else {
        return None;
    };
    let after = rest[1..].trim_start_matches([' ', '\t']);
    let keyword = super::last_word(&input[..pos]);
    let value_follows =
        after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '"');
    // The keyword ends right before the sign (`owner :` too), starts its item (`when title:
    // "x"` compares a field named `title`) and takes a value (`reversible: true` is a flag
    // with a stray value).
    let keyword_end = input[..pos].trim_end_matches([' ', '\t']).len();
    let ahead = input[..keyword_end.saturating_sub(keyword.len())].trim_end_matches([' ', '\t']);
    let starts_item = ahead.is_empty() || ahead.ends_with(['\n', '{']);
    let flag = matches!(keyword, "customer_facing" | "reversible" | "irreversible");
    let is_keyword = expected == ["a name"]
        || (super::scan::starts_any_item(keyword)
            && !matches!(
                keyword,
                "actor" | "trigger" | "step" | "flow" | "handoff" | "workflow"
            )
            && input[..keyword_end].ends_with(keyword)
            && starts_item);
    if !value_follows
        || keyword.is_empty()
        || !is_keyword
        || flag
        || (sign == '=' && keyword == "actor")
    {
        return None;
    }
    let span = Span::new(base + pos, base + pos + 1);
    // `sla:4h`: the sign is all that separates the two, so it becomes a space.
    let glued = keyword_end == pos && !rest[1..].starts_with([' ', '\t']);
    let (edit, replacement) = if glued {
        (format!("replace the `{sign}` with a space"), " ")
    } else {
        (format!("remove the `{sign}`"), "")
    };
    Some(
        e001_syntax_error::expected(
            span,
            "a value",
            &format!("`{sign}`"),
            format!("`{keyword}` takes its value without a `{sign}`: {edit}"),
        )
        .with_fix(syntax_fix(edit, span, replacement)),
    )
}

/// The fix of a syntax error: one edit, offered but never applied by `--fix` (the text may
/// have meant something else).
fn syntax_fix(message: impl Into<String>, span: Span, replacement: impl Into<String>) -> Fix {
    Fix::new(message, vec![Edit::replace(span, replacement)], false)
}

/// Whether the text at `pos` is `c` alone (not doubled: `==` is an operator of its own).
fn rest_starts_with_single(input: &str, pos: usize, c: char) -> bool {
    let mut chars = input.get(pos..).unwrap_or("").chars();
    chars.next() == Some(c) && chars.next() != Some(c)
}

/// `1 < n < 2`: a second comparison operator where only `and`/`or` may follow a comparison.
/// Comparisons do not chain; the edit repeats the middle operand after an `and`.
fn chained_comparison(
    input: &str,
    pos: usize,
    base: usize,
    expected: &[&str],
) -> Option<Diagnostic> {
    if !expected.contains(&"`and`") {
        return None;
    }
    let rest = input.get(pos..)?;
    let op = ["==", "!=", "<=", ">=", "<", ">"]
        .into_iter()
        .find(|op| rest.starts_with(op))?;
    let before = input.get(..pos)?.trim_end_matches([' ', '\t']);
    // A string in the middle is not repeated (its escapes would have to be read back): the
    // help is then the general one.
    if before.ends_with('"') {
        return None;
    }
    let mut start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |i| i + 1);
    // A negative number keeps its sign (`n < -1 < 2`).
    if start > 0 && before[..start].ends_with('-') {
        start -= 1;
    }
    let middle = before.get(start..)?;
    if middle.is_empty() || middle.len() > 80 || middle.contains('\n') {
        return None;
    }
    let span = Span::new(base + pos, base + pos + op.len());
    let insert = format!("and {middle} ");
    Some(
        e001_syntax_error::expected(
            span,
            "`and` or `or`",
            &format!("`{op}`"),
            format!(
                "comparisons do not chain: compare `{middle}` twice, joined by `and` (insert \
                 `{}` before `{op}`)",
                insert.trim_end()
            ),
        )
        .with_fix(syntax_fix(
            format!("insert `{}` before `{op}`", insert.trim_end()),
            Span::new(base + pos, base + pos),
            insert.clone(),
        )),
    )
}

/// `n < .5`: a number written without the digit before its point.
fn leading_point(input: &str, pos: usize, base: usize, expected: &[&str]) -> Option<Diagnostic> {
    if !expected.iter().any(|e| e.starts_with("an operand")) {
        return None;
    }
    let rest = input.get(pos..)?;
    let digits = rest.strip_prefix('.')?;
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let len = 1 + digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let number = rest.get(..len)?;
    let span = Span::new(base + pos, base + pos + len);
    Some(
        e001_syntax_error::expected(
            span,
            "an operand",
            &format!("`{number}`"),
            format!("a number starts with a digit: replace `{number}` with `0{number}`"),
        )
        .with_fix(syntax_fix(
            format!("replace `{number}` with `0{number}`"),
            span,
            format!("0{number}"),
        )),
    )
}

/// The text ends inside a block (at `pos` of `input`, which starts at `base`): its `}` is
/// missing, and the edit inserts it there, on a line of its own after a comment, in the file's
/// own line ends.
pub(super) fn missing_close_at_end(input: &str, pos: usize, base: usize) -> Diagnostic {
    let pos = pos.min(input.len());
    let span = Span::new(base + pos, base + pos);
    let last_line = &input[input[..pos].rfind('\n').map_or(0, |i| i + 1)..pos];
    let close = if super::without_comment(last_line) == last_line {
        "}\n"
    } else {
        "\n}\n"
    };
    let close = if input.contains("\r\n") {
        close.replace('\n', "\r\n")
    } else {
        close.to_string()
    };
    e001_syntax_error::expected(
        span,
        "`}`",
        "end of file",
        "a `}` is missing here: the block above is not closed".to_string(),
    )
    .with_fix(syntax_fix("insert `}`", span, close))
}

/// `elapsed > 3 d`, `sla 4 h`, `sla 1h 30 m`: a duration written with a space before a unit
/// reads as a number followed by a stray word (or as a number where a duration was expected).
/// Only where a duration belongs (after `sla` or `within`, against `elapsed`, or after another
/// part of a duration): `n > 3 d` may mean anything. The edit joins the parts.
fn spaced_duration(input: &str, pos: usize, base: usize, expected: &[&str]) -> Option<Diagnostic> {
    let word_char = super::is_word_char;
    let number_len = |text: &str| {
        let int = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let frac = text[int..]
            .strip_prefix('.')
            .map(|f| f.len() - f.trim_start_matches(|c: char| c.is_ascii_digit()).len())
            .filter(|&n| n > 0)
            .map_or(0, |n| n + 1);
        if int == 0 {
            0
        } else {
            int + frac
        }
    };
    let rest = input.get(pos..)?;
    // The error is at the number (`sla 4 h`) or at the unit (`> 3 d`).
    let (mut start, unit_at) = if number_len(rest) > 0 {
        let digits = number_len(rest);
        let gap = rest[digits..].len() - rest[digits..].trim_start_matches([' ', '\t']).len();
        if gap == 0 {
            return None;
        }
        (pos, pos + digits + gap)
    } else {
        let before = input[..pos].trim_end_matches([' ', '\t']);
        if before.len() == pos {
            return None;
        }
        // The number before the blanks (with its decimals).
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_ascii_digit() || c == '.')
            .last()
            .map(|(i, _)| i)?;
        if number_len(&before[start..]) != before.len() - start {
            return None;
        }
        (start, pos)
    };
    let unit = input.get(unit_at..unit_at + 1)?;
    if !"smhdw".contains(unit) || input[unit_at + 1..].starts_with(word_char) {
        return None;
    }
    // Earlier parts of the same duration (`1h 30 m`) are joined too.
    let part_before = |at: usize| {
        let before = input[..at].trim_end_matches([' ', '\t']);
        before.chars().last().filter(|c| "smhdw".contains(*c))?;
        let number =
            before[..before.len() - 1].trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let len = before.len() - 1 - number.len();
        (len > 0 && before.len() < at && !number.ends_with(word_char)).then_some(number.len())
    };
    let mut joined = false;
    while let Some(earlier) = part_before(start) {
        start = earlier;
        joined = true;
    }
    if input[..start].ends_with(word_char) || input[..start].ends_with('-') {
        return None;
    }
    // Where a duration belongs: expected here, or compared with `elapsed`.
    let line = &input[input[..start].rfind('\n').map_or(0, |i| i + 1)..start];
    let after_elapsed = {
        let t = line
            .trim_end()
            .trim_end_matches(['<', '>', '=', '!'])
            .trim_end();
        t.ends_with("elapsed")
    };
    if !joined && !after_elapsed && !expected.iter().any(|e| e.starts_with("a duration")) {
        return None;
    }
    let written = &input[start..=unit_at];
    let fixed: String = written.chars().filter(|c| !c.is_whitespace()).collect();
    Some(
        e001_syntax_error::expected(
            Span::new(base + start, base + unit_at + 1),
            "a duration such as `30m` or `1h30m`",
            &format!("`{written}`"),
            format!("a duration is written without spaces: replace `{written}` with `{fixed}`"),
        )
        .with_fix(syntax_fix(
            format!("replace `{written}` with `{fixed}`"),
            Span::new(base + start, base + unit_at + 1),
            fixed,
        )),
    )
}

/// Keywords followed by a name (or a list of names), which reads a keyword on the next line as
/// that name when the value is left out.
pub(super) const NAME_TAKERS: &[&str] = &[
    "owner", "needs", "provides", "action", "carries", "fallback", "can", "customer",
];

/// `owner` with nothing after it, then `needs q` on the next line: `needs` is read as the owner
/// and the error comes at `q`. It is reported at `owner`, whose value is missing.
fn missing_value(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let before = input[..pos].trim_end_matches([' ', '\t']);
    let word = super::last_word(before);
    let word_start = before.len() - word.len();
    let line_start = input[..word_start].trim_end_matches([' ', '\t']);
    if word.is_empty()
        || before.len() == pos
        || !line_start.ends_with('\n')
        || !super::scan::starts_any_item(word)
    {
        return None;
    }
    let taker_end = super::value_taker_before(input, line_start.len())?;
    let taker = super::last_word(&input[..taker_end]);
    let at = base + taker_end - taker.len();
    let mut d = e001_syntax_error::expected(
        Span::new(at, at + taker.len()),
        &format!("a name after `{taker}`"),
        "the end of the line",
        format!(
            "write what `{taker}` names after it: `{word}` on the next line begins the next item"
        ),
    );
    d.label = format!("nothing after `{taker}`");
    Some(d)
}

/// `handoff handoff a -> b`, `step step s {`: a keyword written twice reads the second as the
/// name, and the error comes at the real name. The edit removes the second keyword.
fn repeated_keyword(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    if !input
        .get(pos..)?
        .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    {
        return None;
    }
    let before = input[..pos].trim_end_matches([' ', '\t']);
    let second = super::last_word(before);
    let second_start = before.len() - second.len();
    let head = input[..second_start].trim_end_matches([' ', '\t']);
    if second.is_empty() || head.len() == second_start || super::last_word(head) != second {
        return None;
    }
    let first_start = head.len() - second.len();
    let line_start = input[..first_start].rfind('\n').map_or(0, |i| i + 1);
    let ahead = input[line_start..first_start].trim();
    if !super::scan::starts_any_item(second) || !(ahead.is_empty() || ahead.ends_with('{')) {
        return None;
    }
    // A keyword may name a step (`step step owner a }`, `handoff handoff to u`): a workflow
    // item's keyword is repeated only when the rest is that item's head (`handoff s -> u`).
    if STARTS_ITEM.contains(&second) && !super::scan::starts_with_item_head(&input[second_start..])
    {
        return None;
    }
    let removed = Span::new(base + second_start, base + pos);
    let mut d = e001_syntax_error::expected(
        Span::new(base + second_start, base + before.len()),
        "a name",
        &format!("`{second}`"),
        format!("`{second}` is written twice: remove the second"),
    )
    .with_fix(syntax_fix(
        format!("remove the second `{second}`"),
        removed,
        "",
    ));
    d.message = format!("`{second}` is written twice");
    d.label = "written twice".to_string();
    Some(d)
}

/// `context { … }` or `flow a -> b` pasted into a step (or a handoff's body), with the step's
/// items after it: the item is in the wrong block (the scanner kept the block open, see
/// `scan::misplaced_item`). One E001 that says where it belongs.
fn workflow_item_in_a_block(
    input: &str,
    pos: usize,
    base: usize,
    expected: &[&str],
) -> Option<Diagnostic> {
    let rest = input.get(pos..)?;
    let place = if expected.contains(&"`needs`") {
        "a step"
    } else if expected.contains(&"`carries`") {
        "this body"
    } else {
        return None;
    };
    let line_start = input[..pos].rfind('\n').map_or(0, |i| i + 1);
    if !input[line_start..pos].trim().is_empty()
        || !super::scan::starts_with_item_head(rest)
        || !super::scan::misplaced_item(input, pos)
    {
        return None;
    }
    let word = super::first_word(rest);
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let end = pos + super::without_comment(line).trim_end().len();
    let mut d = e001_syntax_error::expected(
        Span::new(base + pos, base + end),
        &format!("an item of {place}"),
        &format!("`{word}`"),
        format!(
            "move this `{word}` out of {}, into the workflow's body",
            if place == "a step" { "the step" } else { place }
        ),
    );
    d.message = format!("`{word}` is an item of the workflow, not of {place}");
    d.label = format!("`{word}` cannot stand in {place}");
    Some(d)
}

/// `sla 1hr`, `sla 5 min`, `within 2 days`: a unit written as a word, where a duration was
/// expected. The edit writes the unit's letter.
fn unit_word(input: &str, pos: usize, base: usize, expected: &[&str]) -> Option<Diagnostic> {
    if !expected.iter().any(|e| e.starts_with("a duration")) {
        return None;
    }
    let rest = input.get(pos..)?;
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let after = &rest[digits..];
    let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
    let word_len = after[gap..]
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(after.len() - gap);
    let word = after[gap..gap + word_len].to_ascii_lowercase();
    let unit = match word.as_str() {
        "sec" | "secs" | "second" | "seconds" => "s",
        "min" | "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" => "h",
        "day" | "days" => "d",
        "wk" | "wks" | "week" | "weeks" => "w",
        _ => return None,
    };
    let end = pos + digits + gap + word_len;
    let written = &input[pos..end];
    let fixed = format!("{}{unit}", &rest[..digits]);
    let span = Span::new(base + pos, base + end);
    Some(
        e001_syntax_error::expected(
            span,
            "a duration such as `30m` or `1h30m`",
            &format!("`{written}`"),
            format!(
                "a duration's unit is one letter (`s`, `m`, `h`, `d`, `w`): replace `{written}` \
                 with `{fixed}`"
            ),
        )
        .with_fix(syntax_fix(
            format!("replace `{written}` with `{fixed}`"),
            span,
            fixed,
        )),
    )
}

/// `flow s ->` with nothing after it, then `step r { … }` on the next line: `step` is read as
/// the target (keywords are contextual) and the error comes at `r`; or the next line is a doc
/// comment, where the error comes. It is reported at the arrow, whose target is missing.
fn missing_target(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let (item, line_start) = if input.get(pos..)?.starts_with("///") {
        // The doc comment of the next item, where the target was expected.
        let start = input[..pos].rfind('\n').map_or(0, |i| i + 1);
        let next = super::past_comments(input, pos);
        if !input[start..pos].trim().is_empty()
            || !super::scan::starts_with_item_head(&input[next..])
        {
            return None;
        }
        (super::first_word(&input[next..]), start)
    } else {
        let before = input[..pos].trim_end();
        let word = super::last_word(before);
        let word_start = before.len() - word.len();
        let start = input[..word_start].trim_end_matches([' ', '\t']);
        if !start.ends_with('\n') || !super::scan::starts_with_item_head(&input[word_start..]) {
            return None;
        }
        (word, start.len())
    };
    let at = base + super::arrow_before(input, line_start)?;
    let mut d = e001_syntax_error::expected(
        Span::new(at, at + 2),
        "the step after `->`",
        "the end of the line",
        format!("write the step this leads to after `->`: `{item}` below begins the next item"),
    );
    d.label = "no step after `->`".to_string();
    Some(d)
}

/// A token where one punctuation token was expected that is in the way rather than missing:
/// an arrow written another way (`=>`, `→`, `to`: replace it with `->`), or a token right
/// before the expected one (`step s: {`: remove the `:`). Inserting what was expected, the
/// generic help, would leave the file broken.
fn stray_or_wrong_token(
    input: &str,
    pos: usize,
    base: usize,
    expected: &[&str],
    expected_text: &str,
) -> Option<Diagnostic> {
    // Where only a declaration (or the end) may come, a `}` closes nothing.
    let top_level = expected
        .iter()
        .all(|e| matches!(*e, "end of file" | "`actor`" | "`workflow`"));
    // Where only a workflow's items may come, a `}` is one too many: the scanner read a `}`
    // followed by more items as stray and kept the workflow open.
    let between_items = expected.contains(&"`step`") && expected.contains(&"`flow`");
    if (top_level || between_items) && input.get(pos..)?.starts_with('}') {
        let span = Span::new(base + pos, base + pos + 1);
        return Some(
            e001_syntax_error::expected(
                span,
                expected_text,
                "`}`",
                "this `}` closes nothing: remove it (or the `}` above that closed its block early)"
                    .to_string(),
            )
            .with_fix(syntax_fix("remove this `}`", span, "")),
        );
    }
    let [only] = expected else {
        return None;
    };
    let want = only.strip_prefix('`')?.strip_suffix('`')?;
    if want.len() > 2 || want.chars().any(char::is_alphanumeric) {
        return None;
    }
    let rest = input.get(pos..)?;
    let word_char = super::is_word_char;
    // `new-ticket`: a `-` inside a name, which is letters, digits and `_`.
    // (Where `->` is expected, `flow s-u` is the arrow written short, unless the `->` comes
    // after the name: `flow new-ticket -> u`.)
    let arrow_later = || {
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let name_end = line[1..]
            .find(|c: char| !(word_char(c) || c == '-'))
            .map_or(line.len(), |i| i + 1);
        line[name_end..].trim_start().starts_with("->")
    };
    if rest.starts_with('-')
        && (want != "->" || arrow_later())
        && input[..pos].ends_with(word_char)
        && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    {
        let start = input[..pos].trim_end_matches(word_char).len();
        let end = pos
            + rest
                .find(|c: char| !(word_char(c) || c == '-'))
                .unwrap_or(rest.len());
        let written = &input[start..end];
        let name = written.replace('-', "_");
        let span = Span::new(base + start, base + end);
        return Some(
            e001_syntax_error::expected(
                span,
                "a name",
                &format!("`{written}`"),
                format!(
                    "a name is letters, digits and `_`: replace `{written}` with `{name}` \
                     (and its uses)"
                ),
            )
            .with_fix(syntax_fix(
                format!("replace `{written}` with `{name}`"),
                span,
                name,
            )),
        );
    }
    // `list[text]`, `enum[a, b]`, `in (a, b)`: the other brackets. Both are replaced.
    let close_of = |c: char| match c {
        '[' => Some(']'),
        '(' => Some(')'),
        '<' => Some('>'),
        _ => None,
    };
    if let (Some(want_close), Some(open)) = (
        want.chars()
            .next()
            .and_then(close_of)
            .filter(|_| want.len() == 1),
        rest.chars()
            .next()
            .filter(|&c| close_of(c).is_some() && c.to_string() != want),
    ) {
        let close = close_of(open)?;
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        // `step enrich() {`: empty brackets before what was expected are removed instead.
        if line[1..].starts_with(close) {
            return None;
        }
        // The matching close: nested brackets counted, strings skipped.
        let (mut depth, mut in_string, mut at) = (0usize, false, None);
        for (i, c) in line.char_indices() {
            match c {
                '"' => in_string = !in_string,
                _ if in_string => {}
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        at = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let at = at?;
        if line[1..at].contains(open) {
            // `list[list[text]]`: one edit per pair would be needed.
            return None;
        }
        let span = Span::new(base + pos, base + pos + at + 1);
        let inner = &line[1..at];
        return Some(
            e001_syntax_error::expected(
                Span::new(base + pos, base + pos + 1),
                expected_text,
                &format!("`{open}`"),
                format!(
                    "write `{want}{inner}{want_close}` here: replace `{open}` and `{close}` with \
                     `{want}` and `{want_close}`"
                ),
            )
            .with_fix(syntax_fix(
                format!("replace `{open}{inner}{close}` with `{want}{inner}{want_close}`"),
                span,
                format!("{want}{inner}{want_close}"),
            )),
        );
    }
    // `step enrich() {`: brackets of a call, where none belong.
    if rest.starts_with("()") && rest[2..].trim_start_matches([' ', '\t']).starts_with(want) {
        let span = Span::new(base + pos, base + pos + 2);
        return Some(
            e001_syntax_error::expected(
                span,
                expected_text,
                "`()`",
                format!("remove `()`: {only} follows the name"),
            )
            .with_fix(syntax_fix("remove `()`", span, "")),
        );
    }
    // `actor bot = ai`, `email = text`: `=` written for `:`.
    if want == ":" && rest_starts_with_single(input, pos, '=') {
        let span = Span::new(base + pos, base + pos + 1);
        return Some(
            e001_syntax_error::expected(
                span,
                expected_text,
                "`=`",
                "a name and its kind or type are joined by `:`: replace `=` with `:`".to_string(),
            )
            .with_fix(syntax_fix("replace `=` with `:`", span, ":")),
        );
    }
    if want == "->" {
        // (`<-` is left out: replacing it would turn the route round.)
        if rest.starts_with("::") {
            return None;
        }
        let arrow = [
            "=>", "—>", "–>", "-->", "--", "- >", "→", "⇒", "to ", "-", ">", ":",
        ]
        .into_iter()
        .find(|a| rest.starts_with(a))?
        .trim_end();
        let span = Span::new(base + pos, base + pos + arrow.len());
        return Some(
            e001_syntax_error::expected(
                span,
                expected_text,
                &format!("`{arrow}`"),
                format!("a transition is written with `->`: replace `{arrow}` with `->`"),
            )
            .with_fix(syntax_fix(
                format!("replace `{arrow}` with `->`"),
                span,
                "->",
            )),
        );
    }
    let (found, len) = found_at(input, pos);
    if len == 0 || found.starts_with('`') && found[1..].starts_with(char::is_alphanumeric) {
        return None;
    }
    let after = input.get(pos + len..)?.trim_start_matches([' ', '\t']);
    if !after.starts_with(want) {
        return None;
    }
    let span = Span::new(base + pos, base + pos + len);
    Some(
        e001_syntax_error::expected(
            span,
            expected_text,
            &found,
            format!("remove {found}: {only} follows it"),
        )
        .with_fix(syntax_fix(format!("remove {found}"), span, "")),
    )
}

/// `step café`: a letter outside ASCII in a word. The error is about the whole word, which is
/// what must be renamed, not about the one character where the name stopped.
fn non_ascii_name(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let rest = input.get(pos..)?;
    let c = rest.chars().next()?;
    if c.is_ascii() || !c.is_alphanumeric() {
        return None;
    }
    let in_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = &input[..pos];
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| in_word(c))
        .last()
        .map_or(pos, |(i, _)| i);
    let end = pos + rest.find(|c: char| !in_word(c)).unwrap_or(rest.len());
    let word = truncate(&input[start..end]);
    let span = Span::new(base + start, base + end);
    Some(Diagnostic::new(
        &e001_syntax_error::RULE,
        format!("`{word}` is not a name: names are ASCII letters, digits and `_`"),
        span,
        format!("`{c}` is not an ASCII letter"),
        format!(
            "rename `{word}` with ASCII letters, digits and `_` only; a `title \"…\"` may hold \
             any text"
        ),
    ))
}

/// A string that opens at `pos` and is not closed on its line gets its own message: pest would
/// only say that it expected a string where one begins.
fn unterminated_string(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let rest = input.get(pos..)?.strip_prefix('"')?;
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let mut escaped = false;
    for c in rest[..line_end].chars() {
        match (escaped, c) {
            (false, '"') => return None,
            (false, '\\') => escaped = true,
            _ => escaped = false,
        }
    }
    Some(e001_syntax_error::unterminated_string(Span::new(
        base + pos,
        base + pos + 1 + line_end,
    )))
}

/// A string at `pos` that closes on its line but holds an escape the language does not have:
/// the diagnostic points at the escape.
fn invalid_escape(input: &str, pos: usize, base: usize) -> Option<Diagnostic> {
    let rest = input.get(pos..)?.strip_prefix('"')?;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\n' | '\r' => return None,
            '\\' => {
                let after = &rest[i + 1..];
                let valid = after.starts_with(['"', '\\', 'n', 't'])
                    || after.strip_prefix("u{").is_some_and(|hex| {
                        let digits = hex.find('}').unwrap_or(usize::MAX);
                        (1..=6).contains(&digits)
                            && hex[..digits].chars().all(|c| c.is_ascii_hexdigit())
                    });
                if !valid {
                    let len = 1 + after.chars().next().map_or(0, char::len_utf8);
                    let at = base + pos + 1 + i;
                    return Some(e001_syntax_error::invalid_escape(
                        Span::new(at, at + len),
                        &rest[i..i + len],
                    ));
                }
                chars.next();
            }
            _ => {}
        }
    }
    None
}

/// Builds the E001 diagnostic for a pest error on `input`, which starts at `base` in the file.
pub fn from_pest(err: &pest::error::Error<Rule>, input: &str, base: usize) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    };
    let mut expected: Vec<&str> = Vec::new();
    let mut candidates: Vec<&str> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for rule in positives {
            if let Some(p) = phrase(*rule) {
                if !expected.contains(&p) {
                    expected.push(p);
                }
                // A phrase that is one keyword in backticks names that keyword.
                if let Some(kw) = p.strip_prefix('`').and_then(|k| k.strip_suffix('`')) {
                    if kw.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                        candidates.push(kw);
                    }
                }
            }
            candidates.extend_from_slice(keywords(*rule));
        }
    }
    // "end of file" is only worth saying when nothing else could come.
    if expected.len() > 1 {
        expected.retain(|p| *p != "end of file");
    }
    // The grammar shares the body of handoffs and escalations, but `reason` belongs to a
    // handoff only: not offered inside an escalation's body.
    if in_escalation_body(input, pos) {
        for p in &mut expected {
            if *p == ROUTE_ITEMS {
                *p = ESCALATION_ITEMS;
            }
        }
        expected.retain(|p| *p != "`reason`");
        candidates.retain(|k| *k != "reason");
    }
    if let Some(d) = foreign_comment(input, pos, base, &expected) {
        return d;
    }
    if let Some(d) = typographic_quotes(input, pos, base)
        .or_else(|| unterminated_string(input, pos, base))
        .or_else(|| invalid_escape(input, pos, base))
    {
        return d;
    }
    // `x: text sensitve  y: text`: the misspelt flag reads as the next field's name, and the
    // error as a missing `:` after it. Point at the word, which is the mistake.
    if expected == ["`:`"] {
        let before = input[..pos.min(input.len())].trim_end();
        let previous = super::last_word(before);
        let start = before.len() - previous.len();
        // `trigger request: …` read as a field of `context`: the block was not closed.
        let starts_line = input[..start].trim_end_matches([' ', '\t']).ends_with('\n');
        if starts_line && previous != "context" && STARTS_ITEM.contains(&previous) {
            let span = Span::new(base + start, base + before.len());
            return e001_syntax_error::expected(
                span,
                "a field or `}`",
                &format!("`{previous}`"),
                format!(
                    "a `}}` is probably missing: close the `context` block before `{previous}`"
                ),
            );
        }
        // `todo` alone on a line of `context`, then `language: text`: a stray word, which
        // the field after it has its `:` (the error is at that field's name).
        let (found_word, found_len) = found_at(input, pos);
        let line_start = input[..pos].rfind('\n').map_or(0, |i| i + 1);
        let first_on_line = input[line_start..pos].trim().is_empty();
        let above = input[..line_start.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let stray = super::without_comment(&input[above..line_start.max(1) - 1]).trim();
        if first_on_line
            && line_start > 0
            && !stray.is_empty()
            && stray.chars().all(super::is_word_char)
            // `sensitve` on a line of its own is the flag misspelt (below).
            && closest_keyword(stray, &["sensitive"]).is_none()
            && found_word.starts_with('`')
            && input[pos + found_len..]
                .trim_start_matches([' ', '\t'])
                .starts_with(':')
        {
            let at = above + input[above..].find(stray).unwrap_or(0);
            let span = Span::new(base + at, base + at + stray.len());
            return e001_syntax_error::expected(
                span,
                "a field (`NAME: TYPE`)",
                &format!("`{stray}`"),
                format!("remove `{stray}`: a field is written `NAME: TYPE`"),
            )
            .with_fix(syntax_fix(format!("remove `{stray}`"), span, ""));
        }
        if closest_keyword(previous, &["sensitive"]).is_some() {
            let span = Span::new(base + start, base + before.len());
            return e001_syntax_error::expected(
                span,
                "`sensitive`, `,` or the next field",
                &format!("`{previous}`"),
                format!("did you mean `sensitive`? replace `{previous}` with `sensitive`"),
            )
            .with_fix(syntax_fix(
                format!("replace `{previous}` with `sensitive`"),
                span,
                "sensitive",
            ));
        }
    }
    if let Some(d) = foreign_operator(input, pos, base, &expected) {
        return d;
    }
    if let Some(d) = chained_comparison(input, pos, base, &expected)
        .or_else(|| leading_point(input, pos, base, &expected))
        .or_else(|| spaced_duration(input, pos, base, &expected))
        .or_else(|| unit_word(input, pos, base, &expected))
    {
        return d;
    }
    if let Some(d) = non_ascii_name(input, pos, base) {
        return d;
    }
    if let Some(d) = missing_target(input, pos, base) {
        return d;
    }
    if let Some(d) = workflow_item_in_a_block(input, pos, base, &expected) {
        return d;
    }
    if let Some(d) = repeated_keyword(input, pos, base).or_else(|| missing_value(input, pos, base))
    {
        return d;
    }
    let (found, len) = found_at(input, pos);
    let span = Span::new(base + pos, base + pos + len);
    let expected_text = join_or(&expected);
    // A doc comment where something else was expected (a doc comment is a token: it belongs
    // to the declaration after it): the helps read the word after it, which is what comes.
    let doc_word;
    let (found, span, word) = if input.get(pos..).is_some_and(|r| r.starts_with("///")) {
        let end = pos + input[pos..].find('\n').unwrap_or(input.len() - pos);
        doc_word = found_at(input, super::past_comments(input, pos)).0;
        (
            "a doc comment".to_string(),
            Span::new(base + pos, base + end),
            doc_word.trim_matches('`'),
        )
    } else {
        let word = found.trim_matches('`');
        (found.clone(), span, word)
    };
    let after_comma = input[..pos.min(input.len())].trim_end().ends_with(',');
    if let Some(d) = stray_or_wrong_token(input, pos, base, &expected, &expected_text) {
        return d;
    }
    if let Some(d) = empty_condition(input, pos, base)
        .or_else(|| trailing_comma(input, pos, base))
        .or_else(|| colon_after_keyword(input, pos, base, &expected))
    {
        return d;
    }
    // The text ends inside a block: its `}` is missing.
    if found == "end of file" && expected.contains(&"`}`") {
        return missing_close_at_end(input, pos, base);
    }
    // `escalate to x when …` then `carries …` on the next line: the body's `{` is missing.
    // Likewise `step s` or `context` with the body's items on the next lines.
    let on_next_line = input[..pos.min(input.len())]
        .trim_end_matches([' ', '\t'])
        .ends_with('\n');
    if expected.contains(&"`{`")
        && ([
            "carries", "sla", "fallback", "notify", "reason", "can", "inbox", "members",
        ]
        .contains(&word)
            || (on_next_line && expected.len() <= 2 && !found.starts_with("end")))
    {
        let head = input[..pos.min(input.len())].trim_end();
        let line_start = head.rfind('\n').map_or(0, |i| i + 1);
        // Before a comment at the end of the line above, not inside it.
        let end = line_start + super::without_comment(&head[line_start..]).trim_end().len();
        let at = Span::new(base + end, base + end);
        let place = if input[end..pos.min(input.len())].contains('\n') {
            "at the end of the line above".to_string()
        } else {
            format!("before `{word}`")
        };
        let keyword = super::scan::starts_any_item(word) || word == "context";
        let help = if keyword || !on_next_line {
            format!("the body that `{word}` belongs to opens with `{{`: insert ` {{` {place}")
        } else {
            let first = head[line_start..].split_whitespace().next().unwrap_or("");
            format!("the body of `{first}` opens with `{{`: insert ` {{` {place}")
        };
        return e001_syntax_error::expected(span, &expected_text, &found, help)
            .with_fix(syntax_fix(format!("insert ` {{` {place}"), at, " {"));
    }
    // A stray character after the `,` (`needs a,& b`) is what stands in the way, not the comma.
    let stray = input
        .get(pos..)
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_ascii_punctuation() && !matches!(c, '}' | ')' | ']' | '>'));
    if after_comma && stray && expected.contains(&"a name") {
        return e001_syntax_error::expected(
            span,
            &expected_text,
            &found,
            format!("remove {found}: a name follows the `,`"),
        )
        .with_fix(syntax_fix(format!("remove {found}"), span, ""));
    }
    let help = if after_comma && expected.contains(&"a name") {
        "remove the trailing `,`: a trailing comma is allowed only inside `( )`, `[ ]`, `< >` and \
         `context { }`"
            .to_string()
    } else if expected.contains(&"`}`") && STARTS_ITEM.contains(&word) {
        format!("a `}}` is probably missing: close the block above before `{word}`")
    } else if let Some(c) = input
        .get(pos..)
        .and_then(|r| r.chars().next())
        .filter(|&c| invisible(c).is_some())
    {
        // A space-like character becomes a space; one that shows as nothing is removed.
        let plain = if c.is_whitespace() { " " } else { "" };
        let edit = if plain.is_empty() {
            "remove it"
        } else {
            "replace it with a plain space"
        };
        return e001_syntax_error::expected(
            span,
            &expected_text,
            &found,
            format!("this character does not show: {edit}"),
        )
        .with_fix(syntax_fix(edit, span, plain));
    } else if let Some(fix) = (word == "within")
        .then(|| within_after_else(input, pos, base))
        .flatten()
    {
        return e001_syntax_error::expected(
            span,
            &expected_text,
            &found,
            "`within` comes before `else`: write `approve by … within DURATION else STEP`"
                .to_string(),
        )
        .with_fix(fix);
    } else if let Some(help) = item_of_another_block(word, &expected) {
        help
    } else if let Some(kw) = closest_keyword(word, &candidates) {
        // The help names an exact edit: it is offered as a fix too (not applied by `--fix`:
        // the word may have been meant as something else altogether).
        let help = format!("did you mean `{kw}`? replace `{word}` with `{kw}`");
        return e001_syntax_error::expected(span, &expected_text, &found, help).with_fix(
            syntax_fix(format!("replace `{word}` with `{kw}`"), span, kw),
        );
    } else if let Some(d) = missing_comma(input, pos, base, &expected, &found, span) {
        return d;
    } else if let Some(keyword) = expected
        .contains(&"a name")
        .then(|| super::last_word(input[..pos].trim_end()))
        .filter(|k| {
            matches!(*k, "step" | "trigger" | "actor" | "workflow") && (word == "{" || word == ":")
        })
    {
        format!("a {keyword} is declared with its name: write it after `{keyword}`")
    } else if RESERVED.contains(&word)
        && expected.contains(&"a name")
        && declares_a_name(input, pos)
    {
        format!(
            "`{word}` is reserved (conditions use it) and cannot be a name: choose another name"
        )
    } else if expected == ["end of file"] {
        "remove this: nothing may follow the last declaration's `}`".to_string()
    } else if expected.len() == 1 && expected[0].starts_with('`') && expected[0].len() <= 5 {
        format!("insert {} here", expected[0])
    } else {
        format!("write {expected_text} here, or remove what stands in the way")
    };
    e001_syntax_error::expected(span, &expected_text, &found, help)
}

/// `approve by a else decline within 1d`: `within` after `else` (at `pos`). The edit moves
/// `within DURATION` before `else`.
fn within_after_else(input: &str, pos: usize, base: usize) -> Option<Fix> {
    let line_start = input[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line = &input[line_start..pos];
    let approve = line.rfind("approve")?;
    let after = &line[approve..];
    if after.contains(" within ") {
        return None;
    }
    let else_at = line_start + approve + after.find(" else ")?;
    let rest = &input[pos + "within".len()..];
    let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let token = rest[gap..]
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len() - gap);
    if token == 0 {
        return None;
    }
    let end = pos + "within".len() + gap + token;
    let step_end = input[..pos].trim_end().len();
    let within = &input[pos..end];
    Some(Fix::new(
        format!("move `{within}` before `else`"),
        vec![
            Edit::replace(
                Span::new(base + else_at, base + else_at),
                format!(" {within}"),
            ),
            Edit::replace(Span::new(base + step_end, base + end), ""),
        ],
        false,
    ))
}

/// `carries` in a step, `needs` in a handoff's body: an item of another kind of block. The
/// help says where it belongs.
fn item_of_another_block(word: &str, expected: &[&str]) -> Option<String> {
    use super::scan::{ROUTE_WORDS, STEP_WORDS};
    let in_step = expected.contains(&"`needs`");
    let in_route = expected.contains(&"`carries`");
    if in_step && ROUTE_WORDS.contains(&word) && !STEP_WORDS.contains(&word) {
        Some(format!(
            "`{word}` belongs in the body `{{ … }}` of a handoff or an escalation, not in a step"
        ))
    } else if in_route && STEP_WORDS.contains(&word) && !ROUTE_WORDS.contains(&word) {
        Some(format!(
            "`{word}` belongs in a step, not in the body of a handoff or an escalation"
        ))
    } else {
        None
    }
}

/// Whether the name expected at `pos` is declared there (`step NAME`, `NAME: …`), rather than
/// referred to (`flow s -> NAME`), where a reserved word means the name was left out.
fn declares_a_name(input: &str, pos: usize) -> bool {
    let before = super::last_word(input[..pos].trim_end());
    let word_end = pos + super::first_word(&input[pos..]).len();
    matches!(before, "step" | "trigger" | "actor" | "workflow")
        || input[word_end..]
            .trim_start_matches([' ', '\t'])
            .starts_with(':')
}

/// The words reserved everywhere, because conditions need them.
const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "when",
    "otherwise",
    "confidence",
    "attempts",
    "elapsed",
];

/// `needs ticket_id subject`, `members "A" "B"`: a list's comma left out between two items on
/// one line. The edit inserts it after the item before.
fn missing_comma(
    input: &str,
    pos: usize,
    base: usize,
    expected: &[&str],
    found: &str,
    span: Span,
) -> Option<Diagnostic> {
    if !expected.contains(&"`,`") {
        return None;
    }
    let item = found.starts_with('`')
        && found[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        || found == "a string";
    let before = input[..pos].trim_end_matches([' ', '\t']);
    if !item || before.len() == pos || before.ends_with(['\n', ',', '{', '(', '[', '<']) {
        return None;
    }
    // Not a keyword of the next item (`needs a owner b`: the list ended; that is another error).
    let word = found.trim_matches('`');
    if super::scan::starts_any_item(word) || RESERVED.contains(&word) {
        return None;
    }
    let at = Span::new(base + before.len(), base + before.len());
    // A string is named by its text (up to its closing quote on the line).
    let shown = if found == "a string" {
        let rest = &input[pos..];
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let end = line[1..].find('"').map_or(line.len(), |i| i + 2);
        format!("`{}`", truncate(&line[..end]))
    } else {
        found.to_string()
    };
    Some(
        e001_syntax_error::expected(
            span,
            "`,`",
            found,
            format!("items of a list are separated by commas: insert `,` before {shown}"),
        )
        .with_fix(syntax_fix(format!("insert `,` before {shown}"), at, ",")),
    )
}
