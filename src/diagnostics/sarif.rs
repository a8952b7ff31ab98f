//! SARIF 2.1.0, for code scanning (`handoff check --format sarif`).
//!
//! One run; `tool.driver.rules` lists every rule of the registry in registry order, so a
//! result's `ruleIndex` is the rule's index in [`crate::rules::ALL`]. Locations are relative
//! URIs against the base id `SRCROOT` (the directory `handoff` ran in), regions are 1-based and
//! columns count Unicode code points (`columnKind`), as the other outputs do.
//!
//! Hand-written serde structs rather than the `serde-sarif` crate: we write a small, fixed
//! subset of the format, and the crate's generated types for the whole schema (with their own
//! dependencies) would be most of the code for none of the benefit.

use serde::Serialize;

use super::{FileReport, Severity};
use crate::rules::{self, Rule};
use crate::span::{LineIndex, Span};

/// The base of the rule pages' URIs: a rule's page is `{RULES_URI}/{CODE}.md`, the page
/// `handoff explain CODE` prints, kept in the repository under `docs/rules/`.
pub const RULES_URI: &str = "https://github.com/handoff-lang/handoff/blob/main/docs/rules";

/// Where the tool is described.
pub const INFORMATION_URI: &str = "https://github.com/handoff-lang/handoff";

/// The `uriBaseId` of every artifact location: the directory `handoff` was run in.
pub const SRCROOT: &str = "SRCROOT";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    default_configuration: Configuration,
    help: Text,
    help_uri: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
pub(super) struct Text {
    pub(super) text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) markdown: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    /// The diagnostic's structured fix, when it has one (§3.55).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

/// A fix (§3.55): its edits of one artifact, and in its property bag whether `check --fix`
/// applies it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: [ArtifactChange; 1],
    properties: FixProperties,
}

#[derive(Serialize)]
struct FixProperties {
    safe: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

/// One edit (§3.57): an empty `deletedRegion` inserts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: InsertedContent,
}

#[derive(Serialize)]
struct InsertedContent {
    text: String,
}

/// An invocation of the tool: only written when the run failed, before checking anything (a
/// configuration mistake) or in part (a path that could not be read).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Invocation {
    pub(super) execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) tool_configuration_notifications: Vec<Notification>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
pub(super) struct Notification {
    pub(super) descriptor: Descriptor,
    pub(super) level: &'static str,
    pub(super) message: Text,
    pub(super) locations: Vec<NotificationLocation>,
}

#[derive(Serialize)]
pub(super) struct Descriptor {
    pub(super) id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NotificationLocation {
    pub(super) physical_location: NotificationPlace,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NotificationPlace {
    pub(super) artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) region: Option<Region>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "handoff/v1")]
    v1: String,
}

