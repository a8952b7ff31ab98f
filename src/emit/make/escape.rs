//! Make formula escaping. Make evaluates `{{…}}` in any mapped text; a single `{` is literal.
//!
//! **Invariant:** [`text`] returns a string that Make reads back as exactly its input: every `{`
//! that is followed by another `{` is written as the formula `{{"{"}}`, which yields a literal
//! `{`, so no `{{` of the source ever opens a formula (and no function call can come into being).

/// Source text as a Make mapped value that evaluates to the text itself.
pub fn text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && chars.peek() == Some(&'{') {
            out.push_str("{{\"{\"}}");
        } else {
            out.push(c);
        }
    }
    out
}

/// Source text inside the HTML body of an email: HTML-escaped, then Make-escaped.
pub fn html(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for c in source.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    text(&out)
}

/// Source text as one path segment of a URL: percent-encoded (so it holds no `{` at all).
pub fn url_segment(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for b in source.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A file-name-safe slug of compiler-made text (lowercase letters, digits and `-`).
pub fn slug(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads escaped text back the way Make does: `{{"{"}}` is a literal `{`; any other `{{`
    /// would open a formula.
    fn read_back(escaped: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = escaped;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("{{\"{\"}}") {
                out.push('{');
                rest = after;
            } else if rest.starts_with("{{") {
                return None;
            } else {
                let c = rest.chars().next()?;
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        Some(out)
    }

    #[test]
    fn text_never_opens_a_formula() {
        for s in [
            "{{1.field}}",
            "{{now}}",
            "{{{",
            "{",
            "a{{b}}c{",
            "\"quoted\"\nnew line ünïcödé {{uuid}}",
            "}}{{",
        ] {
            assert_eq!(read_back(&text(s)).as_deref(), Some(s), "{s}");
        }
    }

    #[test]
    fn url_segments_hold_no_braces() {
        assert_eq!(url_segment("a.b{{x}} é"), "a.b%7B%7Bx%7D%7D%20%C3%A9");
    }
}
