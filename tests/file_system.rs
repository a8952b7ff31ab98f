//! What the file system can do to `handoff check`: links to nothing, cycles of links, pipes,
//! unreadable files and directories, files removed while the run reads them, and a directory of
//! 10,000 files. Each gets a clear message and the right exit code (2 when something could not
//! be read, and the rest is still checked); nothing panics or hangs. Unix only (links, pipes,
//! permissions).
#![cfg(unix)]

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CLEAN: &str = "actor a: human {\n  inbox email \"a@example.com\"\n}\n\nworkflow w {\n  owner a\n  trigger t: webhook \"/t\" { }\n  step s { owner a }\n  flow t -> s\n}\n";
/// One E101 (`ab` is not declared).
const BROKEN: &str = "actor a: human {\n  inbox email \"a@example.com\"\n}\n\nworkflow w {\n  owner a\n  trigger t: webhook \"/t\" { }\n  step s { owner ab }\n  flow t -> s\n}\n";

/// A fresh scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("handoff-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("dirs");
        }
        std::fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Give back the permissions a test took away, so the directory can be removed.
        for entry in walk(&self.0) {
            let _ = std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o755));
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let d = out[i].clone();
        let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755));
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    out.push(e.path());
                }
            }
        }
        i += 1;
    }
    out
}

/// Runs `handoff` in `dir`, failing the test (instead of hanging) if it runs for over a minute.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("`handoff {}` hangs", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_in(dir, args, &[])
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.code().is_some(), "killed by a signal: {err}");
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).expect("one JSON document")
}

