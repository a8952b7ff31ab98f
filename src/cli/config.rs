//! `handoff.toml`: per-project levels of warnings, the two numbers of W502 and W504, and which
//! files a directory walk checks. Described in `docs/configuration.md`.
//!
//! A mistake in the file is an error that points into it (file, line, column, the key or value,
//! and a help line, with "did you mean" for misspelt keys and rule names); the command then
//! exits with 2 and checks nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use handoff::check::Settings;
use handoff::diagnostics::{Diagnostic, Severity};
use handoff::rules::{self, Rule};

/// The file name looked for in each checked file's directory and its parents.
pub const FILE_NAME: &str = "handoff.toml";

/// What the configuration does to a rule's diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Not reported at all.
    Allow,
    /// Reported as a warning (the default of warning rules).
    Warn,
    /// Reported as an error: the check fails.
    Deny,
}

/// One loaded `handoff.toml`.
#[derive(Debug)]
pub struct Config {
    /// The directory the file is in: globs are relative to it.
    pub dir: PathBuf,
    /// Levels set in `[rules]`, by rule code.
    pub levels: Vec<(&'static str, Level)>,
    /// `[settings]`, over the defaults.
    pub settings: Settings,
    /// `include`: when set, a file found by a directory walk is checked only if it matches.
    pub include: Option<GlobSet>,
    /// `exclude`: a file found by a directory walk that matches is not checked.
    pub exclude: Option<GlobSet>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dir: PathBuf::new(),
            levels: Vec::new(),
            settings: Settings::default(),
            include: None,
            exclude: None,
        }
    }
}

impl Config {
    /// Applies the levels: drops allowed diagnostics and sets the severity in force of the
    /// others. Errors are never changed (the configuration refuses to lower them). Then drops
    /// what repeats a diagnostic still reported ([`handoff::diagnostics::settle`]).
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        self.apply_levels(diagnostics);
        handoff::diagnostics::settle(diagnostics);
    }

    fn apply_levels(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.levels.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| {
            let Some(&(_, level)) = self.levels.iter().find(|(c, _)| *c == d.rule.code) else {
                return true;
            };
            if d.rule.severity == Severity::Error {
                return true;
            }
            match level {
                Level::Allow => false,
                Level::Warn => {
                    d.severity = Severity::Warning;
                    true
                }
                Level::Deny => {
                    d.severity = Severity::Error;
                    true
                }
            }
        });
    }

    /// Whether a file found by a directory walk is checked under this configuration.
    pub fn walks_into(&self, file: &Path) -> bool {
        let Ok(abs) = std::path::absolute(file) else {
            return true;
        };
        let rel = abs.strip_prefix(&self.dir).unwrap_or(&abs);
        self.include.as_ref().is_none_or(|g| g.is_match(rel))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(rel))
    }
}

/// A mistake in a configuration file, pointing into it.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
    pub span: std::ops::Range<usize>,
    pub label: String,
    pub help: String,
}

/// Finds the `handoff.toml` that applies to `file`: in its directory or the nearest parent.
pub fn find(file: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(file).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Why a configuration could not be used; the command then checks nothing and exits with 2.
pub enum LoadError {
    /// The file could not be read.
    Unreadable { path: String, error: String },
    /// The file has mistakes, each pointing into its text.
    Invalid {
        path: String,
        text: String,
        errors: Vec<ConfigError>,
    },
}

impl LoadError {
    /// What to print on stderr.
    pub fn human(&self) -> String {
        match self {
            LoadError::Unreadable { path, error } => {
                format!("error: cannot read `{path}`: {error}\n")
            }
            LoadError::Invalid { path, text, errors } => render(path, text, errors),
        }
    }

    /// The mistakes as the diagnostics module renders them in machine formats.
    pub fn mistakes(&self) -> Vec<handoff::diagnostics::ConfigMistake<'_>> {
        let LoadError::Invalid { path, text, errors } = self else {
            return Vec::new();
        };
        errors
            .iter()
            .map(|e| handoff::diagnostics::ConfigMistake {
                path,
                source: text,
                span: handoff::span::Span::new(e.span.start, e.span.end.max(e.span.start)),
                message: &e.message,
                label: &e.label,
                help: &e.help,
            })
            .collect()
    }

    /// The configuration that could not be read, if that is what went wrong.
    pub fn unreadable(&self) -> Vec<handoff::diagnostics::Unreadable<'_>> {
        match self {
            LoadError::Unreadable { path, error } => {
                vec![handoff::diagnostics::Unreadable { path, error }]
            }
            LoadError::Invalid { .. } => Vec::new(),
        }
    }
}

