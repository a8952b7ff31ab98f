//! Applying structured fixes (`check --fix`) to one text, without I/O.
//!
//! A diagnostic's [`Fix`](crate::diagnostics::Fix) is a list of edits of its file. [`apply`]
//! takes the safe ones that do not overlap and applies them in one pass; [`fix`] repeats that
//! with a fresh check in between, because one fix can reveal the next (a name that resolves
//! lets the context analysis see a field it could not before).
//!
//! ```
//! let source = r#"
//! workflow hello {
//!   owner desk
//!   actor desk: human { inbox email "desk@example.com" }
//!   trigger ask: form "Ask"
//!   step answer { owner dsek  reversible }
//!   flow ask -> answer
//! }
//! "#;
//! let fixed = handoff::fix::fix(source, handoff::check_source(source), handoff::check_source);
//! assert_eq!(fixed.applied, ["replace `dsek` with `desk`"]);
//! assert!(fixed.text.contains("owner desk "));
//! ```
//!
//! **Invariants:** a text with a syntax error (E001) is never changed, and a round whose result
//! has one is dropped; the number of rounds is bounded ([`MAX_ROUNDS`]); an edit outside the
//! text or off a character boundary is skipped, never applied; each round is linear in the text
//! plus the edits (times the log of their number).

use crate::diagnostics::{Diagnostic, Edit};
use crate::Checked;

/// How many times [`fix`] applies fixes and checks again at most.
pub const MAX_ROUNDS: usize = 3;

/// The result of [`fix`].
#[derive(Debug)]
pub struct Fixed {
    /// The text after every applied fix (the input when nothing applied).
    pub text: String,
    /// What each applied fix did, in the order applied.
    pub applied: Vec<String>,
    /// The check of `text`.
    pub checked: Checked,
}

/// Applies the safe fixes of `diagnostics` to `source`, in the order of the diagnostics: a
/// fix with an edit that overlaps an edit already taken is left for a later round, and one
/// that repeats an edit already taken is dropped (two diagnostics that suggest the same edit
/// apply it once). Insertions at one place apply in the order of their diagnostics. Returns the
/// new text and the messages of the fixes applied (none: the text is unchanged).
pub fn apply(source: &str, diagnostics: &[Diagnostic]) -> (String, Vec<String>) {
    apply_where(source, diagnostics, false)
}

/// [`apply`], where with `one_per_place` a second insertion at one place is left for a later
/// round too: three fixes that each open a body `{ carries … }` at the end of one handoff give
/// a syntax error together, and one at a time they give one body and then items in it.
fn apply_where(
    source: &str,
    diagnostics: &[Diagnostic],
    one_per_place: bool,
) -> (String, Vec<String>) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for fix in diagnostics.iter().filter_map(|d| d.fix.as_ref()) {
        if !fix.safe || fix.edits.is_empty() {
            continue;
        }
        let fits = fix.edits.iter().all(|e| {
            let (s, t) = (e.span.start(), e.span.end());
            t <= source.len() && source.is_char_boundary(s) && source.is_char_boundary(t)
        });
        // Two insertions at one place both apply, in the order of their diagnostics; the same
        // edit twice, or edits that overlap, do not.
        let clashes = |e: &Edit| {
            let (s, t) = (e.span.start(), e.span.end());
            taken.iter().any(|o| {
                let (os, ot) = (o.span.start(), o.span.end());
                (s < ot && os < t) || *o == e || (s == os && (one_per_place || s != t || os != ot))
            })
        };
        if !fits || fix.edits.iter().any(clashes) {
            continue;
        }
        taken.extend(&fix.edits);
        applied.push(fix.message.clone());
    }
    if taken.is_empty() {
        return (source.to_string(), applied);
    }
    // A stable sort: insertions at one place keep the order of their diagnostics.
    taken.sort_by_key(|e| (e.span.start(), e.span.end()));
    let extra: usize = taken.iter().map(|e| e.replacement.len()).sum();
    let mut out = String::with_capacity(source.len() + extra);
    let mut at = 0;
    for e in taken {
        out.push_str(&source[at..e.span.start()]);
        out.push_str(&e.replacement);
        at = e.span.end();
    }
    out.push_str(&source[at..]);
    (out, applied)
}

/// Applies safe fixes to `source`, whose check is `first`, until none is left or
/// [`MAX_ROUNDS`] rounds have run, checking the text again with `check` after each round.
/// Nothing is applied to a text with a syntax error, and a round that would give one is
/// dropped (and ends the loop).
pub fn fix(source: &str, first: Checked, mut check: impl FnMut(&str) -> Checked) -> Fixed {
    let syntax = |c: &Checked| c.diagnostics.iter().any(|d| d.code() == "E001");
    let mut fixed = Fixed {
        text: source.to_string(),
        applied: Vec::new(),
        checked: first,
    };
    if syntax(&fixed.checked) {
        return fixed;
    }
    for _ in 0..MAX_ROUNDS {
        let (mut text, mut applied) = apply(&fixed.text, &fixed.checked.diagnostics);
        if applied.is_empty() {
            break;
        }
        let mut checked = check(&text);
        if syntax(&checked) {
            // Insertions at one place may not go together: one per place this round.
            (text, applied) = apply_where(&fixed.text, &fixed.checked.diagnostics, true);
            if applied.is_empty() {
                break;
            }
            checked = check(&text);
        }
        if syntax(&checked) {
            break;
        }
        fixed.text = text;
        fixed.applied.extend(applied);
        fixed.checked = checked;
    }
    fixed
}
