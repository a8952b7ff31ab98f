//! Helpers shared by the integration tests: annotations in fixtures, rendering, and running the
//! binary with standard input.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use handoff::diagnostics::{render_human, render_json, Diagnostic, FileReport};
use handoff::span::LineIndex;

/// Width of rendered diagnostics in snapshots.
pub const WIDTH: usize = 100;

/// The `(line, code)` pairs a fixture announces: `//~ CODE` on the line where a diagnostic
/// starts, `//~^ CODE` for the line above. Several codes may follow one marker.
pub fn expected(source: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in source.lines().enumerate() {
        let Some(at) = line.find("//~") else { continue };
        let rest = &line[at + 3..];
        let (line_no, codes) = match rest.strip_prefix('^') {
            Some(codes) => (i, codes),
            None => (i + 1, rest),
        };
        for code in codes.split_whitespace().take_while(|c| is_code(c)) {
            out.insert((line_no, code.to_string()));
        }
    }
    out
}

/// Whether a word is a rule code such as `E101`.
pub fn is_code(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() == 4 && matches!(bytes[0], b'E' | b'W') && bytes[1..].iter().all(u8::is_ascii_digit)
}

/// The `(line, code)` pairs of the diagnostics a source produced.
pub fn actual(source: &str, diagnostics: &[Diagnostic]) -> BTreeSet<(usize, String)> {
    let index = LineIndex::new(source);
    diagnostics
        .iter()
        .map(|d| {
            (
                index.line_col(source, d.span.start()).line,
                d.code().to_string(),
            )
        })
        .collect()
}

/// A path relative to the crate root, with forward slashes, for stable output.
pub fn display(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Human rendering of one file's diagnostics, as the CLI prints them.
pub fn human(path: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    render_human(
        &[FileReport {
            path,
            source,
            diagnostics,
        }],
        WIDTH,
    )
}

/// JSON rendering of one file's diagnostics, parsed back for a readable snapshot.
pub fn json(path: &str, source: &str, diagnostics: &[Diagnostic]) -> serde_json::Value {
    let text = render_json(
        &[FileReport {
            path,
            source,
            diagnostics,
        }],
        1,
    );
    serde_json::from_str(&text).expect("the JSON output parses")
}

/// Checks a source that must have no errors (a target compiles only such sources), and returns
/// what the checker built, with a readable failure otherwise.
pub fn checked_without_errors(source: &str) -> handoff::Checked {
    let checked = handoff::check_source(source);
    assert!(
        checked
            .diagnostics
            .iter()
            .all(|d| d.severity != handoff::diagnostics::Severity::Error),
        "{:#?}",
        checked.diagnostics
    );
    checked
}

/// Runs the `handoff` binary in `dir` with `input` on standard input.
pub fn handoff_with_stdin(dir: &Path, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("the binary ends")
}
