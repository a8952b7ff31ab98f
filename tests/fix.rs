//! Structured fixes (`check --fix`), data-driven.
//!
//! `tests/fixtures/fix/*.handoff` are fixtures like any other (their `//~` annotations are
//! checked by `tests/fixtures.rs`, and their JSON snapshots show the fix objects); here each is
//! fixed with `handoff::fix::fix` and the snapshot shows the source, the fixed text, what was
//! applied and what is left. Over every fixture and example, the invariants of `--fix` hold.

mod common;

#[path = "../fuzz/mutate.rs"]
#[allow(dead_code)]
mod mutate;

use std::fs;
use std::path::Path;

use handoff::diagnostics::{Diagnostic, Severity};

fn fix(source: &str) -> handoff::fix::Fixed {
    handoff::fix::fix(source, handoff::check_source(source), handoff::check_source)
}

fn has_syntax_error(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.code() == "E001")
}

/// Whether every error of `diagnostics` carries a safe fix.
fn all_errors_safely_fixable(diagnostics: &[Diagnostic]) -> bool {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .all(|d| d.fix.as_ref().is_some_and(|f| f.safe))
}

#[test]
fn fixes_apply_and_leave_what_snapshots_show() {
    insta::glob!("fixtures/**/*.handoff", |path| {
        if path.parent().and_then(Path::file_name) != Some("fix".as_ref()) {
            return;
        }
        let source = fs::read_to_string(path).expect("fixture is readable");
        let name = common::display(path);
        let before = handoff::check_source(&source);
        let fixed = fix(&source);
        let safe = before
            .diagnostics
            .iter()
            .any(|d| d.fix.as_ref().is_some_and(|f| f.safe));
        if has_syntax_error(&before.diagnostics) || !safe {
            assert_eq!(fixed.text, source, "{name}: changed without a safe fix");
            assert!(fixed.applied.is_empty(), "{name}");
        } else {
            assert!(!fixed.applied.is_empty(), "{name}: nothing applied");
        }
        if all_errors_safely_fixable(&before.diagnostics) {
            let errors: Vec<_> = fixed
                .checked
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{name}: errors left: {errors:#?}");
        }
        // The fixed text is what a fresh check sees, and fixing it again changes nothing.
        assert_eq!(
            handoff::check_source(&fixed.text).diagnostics,
            fixed.checked.diagnostics,
            "{name}"
        );
        assert_eq!(fix(&fixed.text).text, fixed.text, "{name}: not a fixpoint");
        let left = common::human(&name, &fixed.text, &fixed.checked.diagnostics);
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(
                "fixed",
                format!(
                    "{source}\n──── fixed ────\n{}\n──── applied ────\n{}\n──── left ────\n{left}",
                    fixed.text,
                    fixed.applied.join("\n")
                )
            );
        });
    });
}

/// Every fixture and example: fixes never produce a syntax error, never touch a text that has
/// one, and every edit lies inside its text on character boundaries.
#[test]
fn fixing_never_breaks_the_syntax_of_any_fixture_or_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    let mut dirs = vec![root.join("tests/fixtures"), root.join("examples")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "handoff") {
                paths.push(path);
            }
        }
    }
    assert!(paths.len() > 40, "found only {} files", paths.len());
    for path in paths {
        let source = fs::read_to_string(&path).expect("readable");
        let before = handoff::check_source(&source);
        for d in &before.diagnostics {
            for e in d.fix.iter().flat_map(|f| &f.edits) {
                assert!(
                    e.span.end() <= source.len()
                        && source.is_char_boundary(e.span.start())
                        && source.is_char_boundary(e.span.end()),
                    "{}: {e:?}",
                    path.display()
                );
            }
        }
        let fixed = fix(&source);
        if has_syntax_error(&before.diagnostics) {
            assert_eq!(fixed.text, source, "{}", path.display());
        } else {
            assert!(
                !has_syntax_error(&fixed.checked.diagnostics),
                "{}: {}",
                path.display(),
                fixed.text
            );
        }
    }
}

