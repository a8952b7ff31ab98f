//! The tokens of a source text as the formatter sees them: code tokens, each printed exactly as
//! written, and comments (doc comments included), each with how many line breaks precede it.
//!
//! The formatter only lexes text that parsed without a syntax error, so the token boundaries are
//! the grammar's; on any other text the lexer still ends and never panics (an unknown character
//! is a token of its own).

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A name, keyword, number, duration or capability: `[A-Za-z0-9_.*]+`, or a negative number.
    Word,
    /// A string literal, quotes and escapes as written.
    Str,
    /// `//…` or `///…` up to the end of the line (without the line break).
    Comment,
    /// Punctuation or an operator: `{ } ( ) < > [ ] : , -> == != <= >=`.
    Punct,
}

/// One token: its kind, its byte range, and the number of line breaks between it and the token
/// before it (or the start of the text).
#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub breaks: u32,
}

impl Token {
    /// The text of the token in `source`.
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }

    /// Whether the token is the first of its line in the source.
    pub fn starts_line(self, first: bool) -> bool {
        first || self.breaks > 0
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'*')
}

/// Splits `source` into tokens. Linear, no recursion.
pub fn tokens(source: &str) -> Vec<Token> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut breaks = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b'\n' => {
                breaks = breaks.saturating_add(1);
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            // The byte order mark (U+FEFF, EF BB BF) is whitespace to the grammar.
            0xEF if bytes.get(i + 1..i + 3) == Some(&[0xBB, 0xBF]) => {
                i += 3;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                Kind::Comment
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n') {
                    i += if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(|&c| c != b'\n') {
                        2
                    } else {
                        1
                    };
                }
                if bytes.get(i) == Some(&b'"') {
                    i += 1;
                }
                Kind::Str
            }
            b'-' if bytes.get(i + 1) == Some(&b'>') => {
                i += 2;
                Kind::Punct
            }
            b'-' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                Kind::Word
            }
            _ if is_word(b) => {
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                Kind::Word
            }
            b'=' | b'!' | b'<' | b'>' if bytes.get(i + 1) == Some(&b'=') => {
                i += 2;
                Kind::Punct
            }
            _ => {
                // One character, whatever its length in bytes.
                i += source
                    .get(i..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(1, char::len_utf8);
                Kind::Punct
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
            breaks,
        });
        breaks = 0;
    }
    out
}

/// The text of every comment of `source` as the formatter writes it, in order: ordinary comments
/// without trailing whitespace, doc comments without a trailing carriage return (their text is
/// part of the model). Used to prove that formatting lost no comment.
pub fn comments(source: &str) -> Vec<&str> {
    tokens(source)
        .into_iter()
        .filter(|t| t.kind == Kind::Comment)
        .map(|t| comment_text(t.text(source)))
        .collect()
}

/// A comment as written out: see [`comments`].
pub fn comment_text(text: &str) -> &str {
    if is_doc(text) {
        text.strip_suffix('\r').unwrap_or(text)
    } else {
        text.trim_end()
    }
}

/// Whether a comment is a doc comment (`///` but not `////`).
pub fn is_doc(text: &str) -> bool {
    text.starts_with("///") && !text.starts_with("////")
}
