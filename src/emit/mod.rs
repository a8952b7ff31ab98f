//! Emitters: the checked model to the formats other tools read.
//!
//! **Invariants:** an emitter runs only on a workflow without error diagnostics; it does no I/O
//! (it returns text); the same input gives the same bytes; text from the source is data and is
//! escaped for the target so that it can never become code there (docs/language.md).

pub mod docs;
pub mod make;
pub mod n8n;

/// The longest name (in bytes) that a file name of the outputs holds as it is.
const FILE_STEM: usize = 100;

/// A name as part of a file name. Names are identifiers, so their characters are safe; a long
/// one is cut to its first 100 bytes followed by a hash of the whole name (distinct
/// names stay distinct), because file systems refuse names over 255 bytes and an output file
/// name may hold two names (`<workflow>.intake.<trigger>.json`).
pub fn file_stem(name: &str) -> std::borrow::Cow<'_, str> {
    if name.len() <= FILE_STEM {
        return name.into();
    }
    let mut cut = FILE_STEM;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes()).simple();
    format!("{}-{}", &name[..cut], &hash.to_string()[..8]).into()
}
