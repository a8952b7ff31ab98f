//! The registry, the explanations, the fixtures and the README's rule table stay in sync.

use std::collections::HashSet;
use std::path::Path;

use handoff::diagnostics::Severity;
use handoff::rules::{self, ALL};

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for rule in ALL {
        assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
        assert!(names.insert(rule.name), "duplicate name {}", rule.name);
        let (letter, digits) = rule.code.split_at(1);
        assert!(
            digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()),
            "{}",
            rule.code
        );
        let expected = match letter {
            "E" => Severity::Error,
            "W" => Severity::Warning,
            _ => panic!("code {} must start with E or W", rule.code),
        };
        assert_eq!(rule.severity, expected, "{}", rule.code);
        assert!(
            rule.name
                .split('-')
                .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase())),
            "{} is not kebab-case",
            rule.name
        );
    }
    let mut sorted: Vec<_> = ALL.iter().map(|r| r.code).collect();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        ALL.iter().map(|r| r.code).collect::<Vec<_>>(),
        "ALL is in code order"
    );
}

#[test]
fn every_rule_is_explained() {
    for rule in ALL {
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
        ] {
            assert!(
                rule.explanation.contains(section),
                "{} lacks {section}",
                rule.code
            );
        }
        assert!(
            rule.explanation.contains("```handoff"),
            "{} has no example",
            rule.code
        );
        assert!(!rule.summary.is_empty());
        assert_eq!(rules::find(rule.code), Some(*rule));
        assert_eq!(rules::find(rule.name), Some(*rule));
    }
}

#[test]
fn every_rule_has_a_fixture_that_flags_it_and_a_clean_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    for rule in ALL {
        let path = root.join(format!("{}.handoff", rule.code));
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} has no fixture at {}", rule.code, path.display()));
        let checked = handoff::check_source(&source);
        assert!(
            checked.diagnostics.iter().any(|d| d.code() == rule.code),
            "the fixture of {} does not flag it",
            rule.code
        );
        assert!(
            source.contains("// Clean"),
            "the fixture of {} has no clean case",
            rule.code
        );
    }
}

#[test]
fn every_fixture_belongs_to_a_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    for entry in std::fs::read_dir(root).expect("fixture folder") {
        let path = entry.expect("entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
        assert!(
            rules::find(stem).is_some(),
            "{} names no rule",
            path.display()
        );
    }
}

#[test]
fn the_readme_lists_every_rule() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    for rule in ALL {
        let row = format!("| {} | `{}` |", rule.code, rule.name);
        assert!(readme.contains(&row), "README.md lacks the row `{row}`");
    }
}

#[test]
fn every_explanation_example_shows_exactly_its_own_rule() {
    // The example on each rule's page is what a reader copies to see the rule fire: it must
    // produce that code once, and nothing else.
    let mut wrong = Vec::new();
    for rule in ALL {
        let start =
            rule.explanation.find("```handoff\n").expect("an example") + "```handoff\n".len();
        let end = start + rule.explanation[start..].find("```").expect("its end");
        let example = &rule.explanation[start..end];
        let checked = handoff::check_source(example);
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .map(handoff::diagnostics::Diagnostic::code)
            .collect();
        // Once: a reader sees one mistake and the one diagnostic it gives.
        if codes != [rule.code] {
            wrong.push(format!("the example of {} gives {codes:?}", rule.code));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