/// Reads and parses a configuration file.
pub fn load(path: &Path) -> Result<Config, LoadError> {
    let display = display(path);
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::Unreadable {
        path: display.clone(),
        error: e.to_string(),
    })?;
    let dir = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    parse(&text, dir).map_err(|errors| LoadError::Invalid {
        path: display,
        text,
        errors,
    })
}

/// The path as the user should read it: relative to the current directory when inside it.
fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let path = cwd
        .as_deref()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

const TOP_KEYS: &[&str] = &["rules", "settings", "include", "exclude"];
const SETTING_KEYS: &[&str] = &["exception-limit", "conservative-threshold"];
const LEVELS: &[&str] = &["allow", "warn", "deny"];

fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|&(d, c)| d > 0 && d <= (c.len() / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

fn unknown_key(
    key: &Spanned<std::borrow::Cow<'_, str>>,
    candidates: &[&str],
    place: &str,
) -> ConfigError {
    let name = key.get_ref();
    let help = match did_you_mean(name, candidates.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? replace `{name}` with `{s}`"),
        None => format!(
            "the keys of {place} are {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    ConfigError {
        message: format!("unknown key `{name}` in {place}"),
        span: key.span(),
        label: String::from("not a known key"),
        help,
    }
}

fn wrong_type(value: &Spanned<DeValue<'_>>, expected: &str, help: &str) -> ConfigError {
    ConfigError {
        message: format!("expected {expected}"),
        span: value.span(),
        label: format!("this is not {expected}"),
        help: help.to_string(),
    }
}

/// Parses the text of a `handoff.toml` whose directory is `dir`.
pub fn parse(text: &str, dir: PathBuf) -> Result<Config, Vec<ConfigError>> {
    let table = match DeTable::parse(text) {
        Ok(t) => t.into_inner(),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            return Err(vec![ConfigError {
                message: format!("`{FILE_NAME}` is not valid TOML"),
                span,
                label: e.message().trim().to_string(),
                help: String::from("fix the TOML syntax at this place"),
            }]);
        }
    };
    let mut config = Config {
        dir,
        ..Config::default()
    };
    let mut errors = Vec::new();
    for (key, value) in &table {
        match key.get_ref().as_ref() {
            "rules" => rules_table(value, &mut config, &mut errors),
            "settings" => settings_table(value, &mut config.settings, &mut errors),
            "include" => config.include = globs(value, &mut errors),
            "exclude" => config.exclude = globs(value, &mut errors),
            _ => errors.push(unknown_key(key, TOP_KEYS, "the top level")),
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        Err(errors)
    }
}

fn rules_table(value: &Spanned<DeValue<'_>>, config: &mut Config, errors: &mut Vec<ConfigError>) {
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(wrong_type(
            value,
            "a table",
            "write `[rules]` followed by lines such as `W201 = \"deny\"`",
        ));
        return;
    };
    let mut seen: Vec<(&str, String)> = Vec::new();
    for (key, level) in table {
        let name = key.get_ref();
        let Some(rule) = rules::find(name) else {
            let candidates = rules::ALL.iter().flat_map(|r| [r.code, r.name]);
            let help = match did_you_mean(name, candidates) {
                Some(s) => format!("did you mean `{s}`? replace `{name}` with `{s}`"),
                None => String::from("`handoff explain` lists every rule by code and name"),
            };
            errors.push(ConfigError {
                message: format!("no rule is named `{name}`"),
                span: key.span(),
                label: String::from("not a rule code or name"),
                help,
            });
            continue;
        };
        let parsed = match level.get_ref() {
            DeValue::String(s) => match s.as_ref() {
                "allow" => Some(Level::Allow),
                "warn" => Some(Level::Warn),
                "deny" => Some(Level::Deny),
                _ => None,
            },
            _ => None,
        };
        let Some(parsed) = parsed else {
            let help = match level.get_ref() {
                DeValue::String(s) => match did_you_mean(s, LEVELS.iter().copied()) {
                    Some(l) => format!("did you mean `\"{l}\"`?"),
                    None => String::from("write `\"allow\"`, `\"warn\"` or `\"deny\"`"),
                },
                _ => String::from("write `\"allow\"`, `\"warn\"` or `\"deny\"`"),
            };
            errors.push(ConfigError {
                message: format!("the level of `{name}` must be `allow`, `warn` or `deny`"),
                span: level.span(),
                label: String::from("not a level"),
                help,
            });
            continue;
        };
        if rule.severity == Severity::Error && parsed != Level::Deny {
            errors.push(error_rule(rule, name, key.span(), parsed));
            continue;
        }
        if let Some(first) = seen.iter().find(|(c, _)| *c == rule.code) {
            errors.push(ConfigError {
                message: format!("the level of `{}` is set twice", rule.code),
                span: key.span(),
                label: format!(
                    "`{name}` is `{}` ({}), set already as `{}`",
                    rule.code, rule.name, first.1
                ),
                help: String::from("keep one of the two lines"),
            });
            continue;
        }
        seen.push((rule.code, name.to_string()));
        config.levels.push((rule.code, parsed));
    }
}

fn error_rule(rule: &Rule, name: &str, span: std::ops::Range<usize>, level: Level) -> ConfigError {
    let what = if level == Level::Allow {
        "allowed"
    } else {
        "lowered to a warning"
    };
    ConfigError {
        message: format!("`{name}` is an error and cannot be {what}"),
        span,
        label: format!("`{}` ({}) is always an error", rule.code, rule.name),
        help: String::from("remove this line: only warnings can be configured"),
    }
}

fn settings_table(
    value: &Spanned<DeValue<'_>>,
    settings: &mut Settings,
    errors: &mut Vec<ConfigError>,
) {
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(wrong_type(
            value,
            "a table",
            "write `[settings]` followed by lines such as `exception-limit = 8`",
        ));
        return;
    };
    for (key, v) in table {
        match key.get_ref().as_ref() {
            "exception-limit" => match v.get_ref() {
                DeValue::Integer(i) => match i.as_str().parse::<usize>() {
                    Ok(n) if i.radix() == 10 => settings.exception_limit = n,
                    _ => errors.push(wrong_type(
                        v,
                        "a whole number of escalation paths",
                        "write a number such as `exception-limit = 8`",
                    )),
                },
                _ => errors.push(wrong_type(
                    v,
                    "a whole number of escalation paths",
                    "write a number such as `exception-limit = 8`",
                )),
            },
            "conservative-threshold" => {
                let number = match v.get_ref() {
                    DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
                    DeValue::Integer(i) if i.radix() == 10 => i.as_str().parse::<f64>().ok(),
                    _ => None,
                };
                match number {
                    Some(x) if (0.0..=1.0).contains(&x) => settings.conservative_threshold = x,
                    _ => errors.push(wrong_type(
                        v,
                        "a confidence between 0 and 1",
                        "write a number such as `conservative-threshold = 0.95`",
                    )),
                }
            }
            _ => errors.push(unknown_key(key, SETTING_KEYS, "`[settings]`")),
        }
    }
}

