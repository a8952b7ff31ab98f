//! Escaping of source text for every place the docs target writes it: Markdown table cells and
//! prose, Mermaid labels and Graphviz strings. Text from a source file is data: after these
//! functions it can only ever be shown, never parsed as markup, a directive or a link.

/// Mermaid label text: every ASCII character other than letters, digits, spaces and the plain
/// punctuation `_ . , : / - + = ? ! ( )` becomes a Mermaid entity code (`#35;` for `#`,
/// `#quot;` for `"`), so that nothing inside a quoted label can close it, start a directive (`%%{…}%%`), an HTML tag or a click binding. Line
/// breaks become `<br/>`, which the caller's own markup also uses; other control characters
/// become spaces, as do the Unicode line and paragraph separators. Other non-ASCII characters
/// are kept as they are.
pub fn mermaid(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'a'..='z'
            | 'A'..='Z'
            | '0'..='9'
            | ' '
            | '_'
            | '.'
            | ','
            | ':'
            | '/'
            | '-'
            | '+'
            | '='
            | '?'
            | '!'
            | '('
            | ')' => out.push(c),
            '"' => out.push_str("#quot;"),
            '\n' => out.push_str("<br/>"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => out.push(' '),
            c if c.is_ascii() => out.push_str(&format!("#{};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Text shortened to at most `max` characters, ending in `…` when cut (diagram labels stay
/// small whatever the source holds; tables show the whole text).
pub fn shorten(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        let mut head: String = head.chars().take(max.saturating_sub(1)).collect();
        head.push('…');
        head
    } else {
        head
    }
}

/// A Graphviz quoted string's contents: `"` and `\` are escaped (so `\N`, `\G` and `\l` stay
/// literal), line breaks become the `\n` escape, other control characters spaces.
pub fn dot(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Markdown inline text (prose, list items and table cells): characters that Markdown, GitHub
/// (mentions, math, emoji) or HTML would read as markup become HTML character references, `|`
/// included so that a cell cannot end early, and line breaks become `<br>` so that a cell stays
/// on its row. `-`, `+` and `=` are escaped at the start, where they would begin a list or a
/// heading; parentheses are harmless once `[` and `]` are escaped.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '-' | '+' | '=' if i == 0 => out.push_str(&format!("&#{};", u32::from(c))),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' | '#' | '~' | '{' | '}' | '$' | ':' | '@' => {
                out.push_str(&format!("&#{};", u32::from(c)));
            }
            '\n' => out.push_str("<br>"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An identifier or capability name from the source, shown as code in Markdown. Identifiers
/// are `[A-Za-z_][A-Za-z0-9_]*` and capabilities add `.` and `*`, so a code span is enough.
pub fn code(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '*'))
    {
        format!("`{name}`")
    } else {
        markdown(name)
    }
}

/// A diagnostic's text, whose names are in backticks: each backticked part becomes a code span
/// when it holds only characters that are safe in one (`a -> b` included), and the rest is
/// escaped with [`markdown`].
pub fn with_code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() % 2 == 0 {
        // Unbalanced backticks: no code spans at all.
        return markdown(text);
    }
    let safe = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(
                        c,
                        '_' | '.' | '*' | ' ' | '-' | '>' | ':' | ',' | '(' | ')' | '<'
                    )
            })
    };
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 && safe(part) {
            out.push('`');
            out.push_str(part);
            out.push('`');
        } else if i % 2 == 1 {
            out.push_str(&markdown(&format!("`{part}`")));
        } else {
            out.push_str(&markdown(part));
        }
    }
    out
}
