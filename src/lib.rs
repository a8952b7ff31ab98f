//! `handoff`: a compiler for workflows in which work moves between AI agents, people, teams and
//! systems. It parses `.handoff` files, resolves names into a model of each workflow, checks the
//! handoffs, and emits targets.
//!
//! A tool that wants the compiler's view of a workflow calls [`compile`] and reads the
//! [`model`]: the same `handoff-ir` model that `handoff build --target ir` writes as JSON, with
//! a stable, versioned shape (see `docs/targets/ir.md`).
//!
//! ```
//! let source = r#"
//! workflow hello {
//!   owner desk
//!   actor desk: human { can sensitive  inbox email "desk@example.com" }
//!   context { question: text }
//!   trigger ask: form "Ask" { provides question }
//!   step answer { owner desk  needs question  reversible }
//!   flow ask -> answer
//! }
//! "#;
//! let compiled = handoff::compile(source, &handoff::Options::new("hello.handoff"));
//! assert!(!compiled.has_errors());
//! let ir = &compiled.workflows[0];
//! assert_eq!(ir.format.name, "handoff-ir");
//! let step = &ir.steps[0];
//! assert_eq!(&*step.owner, "desk");
//! // The fields a person has in front of them when the step starts (§4 of the language):
//! let available: Vec<&str> = step.available_on_entry.iter().map(|f| &**f).collect();
//! assert_eq!(available, ["question"]);
//! assert_eq!(step.implementation, "hello.answer");
//! // The JSON document `handoff build --target ir` writes:
//! let json = handoff::model::to_json(ir);
//! assert!(json.contains(r#""file": "hello.handoff""#));
//! ```
//!
//! The core does no I/O: every function takes text or models and returns models and
//! diagnostics. See `ARCHITECTURE.md` for the pipeline. The modules other than [`model`],
//! [`diagnostics`] and [`rules`] are the compiler's internals (in particular [`ir`] is its
//! internal resolved model, not the `handoff-ir` format): they are public for the command line
//! and the tests, and may change in any release.

pub mod ast;
pub mod check;
pub mod diagnostics;
pub mod emit;
pub mod fix;
pub mod fmt;
pub mod ir;
pub mod model;
pub mod parse;
pub mod resolve;
pub mod rules;
pub mod span;
pub mod suppress;

use diagnostics::Diagnostic;

/// The result of checking one source text.
#[derive(Debug)]
pub struct Checked {
    /// The resolved model of every workflow that could be built.
    pub module: ir::Module,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses, resolves and checks one source text, and applies its inline suppressions.
pub fn check_source(source: &str) -> Checked {
    check_with(source, &check::Settings::default())
}

/// Parses, resolves and checks one source text with the given rule settings.
pub fn check_with(source: &str, settings: &check::Settings) -> Checked {
    let normalized = span::normalize_line_ends(source);
    let source = &*normalized;
    let parsed = parse::parse(source);
    let mut diagnostics = parsed.diagnostics;
    let module = resolve::resolve(parsed.file, &mut diagnostics);
    diagnostics.extend(check::check(&module, settings));
    diagnostics::sort(&mut diagnostics);
    suppress::apply(source, &mut diagnostics);
    diagnostics::settle(&mut diagnostics);
    Checked {
        module,
        diagnostics,
    }
}

/// How to [`compile`].
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The path of the source, as the spans of the model name it (`Span::file`); it is only a
    /// label, nothing is read from it.
    pub file: String,
    /// The settings of the rules that have a number in them.
    pub settings: check::Settings,
}

impl Options {
    /// Options for a source whose spans name `file`, with the default rule settings.
    pub fn new(file: impl Into<String>) -> Self {
        Options {
            file: file.into(),
            settings: check::Settings::default(),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new("<source>")
    }
}

/// The result of [`compile`]: the model of every workflow, and every diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub struct Compilation {
    /// The `handoff-ir` model of each workflow of the source, in source order; empty when
    /// the source has any error diagnostic (the model of a broken workflow is not defined).
    pub workflows: Vec<model::Document>,
    /// Every diagnostic, errors and warnings, sorted by position.
    pub diagnostics: Vec<diagnostics::Diagnostic>,
}

impl Compilation {
    /// Whether any diagnostic is an error (then [`Compilation::workflows`] is empty).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == diagnostics::Severity::Error)
    }

    /// The model of a checked source: what [`compile`] does after checking. The command line
    /// calls it on the result of its own, timed, run of the checks.
    pub fn from_checked(source: &str, checked: Checked, options: &Options) -> Self {
        let workflows = if checked
            .diagnostics
            .iter()
            .any(|d| d.severity == diagnostics::Severity::Error)
        {
            Vec::new()
        } else {
            model::build(
                source,
                &options.file,
                &checked.module,
                &checked.diagnostics,
                &options.settings,
            )
        };
        Compilation {
            workflows,
            diagnostics: checked.diagnostics,
        }
    }
}

/// Parses, resolves and checks one source text, and builds the `handoff-ir` model of each of
/// its workflows when it has no errors.
///
/// This is the library's entry point: `handoff build --target ir` writes
/// [`model::to_json`] of each of [`Compilation::workflows`]. It does no I/O and never panics.
///
/// ```
/// let compiled = handoff::compile("workflow w { step s { } }", &handoff::Options::default());
/// assert!(compiled.has_errors());
/// assert!(compiled.workflows.is_empty());
/// // Among them: the step has no owner.
/// assert!(compiled.diagnostics.iter().any(|d| d.code() == "E201"));
/// ```
pub fn compile(source: &str, options: &Options) -> Compilation {
    let source = &*span::normalize_line_ends(source);
    Compilation::from_checked(source, check_with(source, &options.settings), options)
}
