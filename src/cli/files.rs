//! Finding and reading the files to check.

use std::fs;
use std::path::{Path, PathBuf};

use handoff::diagnostics::Diagnostic;

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

/// Collects the files named by `paths`: files as given, directories searched recursively for
/// `*.handoff` in sorted order. Symbolic links to directories are not followed, so a link cycle
/// cannot make the search loop. A path that cannot be read is returned apart, and the others are
/// still read.
pub fn collect(paths: &[PathBuf]) -> (Vec<Source>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    let mut fail = |path: &Path, e: &dyn std::fmt::Display| {
        unreadable.push(Unreadable {
            path: display(path),
            error: e.to_string(),
        });
    };
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                if let Err((dir, e)) = walk(path, &mut files) {
                    fail(&dir, &e);
                }
            }
            Ok(_) => files.push(path.clone()),
            Err(e) => fail(path, &e),
        }
    }
    let mut sources = Vec::new();
    for path in files {
        match fs::read(&path) {
            Ok(bytes) => {
                let (text, decode_error) = handoff::parse::decode(&bytes);
                sources.push(Source {
                    display: display(&path),
                    text,
                    decode_error,
                });
            }
            Err(e) => fail(&path, &e),
        }
    }
    (sources, unreadable)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), (PathBuf, std::io::Error)> {
    let mut stack = vec![dir.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| (dir.clone(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| (dir.clone(), e))?;
            let path = entry.path();
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
    out.extend(found);
    Ok(())
}

fn display(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}
