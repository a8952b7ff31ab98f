//! E001 syntax-error: the file does not parse.

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E001",
    name: "syntax-error",
    severity: Severity::Error,
    summary: "the file does not parse; the message says what was expected, at the right place",
    explanation: r#"
## What it does
Reports text that is not valid handoff syntax: a missing brace, a misspelt keyword, a list with a
trailing comma where none is allowed, a string that is not closed on its line, a file that is not
UTF-8, or a condition nested more deeply than the compiler accepts (64 levels).

## Why it matters
A workflow that does not parse cannot be checked, so none of its handoffs are. The parser
recovers at the next item (an item of a step, a field of a `context` block, a transition,
trigger, actor or other item of a workflow) and at the next top-level `actor` or `workflow`, so
every broken item reports its own error in one run and everything that parses is still checked.
An item that does not parse is left out of the model (a step keeps its name and its other items),
so what depends on it may be reported too: fix syntax errors first.

## Example
```handoff
workflow refunds {
  actor finance: team { inbox email "finance@example.com" }
  trigger request: manual
  step pay {
    owner finance
    titel "Pay the refund"   // misspelt keyword
  }
  flow request -> pay
}
```

## Fix
Do what the message says at the place it points to: here, replace `titel` with `title`. A
misspelt keyword, a word of another language for one (`if` for `when`, `string` for `text`) and
an operator of another language (`&&` for `and`, `=` for `==`) come with that edit as a fix.
"#,
    check: None,
};

/// A parse error with the expected items already phrased in English.
pub fn expected(span: Span, expected: &str, found: &str, help: String) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("expected {expected}, found {found}"),
        span,
        format!("unexpected {found}"),
        help,
    )
}

/// A string literal is not closed on its line.
pub fn unterminated_string(span: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        "unterminated string",
        span,
        "this string is not closed before the end of the line",
        "close the string with `\"`; write `\\n` inside it for a line break",
    )
}

/// A string holds an escape the language does not have (`\q`).
pub fn invalid_escape(span: Span, escape: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("`{escape}` is not an escape of a string"),
        span,
        "not an escape",
        "write `\\\\` for a backslash; the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{HEX}`",
    )
}

/// The file is not UTF-8.
pub fn invalid_utf8(offset: usize, byte: u8) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("the file is not valid UTF-8: byte 0x{byte:02x} at offset {offset}"),
        Span::new(offset, offset),
        "invalid UTF-8 here",
        "save the file as UTF-8",
    )
}

/// A condition or type nests beyond the limit the parser accepts.
pub fn too_deep(span: Span, limit: usize) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("nesting too deep: conditions and types may nest at most {limit} levels"),
        span,
        "nesting exceeds the limit here",
        "remove redundant parentheses or `not`s, or split the condition into simpler ones",
    )
}

/// A literal that parses but has no valid value (a bad escape, an overflowing duration).
pub fn bad_literal(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::new(&RULE, message, span, "invalid literal", help)
}

/// A body item that the grammar accepts in route bodies but that this kind of route lacks.
pub fn misplaced_item(span: Span, item: &str, place: &str, allowed: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("`{item}` is not allowed in {place}"),
        span,
        format!("`{item}` cannot stand here"),
        format!("remove `{item}`; {place} takes {allowed}"),
    )
}