fn globs(value: &Spanned<DeValue<'_>>, errors: &mut Vec<ConfigError>) -> Option<GlobSet> {
    let help = "write a list of globs such as `[\"workflows/**/*.handoff\"]`";
    let DeValue::Array(items) = value.get_ref() else {
        errors.push(wrong_type(value, "a list of globs", help));
        return None;
    };
    let mut set = GlobSetBuilder::new();
    for item in items {
        let DeValue::String(pattern) = item.get_ref() else {
            errors.push(wrong_type(item, "a glob in quotes", help));
            continue;
        };
        match GlobBuilder::new(pattern).literal_separator(true).build() {
            Ok(glob) => {
                set.add(glob);
            }
            Err(e) => errors.push(ConfigError {
                message: format!("`{pattern}` is not a valid glob"),
                span: item.span(),
                label: e.kind().to_string(),
                help: String::from(
                    "`*` matches within a directory, `**` across directories, `{a,b}` either",
                ),
            }),
        }
    }
    set.build().ok()
}

/// Adapter that lets miette draw a configuration error as it draws diagnostics.
struct Report<'a> {
    error: &'a ConfigError,
    source: &'a NamedSource<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new("config"))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.error.help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = miette::SourceSpan::new(
            self.error.span.start.into(),
            self.error.span.end - self.error.span.start,
        );
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.error.label.clone()), span),
        )))
    }
}

/// Renders configuration errors as diagnostics are rendered, for stderr.
pub fn render(path: &str, text: &str, errors: &[ConfigError]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let source = NamedSource::new(path, text.to_string());
    let mut out = String::new();
    for error in errors {
        let _ = handler.render_report(
            &mut out,
            &Report {
                error,
                source: &source,
            },
        );
        out.push('\n');
    }
    out.push_str(&format!(
        "error: `{path}` has {}; nothing was checked\n",
        if errors.len() == 1 {
            String::from("1 mistake")
        } else {
            format!("{} mistakes", errors.len())
        }
    ));
    out
}
