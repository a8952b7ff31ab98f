//! Every file in `examples/` and the opening example of the language reference check clean.
//! The repository stands on its own: nothing here reads outside it.

mod common;

use std::path::Path;

#[test]
fn examples_check_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "handoff") {
            continue;
        }
        count += 1;
        let source = std::fs::read_to_string(&path).expect("readable");
        let checked = handoff::check_source(&source);
        let name = common::display(&path);
        assert!(
            checked.diagnostics.is_empty(),
            "{}",
            common::human(&name, &source, &checked.diagnostics)
        );
        assert!(
            !checked.module.workflows.is_empty(),
            "{name} declares no workflow"
        );
    }
    assert!(
        count >= 4,
        "examples/ holds {count} workflows, at least four are expected"
    );
}

#[test]
fn the_language_reference_example_checks_clean() {
    let source = include_str!("fixtures/language/section1.handoff");
    let checked = handoff::check_source(source);
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let workflow = &checked.module.workflows[0];
    assert_eq!(workflow.name.text, "lead_qualification");
    assert_eq!(workflow.steps.len(), 4);
    // `flow inbound -> enrich -> qualify` expands into two transitions; two handoffs follow.
    assert_eq!(workflow.transitions.len(), 4);
}

#[test]
fn the_readme_example_shows_what_check_prints() {
    // The README quotes a workflow and the exact output of `handoff check` on it.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme.find("```handoff\n").expect("an example") + "```handoff\n".len();
    let end = start + readme[start..].find("```").expect("its end");
    let source = &readme[start..end];
    let marker = "$ handoff check escalation.handoff\n";
    let out_start = readme.find(marker).expect("the output") + marker.len();
    let out_end = out_start + readme[out_start..].find("```").expect("its end");
    let expected = &readme[out_start..out_end];
    let checked = handoff::check_source(source);
    let mut actual = common::human("escalation.handoff", source, &checked.diagnostics);
    actual.push_str("checked 1 file: 1 error, 0 warnings (1 fixable with `--fix`)\n");
    assert_eq!(checked.diagnostics.len(), 1);
    assert_eq!(actual, expected);
}
