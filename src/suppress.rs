//! Inline suppressions: `// handoff: allow(W201, cold-handoff) reason…`.
//!
//! A suppression is a line whose first non-blank characters are `//` (not `///`, a doc
//! comment) followed by `handoff:`. It applies to the *next line of code*: the first following
//! line that is neither blank nor only a comment, so suppressions and doc comments can stack
//! above an item. It removes the diagnostics of the rules it names (by code or name) whose
//! primary span starts on that line. Then:
//! - a name that is no rule, an error rule or a suppression rule is E601 (errors are never
//!   suppressed), as is a comment that is not `allow(…)`;
//! - a named rule with nothing to remove is W601;
//! - a comment with nothing after `allow(…)` is W602 (it still suppresses).
//!
//! Linear in the text and the diagnostics: diagnostics are indexed by (line, code) once.

use rustc_hash::FxHashMap;

use crate::diagnostics::{self, Diagnostic, Severity};
use crate::rules::{
    self, e601_invalid_suppression as e601, w601_unused_suppression as w601,
    w602_suppression_without_reason as w602, Rule,
};
use crate::span::{LineIndex, Span};

/// How many problems a file may have before unknown names stop getting a "did you mean".
const MAX_SUGGESTIONS: usize = 200;

/// The code lines of the head of the item that starts on line `t`: the lines after it that are
/// indented deeper continue it (`handoff a -> b` then `when …`), until a line that opens or
/// closes a block (a `{` or `}` in it): the items inside a block are items of their own.
fn head_lines(lines: &[(usize, &str)], next_code: &[Option<usize>], t: usize) -> Vec<usize> {
    let indent = |line: usize| {
        let text = lines[line].1;
        text.len() - text.trim_start().len()
    };
    let base = indent(t);
    let mut head = vec![t];
    let mut last = t;
    loop {
        let code = crate::parse::without_comment(lines[last].1);
        if code.contains(['{', '}']) {
            return head;
        }
        match next_code[last] {
            Some(n) if indent(n) > base && !lines[n].1.trim_start().starts_with('}') => {
                head.push(n);
                last = n;
            }
            _ => return head,
        }
    }
}

/// One rule named in a suppression.
struct Named {
    rule: &'static Rule,
    name: String,
    span: Span,
}