/// SARIF's `location` object; its field names are the format's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PhysicalLocation {
    pub(super) artifact_location: ArtifactLocation,
    pub(super) region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactLocation {
    pub(super) uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
    pub(super) start_line: usize,
    pub(super) start_column: usize,
    pub(super) end_line: usize,
    pub(super) end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub(super) fn plain(text: &str) -> Text {
    Text {
        text: text.to_string(),
        markdown: None,
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let page = rules::explain(rule);
    ReportingDescriptor {
        id: rule.code,
        name: rule.name,
        short_description: plain(rule.summary),
        full_description: Text {
            text: page.clone(),
            markdown: Some(page.clone()),
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        help: Text {
            text: format!(
                "{}\n\nRun `handoff explain {}` for this page.",
                page.trim_end(),
                rule.code
            ),
            markdown: Some(page),
        },
        help_uri: rule_uri(rule),
    }
}

/// The URI of a rule's page.
pub fn rule_uri(rule: &Rule) -> String {
    format!("{RULES_URI}/{}.md", rule.code)
}

/// Percent-encodes a path as a URI reference: unreserved characters and `/` stay, backslashes
/// become `/`, everything else is encoded byte by byte. An absolute path becomes a `file:` URI
/// without a base id.
pub(super) fn artifact(path: &str) -> ArtifactLocation {
    let path = path.replace('\\', "/");
    let mut uri = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{uri}"),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri,
            uri_base_id: Some(SRCROOT),
        }
    }
}

fn region(index: &LineIndex, source: &str, span: Span) -> Region {
    let start = index.line_col(source, span.start());
    let end = index.line_col(source, span.end());
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// A fingerprint that survives edits elsewhere in the file: the code, the file, the text under
/// the primary span and the message, plus the number of earlier results with the same four (so
/// two identical findings in one file stay distinct). Line numbers are not part of it.
fn fingerprint(code: &str, path: &str, text: &str, message: &str, occurrence: usize) -> String {
    let key = [code, path, text, message, &occurrence.to_string()].join("\u{0}");
    let namespace = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        b"https://handoff.invalid/sarif/fingerprint",
    );
    uuid::Uuid::new_v5(&namespace, key.as_bytes())
        .simple()
        .to_string()
}

/// Renders SARIF 2.1.0 for the diagnostics of `files`. Deterministic: same input, same bytes.
pub fn render_sarif(files: &[FileReport<'_>]) -> String {
    render_sarif_with_unreadable(files, &[])
}

/// The same, with the paths that could not be read: the log then has an invocation that did
/// not succeed, with a notification per path, so that a code-scanning upload does not show the
/// run as a clean scan.
pub fn render_sarif_with_unreadable(
    files: &[FileReport<'_>],
    unreadable: &[super::Unreadable<'_>],
) -> String {
    let mut results = Vec::new();
    for file in files {
        let index = LineIndex::new(file.source);
        let mut seen: rustc_hash::FxHashMap<(&str, &str, &str), usize> =
            rustc_hash::FxHashMap::default();
        for d in file.diagnostics {
            let rule_index = rules::ALL
                .iter()
                .position(|r| r.code == d.rule.code)
                .unwrap_or_default();
            let text = file
                .source
                .get(d.span.start()..d.span.end())
                .unwrap_or_default();
            let occurrence = seen.entry((d.rule.code, text, &d.message)).or_default();
            let v1 = fingerprint(d.rule.code, file.path, text, &d.message, *occurrence);
            *occurrence += 1;
            let location = |id, span, message: Option<&str>| Location {
                id,
                physical_location: physical(&index, file.path, file.source, span),
                message: message.map(plain),
            };
            results.push(SarifResult {
                rule_id: d.rule.code,
                rule_index,
                level: level(d.severity),
                message: plain(&format!("{}\nhelp: {}", d.message, d.help)),
                locations: [location(None, d.span, Some(&d.label))],
                related_locations: d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, l)| location(Some(i + 1), l.span, Some(&l.message)))
                    .collect(),
                partial_fingerprints: Fingerprints { v1 },
                fixes: d
                    .fix
                    .iter()
                    .map(|f| SarifFix {
                        description: plain(&f.message),
                        artifact_changes: [ArtifactChange {
                            artifact_location: artifact(file.path),
                            replacements: f
                                .edits
                                .iter()
                                .map(|e| Replacement {
                                    deleted_region: region(&index, file.source, e.span),
                                    inserted_content: InsertedContent {
                                        text: e.replacement.clone(),
                                    },
                                })
                                .collect(),
                        }],
                        properties: FixProperties { safe: f.safe },
                    })
                    .collect(),
            });
        }
    }
    let invocation = (!unreadable.is_empty()).then(|| Invocation {
        execution_successful: false,
        tool_configuration_notifications: Vec::new(),
        tool_execution_notifications: unreadable
            .iter()
            .map(|u| super::failure::unreadable_notification(u))
            .collect(),
    });
    render_log(results, invocation)
}

/// Where a span of a file is, as SARIF says it.
pub(super) fn physical(
    index: &LineIndex,
    path: &str,
    source: &str,
    span: Span,
) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact(path),
        region: region(index, source, span),
    }
}

/// The log: one run of the driver with every rule, these results and, when given, one
/// invocation.
pub(super) fn render_log(results: Vec<SarifResult>, invocation: Option<Invocation>) -> String {
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "handoff",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules::ALL.iter().map(|r| descriptor(r)).collect(),
                },
            },
            invocations: invocation.into_iter().collect(),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        let a = artifact("dir/a b%.handoff");
        assert_eq!(a.uri, "dir/a%20b%25.handoff");
        assert_eq!(a.uri_base_id, Some(SRCROOT));
        let a = artifact("/abs/é.handoff");
        assert_eq!(a.uri, "file:///abs/%C3%A9.handoff");
        assert_eq!(a.uri_base_id, None);
        assert_eq!(artifact("a\\b.handoff").uri, "a/b.handoff");
    }

    #[test]
    fn fingerprints_ignore_lines_but_not_occurrences() {
        let a = fingerprint("E101", "a.handoff", "agnets", "undefined actor `agnets`", 0);
        let b = fingerprint("E101", "a.handoff", "agnets", "undefined actor `agnets`", 0);
        let c = fingerprint("E101", "a.handoff", "agnets", "undefined actor `agnets`", 1);
        let d = fingerprint("E101", "b.handoff", "agnets", "undefined actor `agnets`", 0);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
