//! A mistake that stops a run before any file is checked, such as one in `handoff.toml`,
//! rendered in each machine format so that stdout still holds one valid document: in JSON, a
//! document of the usual shape whose diagnostics point into the configuration (code `config`);
//! in SARIF, a log whose run has no results and whose invocation failed with
//! `toolConfigurationNotifications`; for GitHub, one `::error` per mistake.

use super::github::{escape_data, escape_property};
use super::render::{json_span, JsonDiagnostic, JsonDocument, JsonLabel, JsonSummary, Unreadable};
use super::sarif::{
    self, Descriptor, Invocation, Notification, NotificationLocation, NotificationPlace,
    PhysicalLocation,
};
use crate::span::{LineIndex, Span};

/// The code a configuration mistake carries in the JSON document and the SARIF notification.
pub const CONFIG_CODE: &str = "config";
/// Its name.
pub const CONFIG_NAME: &str = "invalid-configuration";

/// One mistake in a configuration file.
#[derive(Clone, Copy, Debug)]
pub struct ConfigMistake<'a> {
    /// The configuration file as shown to the user.
    pub path: &'a str,
    /// Its text.
    pub source: &'a str,
    /// Where in it.
    pub span: Span,
    pub message: &'a str,
    pub label: &'a str,
    pub help: &'a str,
}

/// The JSON document of a run stopped by configuration mistakes (or by a configuration that
/// could not be read, listed under `unreadable`): no file was checked.
pub fn render_json_failure(
    mistakes: &[ConfigMistake<'_>],
    unreadable: &[Unreadable<'_>],
) -> String {
    let diagnostics: Vec<JsonDiagnostic<'_>> = mistakes
        .iter()
        .map(|m| {
            let index = LineIndex::new(m.source);
            JsonDiagnostic {
                file: m.path,
                code: CONFIG_CODE,
                rule: CONFIG_NAME,
                severity: "error",
                message: m.message,
                span: json_span(&index, m.source, m.span),
                labels: vec![JsonLabel {
                    message: m.label,
                    span: json_span(&index, m.source, m.span),
                }],
                help: m.help,
                fix: None,
            }
        })
        .collect();
    let doc = JsonDocument {
        version: 1,
        summary: JsonSummary {
            files: 0,
            errors: diagnostics.len(),
            warnings: 0,
        },
        diagnostics,
        unreadable,
    };
    let mut out = serde_json::to_string(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// The SARIF log of a run stopped by configuration mistakes: every rule in the driver as
/// usual, no results, and one invocation that did not succeed, with one configuration
/// notification per mistake (and per configuration that could not be read).
pub fn render_sarif_failure(
    mistakes: &[ConfigMistake<'_>],
    unreadable: &[Unreadable<'_>],
) -> String {
    let mut notifications = Vec::new();
    for m in mistakes {
        let index = LineIndex::new(m.source);
        let PhysicalLocation {
            artifact_location,
            region,
        } = sarif::physical(&index, m.path, m.source, m.span);
        notifications.push(Notification {
            descriptor: Descriptor { id: CONFIG_CODE },
            level: "error",
            message: sarif::plain(&format!("{}: {}\nhelp: {}", m.message, m.label, m.help)),
            locations: vec![NotificationLocation {
                physical_location: NotificationPlace {
                    artifact_location,
                    region: Some(region),
                },
            }],
        });
    }
    for u in unreadable {
        notifications.push(unreadable_notification(u));
    }
    sarif::render_log(
        Vec::new(),
        Some(Invocation {
            execution_successful: false,
            tool_configuration_notifications: notifications,
            tool_execution_notifications: Vec::new(),
        }),
    )
}

/// What names a path that could not be read, in SARIF notifications and GitHub titles.
const UNREADABLE: &str = "unreadable-path";

/// The notification of a path that could not be read.
pub(super) fn unreadable_notification(u: &Unreadable<'_>) -> Notification {
    Notification {
        descriptor: Descriptor { id: UNREADABLE },
        level: "error",
        message: sarif::plain(&format!("cannot read `{}`: {}", u.path, u.error)),
        locations: vec![NotificationLocation {
            physical_location: NotificationPlace {
                artifact_location: sarif::artifact(u.path),
                region: None,
            },
        }],
    }
}

/// `::error` lines for the paths that could not be read, after the annotations of a run.
pub fn render_github_unreadable(unreadable: &[Unreadable<'_>]) -> String {
    let title = UNREADABLE;
    let mut out = String::new();
    for u in unreadable {
        out.push_str(&format!(
            "::error file={},title={title}::{}\n",
            escape_property(u.path),
            escape_data(&format!("cannot read `{}`: {}", u.path, u.error)),
        ));
    }
    out
}

/// One `::error` workflow command per mistake, on the configuration's lines.
pub fn render_github_failure(
    mistakes: &[ConfigMistake<'_>],
    unreadable: &[Unreadable<'_>],
) -> String {
    let mut out = String::new();
    let title = escape_property(&format!("{CONFIG_CODE} {CONFIG_NAME}"));
    for m in mistakes {
        let index = LineIndex::new(m.source);
        let start = index.line_col(m.source, m.span.start());
        let end = index.line_col(m.source, m.span.end());
        let message = format!("{}\n{}\nhelp: {}", m.message, m.label, m.help);
        out.push_str(&format!(
            "::error file={},line={},col={},endLine={},endColumn={},title={title}::{}\n",
            escape_property(m.path),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_data(&message),
        ));
    }
    out.push_str(&render_github_unreadable(unreadable));
    out
}
