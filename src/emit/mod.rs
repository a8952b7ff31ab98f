//! Emitters: the checked model to the formats other tools read.
//!
//! **Invariants:** an emitter runs only on a workflow without error diagnostics; it does no I/O
//! (it returns text); the same input gives the same bytes; text from the source is data and is
//! escaped for the target so that it can never become code there (docs/language.md).

pub mod docs;
pub mod make;
pub mod n8n;
