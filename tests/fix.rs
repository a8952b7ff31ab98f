//! Structured fixes (`check --fix`), data-driven.
//!
//! `tests/fixtures/fix/*.handoff` are fixtures like any other (their `//~` annotations are
//! checked by `tests/fixtures.rs`, and their JSON snapshots show the fix objects); here each is
//! fixed with `handoff::fix::fix` and the snapshot shows the source, the fixed text, what was
//! applied and what is left. Over every fixture and example, the invariants of `--fix` hold.

mod common;

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
