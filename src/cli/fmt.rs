//! `handoff fmt`: rewrites files in the canonical layout of `handoff::fmt`, or with `--check`
//! prints what would change as a unified diff.
//!
//! Exit codes: 0 nothing to change (or everything written); 1 a file would change (`--check`)
//! or has syntax errors (it is left as it is); 2 a path could not be read or written, or the
//! formatter could not prove its output equivalent (the file is left as it is).

use std::io::Read as _;
use std::path::PathBuf;

use handoff::diagnostics::{render_human, FileReport};

use super::{files, write_stdout, CANNOT_RUN, CLEAN, FOUND_ERRORS, WIDTH};

/// What happened to one text.
enum Outcome {
    Unchanged,
    Changed(String),
    Failed(i32),
}

/// `handoff fmt [PATHS…] [--check]`.
pub fn run(paths: &[PathBuf], check: bool) -> i32 {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let (stdin, paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| files::is_stdin(p));
    let mut code = CLEAN;
    let mut raise = |c: i32| code = code.max(c);
    if !stdin.is_empty() {
        let mut bytes = Vec::new();
        match std::io::stdin().read_to_end(&mut bytes) {
            Ok(_) => {
                let (text, decode_error) = handoff::parse::decode(&bytes);
                let source = files::Source {
                    display: files::STDIN_NAME.to_string(),
                    text,
                    decode_error,
                };
                match format(&source) {
                    Outcome::Unchanged if !check => raise(write_or_fail(&source.text)),
                    Outcome::Unchanged => {}
                    Outcome::Changed(out) if check => {
                        raise(write_or_fail(&diff(&source, &out)).max(FOUND_ERRORS));
                    }
                    Outcome::Changed(out) => raise(write_or_fail(&out)),
                    Outcome::Failed(c) => raise(c),
                }
            }
            Err(e) => {
                eprintln!("error: cannot read standard input: {e}");
                raise(CANNOT_RUN);
            }
        }
    }
    if paths.is_empty() {
        return code;
    }
    let (found, mut unreadable) = files::discover(&paths);
    let mut sources = Vec::new();
    for f in &found {
        match files::read(f) {
            Ok(source) => sources.push(source),
            Err(u) => unreadable.push(u),
        }
    }
    for u in &unreadable {
        eprintln!("error: cannot read `{}`: {}", u.path, u.error);
        raise(CANNOT_RUN);
    }
    if sources.is_empty() && unreadable.is_empty() {
        eprintln!("warning: no `.handoff` files found");
    }
    for source in &sources {
        match format(source) {
            Outcome::Unchanged => {}
            Outcome::Changed(out) if check => {
                raise(write_or_fail(&diff(source, &out)).max(FOUND_ERRORS));
            }
            Outcome::Changed(out) => {
                if let Err(e) = std::fs::write(&source.display, out) {
                    eprintln!("error: cannot write `{}`: {e}", source.display);
                    raise(CANNOT_RUN);
                }
            }
            Outcome::Failed(c) => raise(c),
        }
    }
    code
}

/// Formats one text, printing on stderr why it was left as it is.
fn format(source: &files::Source) -> Outcome {
    let syntax = |diagnostics: &[handoff::diagnostics::Diagnostic]| {
        eprint!(
            "{}",
            render_human(
                &[FileReport {
                    path: &source.display,
                    source: &source.text,
                    diagnostics,
                }],
                WIDTH,
            )
        );
        eprintln!(
            "error: `{}` has syntax errors; it was left as it is",
            source.display
        );
        Outcome::Failed(FOUND_ERRORS)
    };
    if let Some(d) = &source.decode_error {
        return syntax(std::slice::from_ref(d));
    }
    match handoff::fmt::format(&source.text) {
        Ok(out) if out == source.text => Outcome::Unchanged,
        Ok(out) => Outcome::Changed(out),
        Err(handoff::fmt::Error::Syntax(diagnostics)) => syntax(&diagnostics),
        Err(handoff::fmt::Error::Unsafe(why)) => {
            eprintln!(
                "error: cannot format `{}`: {why}; it was left as it is",
                source.display
            );
            Outcome::Failed(CANNOT_RUN)
        }
    }
}

/// Above this many lines (both texts together) the diff is one hunk that replaces the file.
/// Myers' algorithm takes time in proportion to the lines times the lines that differ, which is
/// quadratic when most lines change (seconds at 100,000 lines); patience diff finds no anchor
/// then either. A bound on the size keeps `--check` fast and its output the same on every
/// machine (a time limit would not).
const MAX_DIFF_LINES: usize = 20_000;

/// The unified diff from the text of `source` to `out`, with the path in its headers.
fn diff(source: &files::Source, out: &str) -> String {
    let (old, new) = (source.text.as_str(), out);
    if old.lines().count() + new.lines().count() > MAX_DIFF_LINES {
        return whole_file_diff(&source.display, old, new);
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&source.display, &source.display)
        .to_string()
}

/// A unified diff of one hunk that removes every line of `old` and adds every line of `new`.
fn whole_file_diff(path: &str, old: &str, new: &str) -> String {
    let mut out = format!(
        "--- {path}\n+++ {path}\n@@ -1,{} +1,{} @@\n",
        old.lines().count(),
        new.lines().count()
    );
    for (sign, text) in [('-', old), ('+', new)] {
        for line in text.lines() {
            out.push(sign);
            out.push_str(line);
            out.push('\n');
        }
        if !text.is_empty() && !text.ends_with('\n') {
            out.push_str("\\ No newline at end of file\n");
        }
    }
    out
}

fn write_or_fail(text: &str) -> i32 {
    if write_stdout(text).is_ok() {
        CLEAN
    } else {
        CANNOT_RUN
    }
}
