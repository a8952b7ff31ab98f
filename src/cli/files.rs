//! Finding and reading the files to check.
//!
//! Finding is one pass over the named paths ([`discover`]); reading is per file ([`read`]), so
//! that the command can read and check files in parallel and keep them in the order found.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use handoff::diagnostics::Diagnostic;

/// The path that stands for standard input (`handoff check -`, `handoff fmt -`).
pub const STDIN: &str = "-";

/// How standard input is named in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether `path` stands for standard input rather than a file named `-`.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// One file read from disk.
pub struct Source {
    /// The path as shown to the user.
    pub display: String,
    /// The text (decoded lossily if the file is not UTF-8).
    pub text: String,
    /// E001 when the file is not UTF-8.
    pub decode_error: Option<Diagnostic>,
}

/// A path that could not be read, with the reason.
pub struct Unreadable {
    pub path: String,
    pub error: String,
}

/// A file to read: named on the command line, or found by a directory walk.
pub struct Found {
    pub path: PathBuf,
    /// Named on the command line: checked whatever the configuration's globs say, and read even
    /// when it is not a regular file (`handoff check <(…)` reads a pipe).
    pub named: bool,
}

/// Finds the files named by `paths`: files as given, directories searched recursively for
/// `*.handoff`, each directory's files in sorted order. Symbolic links to directories are not
/// followed, so a link cycle cannot make the search loop. A path or directory that cannot be
/// read is returned apart, and the search goes on with the others.
pub fn discover(paths: &[PathBuf]) -> (Vec<Found>, Vec<Unreadable>) {
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    let mut stdin = false;
    for path in paths {
        if is_stdin(path) {
            // Standard input is read once, where it is first named.
            if !std::mem::replace(&mut stdin, true) {
                found.push(Found {
                    path: path.clone(),
                    named: true,
                });
            }
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut found, &mut unreadable),
            Ok(_) => found.push(Found {
                path: path.clone(),
                named: true,
            }),
            Err(e) => unreadable.push(Unreadable {
                path: display(path),
                error: reason(&e),
            }),
        }
    }
    // A file named twice, or named and found in a directory also named (`check a.handoff .`),
    // is read once, where it first came: reporting it twice would double its findings.
    let mut seen = std::collections::HashSet::new();
    found.retain(|f| fs::canonicalize(&f.path).map_or(true, |p| seen.insert(p)));
    (found, unreadable)
}

/// Reads one file. A file found by a walk must be a regular file (or a link to one): reading a
/// pipe or a device could block forever.
pub fn read(found: &Found) -> Result<Source, Unreadable> {
    let path = &found.path;
    if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map_err(|e| Unreadable {
            path: STDIN_NAME.to_string(),
            error: e.to_string(),
        })?;
        let (text, decode_error) = handoff::parse::decode(&bytes);
        return Ok(Source {
            display: STDIN_NAME.to_string(),
            text,
            decode_error,
        });
    }
    let fail = |error: String| Unreadable {
        path: display(path),
        error,
    };
    if !found.named {
        // `metadata` follows links: a dangling link or a link cycle fails here.
        let meta = fs::metadata(path).map_err(|e| fail(vanished(&e)))?;
        if !meta.is_file() {
            return Err(fail(String::from(
                "not a regular file (a pipe, socket or device); it is not read",
            )));
        }
    }
    let bytes = fs::read(path).map_err(|e| {
        fail(if found.named {
            reason(&e)
        } else {
            vanished(&e)
        })
    })?;
    let (text, decode_error) = handoff::parse::decode(&bytes);
    Ok(Source {
        display: display(path),
        text,
        decode_error,
    })
}

/// The reason an I/O error gives, in words, with the system's own message.
fn reason(e: &std::io::Error) -> String {
    if e.raw_os_error() == Some(40) && cfg!(target_os = "linux") {
        // ELOOP: the system's text ("too many levels of symbolic links") does not say why.
        return format!("a cycle of symbolic links ({e})");
    }
    e.to_string()
}

/// The reason for a file found by a walk: one that is missing now was removed after it was
/// found (or is a link to nothing).
fn vanished(e: &std::io::Error) -> String {
    if e.kind() == ErrorKind::NotFound {
        format!("it was removed after it was found, or is a link to nothing ({e})")
    } else {
        reason(e)
    }
}

/// Walks `root` without recursion. A subdirectory that cannot be listed (removed meanwhile,
/// permission denied) is reported and skipped; the rest of the walk goes on.
fn walk(root: &Path, out: &mut Vec<Found>, unreadable: &mut Vec<Unreadable>) {
    let mut stack = vec![root.to_path_buf()];
    let mut found = Vec::new();
    let before = unreadable.len();
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                unreadable.push(Unreadable {
                    path: display(&dir),
                    error: reason(&e),
                });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    unreadable.push(Unreadable {
                        path: display(&dir),
                        error: reason(&e),
                    });
                    break;
                }
            };
            let path = entry.path();
            // An entry removed between listing and looking at it is gone: nothing to check.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "handoff") {
                found.push(path);
            }
        }
    }
    found.sort();
    // The stack visits directories in the order the system lists them: sort what it found.
    unreadable[before..].sort_by(|a, b| a.path.cmp(&b.path));
    out.extend(found.into_iter().map(|path| Found { path, named: false }));
}

pub fn display(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}
