//! Argument parsing and the commands. The only module that touches files, stdout and exit codes.
//!
//! Exit codes: 0 clean, 1 diagnostics of error severity, 2 the tool could not run.

mod config;
mod files;
mod fmt;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use handoff::check::Settings;
use handoff::diagnostics::{self, FileReport, Severity};
use handoff::rules;

/// Exit code: no error-severity diagnostics.
const CLEAN: i32 = 0;
/// Exit code: at least one error-severity diagnostic.
const FOUND_ERRORS: i32 = 1;
/// Exit code: the tool could not run.
const CANNOT_RUN: i32 = 2;

/// Width of human-readable diagnostics.
const WIDTH: usize = 100;

#[derive(Parser)]
#[command(
    name = "handoff",
    version,
    about = "Check workflows in which work moves between AI agents, people, teams and systems"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check `.handoff` files and report every problem found.
    Check {
        /// Files or directories (searched recursively for `*.handoff`); the current directory
        /// if none is given.
        paths: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Print how long parsing, resolution and the checks took, on stderr (for benchmarks).
        #[arg(long)]
        timings: bool,
        /// Exit with 1 when there are warnings too, not only errors.
        #[arg(long)]
        deny_warnings: bool,
        /// The configuration to use for every file, instead of the `handoff.toml` found in
        /// each file's directory or its nearest parent.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Apply the safe fixes (a misspelt name with one close match, a field missing from
        /// `carries`, `flow` made `handoff`), write the files, and report what is left.
        #[arg(long)]
        fix: bool,
    },
    /// Compile workflows to a target. Writes nothing when the input has errors.
    Build {
        /// A `.handoff` file, or a directory searched recursively.
        path: PathBuf,
        /// What to compile to.
        #[arg(long, value_enum, default_value_t = Target::N8n)]
        target: Target,
        /// Where to write the output files (one per workflow).
        #[arg(short = 'o', long = "out", default_value = "build")]
        out: PathBuf,
        /// For n8n: `export` is what n8n's export writes, `api` what its REST API accepts.
        #[arg(long, value_enum, default_value_t = N8nProfile::Export)]
        profile: N8nProfile,
        /// The configuration to use, instead of the nearest `handoff.toml` (as for `check`).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// For n8n: write a test variant whose first trigger is a manual trigger emitting the
        /// `payload` of this JSON file, and whose AI and system placeholders emit its `outputs`
        /// (`{"payload": {…}, "outputs": {"step": {…}}}`).
        #[arg(long)]
        test_payload: Option<PathBuf>,
    },
    /// Write Markdown documentation: one page per workflow (diagram, handoffs, context, actors,
    /// reversibility, diagnostics), and `index.md` when there are several. Writes nothing when
    /// the input has errors; warnings are printed and listed on the pages.
    Doc {
        /// A `.handoff` file, or a directory searched recursively.
        path: PathBuf,
        /// Where to write the pages.
        #[arg(short = 'o', long = "out", default_value = "docs/workflows")]
        out: PathBuf,
        /// The configuration to use, instead of the nearest `handoff.toml` (as for `check`).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
    /// Print the diagram of a workflow (nothing else) on stdout.
    Graph {
        /// A `.handoff` file, or a directory searched recursively.
        path: PathBuf,
        /// Mermaid (for Markdown pages) or Graphviz DOT.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Which workflow, when the input has several.
        #[arg(long)]
        workflow: Option<String>,
        /// The configuration to use, instead of the nearest `handoff.toml` (as for `check`).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
    /// Rewrite `.handoff` files in the canonical layout (comments kept). A file with syntax
    /// errors is left as it is. `-` formats standard input to standard output.
    Fmt {
        /// Files or directories (searched recursively for `*.handoff`), or `-`; the current
        /// directory if none is given.
        paths: Vec<PathBuf>,
        /// Write nothing: print a unified diff of what would change, and exit with 1 if
        /// anything would.
        #[arg(long)]
        check: bool,
    },
    /// Explain a rule: what it checks, why it matters, an example and the fix. Without a code,
    /// list every rule.
    Explain {
        /// A rule code such as `E101`, or a rule name such as `undefined-name`.
        code: Option<String>,
    },
    /// Print a shell completion script on stdout (for example
    /// `handoff completions bash > ~/.local/share/bash-completion/completions/handoff`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    /// A workflow JSON that n8n 2.8 imports and runs.
    N8n,
    /// Make scenario blueprints, one per part of each workflow (split where a person answers).
    Make,
    /// The checked model as JSON: one `handoff-ir` document per workflow (`docs/targets/ir.md`).
    Ir,
    /// Markdown documentation, as `handoff doc` writes it.
    Docs,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
}

#[derive(Clone, Copy, ValueEnum)]
enum N8nProfile {
    Export,
    Api,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Diagnostics with the source they point at, for people.
    Human,
    /// One JSON document on stdout, for tools (see the README for its shape).
    Json,
    /// SARIF 2.1.0 on stdout, for code scanning (GitHub, Azure DevOps, IDEs).
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`), which annotate pull requests.
    Github,
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { CANNOT_RUN } else { CLEAN };
        }
    };
    match cli.command {
        Command::Check {
            paths,
            format,
            timings,
            deny_warnings,
            config,
            fix,
        } => check(
            &paths,
            format,
            timings,
            deny_warnings,
            config.as_deref(),
            fix,
        ),
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Explain { code } => explain(code.as_deref()),
        Command::Completions { shell } => completions(shell),
        Command::Doc { path, out, config } => doc(&path, &out, config.as_deref()),
        Command::Graph {
            path,
            format,
            workflow,
            config,
        } => graph(&path, format, workflow.as_deref(), config.as_deref()),
        Command::Build {
            path,
            target,
            out,
            profile,
            config,
            test_payload,
        } => build(
            &path,
            target,
            &out,
            profile,
            test_payload.as_deref(),
            config.as_deref(),
        ),
    }
}

/// Time spent in each stage, summed over files (and so over threads).
#[derive(Default)]
struct Timings {
    parse: Duration,
    resolve: Duration,
    check: Duration,
}

impl Timings {
    fn add(&mut self, other: &Timings) {
        self.parse += other.parse;
        self.resolve += other.resolve;
        self.check += other.check;
    }
}

/// Runs the pipeline on one file, stage by stage, so that each stage can be timed.
/// Includes the file's decoding error, if any, with its diagnostics.
fn check_one(file: &files::Source, settings: &Settings, timings: &mut Timings) -> handoff::Checked {
    let start = Instant::now();
    let parsed = handoff::parse::parse(&file.text);
    let parsed_at = Instant::now();
    let mut diagnostics = parsed.diagnostics;
    // Resolution consumes the syntax tree, freeing each declaration once it is resolved.
    let module = handoff::resolve::resolve(parsed.file, &mut diagnostics);
    let resolved_at = Instant::now();
    diagnostics.extend(handoff::check::check(&module, settings));
    let checked_at = Instant::now();
    if let Some(d) = &file.decode_error {
        // The first byte that is not UTF-8 reads as U+FFFD, which the parser rejects at the
        // same place: that is the same mistake.
        let at = d.span.start();
        diagnostics.retain(|x| !(std::ptr::eq(x.rule, d.rule) && x.span.start() == at));
        diagnostics.push(d.clone());
    }
    handoff::diagnostics::sort(&mut diagnostics);
    handoff::suppress::apply(&file.text, &mut diagnostics);
    timings.parse += parsed_at - start;
    timings.resolve += resolved_at - parsed_at;
    timings.check += checked_at - resolved_at;
    handoff::Checked {
        module,
        diagnostics,
    }
}

/// What the commands that read `.handoff` files share: every file found, read and checked
/// under its configuration, in the order found.
struct Loaded {
    sources: Vec<files::Source>,
    /// Each file's model and diagnostics (configured levels applied).
    checked: Vec<handoff::Checked>,
    /// Each file's configuration.
    configs: Vec<Arc<config::Config>>,
    /// Paths that could not be read.
    unreadable: Vec<files::Unreadable>,
    /// With `--fix`: each file that was fixed and what was done to it, in the order found.
    fixed: Vec<(String, Vec<String>)>,
    /// With `--fix`: files whose fixed text could not be written (they are reported unfixed).
    unwritable: Vec<files::Unreadable>,
    timings: Timings,
}

/// What `--fix` did to one file.
enum Fixing {
    /// Nothing to fix, or not asked to.
    Untouched,
    /// Fixed and written: what each fix did.
    Written(Vec<String>),
    /// Fixed, but the file could not be written: why.
    Unwritable(String),
}

/// Applies the safe fixes of one checked file and writes the result in place (`check --fix`).
/// A file that is not UTF-8 or not a regular file is left alone. On success the file's text
/// and check become those of the fixed text.
fn fix_file(
    found: &files::Found,
    source: &mut files::Source,
    checked: &mut handoff::Checked,
    config: &config::Config,
    timings: &mut Timings,
) -> Fixing {
    if source.decode_error.is_some()
        || files::is_stdin(&found.path)
        || !std::fs::metadata(&found.path).is_ok_and(|m| m.is_file())
    {
        return Fixing::Untouched;
    }
    let first = std::mem::replace(
        checked,
        handoff::Checked {
            module: handoff::ir::Module::default(),
            diagnostics: Vec::new(),
        },
    );
    let display = source.display.clone();
    let fixed = handoff::fix::fix(&source.text, first, |text| {
        let again = files::Source {
            display: display.clone(),
            text: text.to_string(),
            decode_error: None,
        };
        let mut c = check_one(&again, &config.settings, timings);
        config.apply(&mut c.diagnostics);
        c
    });
    if fixed.applied.is_empty() {
        *checked = fixed.checked;
        return Fixing::Untouched;
    }
    if let Err(e) = std::fs::write(&found.path, &fixed.text) {
        // The file keeps its text, so it is reported as it is.
        let mut c = check_one(source, &config.settings, timings);
        config.apply(&mut c.diagnostics);
        *checked = c;
        return Fixing::Unwritable(e.to_string());
    }
    source.text = fixed.text;
    *checked = fixed.checked;
    Fixing::Written(fixed.applied)
}

/// Finds the files under `paths`, chooses each one's configuration (`--config`, or the nearest
/// `handoff.toml`), and reads and checks them in parallel, on every core (rayon's pool:
/// `RAYON_NUM_THREADS` sets its size). Files are independent, so the work is split per file;
/// results come back in the order found, so output does not depend on the threads. With
/// `models` false each file's model is dropped once checked (only `check` does that: it needs
/// the diagnostics alone). With `fix`, each file's safe fixes are applied and written
/// ([`fix_file`]) before its diagnostics are kept. A configuration that cannot be used stops
/// everything.
fn load(
    paths: &[PathBuf],
    config: Option<&Path>,
    models: bool,
    fix: bool,
) -> Result<Loaded, config::LoadError> {
    type Read = (files::Source, handoff::Checked, Timings, Fixing);
    let (found, mut unreadable) = files::discover(paths);
    let (found, configs) = configure(found, config)?;
    let results: Vec<Result<Read, files::Unreadable>> = found
        .par_iter()
        .zip(configs.par_iter())
        .map(|(f, c)| {
            let mut source = files::read(f)?;
            let mut timings = Timings::default();
            let mut checked = check_one(&source, &c.settings, &mut timings);
            c.apply(&mut checked.diagnostics);
            let fixing = if fix {
                fix_file(f, &mut source, &mut checked, c, &mut timings)
            } else {
                Fixing::Untouched
            };
            if !models {
                checked.module = handoff::ir::Module::default();
            }
            Ok((source, checked, timings, fixing))
        })
        .collect();
    let mut loaded = Loaded {
        sources: Vec::with_capacity(results.len()),
        checked: Vec::with_capacity(results.len()),
        configs: Vec::with_capacity(results.len()),
        unreadable: Vec::new(),
        fixed: Vec::new(),
        unwritable: Vec::new(),
        timings: Timings::default(),
    };
    for (result, config) in results.into_iter().zip(configs) {
        match result {
            Ok((source, checked, timings, fixing)) => {
                match fixing {
                    Fixing::Untouched => {}
                    Fixing::Written(applied) => {
                        loaded.fixed.push((source.display.clone(), applied));
                    }
                    Fixing::Unwritable(error) => loaded.unwritable.push(files::Unreadable {
                        path: source.display.clone(),
                        error,
                    }),
                }
                loaded.sources.push(source);
                loaded.checked.push(checked);
                loaded.configs.push(config);
                loaded.timings.add(&timings);
            }
            Err(u) => unreadable.push(u),
        }
    }
    loaded.unreadable = unreadable;
    Ok(loaded)
}

/// The diagnostics of each file with its text, ready to render.
fn reports<'a>(
    sources: &'a [files::Source],
    checked: &'a [handoff::Checked],
) -> Vec<FileReport<'a>> {
    sources
        .iter()
        .zip(checked)
        .map(|(s, c)| FileReport {
            path: &s.display,
            source: &s.text,
            diagnostics: &c.diagnostics,
        })
        .collect()
}

fn check(
    paths: &[PathBuf],
    format: Format,
    show_timings: bool,
    deny_warnings: bool,
    config: Option<&Path>,
    fix: bool,
) -> i32 {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    // A path that cannot be read does not stop the others from being checked; it is reported
    // (inside the JSON document with `--format json`) and the exit code is 2.
    let loaded = match load(&paths, config, false, fix) {
        Ok(loaded) => loaded,
        Err(e) => return configuration_failed(&e, format),
    };
    let Loaded {
        sources,
        checked,
        unreadable,
        fixed,
        unwritable,
        timings,
        ..
    } = loaded;
    // What `--fix` did goes to stderr, so that stdout stays one document in every format.
    for (path, applied) in &fixed {
        for message in applied {
            eprintln!("fixed `{path}`: {message}");
        }
    }
    for u in &unwritable {
        eprintln!("error: cannot write the fixes of `{}`: {}", u.path, u.error);
    }
    if fix {
        // Fixes are applied only to a file that parses: say so where some were withheld.
        for (s, c) in sources.iter().zip(&checked) {
            let syntax = c.diagnostics.iter().any(|d| d.code() == "E001");
            let withheld = c
                .diagnostics
                .iter()
                .any(|d| d.fix.as_ref().is_some_and(|f| f.safe));
            if syntax && withheld {
                eprintln!(
                    "not fixed `{}`: it has syntax errors (E001); fix them, then run `--fix` again",
                    s.display
                );
            } else if withheld && s.display == files::STDIN_NAME {
                eprintln!(
                    "not fixed `{}`: `--fix` writes files in place; save the text to a file to fix it",
                    s.display
                );
            }
        }
    }
    if sources.is_empty() && unreadable.is_empty() {
        eprintln!("warning: no `.handoff` files found");
    }
    if show_timings {
        eprintln!(
            "timings: parse {:.6}s, resolve {:.6}s, check {:.6}s",
            timings.parse.as_secs_f64(),
            timings.resolve.as_secs_f64(),
            timings.check.as_secs_f64()
        );
    }
    let reports = reports(&sources, &checked);
    let all = || checked.iter().flat_map(|c| &c.diagnostics);
    let errors = all().filter(|d| d.severity == Severity::Error).count();
    let warnings = all().filter(|d| d.severity == Severity::Warning).count();
    // What could not be read, as every machine-read format reports it.
    let unread: Vec<diagnostics::Unreadable<'_>> = unreadable
        .iter()
        .map(|u| diagnostics::Unreadable {
            path: &u.path,
            error: &u.error,
        })
        .collect();
    let out = match format {
        Format::Json => diagnostics::render_json_with_unreadable(&reports, sources.len(), &unread),
        Format::Sarif | Format::Github => {
            // Both are read by machines from stdout: what could not be read is in the output
            // too (a failed invocation in SARIF, `::error` lines for GitHub), and on stderr;
            // the exit code (2) says the run is incomplete.
            for u in &unreadable {
                eprintln!("error: cannot read `{}`: {}", u.path, u.error);
            }
            if matches!(format, Format::Sarif) {
                diagnostics::render_sarif_with_unreadable(&reports, &unread)
            } else {
                let mut out = diagnostics::render_github(&reports);
                out.push_str(&diagnostics::render_github_unreadable(&unread));
                out
            }
        }
        Format::Human => {
            for u in &unreadable {
                eprintln!("error: cannot read `{}`: {}", u.path, u.error);
            }
            let mut out = diagnostics::render_human(&reports, WIDTH);
            if !sources.is_empty() || unreadable.is_empty() {
                let fixable = all()
                    .filter(|d| d.fix.as_ref().is_some_and(|f| f.safe))
                    .count();
                // After `--fix`, what is left fixable was withheld: from a file with syntax
                // errors, or from standard input (which `--fix` cannot write).
                let when = if !fix {
                    ""
                } else if checked
                    .iter()
                    .any(|c| c.diagnostics.iter().any(|d| d.code() == "E001"))
                {
                    " once the syntax errors are fixed"
                } else {
                    " on a file"
                };
                out.push_str(&summary(sources.len(), errors, warnings, fixable, when));
                if deny_warnings && errors == 0 && warnings > 0 {
                    out.push_str("warnings fail the run: `--deny-warnings` is given\n");
                }
            }
            out
        }
    };
    if write_stdout(&out).is_err() || !unreadable.is_empty() || !unwritable.is_empty() {
        return CANNOT_RUN;
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        FOUND_ERRORS
    } else {
        CLEAN
    }
}

/// A configuration that cannot be used: nothing is checked, the mistakes are printed (on
/// stderr for people; in machine formats as one valid document on stdout, so a pipeline that
/// parses it still sees why), and the exit code is 2.
fn configuration_failed(error: &config::LoadError, format: Format) -> i32 {
    let (mistakes, unreadable) = (error.mistakes(), error.unreadable());
    let out = match format {
        Format::Human => {
            eprint!("{}", error.human());
            return CANNOT_RUN;
        }
        Format::Json => diagnostics::render_json_failure(&mistakes, &unreadable),
        Format::Sarif => diagnostics::render_sarif_failure(&mistakes, &unreadable),
        Format::Github => diagnostics::render_github_failure(&mistakes, &unreadable),
    };
    let _ = write_stdout(&out);
    CANNOT_RUN
}

/// The configuration of each file: `--config` for all, or the `handoff.toml` nearest to each
/// (each file loaded once); files found by a directory walk that the configuration's
/// `include`/`exclude` leave out are dropped before they are read.
fn configure(
    found: Vec<files::Found>,
    config: Option<&Path>,
) -> Result<(Vec<files::Found>, Vec<Arc<config::Config>>), config::LoadError> {
    let forced = config.map(config::load).transpose()?.map(Arc::new);
    let default = Arc::new(config::Config::default());
    let mut loaded: HashMap<PathBuf, Arc<config::Config>> = HashMap::new();
    // The configuration file found from each directory, so that many files in one directory
    // walk up once.
    let mut found_from: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut kept = Vec::new();
    let mut configs = Vec::new();
    for file in found {
        let path = file.path.as_path();
        let config = if let Some(c) = &forced {
            Arc::clone(c)
        } else if let Some(found) = found_from
            .entry(path.parent().map(Path::to_path_buf).unwrap_or_default())
            .or_insert_with(|| config::find(path))
            .clone()
        {
            if let Some(c) = loaded.get(&found) {
                Arc::clone(c)
            } else {
                let c = Arc::new(config::load(&found)?);
                loaded.insert(found, Arc::clone(&c));
                c
            }
        } else {
            Arc::clone(&default)
        };
        if file.named || config.walks_into(path) {
            kept.push(file);
            configs.push(config);
        }
    }
    Ok((kept, configs))
}

fn build(
    path: &Path,
    target: Target,
    out: &Path,
    profile: N8nProfile,
    test_payload: Option<&Path>,
    config: Option<&Path>,
) -> i32 {
    if matches!(target, Target::Docs) {
        return doc(path, out, config);
    }
    let test = match test_payload.map(read_test_run).transpose() {
        Ok(test) => test,
        Err(message) => {
            eprintln!("error: {message}");
            return CANNOT_RUN;
        }
    };
    // Check everything first: nothing is written when any file has errors.
    let Loaded {
        sources,
        checked,
        configs,
        ..
    } = match checked_without_errors(path, config) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // One output file per workflow, named after it: two workflows of one name (in different
    // files; in one file that is E102) would overwrite each other.
    let mut names: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    let mut clashes = 0;
    for (source, c) in sources.iter().zip(&checked) {
        if c.module.workflows.is_empty() {
            eprintln!(
                "warning: `{}` holds no workflow; nothing is built from it",
                source.display
            );
        }
        for wf in &c.module.workflows {
            if let Some(first) = names.insert(&wf.name.text, &source.display) {
                eprintln!(
                    "error: two workflows are named `{}`, in `{first}` and in `{}`; both would be written to `{}.json`",
                    wf.name.text, source.display, wf.name.text
                );
                clashes += 1;
            }
        }
    }
    if clashes > 0 {
        eprintln!("error: rename one workflow of each pair; nothing was written");
        return CANNOT_RUN;
    }
    if names.is_empty() {
        eprintln!("error: no workflow to build; nothing was written");
        return CANNOT_RUN;
    }
    if matches!(target, Target::Ir) {
        let index = path.is_dir();
        return build_ir(&sources, checked, out, index);
    }
    let options = handoff::emit::n8n::Options {
        profile: match profile {
            N8nProfile::Export => handoff::emit::n8n::Profile::Export,
            N8nProfile::Api => handoff::emit::n8n::Profile::Api,
        },
        test,
    };
    let mut outputs = Vec::new();
    // n8n implementations: written only where no file exists yet (they are the user's).
    let mut implementations: Vec<(String, String)> = Vec::new();
    for (c, config) in checked.iter().zip(&configs) {
        for wf in &c.module.workflows {
            let analysis = handoff::check::Analysis::new(wf, &config.settings);
            if matches!(target, Target::Make) {
                match handoff::emit::make::emit(&analysis) {
                    Ok(parts) => outputs.extend(parts.into_iter().map(|p| {
                        (
                            format!("{}/{}", handoff::emit::file_stem(&wf.name.text), p.file),
                            p.json,
                        )
                    })),
                    Err(problems) => {
                        eprintln!(
                            "error: the Make output of `{}` failed its own validation (a bug in handoff):",
                            wf.name.text
                        );
                        for p in problems {
                            eprintln!("  {p}");
                        }
                        return CANNOT_RUN;
                    }
                }
                continue;
            }
            match handoff::emit::n8n::emit(&analysis, &options) {
                Ok(output) => {
                    outputs.push((
                        format!("{}.json", handoff::emit::file_stem(&wf.name.text)),
                        output.orchestration,
                    ));
                    outputs.extend(output.intakes);
                    outputs.push(output.errors);
                    for imp in output.implementations {
                        if !implementations.iter().any(|(file, _)| *file == imp.file) {
                            implementations.push((imp.file, imp.json));
                        }
                    }
                }
                Err(problems) => {
                    eprintln!(
                        "error: the n8n output of `{}` failed its own validation (a bug in handoff):",
                        wf.name.text
                    );
                    for p in problems {
                        eprintln!("  {p}");
                    }
                    return CANNOT_RUN;
                }
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create `{}`: {e}", out.display());
        return CANNOT_RUN;
    }
    for (name, text) in &outputs {
        let file = out.join(name);
        if let Some(dir) = file.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("error: cannot create `{}`: {e}", dir.display());
                return CANNOT_RUN;
            }
        }
        if let Err(e) = std::fs::write(&file, text) {
            eprintln!("error: cannot write `{}`: {e}", file.display());
            return CANNOT_RUN;
        }
        println!("wrote {}", file.display());
    }
    for (name, text) in &implementations {
        let file = out.join(name);
        if let Some(dir) = file.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("error: cannot create `{}`: {e}", dir.display());
                return CANNOT_RUN;
            }
        }
        // `create_new`: an existing file (the user's implementation) is never overwritten.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        match written {
            Ok(()) => println!("wrote {} (a starting implementation)", file.display()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => println!(
                "kept {} (an implementation: yours to edit, never overwritten)",
                file.display()
            ),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", file.display());
                return CANNOT_RUN;
            }
        }
    }
    CLEAN
}

/// Reads and checks every file under `path` under its configuration, printing diagnostics on
/// stderr. `Err` holds the exit code when nothing should be produced: a path that cannot be
/// read, a configuration that cannot be used, or an error in the input.
fn checked_without_errors(path: &Path, config: Option<&Path>) -> Result<Loaded, i32> {
    let loaded = match load(&[path.to_path_buf()], config, true, false) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprint!("{}", e.human());
            return Err(CANNOT_RUN);
        }
    };
    if !loaded.unreadable.is_empty() {
        for u in &loaded.unreadable {
            eprintln!("error: cannot read `{}`: {}", u.path, u.error);
        }
        eprintln!("error: nothing was written");
        return Err(CANNOT_RUN);
    }
    let rendered = diagnostics::render_human(&reports(&loaded.sources, &loaded.checked), WIDTH);
    if !rendered.is_empty() {
        eprint!("{rendered}");
    }
    let errors = loaded
        .checked
        .iter()
        .flat_map(|c| &c.diagnostics)
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 {
        eprintln!(
            "error: {} in the input; nothing was written",
            plural(errors, "error")
        );
        return Err(FOUND_ERRORS);
    }
    Ok(loaded)
}

/// `handoff doc` and `build --target docs`.
fn doc(path: &Path, out: &Path, config: Option<&Path>) -> i32 {
    use handoff::emit::docs;
    let Loaded {
        sources,
        checked,
        configs,
        ..
    } = match checked_without_errors(path, config) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut pages: Vec<(String, String)> = Vec::new();
    let mut entries: Vec<(String, Option<String>, usize)> = Vec::new();
    for ((source, c), config) in sources.iter().zip(&checked).zip(&configs) {
        if c.module.workflows.is_empty() {
            eprintln!(
                "warning: `{}` holds no workflow; no page is written for it",
                source.display
            );
        }
        for wf in &c.module.workflows {
            let file = format!("{}.md", handoff::emit::file_stem(&wf.name.text));
            if pages.iter().any(|(f, _)| *f == file) {
                eprintln!(
                    "error: two workflows are named `{}`; their pages would overwrite each other",
                    wf.name.text
                );
                return CANNOT_RUN;
            }
            let analysis = handoff::check::Analysis::new(wf, &config.settings);
            let diags = docs::diagnostics_of(wf, &c.module.workflows, &c.diagnostics);
            entries.push((
                wf.name.text.clone(),
                wf.title.as_ref().map(|t| t.value.clone()),
                diags.len(),
            ));
            pages.push((file, docs::page(&analysis, &source.text, &diags)));
        }
    }
    if pages.is_empty() {
        eprintln!("error: no workflow to document; nothing was written");
        return CANNOT_RUN;
    }
    if pages.len() > 1 {
        // The index is `index.md`: a workflow named `index` would be overwritten by it.
        if entries.iter().any(|e| e.0 == "index") {
            eprintln!(
                "error: the page of the workflow `index` would be overwritten by the index of the pages; rename the workflow"
            );
            return CANNOT_RUN;
        }
        let files: Vec<String> = entries
            .iter()
            .map(|e| format!("{}.md", handoff::emit::file_stem(&e.0)))
            .collect();
        let index: Vec<docs::IndexEntry> = entries
            .iter()
            .zip(&files)
            .map(|(e, file)| docs::IndexEntry {
                name: &e.0,
                title: e.1.as_deref(),
                file,
                diagnostics: e.2,
            })
            .collect();
        pages.push((String::from("index.md"), docs::index(&index)));
    }
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create `{}`: {e}", out.display());
        return CANNOT_RUN;
    }
    for (name, text) in &pages {
        let file = out.join(name);
        if let Err(e) = std::fs::write(&file, text) {
            eprintln!("error: cannot write `{}`: {e}", file.display());
            return CANNOT_RUN;
        }
        println!("wrote {}", file.display());
    }
    CLEAN
}

/// `handoff graph`: the diagram of one workflow on stdout.
fn graph(path: &Path, format: GraphFormat, workflow: Option<&str>, config: Option<&Path>) -> i32 {
    use handoff::emit::docs;
    let Loaded {
        sources,
        checked,
        configs,
        ..
    } = match checked_without_errors(path, config) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let all: Vec<(&files::Source, &handoff::ir::Workflow, &config::Config)> = sources
        .iter()
        .zip(&checked)
        .zip(&configs)
        .flat_map(|((s, c), config)| c.module.workflows.iter().map(move |w| (s, w, &**config)))
        .collect();
    let chosen: Vec<_> = all
        .iter()
        .filter(|(_, w, _)| workflow.is_none_or(|n| w.name.text == n))
        .collect();
    let [(source, wf, config)] = chosen.as_slice() else {
        let names: Vec<String> = all
            .iter()
            .map(|(_, w, _)| format!("`{}`", w.name.text))
            .collect();
        match workflow {
            Some(n) => eprintln!(
                "error: no workflow is named `{n}`; there are {}",
                names.join(", ")
            ),
            None if names.is_empty() => eprintln!("error: the input has no workflow"),
            None => eprintln!(
                "error: the input has {} workflows; choose one with `--workflow` ({})",
                names.len(),
                names.join(", ")
            ),
        }
        return CANNOT_RUN;
    };
    let analysis = handoff::check::Analysis::new(wf, &config.settings);
    let format = match format {
        GraphFormat::Mermaid => docs::GraphFormat::Mermaid,
        GraphFormat::Dot => docs::GraphFormat::Dot,
    };
    if format == docs::GraphFormat::Mermaid && docs::diagrams(&analysis, &source.text).len() > 1 {
        eprintln!(
            "warning: this diagram is above Mermaid's default limits ({} characters, {} edges); `handoff doc` splits it into parts",
            docs::MAX_TEXT,
            docs::MAX_EDGES
        );
    }
    if write_stdout(&docs::graph(&analysis, &source.text, format)).is_err() {
        return CANNOT_RUN;
    }
    CLEAN
}

/// `build --target ir`: one `handoff-ir` document per workflow, through the library's
/// [`handoff::Compilation`], and an `index.json` when a directory or several workflows were
/// compiled. Called only when the input has no errors. Documents are streamed to their files,
/// so a large workflow's JSON is never held in memory as a whole.
fn build_ir(
    sources: &[files::Source],
    checked: Vec<handoff::Checked>,
    out: &Path,
    directory: bool,
) -> i32 {
    use handoff::model::{self, Index, IndexEntry};
    let mut documents = Vec::new();
    let mut index = Index {
        format: model::Format::default(),
        workflows: Vec::new(),
    };
    let mut compiled_docs = Vec::new();
    for (source, checked) in sources.iter().zip(checked) {
        let options = handoff::Options::new(source.display.clone());
        let compiled = handoff::Compilation::from_checked(&source.text, checked, &options);
        compiled_docs.extend(compiled.workflows.into_iter().map(|doc| (source, doc)));
    }
    let with_index = directory || compiled_docs.len() > 1;
    for (source, doc) in compiled_docs {
        let stem = handoff::emit::file_stem(&doc.workflow.name);
        // A workflow named `index` would be written over by the index: its document takes a
        // name no identifier gives.
        let file = if with_index && stem == "index" {
            "index.workflow.json".to_string()
        } else {
            format!("{stem}.json")
        };
        index.workflows.push(IndexEntry {
            workflow: doc.workflow.name.to_string(),
            file: file.clone(),
            source: source.display.clone(),
        });
        documents.push((file, doc));
    }
    // Names are identifiers, so they are safe file names; two workflows of one name (in two
    // files) would overwrite each other's output.
    let mut names: Vec<&str> = documents.iter().map(|(name, _)| name.as_str()).collect();
    if with_index {
        names.push("index.json");
    }
    names.sort_unstable();
    if let Some([twice, ..]) = names.windows(2).find(|w| w[0] == w[1]) {
        eprintln!("error: two outputs would be written to `{twice}`; rename one of the workflows");
        return CANNOT_RUN;
    }
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create `{}`: {e}", out.display());
        return CANNOT_RUN;
    }
    let write = |name: &str, doc: &dyn Fn(std::fs::File) -> std::io::Result<()>| {
        let file = out.join(name);
        match std::fs::File::create(&file).and_then(doc) {
            Ok(()) => {
                println!("wrote {}", file.display());
                true
            }
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", file.display());
                false
            }
        }
    };
    for (name, doc) in documents {
        if !write(&name, &|f| model::write_json(&doc, f)) {
            return CANNOT_RUN;
        }
    }
    if with_index && !write("index.json", &|f| model::write_json(&index, f)) {
        return CANNOT_RUN;
    }
    CLEAN
}

fn read_test_run(path: &Path) -> Result<handoff::emit::n8n::TestRun, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not JSON: {e}", path.display()))?;
    let payload = value
        .get("payload")
        .and_then(serde_json::Value::as_object)
        .cloned()
        .unwrap_or_default();
    let outputs = value
        .get("outputs")
        .and_then(serde_json::Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_object().map(|m| (k.clone(), m.clone())))
                .collect()
        })
        .unwrap_or_default();
    Ok(handoff::emit::n8n::TestRun { payload, outputs })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The last line of human output; `fixable` counts the diagnostics with a safe fix (after
/// `--fix`, those it withheld), and `when` says when they can be fixed.
fn summary(files: usize, errors: usize, warnings: usize, fixable: usize, when: &str) -> String {
    let files = plural(files, "file");
    if errors == 0 && warnings == 0 {
        format!("checked {files}: no problems found\n")
    } else if fixable > 0 {
        format!(
            "checked {files}: {}, {} ({fixable} fixable with `--fix`{when})\n",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    } else {
        format!(
            "checked {files}: {}, {}\n",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

fn explain(code: Option<&str>) -> i32 {
    let Some(code) = code else {
        let mut out = String::new();
        for rule in rules::ALL {
            out.push_str(&format!(
                "{}  {:<32} {:<8} {}\n",
                rule.code,
                rule.name,
                rule.severity.as_str(),
                rule.summary
            ));
        }
        return if write_stdout(&out).is_ok() {
            CLEAN
        } else {
            CANNOT_RUN
        };
    };
    let Some(rule) = rules::find(code) else {
        eprintln!("error: no rule is named `{code}`; `handoff explain` lists every rule");
        return CANNOT_RUN;
    };
    if write_stdout(&rules::explain(rule)).is_ok() {
        CLEAN
    } else {
        CANNOT_RUN
    }
}

/// `handoff completions SHELL`: the completion script clap derives from the arguments.
fn completions(shell: Shell) -> i32 {
    use clap::CommandFactory as _;
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "handoff", &mut script);
    if write_stdout(&String::from_utf8_lossy(&script)).is_ok() {
        CLEAN
    } else {
        CANNOT_RUN
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}