#[test]
fn a_link_to_nothing_is_reported_and_the_rest_is_checked() {
    let dir = Scratch::new("dangling");
    dir.write("a.handoff", BROKEN);
    symlink(dir.0.join("gone.handoff"), dir.0.join("b.handoff")).expect("link");
    let out = run(&dir.0, &["check", "."]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("error: cannot read `b.handoff`: it was removed after it was found, or is a link to nothing"),
        "{err}"
    );
    // The readable file is still checked and reported.
    assert!(stdout(&out).contains("E101"), "{}", stdout(&out));
    let out = run(&dir.0, &["check", "--format", "json", "."]);
    let doc = json(&out);
    assert_eq!(doc["unreadable"][0]["path"], "b.handoff", "{doc}");
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_cycle_of_links_is_reported_not_followed() {
    let dir = Scratch::new("loop");
    dir.write("ok.handoff", CLEAN);
    symlink(dir.0.join("b.handoff"), dir.0.join("a.handoff")).expect("link");
    symlink(dir.0.join("a.handoff"), dir.0.join("b.handoff")).expect("link");
    // A link from a directory to itself is not followed by the walk.
    std::fs::create_dir_all(dir.0.join("sub")).expect("dir");
    symlink(&dir.0, dir.0.join("sub/up")).expect("link");
    let out = run(&dir.0, &["check", "--format", "json", "."]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out);
    let unreadable = doc["unreadable"].as_array().expect("unreadable");
    let paths: Vec<&str> = unreadable
        .iter()
        .filter_map(|u| u["path"].as_str())
        .collect();
    assert_eq!(paths, ["a.handoff", "b.handoff"], "{doc}");
    assert!(
        unreadable.iter().all(|u| u["error"]
            .as_str()
            .is_some_and(|e| e.contains("a cycle of symbolic links"))),
        "{doc}"
    );
    assert_eq!(doc["summary"]["files"], 1);
    // Named on the command line.
    let out = run(&dir.0, &["check", "a.handoff"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read `a.handoff`: a cycle of symbolic links"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_pipe_found_by_a_walk_is_not_read() {
    let dir = Scratch::new("fifo");
    dir.write("ok.handoff", CLEAN);
    let made = Command::new("mkfifo")
        .arg(dir.0.join("pipe.handoff"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // Reading a pipe nobody writes to would block forever; `run` fails the test if it hangs.
    let out = run(&dir.0, &["check", "."]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot read `pipe.handoff`: not a regular file (a pipe, socket or device)"),
        "{err}"
    );
    assert_eq!(stdout(&out), "checked 1 file: no problems found\n");
}

#[test]
fn unreadable_files_and_directories_are_reported() {
    let dir = Scratch::new("perm");
    dir.write("ok.handoff", CLEAN);
    let file = dir.write("secret.handoff", CLEAN);
    dir.write("locked/inner.handoff", CLEAN);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::set_permissions(dir.0.join("locked"), std::fs::Permissions::from_mode(0o000))
        .expect("chmod");
    let out = run(&dir.0, &["check", "--format", "json", "."]);
    no_panic(&out);
    let doc = json(&out);
    // A privileged user (root, as in some CI containers) reads them anyway: then there is
    // nothing unreadable to report, and only the absence of a failure can be checked.
    let privileged = std::fs::read(&file).is_ok();
    if privileged {
        assert_eq!(out.status.code(), Some(0), "{doc}");
        assert_eq!(doc["summary"]["files"], 3);
        return;
    }
    assert_eq!(out.status.code(), Some(2));
    let unreadable = doc["unreadable"].as_array().expect("unreadable");
    let paths: Vec<&str> = unreadable
        .iter()
        .filter_map(|u| u["path"].as_str())
        .collect();
    assert_eq!(paths, ["locked", "secret.handoff"], "{doc}");
    assert!(unreadable.iter().all(|u| u["error"]
        .as_str()
        .is_some_and(|e| e.contains("Permission denied"))));
    assert_eq!(doc["summary"]["files"], 1);
}

#[test]
fn files_removed_during_the_run_are_reported_or_never_seen() {
    let dir = Scratch::new("vanish");
    for i in 0..2000 {
        dir.write(&format!("f{i:04}.handoff"), CLEAN);
    }
    let child = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["check", "."])
        .current_dir(&dir.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Remove every file while the run walks and reads them; which ones it sees depends on the
    // timing, but each is either checked, reported as removed, or never found.
    for i in 0..2000 {
        let _ = std::fs::remove_file(dir.0.join(format!("f{i:04}.handoff")));
    }
    let out = child.wait_with_output().expect("output");
    no_panic(&out);
    let err = stderr(&out);
    for line in err.lines() {
        assert!(
            line.starts_with("error: cannot read `f")
                && line.contains("it was removed after it was found")
                || line == "warning: no `.handoff` files found",
            "{line}"
        );
    }
    let removed = err.lines().filter(|l| l.starts_with("error:")).count();
    assert_eq!(
        out.status.code(),
        Some(if removed > 0 { 2 } else { 0 }),
        "{err}"
    );
}

#[test]
fn ten_thousand_files_are_checked_in_sorted_order_whatever_the_threads() {
    let dir = Scratch::new("many");
    for i in 0..10_000 {
        let text = if i % 2500 == 7 { BROKEN } else { CLEAN };
        dir.write(&format!("d{}/f{i:05}.handoff", i % 10), text);
    }
    let out = run(&dir.0, &["check", "."]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .ends_with("checked 10000 files: 4 errors, 0 warnings (4 fixable with `--fix`)\n"),
        "{}",
        stdout(&out)
    );
    let all = run(&dir.0, &["check", "--format", "json", "."]);
    let one = run_in(
        &dir.0,
        &["check", "--format", "json", "."],
        &[("RAYON_NUM_THREADS", "1")],
    );
    assert_eq!(stdout(&all), stdout(&one), "output depends on the threads");
    let doc = json(&all);
    let files: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    assert_eq!(
        files,
        [
            "d7/f00007.handoff",
            "d7/f02507.handoff",
            "d7/f05007.handoff",
            "d7/f07507.handoff"
        ]
    );
    assert_eq!(doc["summary"]["files"], 10_000);
}