/// Applies every suppression of `source` to `diagnostics` (removing what they suppress, adding
/// what is wrong with them) and sorts the result.
pub fn apply(source: &str, diagnostics: &mut Vec<Diagnostic>) {
    if !source.contains("handoff:") {
        return;
    }
    let index = LineIndex::new(source);
    // (0-based line, code) → the indices of the diagnostics starting there.
    let mut at: FxHashMap<(usize, &'static str), Vec<usize>> = FxHashMap::default();
    for (i, d) in diagnostics.iter().enumerate() {
        let line = index.line_col(source, d.span.start()).line - 1;
        at.entry((line, d.rule.code)).or_default().push(i);
    }
    // A file that does not parse has lost items, and with them the warnings their
    // suppressions name: W601 would only repeat the syntax error.
    let parsed = !diagnostics
        .iter()
        .any(|d| d.rule.code == rules::e001_syntax_error::RULE.code);
    let lines: Vec<(usize, &str)> = line_starts(source);
    let mut remove = vec![false; diagnostics.len()];
    let mut found = Vec::new();
    // The next line of code after each line, computed backwards in one pass.
    let mut next_code = vec![None; lines.len()];
    let mut following = None;
    for (i, (_, text)) in lines.iter().enumerate().rev() {
        next_code[i] = following;
        let t = text.trim();
        if !t.is_empty() && !t.starts_with("//") {
            following = Some(i);
        }
    }
    // (item's first line, rule) → whether the item's head holds a diagnostic of the rule.
    let mut heads: FxHashMap<(usize, &'static str), bool> = FxHashMap::default();
    for (i, &(start, text)) in lines.iter().enumerate() {
        let trimmed = text.trim_start();
        let Some(rest) = trimmed.strip_prefix("//") else {
            continue;
        };
        if rest.starts_with('/') {
            continue;
        }
        let body = rest.trim_start();
        let Some(after) = body.strip_prefix("handoff:") else {
            continue;
        };
        let comment_start = start + (text.len() - trimmed.len());
        let comment = Span::new(comment_start, start + text.trim_end().len());
        let after_offset = start + (text.len() - after.len());
        let Some((named, total, reason)) = parse(after, after_offset, &mut found) else {
            found.push(e601::malformed(comment));
            continue;
        };
        let target = next_code[i];
        // The suppression covers the item's head: a route written over several lines
        // (`handoff a -> b`, then `when …` indented below it) is one item. Each head is walked
        // once per rule named above it, however many suppressions stack there (`heads`).
        let mut unused = 0;
        for n in &named {
            let hit = target.is_some_and(|t| {
                *heads.entry((t, n.rule.code)).or_insert_with(|| {
                    let mut any = false;
                    for line in head_lines(&lines, &next_code, t) {
                        for &h in at.get(&(line, n.rule.code)).into_iter().flatten() {
                            remove[h] = true;
                            any = true;
                        }
                    }
                    any
                })
            });
            if !hit && parsed {
                unused += 1;
                found.push(w601::unused(
                    n.span,
                    &n.name,
                    target.map(|l| l + 1),
                    total == 1,
                ));
            }
        }
        // A comment that suppresses nothing (W601 for each rule it names, whose help is to
        // remove it) is not asked for a reason too.
        if !named.is_empty() && unused < named.len() && reason.trim().is_empty() {
            let listed: Vec<String> = named.iter().map(|n| format!("`{}`", n.name)).collect();
            found.push(w602::missing(comment, &listed.join(", ")));
        }
    }
    let mut i = 0;
    diagnostics.retain(|_| {
        i += 1;
        !remove[i - 1]
    });
    diagnostics.extend(found);
    diagnostics::sort(diagnostics);
}

/// The lines of `source` with their byte offsets, without line endings.
fn line_starts(source: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in source.split('\n') {
        out.push((start, line.strip_suffix('\r').unwrap_or(line)));
        start += line.len() + 1;
    }
    out
}

/// Parses `allow(a, b) reason` (the text after `handoff:`, at byte `offset`): the valid rules
/// named, how many names there are (valid or not) and the reason. Invalid names are reported
/// into `found`. `None` when malformed.
fn parse<'t>(
    text: &'t str,
    offset: usize,
    found: &mut Vec<Diagnostic>,
) -> Option<(Vec<Named>, usize, &'t str)> {
    let body = text.trim_start();
    let inner_start = offset + (text.len() - body.len());
    let list = body.strip_prefix("allow")?.trim_start().strip_prefix('(')?;
    let close = list.find(')')?;
    let list_offset = inner_start + (body.len() - list.len());
    let reason = &list[close + 1..];
    let mut named = Vec::new();
    let mut invalid = Vec::new();
    let mut total = 0;
    let mut pos = 0;
    for item in list[..close].split(',') {
        let name = item.trim();
        let at = list_offset + pos + (item.len() - item.trim_start().len());
        pos += item.len() + 1;
        if name.is_empty() {
            return None;
        }
        total += 1;
        let span = Span::new(at, at + name.len());
        match rules::find(name) {
            None => {
                // "Did you mean" costs an edit distance per rule: bounded per file, so a file
                // of thousands of unknown names stays linear.
                let close = if found.len() + invalid.len() < MAX_SUGGESTIONS {
                    suggestion(name)
                } else {
                    None
                };
                invalid.push(e601::unknown(span, name, close));
            }
            Some(rule) if rule.severity == Severity::Error => {
                invalid.push(e601::error_rule(span, name, rule.code));
            }
            Some(rule)
                if [&e601::RULE, &w601::RULE, &w602::RULE]
                    .iter()
                    .any(|r| r.code == rule.code) =>
            {
                invalid.push(e601::suppression_rule(span, name));
            }
            Some(rule) => named.push(Named {
                rule,
                name: name.to_string(),
                span,
            }),
        }
    }
    // Only a well-formed comment reports its names: a malformed one is one E601.
    found.extend(invalid);
    Some((named, total, reason))
}

/// The closest rule code or name, if one is close.
fn suggestion(name: &str) -> Option<&'static str> {
    if name.len() > 64 {
        return None;
    }
    rules::ALL
        .iter()
        .flat_map(|r| [r.code, r.name])
        .map(|c| {
            (
                strsim::damerau_levenshtein(&name.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|&(d, c)| d > 0 && d <= (c.len() / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use crate::check_source;

    fn codes(source: &str) -> Vec<(usize, &'static str)> {
        let index = crate::span::LineIndex::new(source);
        check_source(source)
            .diagnostics
            .iter()
            .map(|d| (index.line_col(source, d.span.start()).line, d.code()))
            .collect()
    }

    const CHAIN: &str = "actor p: system { can pay.send }\nactor m: human { inbox email \"m@x.io\" }\nactor c: human { inbox email \"c@x.io\" }\nworkflow w {\n  trigger t: form \"F\"\n  step s {\n    owner p action pay.send irreversible\n    SUPPRESSION\n    approve by m, c within 2d\n  }\n  flow t -> s\n}\n";

    #[test]
    fn a_suppression_removes_its_warning_on_the_next_line_of_code() {
        assert_eq!(codes(&CHAIN.replace("SUPPRESSION", "")), [(9, "W403")]);
        let used = CHAIN.replace("SUPPRESSION", "// handoff: allow(W403) audit");
        assert_eq!(codes(&used), []);
        // Over blank and comment lines, and with CRLF line endings.
        let stacked = CHAIN.replace(
            "SUPPRESSION",
            "// handoff: allow(approval-chain) audit\n\n    // policy",
        );
        assert_eq!(codes(&stacked), []);
        assert_eq!(codes(&stacked.replace('\n', "\r\n")), []);
        // A trailing comment or a doc comment is not a suppression.
        let doc = CHAIN.replace("SUPPRESSION", "/// handoff: allow(W403) audit");
        assert_eq!(codes(&doc), [(9, "W403")]);
    }

    #[test]
    fn a_malformed_comment_is_one_diagnostic() {
        let bad = CHAIN.replace("SUPPRESSION", "// handoff: allow(W999, ) audit");
        assert_eq!(codes(&bad), [(8, "E601"), (9, "W403")]);
    }

    #[test]
    fn many_unknown_names_stay_fast() {
        let line = format!(
            "// handoff: allow({}) r\n",
            vec!["approval-chan"; 2_000].join(", ")
        );
        let source = format!("{}{}", line.repeat(50), CHAIN.replace("SUPPRESSION", ""));
        // Unbounded, the suggestions alone would take minutes here (speed is measured by the
        // benchmark, not asserted): every name is still reported, only the first few with a
        // "did you mean".
        let checked = check_source(&source);
        assert_eq!(checked.diagnostics.len(), 100_001);
        let suggested = checked
            .diagnostics
            .iter()
            .filter(|d| d.help.starts_with("did you mean"))
            .count();
        assert_eq!(suggested, super::MAX_SUGGESTIONS);
    }

    #[test]
    fn no_unused_suppression_in_a_file_that_does_not_parse() {
        let broken = CHAIN
            .replace("SUPPRESSION", "// handoff: allow(W403) audit")
            .replace("approve by m, c within 2d", "approve by m, c within");
        let found = codes(&broken);
        assert!(found.iter().any(|(_, c)| *c == "E001"), "{found:?}");
        assert!(!found.iter().any(|(_, c)| *c == "W601"), "{found:?}");
    }
}
