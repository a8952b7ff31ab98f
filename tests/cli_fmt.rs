//! `handoff fmt` as a user meets it: files rewritten in place, `--check` with a diff and exit 1,
//! standard input, and files left untouched when they have syntax errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn handoff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn handoff_with_stdin(args: &[&str], input: &str) -> Output {
    common::handoff_with_stdin(Path::new(env!("CARGO_MANIFEST_DIR")), args, input)
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
        let dir = std::env::temp_dir().join(format!("handoff-fmt-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("written");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const MESSY: &str = "workflow w {\n    owner desk\n  actor desk: human {can approve}\n}\n";
const TIDY: &str = "workflow w {\n  owner desk\n  actor desk: human { can approve }\n}\n";

#[test]
fn check_prints_a_diff_and_exits_1_without_writing() {
    let dir = Scratch::new("check");
    let path = dir.file("w.handoff", MESSY);
    let out = handoff(&["fmt", "--check", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.starts_with(&format!("--- {path}\n+++ {path}\n@@ ")),
        "{diff}"
    );
    assert!(diff.contains("\n-    owner desk\n"), "{diff}");
    assert!(diff.contains("\n+  owner desk\n"), "{diff}");
    assert!(
        diff.contains("\n+  actor desk: human { can approve }\n"),
        "{diff}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("readable"), MESSY);
}

#[test]
fn fmt_writes_in_place_and_then_check_is_clean() {
    let dir = Scratch::new("write");
    let path = dir.file("w.handoff", MESSY);
    let out = handoff(&["fmt", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).expect("readable"), TIDY);
    let out = handoff(&["fmt", "--check", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn the_examples_are_formatted() {
    let out = handoff(&["fmt", "--check", "examples"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).is_empty() && stderr(&out).is_empty());
}

#[test]
fn a_file_with_a_syntax_error_is_left_untouched() {
    let dir = Scratch::new("syntax");
    let broken = "workflow w {\n    step s { ownr desk }\n}\n";
    let path = dir.file("broken.handoff", broken);
    let fine = dir.file("fine.handoff", MESSY);
    for args in [vec!["fmt", &path, &fine], vec!["fmt", "--check", &path]] {
        let out = handoff(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("E001(syntax-error)"), "{err}");
        assert!(
            err.contains("has syntax errors; it was left as it is"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), broken);
    }
    // The other file was still formatted.
    assert_eq!(std::fs::read_to_string(&fine).expect("readable"), TIDY);
}

#[test]
fn an_invalid_utf8_file_is_left_untouched() {
    let dir = Scratch::new("utf8");
    let path = dir.0.join("bad.handoff");
    let bytes = b"workflow w {\n    owner \xff\n}\n";
    std::fs::write(&path, bytes).expect("written");
    let out = handoff(&["fmt", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("E001"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).expect("readable"), bytes);
}

#[test]
fn standard_input_is_formatted_to_standard_output() {
    let out = handoff_with_stdin(&["fmt", "-"], MESSY);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), TIDY);
    let out = handoff_with_stdin(&["fmt", "--check", "-"], MESSY);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("--- <stdin>\n+++ <stdin>\n"));
    let out = handoff_with_stdin(&["fmt", "--check", "-"], TIDY);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_missing_path_exits_2() {
    let out = handoff(&["fmt", "no/such/file.handoff"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read `no/such/file.handoff`"));
}