/// Every syntax error's edit in the fixtures, applied alone, clears that error: no E001 is left
/// where it was (another mistake on the same line may remain) (the help names an edit that works, not one that moves the error along).
#[test]
fn each_syntax_fix_applied_alone_clears_its_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tried = 0;
    let mut failures = Vec::new();
    insta::glob!("fixtures/**/*.handoff", |path| {
        let source = fs::read_to_string(path).expect("fixture is readable");
        let before = handoff::check_source(&source);
        for d in before.diagnostics.iter().filter(|d| d.code() == "E001") {
            let Some(fix) = &d.fix else { continue };
            let mut text = source.clone();
            for e in fix.edits.iter().rev() {
                text.replace_range(e.span.start()..e.span.end(), &e.replacement);
            }
            tried += 1;
            // Where the error was, shifted by what the edits before it added or removed.
            let (added, removed) = fix
                .edits
                .iter()
                .filter(|e| e.span.end() <= d.span.start())
                .fold((0, 0), |(a, r), e| {
                    (a + e.replacement.len(), r + e.span.len())
                });
            let at = d.span.start() + added - removed;
            let line = |t: &str, at: usize| t[..at.min(t.len())].matches('\n').count();
            // The edit's own text: an error inside it is the same error.
            let end = at + fix.edits.last().map_or(0, |e| e.replacement.len()).max(1);
            let after = handoff::check_source(&text);
            if let Some(left) = after
                .diagnostics
                .iter()
                .find(|x| x.code() == "E001" && (at..end).contains(&x.span.start()))
            {
                failures.push(format!(
                    "{}:{}: `{}` left {:?}",
                    path.strip_prefix(root).unwrap_or(path).display(),
                    line(&source, d.span.start()) + 1,
                    fix.message,
                    left.message
                ));
            }
        }
    });
    assert!(tried > 50, "only {tried} syntax fixes found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Mutated fixtures and examples (the fuzzer's cases): fixing never panics, never leaves an edit
/// outside its text, and never turns a text without a syntax error into one with.
#[test]
fn fixing_fuzzed_cases_keeps_the_syntax() {
    let seeds = mutate::load_seeds(Path::new(env!("CARGO_MANIFEST_DIR")));
    let limits = mutate::Limits {
        max_name: 200,
        max_nesting: 50,
    };
    let mut fixed_some = 0;
    for index in 0..200 {
        let input = mutate::case(7, index, &seeds, limits);
        let before = handoff::check_source(&input);
        for e in before
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .flat_map(|f| &f.edits)
        {
            assert!(
                e.span.end() <= input.len()
                    && input.is_char_boundary(e.span.start())
                    && input.is_char_boundary(e.span.end()),
                "case {index}: {e:?}"
            );
        }
        let syntax = has_syntax_error(&before.diagnostics);
        let fixed = fix(&input);
        if syntax {
            assert_eq!(fixed.text, input, "case {index}");
        } else {
            assert!(
                !has_syntax_error(&fixed.checked.diagnostics),
                "case {index}"
            );
        }
        if !fixed.applied.is_empty() {
            fixed_some += 1;
        }
    }
    assert!(fixed_some > 0, "no case had a fix to apply");
}

/// Typos in the examples (two letters of a word swapped, one word at a time): where every error
/// of the result has a safe fix, `--fix` leaves no error, the promise of `check --fix`.
#[test]
fn typos_in_the_examples_are_fixed_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<_> = fs::read_dir(&root)
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    let (mut tried, mut clean) = (0, 0);
    for path in names {
        let source = fs::read_to_string(&path).expect("readable");
        // Word starts (identifiers, keywords, words in comments and strings), every 7th one.
        let bytes = source.as_bytes();
        let starts: Vec<usize> = (0..bytes.len())
            .filter(|&i| {
                bytes[i].is_ascii_lowercase()
                    && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
            })
            .step_by(7)
            .collect();
        for start in starts {
            let word_end = bytes[start..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .map_or(bytes.len(), |n| start + n);
            if word_end - start < 4 || bytes[start + 1] == bytes[start + 2] {
                continue;
            }
            let mut typo = source.clone().into_bytes();
            typo.swap(start + 1, start + 2);
            let typo = String::from_utf8(typo).expect("ASCII swap");
            let before = handoff::check_source(&typo);
            let has_errors = before
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error);
            if !has_errors
                || has_syntax_error(&before.diagnostics)
                || !all_errors_safely_fixable(&before.diagnostics)
            {
                continue;
            }
            tried += 1;
            let fixed = fix(&typo);
            let errors: Vec<_> = fixed
                .checked
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.message.clone())
                .collect();
            assert!(
                errors.is_empty(),
                "{} with `{}` at {start}: {errors:?}",
                path.display(),
                &typo[start..word_end]
            );
            if fixed.text == source {
                clean += 1;
            }
        }
    }
    assert!(tried > 20, "only {tried} typos had safe fixes");
    // Most typos are undone exactly. A misspelt declaration is not: each reference to the right
    // spelling is undefined, its one close name is the declaration, so the references are
    // renamed to the misspelling (consistent and error-free, but not what was meant).
    assert!(clean * 2 > tried, "{clean} of {tried} restored");
}

#[test]
fn overlapping_and_repeated_edits_apply_once() {
    let source = "workflow w {\n  owner agnet\n  actor agent: human { inbox email \"a@b.c\" }\n}\n";
    let checked = handoff::check_source(source);
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.code() == "E101")
        .expect("E101")
        .clone();
    // The same fix twice applies once; an overlapping one waits for the next round.
    let mut other = d.clone();
    if let Some(f) = other.fix.as_mut() {
        f.edits[0].replacement = String::from("agents");
        f.message = String::from("overlapping");
    }
    let (text, applied) = handoff::fix::apply(source, &[d.clone(), d, other]);
    assert_eq!(applied, ["replace `agnet` with `agent`"]);
    assert!(text.contains("owner agent\n"), "{text}");
}

#[test]
fn an_edit_outside_the_text_is_skipped() {
    let source = "workflow w {\n  owner agnet\n  actor agent: human { inbox email \"a@b.c\" }\n}\n";
    let checked = handoff::check_source(source);
    let mut d = checked
        .diagnostics
        .iter()
        .find(|d| d.code() == "E101")
        .expect("E101")
        .clone();
    let fix = d.fix.as_mut().expect("a fix");
    fix.edits[0].span = handoff::span::Span::new(source.len(), source.len() + 3);
    let (text, applied) = handoff::fix::apply(source, &[d]);
    assert_eq!(text, source);
    assert!(applied.is_empty());
}
