//! The command line as a user meets it: exit codes, output shapes, file discovery.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

fn handoff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("handoff-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    Scratch::new(name)
}

#[test]
fn clean_input_exits_0() {
    let out = handoff(&["check", "tests/fixtures/language/section1.handoff"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "checked 1 file: no problems found\n");
}

#[test]
fn errors_exit_1_and_are_rendered() {
    let out = handoff(&["check", "tests/fixtures/rules/E101.handoff"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("E101(undefined-name)"), "{text}");
    assert!(text.contains("did you mean `duty_manager`?"), "{text}");
    assert!(
        text.ends_with("checked 1 file: 10 errors, 0 warnings (3 fixable with `--fix`)\n"),
        "{text}"
    );
}

#[test]
fn a_missing_path_exits_2() {
    let out = handoff(&["check", "no/such/file.handoff"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read `no/such/file.handoff`"));
    assert!(stdout(&out).is_empty());
}

#[test]
fn json_stays_one_document_when_a_path_cannot_be_read() {
    let out = handoff(&[
        "check",
        "--format",
        "json",
        "no/such/file.handoff",
        "tests/fixtures/rules/E101.handoff",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(doc["unreadable"][0]["path"], "no/such/file.handoff");
    assert!(doc["unreadable"][0]["error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    // The readable file is still checked.
    assert_eq!(doc["summary"]["files"], 1);
    assert!(doc["summary"]["errors"].as_u64().is_some_and(|n| n > 0));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    // Without unreadable paths the key is absent (the version-1 shape is unchanged).
    let clean = handoff(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/rules/E101.handoff",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&clean)).expect("JSON");
    assert!(doc.get("unreadable").is_none());
}

#[test]
fn build_rejects_two_workflows_of_one_name_and_writes_nothing() {
    let input = scratch("build-clash-in");
    let section1 =
        std::fs::read_to_string("tests/fixtures/language/section1.handoff").expect("section1");
    std::fs::write(input.join("a.handoff"), &section1).expect("write a");
    std::fs::write(input.join("b.handoff"), &section1).expect("write b");
    let dir = scratch("build-clash-out");
    let out = handoff(&[
        "build",
        input.to_str().expect("utf-8"),
        "-o",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("two workflows are named"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_dir(&*dir).expect("out dir").count(), 0);
}

#[test]
fn build_says_when_an_input_holds_no_workflow() {
    let input = scratch("build-empty-in");
    std::fs::write(input.join("actors.handoff"), "actor a: human\n").expect("write");
    let dir = scratch("build-empty-out");
    let out = handoff(&[
        "build",
        input.to_str().expect("utf-8"),
        "-o",
        dir.to_str().expect("utf-8"),
    ]);
    let err = stderr(&out);
    assert!(err.contains("holds no workflow"), "{err}");
    assert!(err.contains("no workflow to build"), "{err}");
    assert_eq!(out.status.code(), Some(2));
    // Beside a file that has workflows, it is a warning and the others are built.
    std::fs::copy("examples/refund.handoff", input.join("refund.handoff")).expect("copy");
    let out = handoff(&[
        "build",
        input.to_str().expect("utf-8"),
        "-o",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("holds no workflow"));
    assert!(dir.join("refund.json").exists());
}

#[test]
fn docs_say_when_there_is_no_workflow_and_never_overwrite_a_page() {
    let input = scratch("docs-empty-in");
    std::fs::write(input.join("actors.handoff"), "actor a: human\n").expect("write");
    let dir = scratch("docs-empty-out");
    for args in [vec!["build", "--target", "docs"], vec!["doc"]] {
        let mut args = args.clone();
        args.extend([
            input.to_str().expect("utf-8"),
            "-o",
            dir.to_str().expect("utf-8"),
        ]);
        let out = handoff(&args);
        let err = stderr(&out);
        assert!(err.contains("holds no workflow"), "{err}");
        assert!(err.contains("no workflow to document"), "{err}");
        assert_eq!(out.status.code(), Some(2));
    }
    // A workflow named `index` beside another: its page and the index would be one file.
    let source = std::fs::read_to_string("examples/refund.handoff").expect("example");
    let renamed = source.replacen("workflow refund", "workflow index", 1);
    assert_ne!(renamed, source, "the example declares `workflow refund`");
    std::fs::write(input.join("index.handoff"), renamed).expect("write");
    std::fs::copy(
        "examples/lead_qualification.handoff",
        input.join("leads.handoff"),
    )
    .expect("copy");
    let out = handoff(&[
        "doc",
        input.to_str().expect("utf-8"),
        "-o",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("would be overwritten"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("index.md").exists());
}

#[test]
fn the_human_location_counts_characters_as_json_does() {
    let dir = scratch("columns");
    let file = dir.join("col.handoff");
    std::fs::write(
        &file,
        "workflow w { title \"\u{e9}\u{e9}\u{e9}\u{e9}\" stpe x { } }\n",
    )
    .expect("write");
    let path = file.to_str().expect("utf-8");
    let human = stdout(&handoff(&["check", path]));
    assert!(human.contains(&format!("{path}:1:27]")), "{human}");
    let json = stdout(&handoff(&["check", "--format", "json", path]));
    assert!(json.contains("\"column\":27"), "{json}");
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(
        handoff(&["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(handoff(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(handoff(&[]).status.code(), Some(2));
    assert_eq!(handoff(&["--help"]).status.code(), Some(0));
}

#[test]
fn json_is_one_document_with_the_stable_shape() {
    let out = handoff(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/rules/E102.handoff",
        "tests/fixtures/language",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "one document on one line");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["files"], 4);
    // `all_forms.handoff` shows the list form of `approve by`, an approval chain (W403).
    assert_eq!(doc["summary"]["warnings"], 1);
    let diagnostics = doc["diagnostics"].as_array().expect("array");
    let errors = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    assert_eq!(doc["summary"]["errors"], errors);
    let first = &diagnostics[0];
    // Key order is part of the shape: check it on the raw text of the first diagnostic.
    let raw = &text[text.find("\"diagnostics\":[{").expect("diagnostics")..];
    let at = |key: &str| raw.find(&format!("\"{key}\":")).expect(key);
    let order = [
        "file", "code", "rule", "severity", "message", "span", "labels", "help",
    ];
    assert!(
        order.windows(2).all(|w| at(w[0]) < at(w[1])),
        "key order: {raw}"
    );
    assert_eq!(first.as_object().expect("object").len(), order.len());
    assert_eq!(first["file"], "tests/fixtures/rules/E102.handoff");
    assert_eq!(first["code"], "E102");
    assert_eq!(first["rule"], "duplicate-definition");
    assert!(raw.contains("\"span\":{\"start\":"), "{raw}");
    let span = first["span"].as_object().expect("object");
    for key in ["start", "end", "line", "column", "end_line", "end_column"] {
        assert!(span[key].is_u64(), "{key}");
    }
    assert_eq!(
        first["labels"][1]["message"],
        "`sales` is first declared here"
    );
}

#[test]
fn directories_are_searched_recursively_in_sorted_order() {
    let dir = scratch("walk");
    std::fs::create_dir_all(dir.join("b/nested")).expect("dirs");
    std::fs::write(
        dir.join("b/nested/z.handoff"),
        "workflow z { step s { owner nobody } }",
    )
    .expect("write");
    std::fs::write(
        dir.join("a.handoff"),
        "workflow a { step s { owner nobody } }",
    )
    .expect("write");
    std::fs::write(dir.join("notes.txt"), "not a workflow {").expect("write");
    let out = handoff(&[
        "check",
        "--format",
        "json",
        dir.to_str().expect("utf-8 path"),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert_eq!(doc["summary"]["files"], 2);
    let files: Vec<String> = doc["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["file"].as_str().expect("string").to_string())
        .collect();
    assert!(
        files.first().is_some_and(|f| f.ends_with("a.handoff")),
        "{files:?}"
    );
    assert!(
        files.last().is_some_and(|f| f.ends_with("z.handoff")),
        "{files:?}"
    );
    assert!(files.windows(2).all(|w| w[0] <= w[1]), "sorted: {files:?}");
}

#[test]
fn an_invalid_utf8_file_is_reported_not_fatal() {
    let dir = scratch("utf8");
    let file = dir.join("bad.handoff");
    std::fs::write(&file, b"workflow w {\xff}").expect("write");
    let out = handoff(&["check", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("not valid UTF-8: byte 0xff at offset 12"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn explain_prints_a_rule_page() {
    let out = handoff(&["explain", "E101"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# E101 undefined-name (error)"), "{text}");
    for section in [
        "## What it does",
        "## Why it matters",
        "## Example",
        "## Fix",
    ] {
        assert!(text.contains(section), "{section}");
    }
    // Names work too, and codes are case-insensitive.
    assert_eq!(stdout(&handoff(&["explain", "undefined-name"])), text);
    assert_eq!(stdout(&handoff(&["explain", "e101"])), text);
}

#[test]
fn explain_lists_rules_and_rejects_unknown_codes() {
    let out = handoff(&["explain"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out)
        .lines()
        .any(|l| l.starts_with("E104  duplicate-item")));
    let out = handoff(&["explain", "E999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule is named `E999`"));
}

#[test]
fn no_path_checks_the_current_directory() {
    let dir = scratch("cwd");
    std::fs::write(
        dir.join("w.handoff"),
        "workflow w { actor a: human { inbox email \"a@example.com\" } trigger t: manual step s { owner a } flow t -> s }",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .arg("check")
        .current_dir(dir.as_path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "checked 1 file: no problems found\n");
}

#[test]
fn build_writes_one_n8n_workflow_per_workflow() {
    let dir = scratch("build");
    let out = handoff(&[
        "build",
        "examples/refund.handoff",
        "--target",
        "n8n",
        "-o",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.join("refund.json")).expect("refund.json");
    let doc: serde_json::Value = serde_json::from_str(&written).expect("JSON");
    assert_eq!(doc["name"], "refund");
    // The error workflow is written beside it, and the orchestration names it by its id.
    let errors = std::fs::read_to_string(dir.join("refund.errors.json")).expect("errors");
    let errors: serde_json::Value = serde_json::from_str(&errors).expect("JSON");
    assert_eq!(errors["name"], "refund · errors");
    assert_eq!(doc["settings"]["errorWorkflow"], errors["id"]);
    assert!(errors["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .any(|n| n["type"] == "n8n-nodes-base.errorTrigger"));
    // The same input gives the same bytes.
    let again = scratch("build-again");
    handoff(&[
        "build",
        "examples/refund.handoff",
        "-o",
        again.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        std::fs::read(again.join("refund.json")).expect("again"),
        written.as_bytes()
    );
}

#[test]
fn build_writes_implementations_once_and_never_overwrites_them() {
    let dir = scratch("build-implementations");
    let target = dir.to_str().expect("utf-8");
    let args = [
        "build",
        "examples/refund.handoff",
        "--target",
        "n8n",
        "-o",
        target,
    ];
    let first = handoff(&args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let implementation = dir.join("implementations").join("refund.check_order.json");
    assert!(
        stdout(&first).contains("refund.check_order.json (a starting implementation)"),
        "{}",
        stdout(&first)
    );
    // The intake of the form trigger is written beside the orchestration.
    assert!(dir.join("refund.intake.request.json").exists());
    // The user edits the implementation; building again keeps it, byte for byte, and says so.
    std::fs::write(&implementation, "{\"edited\": true}\n").expect("edit");
    let second = handoff(&args);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(
        std::fs::read_to_string(&implementation).expect("implementation"),
        "{\"edited\": true}\n"
    );
    assert!(
        stdout(&second).contains(
            "refund.check_order.json (an implementation: yours to edit, never overwritten)"
        ),
        "{}",
        stdout(&second)
    );
    // The orchestration is always written again.
    assert!(
        stdout(&second).contains("refund.json"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn build_writes_every_make_blueprint_of_every_workflow() {
    let dir = scratch("build-make");
    let out = handoff(&[
        "build",
        "examples/refund.handoff",
        "--target",
        "make",
        "-o",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let intake = std::fs::read_to_string(dir.join("refund").join("1-intake.json")).expect("intake");
    let doc: serde_json::Value = serde_json::from_str(&intake).expect("JSON");
    assert_eq!(doc["name"], "refund · 1 intake");
    assert!(dir.join("refund").join("sla-sweep.json").exists());
    let again = scratch("build-make-again");
    handoff(&[
        "build",
        "examples/refund.handoff",
        "--target",
        "make",
        "-o",
        again.to_str().expect("utf-8"),
    ]);
    let mut files: Vec<_> = std::fs::read_dir(dir.join("refund"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    files.sort();
    assert!(files.len() > 2, "{files:?}");
    for f in files {
        assert_eq!(
            std::fs::read(dir.join("refund").join(&f)).expect("first"),
            std::fs::read(again.join("refund").join(&f)).expect("second"),
            "{f:?}"
        );
    }
}

#[test]
fn build_writes_nothing_when_the_input_has_errors() {
    let dir = scratch("build-errors");
    let input = dir.join("broken.handoff");
    std::fs::write(
        &input,
        "workflow good { trigger t: manual step s { owner nobody } flow t -> s }",
    )
    .expect("write");
    let out_dir = dir.join("out");
    let out = handoff(&[
        "build",
        input.to_str().expect("utf-8"),
        "-o",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("E101"), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing was written"));
    assert!(
        !out_dir.exists(),
        "build created its output directory despite errors"
    );
}

#[test]
fn build_rejects_an_unknown_target() {
    let out = handoff(&["build", "examples/refund.handoff", "--target", "zapier"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("zapier"), "{}", stderr(&out));
}

#[test]
fn deny_warnings_turns_warnings_into_a_failure() {
    // `all_forms.handoff` has one warning (W403) and no error.
    let path = "tests/fixtures/language/all_forms.handoff";
    assert_eq!(handoff(&["check", path]).status.code(), Some(0));
    assert_eq!(
        handoff(&["check", "--deny-warnings", path]).status.code(),
        Some(1)
    );
}

/// Copies the fixtures of `tests/fixtures/fix` named in `names` into a scratch directory.
fn fix_fixtures(dir: &Scratch, names: &[&str]) -> Vec<(PathBuf, String)> {
    names
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(format!(
                "{}/tests/fixtures/fix/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("fixture");
            let path = dir.join(name);
            std::fs::write(&path, &text).expect("write");
            (path, text)
        })
        .collect()
}

#[test]
fn fix_writes_the_safe_fixes_and_reports_what_is_left() {
    let dir = scratch("fix");
    let files = fix_fixtures(
        &dir,
        &[
            "misspelt_name.handoff",
            "misspelt_carries.handoff",
            "unsafe_only.handoff",
            "syntax_error.handoff",
        ],
    );
    let path = dir.to_string_lossy().into_owned();
    let out = handoff(&["check", "--fix", "--format", "json", &path]);
    // The unsafe-only and the broken file keep their errors.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    let files_with_diagnostics: std::collections::BTreeSet<String> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let file = d["file"].as_str().expect("file");
            file.rsplit('/').next().unwrap_or(file).to_string()
        })
        .collect();
    assert_eq!(
        files_with_diagnostics.into_iter().collect::<Vec<_>>(),
        ["syntax_error.handoff", "unsafe_only.handoff"]
    );
    let err = stderr(&out);
    assert!(
        err.contains("misspelt_name.handoff`: replace `bto` with `bot`"),
        "{err}"
    );
    assert!(
        err.contains(
            "misspelt_carries.handoff`: add `email` to `carries` of the handoff `qualify -> call`"
        ),
        "{err}"
    );
    // The broken file is named with the reason its safe fix was withheld.
    assert!(!err.contains("unsafe_only"), "{err}");
    assert!(
        err.contains("not fixed `")
            && err.contains("syntax_error.handoff`: it has syntax errors (E001)"),
        "{err}"
    );
    for (path, before) in &files {
        let after = std::fs::read_to_string(path).expect("read back");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("misspelt") {
            assert_ne!(&after, before, "{name} was not fixed");
            let again = handoff(&["check", &path.to_string_lossy()]);
            assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
        } else {
            assert_eq!(&after, before, "{name} was changed");
        }
    }
    // A second run has nothing left to fix (the broken file is named again, with its reason).
    let out = handoff(&["check", "--fix", &path]);
    let err = stderr(&out);
    assert!(
        !err.contains("\nfixed") && !err.starts_with("fixed"),
        "{err}"
    );
    let human = stdout(&out);
    assert!(
        human.contains("(1 fixable with `--fix` once the syntax errors are fixed)"),
        "{human}"
    );
}

#[test]
fn without_fix_check_writes_nothing() {
    let dir = scratch("no-fix");
    let files = fix_fixtures(&dir, &["misspelt_name.handoff"]);
    let out = handoff(&["check", &dir.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let after = std::fs::read_to_string(&files[0].0).expect("read back");
    assert_eq!(after, files[0].1);
}

#[test]
fn a_file_that_is_not_utf8_gets_its_diagnostics_in_position_order_and_one_for_the_byte() {
    let dir = scratch("not-utf8");
    let broken = dir.join("order.handoff");
    std::fs::write(
        &broken,
        b"workflow w {\n  stpe s { }\n  title \"caf\xe9\"\n}\n",
    )
    .expect("write");
    let byte = dir.join("byte.handoff");
    std::fs::write(&byte, b"workflow w\xff { }\n").expect("write");
    let out = handoff(&[
        "check",
        "--format",
        "json",
        broken.to_str().expect("utf-8 path"),
        byte.to_str().expect("utf-8 path"),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let found: Vec<(String, u64, String)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or_default();
            (
                file.rsplit('/').next().unwrap_or_default().to_string(),
                d["span"]["start"].as_u64().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    // The misspelt `step` (offset 15) comes before the byte at offset 38; the byte that is not
    // UTF-8 is one mistake, not also an "expected `{`".
    let positions: Vec<(&str, u64)> = found.iter().map(|(f, s, _)| (f.as_str(), *s)).collect();
    assert_eq!(
        positions,
        [
            ("order.handoff", 15),
            ("order.handoff", 38),
            ("byte.handoff", 10)
        ],
        "{found:?}"
    );
    assert!(found[2].2.contains("not valid UTF-8"), "{found:?}");
}

#[test]
fn long_names_give_file_names_the_file_system_accepts() {
    let dir = scratch("long-names");
    let (w, t, s) = ("w".repeat(250), "t".repeat(300), "s".repeat(300));
    let source = format!(
        "actor bot: system {{ can x.y }}\nactor lead: human {{ can approve  inbox email \"l@example.com\" }}\n\
         workflow {w} {{\n  owner lead\n  context {{ a: text }}\n  trigger {t}: webhook \"/in\" {{ provides a }}\n\
         step {s} {{ owner bot needs a action x.y reversible }}\n  flow {t} -> {s}\n}}\n"
    );
    let file = dir.join("long.handoff");
    std::fs::write(&file, source).expect("write");
    let file = file.to_str().expect("utf-8 path");
    let check = handoff(&["check", "--deny-warnings", file]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    for target in ["n8n", "make", "ir", "docs"] {
        let out_dir = dir.join(target);
        let out = handoff(&[
            "build",
            file,
            "--target",
            target,
            "-o",
            out_dir.to_str().expect("utf-8 path"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{target}: {}", stderr(&out));
        let mut stack = vec![out_dir];
        let mut files = 0;
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("listed") {
                let path = entry.expect("entry").path();
                let name = path.file_name().expect("a name").len();
                assert!(
                    name <= 255,
                    "{target}: {} bytes in {}",
                    name,
                    path.display()
                );
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files += 1;
                }
            }
        }
        assert!(files > 0, "{target} wrote nothing");
    }
}

#[test]
fn a_file_named_twice_is_checked_once() {
    let out = handoff(&[
        "check",
        "tests/fixtures/rules/E101.handoff",
        "./tests/fixtures/rules/E101.handoff",
        "tests/fixtures/rules/../rules/E101.handoff",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.ends_with("checked 1 file: 10 errors, 0 warnings (3 fixable with `--fix`)\n"),
        "{text}"
    );
}

#[test]
fn an_unreadable_path_is_in_sarif_and_github_output_too() {
    let sarif = handoff(&[
        "check",
        "--format",
        "sarif",
        "examples",
        "no/such/path.handoff",
    ]);
    assert_eq!(sarif.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("one SARIF log");
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{invocation}");
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["descriptor"]["id"], "unreadable-path", "{note}");
    assert!(
        note["message"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("no/such/path.handoff")),
        "{note}"
    );
    let github = handoff(&["check", "--format", "github", "no/such/path.handoff"]);
    assert_eq!(github.status.code(), Some(2));
    assert!(
        stdout(&github).starts_with("::error file=no/such/path.handoff,title=unreadable-path::"),
        "{}",
        stdout(&github)
    );
}

#[test]
fn deny_warnings_says_why_a_run_without_errors_fails() {
    let out = handoff(&[
        "check",
        "--deny-warnings",
        "tests/fixtures/rules/W401.handoff",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with("warnings fail the run: `--deny-warnings` is given\n"),
        "{}",
        stdout(&out)
    );
}

/// `check -` reads standard input (an editor or a pipe), names it `<stdin>`, takes the
/// configuration of the current directory, reads it once when named twice, and `--fix`
/// says it cannot write it back.
#[test]
fn check_reads_standard_input() {
    let dir = Scratch::new("stdin");
    let flawed = "workflow w {\n  owner a\n  actor a: human { inbox email \"a@example.com\" }\n  \
                  trigger t: manual\n  step s { owner a needs qestion }\n  flow t -> s\n  \
                  context { question: text }\n}\n";
    let out = common::handoff_with_stdin(&dir, &["check", "--format", "json", "-", "-"], flawed);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(json["summary"]["files"], 1, "{json}");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{json}");
    assert_eq!(diagnostics[0]["file"], "<stdin>");
    assert_eq!(diagnostics[0]["code"], "E101", "{json}");

    // The configuration of the current directory applies.
    let no_inbox = "workflow w {\n  owner a\n  actor a: human\n  trigger t: manual\n  \
                    step s { owner a }\n  flow t -> s\n}\n";
    let out = common::handoff_with_stdin(&dir, &["check", "--deny-warnings", "-"], no_inbox);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("W206"), "{}", stdout(&out));
    std::fs::write(
        dir.join("handoff.toml"),
        "[rules]\ninvisible-queue = \"allow\"\n",
    )
    .expect("configuration written");
    let out = common::handoff_with_stdin(&dir, &["check", "--deny-warnings", "-"], no_inbox);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let out = common::handoff_with_stdin(&dir, &["check", "--fix", "-"], flawed);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not fixed `<stdin>`: `--fix` writes files in place"),
        "{}",
        stderr(&out)
    );
    // The summary says why what is fixable was not fixed (not "once the syntax errors are
    // fixed": there are none).
    assert!(
        stdout(&out).contains("1 fixable with `--fix` on a file"),
        "{}",
        stdout(&out)
    );
}
