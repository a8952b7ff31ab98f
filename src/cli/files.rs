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

/// Collects the files named by `paths`: files as given, directories searched recursively for
/// `*.handoff` in sorted order. Symbolic links to directories are not followed, so a link cycle
/// cannot make the search loop. A path that cannot be read is an error.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    files
        .into_iter()
        .map(|path| {
            let bytes =
                fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let (text, decode_error) = handoff::parse::decode(&bytes);
            Ok(Source {
                display: display(&path),
                text,
                decode_error,
            })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut stack = vec![dir.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
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
