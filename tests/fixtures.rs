//! Data-driven tests over `tests/fixtures/**/*.handoff`.
//!
//! For every fixture: the diagnostics fire exactly on the lines its `//~ CODE` annotations name
//! (and nowhere else), and snapshots hold the human and the JSON rendering.

mod common;

use std::fs;

#[test]
fn fixtures_fire_where_annotated_and_match_snapshots() {
    insta::glob!("fixtures/**/*.handoff", |path| {
        let source = fs::read_to_string(path).expect("fixture is readable");
        let checked = handoff::check_source(&source);
        let name = common::display(path);
        let expected = common::expected(&source);
        let actual = common::actual(&source, &checked.diagnostics);
        let human = common::human(&name, &source, &checked.diagnostics);
        let missing: Vec<_> = expected.difference(&actual).collect();
        let unexpected: Vec<_> = actual.difference(&expected).collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{name}: annotated but not reported: {missing:?}; reported but not annotated: \
             {unexpected:?}\n{human}"
        );
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!("human", format!("{source}\n──── diagnostics ────\n{human}"));
            insta::assert_json_snapshot!("json", common::json(&name, &source, &checked.diagnostics));
        });
    });
}

#[test]
fn every_form_round_trips_into_the_model() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/language/all_forms.handoff"
    );
    let source = fs::read_to_string(path).expect("fixture is readable");
    let checked = handoff::check_source(&source);
    // Only the approval chain, which the list form of `approve by` needs, is reported.
    let codes: Vec<_> = checked
        .diagnostics
        .iter()
        .map(handoff::diagnostics::Diagnostic::code)
        .collect();
    assert_eq!(codes, ["W403"], "{:#?}", checked.diagnostics);
    insta::assert_debug_snapshot!(checked.module);
}

#[test]
fn every_snapshot_belongs_to_a_test() {
    // `cargo insta test --unreferenced reject` without needing cargo-insta: a snapshot whose
    // fixture is gone must be deleted, not left to rot.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    for entry in fs::read_dir(root.join("snapshots")).expect("snapshots folder") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(rest) = name.strip_suffix(".snap") else {
            panic!("unexpected file tests/snapshots/{name}");
        };
        let Some((_, fixture)) = rest.split_once('@') else {
            continue;
        };
        let fixture = root.join("fixtures").join(fixture.replace("__", "/"));
        assert!(
            fixture.exists(),
            "tests/snapshots/{name} has no fixture {}",
            fixture.display()
        );
    }
}
