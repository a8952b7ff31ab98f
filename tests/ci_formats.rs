//! The CI outputs of `handoff check` as a pipeline meets them: SARIF 2.1.0 and GitHub Actions
//! workflow commands. `tests/sarif/validate.sh` (run by `.ci/run`) validates the SARIF of every
//! fixture with Microsoft's validator; these tests pin the shape and the details.

use std::process::{Command, Output};

fn handoff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn sarif(path: &str) -> serde_json::Value {
    let out = handoff(&["check", "--format", "sarif", path]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    serde_json::from_str(&stdout(&out)).expect("SARIF is JSON")
}

/// The results of a log, without the driver (whose rules are the registry, tested separately).
fn results(log: &serde_json::Value) -> serde_json::Value {
    log["runs"][0]["results"].clone()
}

#[test]
fn sarif_snapshots() {
    for fixture in [
        "rules/E101",
        "rules/W201",
        "cascades/one_mistake_one_diagnostic",
    ] {
        let log = sarif(&format!("tests/fixtures/{fixture}.handoff"));
        insta::assert_json_snapshot!(
            format!("sarif_{}", fixture.replace('/', "_")),
            results(&log)
        );
    }
}

#[test]
fn sarif_driver_lists_every_rule_in_registry_order() {
    let log = sarif("tests/fixtures/language/section1.handoff");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["results"], serde_json::json!([]));
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "handoff");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), handoff::rules::ALL.len());
    for (entry, rule) in rules.iter().zip(handoff::rules::ALL) {
        assert_eq!(entry["id"], rule.code);
        assert_eq!(entry["name"], rule.name);
        assert_eq!(entry["shortDescription"]["text"], rule.summary);
        assert_eq!(
            entry["fullDescription"]["text"],
            handoff::rules::explain(rule)
        );
        assert_eq!(
            entry["defaultConfiguration"]["level"],
            rule.severity.as_str()
        );
        assert_eq!(
            entry["helpUri"],
            format!("{}/{}.md", handoff::diagnostics::RULES_URI, rule.code)
        );
        assert!(entry["help"]["text"]
            .as_str()
            .is_some_and(|h| h.contains(&format!("handoff explain {}", rule.code))));
    }
}

#[test]
fn sarif_results_index_their_rules_and_locate_related_labels() {
    let log = sarif("tests/fixtures/rules/E101.handoff");
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    let results = results(&log);
    let results = results.as_array().expect("results");
    assert!(!results.is_empty());
    let mut related = 0;
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex");
        let index = usize::try_from(index).expect("small");
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert_eq!(r["level"], "error");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "tests/fixtures/rules/E101.handoff"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(loc["region"][key].as_u64().is_some_and(|n| n >= 1), "{key}");
        }
        related += r["relatedLocations"].as_array().map_or(0, Vec::len);
    }
    // E101 with a close name points at the declaration it suggests.
    assert!(related > 0);
}

#[test]
fn sarif_fingerprints_survive_unrelated_edits() {
    let dir = std::env::temp_dir().join(format!("handoff-ci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rules/E101.handoff"
    ))
    .expect("fixture");
    let file = dir.join("f.handoff");
    let fingerprints = |text: &str| {
        std::fs::write(&file, text).expect("write");
        let log = sarif(file.to_str().expect("utf-8 path"));
        results(&log)
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["handoff/v1"].clone(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = fingerprints(&source);
    let after = fingerprints(&format!("// a comment\n\n{source}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(before.len(), after.len());
    for ((fa, la), (fb, lb)) in before.iter().zip(&after) {
        assert_eq!(fa, fb, "the fingerprint moved with the line");
        assert_ne!(la, lb, "the lines did move");
    }
    let unique: std::collections::BTreeSet<_> = before.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(unique.len(), before.len(), "fingerprints are distinct");
}

#[test]
fn sarif_absolute_paths_are_file_uris() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rules/E101.handoff"
    );
    let log = sarif(path);
    let loc = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        format!("file://{path}").replace(' ', "%20")
    );
    assert!(loc["artifactLocation"].get("uriBaseId").is_none());
}

#[test]
fn github_snapshots() {
    for fixture in ["rules/E101", "rules/W201"] {
        let out = handoff(&[
            "check",
            "--format",
            "github",
            &format!("tests/fixtures/{fixture}.handoff"),
        ]);
        insta::assert_snapshot!(
            format!("github_{}", fixture.replace('/', "_")),
            stdout(&out)
        );
    }
}

#[test]
fn github_commands_point_at_the_lines_and_escape() {
    let dir = std::env::temp_dir().join(format!("handoff-ci-gh-{}", std::process::id()));
    let sub = dir.join("a:b,c%");
    std::fs::create_dir_all(&sub).expect("scratch");
    let file = sub.join("x.handoff");
    // The directory's name has `:`, `,` and `%`, which the `file` property must escape; the
    // message spans lines, which must be escaped into one command.
    std::fs::write(
        &file,
        "workflow w {\n  actor a: human\n  trigger t: webhook \"/x:1,2%\"\n  step s { owner b }\n  flow t -> s\n}\n",
    )
    .expect("write");
    let out = handoff(&["check", "--format", "github", file.to_str().expect("path")]);
    let text = stdout(&out);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("E101"))
        .unwrap_or_else(|| panic!("an E101 command in {text}"));
    assert!(line.starts_with("::error file="), "{line}");
    assert!(
        line.contains("a%3Ab%2Cc%25/x.handoff,line=4,col=18,endLine=4,endColumn=19,"),
        "{line}"
    );
    assert!(
        line.contains(",title=E101 undefined-name::undefined actor `b`%0A"),
        "{line}"
    );
    // One command per line: the message's own line breaks are escaped.
    assert_eq!(
        text.lines().filter(|l| l.starts_with("::")).count(),
        text.lines().count()
    );
}

#[test]
fn github_warnings_are_warning_commands() {
    let out = handoff(&[
        "check",
        "--format",
        "github",
        "tests/fixtures/rules/W201.handoff",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.is_empty());
    assert!(
        text.lines().all(|l| l.starts_with("::warning file=")),
        "{text}"
    );
}

/// The rule pages SARIF's `helpUri` points at are `docs/rules/<CODE>.md`, the text of
/// `handoff explain CODE`. Regenerate them with `UPDATE_RULE_PAGES=1 cargo test --test ci_formats`.
#[test]
fn rule_pages_are_the_explanations() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let update = std::env::var_os("UPDATE_RULE_PAGES").is_some();
    if update {
        std::fs::create_dir_all(&dir).expect("docs/rules");
    }
    let mut expected = std::collections::BTreeSet::new();
    for rule in handoff::rules::ALL {
        let name = format!("{}.md", rule.code);
        let page = handoff::rules::explain(rule);
        let path = dir.join(&name);
        if update {
            std::fs::write(&path, &page).expect("write the page");
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            found, page,
            "docs/rules/{name} is stale: run UPDATE_RULE_PAGES=1 cargo test --test ci_formats"
        );
        expected.insert(name);
    }
    let present: std::collections::BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("docs/rules")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        present, expected,
        "docs/rules holds exactly one page per rule"
    );
}

/// The human output ends with one line that says what was checked, in the singular or plural.
#[test]
fn human_summary_counts_files_errors_and_warnings() {
    let plural = |n: u64, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    for paths in [
        vec!["tests/fixtures/rules/W201.handoff"],
        vec!["tests/fixtures/rules/E502.handoff"],
        vec![
            "tests/fixtures/rules/W201.handoff",
            "tests/fixtures/rules/E101.handoff",
        ],
        vec!["tests/fixtures/rules"],
    ] {
        let mut args = vec!["check", "--format", "json"];
        args.extend(&paths);
        let json: serde_json::Value = serde_json::from_str(&stdout(&handoff(&args))).expect("JSON");
        let count = |key: &str| json["summary"][key].as_u64().expect("a count");
        let mut args = vec!["check"];
        args.extend(&paths);
        let human = stdout(&handoff(&args));
        let last = human.lines().last().expect("a summary line");
        // The diagnostics with a safe fix are counted too.
        let fixable = json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["fix"]["safe"] == serde_json::Value::Bool(true))
            .count();
        let fixable = if fixable > 0 {
            format!(" ({fixable} fixable with `--fix`)")
        } else {
            String::new()
        };
        assert_eq!(
            last,
            format!(
                "checked {}: {}, {}{fixable}",
                plural(count("files"), "file"),
                plural(count("errors"), "error"),
                plural(count("warnings"), "warning")
            ),
            "{paths:?}"
        );
    }
}

/// A scratch directory with a `handoff.toml` and copies of fixtures, removed when dropped.
struct Project(std::path::PathBuf);

impl Project {
    fn new(name: &str, config: &str, fixtures: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("handoff-cfg-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        std::fs::write(dir.join("handoff.toml"), config).expect("config");
        for (to, from) in fixtures {
            let to = dir.join(to);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("dirs");
            let text = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(from),
            )
            .expect("fixture");
            std::fs::write(to, text).expect("copy");
        }
        Project(dir)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(args)
            .current_dir(&self.0)
            .output()
            .expect("the binary runs")
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn codes_and_severities(out: &Output) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(&stdout(out)).expect("JSON");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().expect("code").to_string(),
                d["severity"].as_str().expect("severity").to_string(),
            )
        })
        .collect()
}

#[test]
fn config_levels_change_exactly_the_rules_they_name() {
    let files = [
        ("w/a.handoff", "tests/fixtures/rules/W201.handoff"),
        ("w/b.handoff", "tests/fixtures/rules/W504.handoff"),
    ];
    let plain = Project::new("plain", "", &files);
    let base = codes_and_severities(&plain.run(&["check", "--format", "json"]));
    assert!(base.iter().any(|(c, _)| c == "W201") && base.iter().any(|(c, _)| c == "W504"));
    assert!(base.iter().all(|(_, s)| s == "warning"));

    let deny = Project::new("deny", "[rules]\nhandoff-without-sla = \"deny\"\n", &files);
    let out = deny.run(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let got = codes_and_severities(&out);
    let expected: Vec<_> = base
        .iter()
        .map(|(c, s)| {
            let s = if c == "W201" { "error" } else { s.as_str() };
            (c.clone(), s.to_string())
        })
        .collect();
    assert_eq!(got, expected);

    let allow = Project::new("allow", "[rules]\nW504 = \"allow\"\n", &files);
    let out = allow.run(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let expected: Vec<_> = base.iter().filter(|(c, _)| c != "W504").cloned().collect();
    assert_eq!(codes_and_severities(&out), expected);
}

#[test]
fn a_warning_that_defers_to_an_allowed_one_is_reported_again() {
    let files = [(
        "a.handoff",
        "tests/fixtures/cascades/deferred_warning.handoff",
    )];
    let plain = Project::new("defer-plain", "", &files);
    let codes = |out: &std::process::Output| -> Vec<String> {
        codes_and_severities(out)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    };
    assert_eq!(codes(&plain.run(&["check", "--format", "json"])), ["W202"]);
    let allow = Project::new("defer-allow", "[rules]\nW202 = \"allow\"\n", &files);
    assert_eq!(codes(&allow.run(&["check", "--format", "json"])), ["W301"]);
    // A suppression of the W202 brings the W301 back too.
    let text = std::fs::read_to_string(files[0].1).expect("fixture");
    let suppressed = text.replace(
        "  handoff draft -> answer",
        "  // handoff: allow(W202) the desk reads the question only\n  handoff draft -> answer",
    );
    assert_ne!(text, suppressed);
    let checked = handoff::check_source(&suppressed);
    let got: Vec<_> = checked
        .diagnostics
        .iter()
        .map(handoff::diagnostics::Diagnostic::code)
        .collect();
    assert_eq!(got, ["W301"]);
}

#[test]
fn what_defers_to_an_allowed_w204_is_reported_again() {
    let files = [(
        "a.handoff",
        "tests/fixtures/cascades/deferred_same_owner.handoff",
    )];
    let codes = |out: &std::process::Output| -> Vec<String> {
        codes_and_severities(out)
            .into_iter()
            .map(|(c, _)| c)
            .collect::<Vec<_>>()
    };
    let plain = Project::new("defer-w204-plain", "", &files);
    assert_eq!(codes(&plain.run(&["check", "--format", "json"])), ["W204"]);
    let allow = Project::new("defer-w204-allow", "[rules]\nW204 = \"allow\"\n", &files);
    let mut got = codes(&allow.run(&["check", "--format", "json"]));
    got.sort();
    assert_eq!(got, ["W203", "W205"]);
}

#[test]
fn config_settings_move_the_numbers_of_w502_and_w504() {
    let files = [("a.handoff", "tests/fixtures/rules/W504.handoff")];
    let count = |config: &str| {
        let p = Project::new("settings", config, &files);
        let out = p.run(&["check", "--format", "json"]);
        codes_and_severities(&out)
            .iter()
            .filter(|(c, _)| c == "W504")
            .count()
    };
    let default = count("");
    assert!(default > 0);
    assert_eq!(count("[settings]\nconservative-threshold = 1.0\n"), 0);
    let files = [("a.handoff", "tests/fixtures/rules/W502.handoff")];
    let p = Project::new("limit", "[settings]\nexception-limit = 100\n", &files);
    let out = p.run(&["check", "--format", "json"]);
    assert!(!codes_and_severities(&out).iter().any(|(c, _)| c == "W502"));
}

#[test]
fn config_is_found_walking_up_or_given() {
    let files = [("deep/er/a.handoff", "tests/fixtures/rules/W201.handoff")];
    let p = Project::new("walk", "[rules]\nW201 = \"deny\"\n", &files);
    // Walking up from the file's directory finds the project's configuration.
    let out = p.run(&["check", "deep/er/a.handoff"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // `--config` replaces it.
    std::fs::write(p.0.join("other.toml"), "[rules]\nW201 = \"allow\"\n").expect("write");
    let out = p.run(&["check", "--config", "other.toml", "deep"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "checked 1 file: no problems found\n");
}

#[test]
fn config_globs_choose_the_files_of_a_walk() {
    let files = [
        ("flows/a.handoff", "tests/fixtures/rules/W201.handoff"),
        ("flows/old/b.handoff", "tests/fixtures/rules/E101.handoff"),
        ("scratch/c.handoff", "tests/fixtures/rules/E101.handoff"),
    ];
    let p = Project::new(
        "globs",
        "include = [\"flows/**\"]\nexclude = [\"flows/old/*.handoff\"]\n",
        &files,
    );
    let out = p.run(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["summary"]["files"], 1, "{json}");
    assert_eq!(out.status.code(), Some(0));
    // A file named on the command line is checked whatever the globs say.
    let out = p.run(&["check", "flows/old/b.handoff"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn config_mistakes_point_into_the_toml_and_exit_2() {
    let p = Project::new(
        "bad",
        "exclude = [\"[\"]\ncolour = true\n\n[rules]\nE101 = \"allow\"\nW999 = \"warn\"\ncold-handof = \"deny\"\nW202 = \"nope\"\nW201 = \"deny\"\nhandoff-without-sla = \"warn\"\n\n[settings]\nexception-limt = 3\nconservative-threshold = 2\n",
        &[("a.handoff", "tests/fixtures/rules/W201.handoff")],
    );
    let out = p.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "", "nothing is checked");
    insta::assert_snapshot!("config_errors", String::from_utf8_lossy(&out.stderr));
    // In the machine formats stdout still holds one valid document, which carries the mistakes.
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 9, "{json}");
    assert!(diagnostics.iter().all(|d| d["file"] == "handoff.toml"
        && d["code"] == "config"
        && d["severity"] == "error"
        && d["span"]["line"].as_u64().is_some_and(|l| l > 0)));
    assert_eq!(json["summary"]["files"], 0);
    assert_eq!(json["summary"]["errors"], 9);
    insta::assert_snapshot!("config_errors_json", stdout(&out));
    let out = p.run(&["check", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF");
    let run = &log["runs"][0];
    assert_eq!(run["results"], serde_json::json!([]));
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let notes = run["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 9);
    insta::assert_snapshot!(
        "config_errors_sarif",
        serde_json::to_string_pretty(&run["invocations"]).expect("JSON")
    );
    let out = p.run(&["check", "--format", "github"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 9, "{text}");
    assert!(text
        .lines()
        .all(|l| l.starts_with("::error file=handoff.toml,line=")));
    assert!(text.contains("::error file=handoff.toml,line=2,col=1,endLine=2,endColumn=7,title=config invalid-configuration::unknown key `colour`"), "{text}");
    // A configuration that cannot be read: listed under `unreadable`, still one document.
    let unreadable = Project::new(
        "unreadable",
        "",
        &[("a.handoff", "tests/fixtures/rules/W201.handoff")],
    );
    let out = unreadable.run(&["check", "--format", "json", "--config", "missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(json["unreadable"][0]["path"], "missing.toml", "{json}");
    assert_eq!(json["summary"]["files"], 0);
    let out = unreadable.run(&["check", "--format", "sarif", "--config", "missing.toml"]);
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF");
    assert_eq!(
        log["runs"][0]["invocations"][0]["toolConfigurationNotifications"][0]["locations"][0]
            ["physicalLocation"]["artifactLocation"]["uri"],
        "missing.toml"
    );
    let syntax = Project::new(
        "syntax",
        "[rules\n",
        &[("a.handoff", "tests/fixtures/rules/W201.handoff")],
    );
    let out = syntax.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("handoff.toml:1:7"), "{err}");
}

#[test]
fn suppressions_come_before_configured_levels() {
    let files = [("a.handoff", "tests/fixtures/rules/W602.handoff")];
    // W602 denied: the suppression without a reason fails the check; the W403 it suppresses
    // stays suppressed.
    let p = Project::new("supp", "[rules]\nW602 = \"deny\"\n", &files);
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        codes_and_severities(&out),
        [(String::from("W602"), String::from("error"))]
    );
    // W403 allowed by configuration: the suppression is still used (no W601).
    let p = Project::new("supp2", "[rules]\nW403 = \"allow\"\n", &files);
    let out = p.run(&["check", "--format", "json"]);
    assert_eq!(
        codes_and_severities(&out),
        [(String::from("W602"), String::from("warning"))]
    );
}

#[test]
fn completions_cover_the_commands_and_formats() {
    for shell in ["bash", "zsh", "fish"] {
        let out = handoff(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        for word in [
            "check",
            "explain",
            "completions",
            "sarif",
            "github",
            "config",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script is valid bash.
    let dir = std::env::temp_dir().join(format!("handoff-compl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("handoff.bash");
    std::fs::write(&file, stdout(&handoff(&["completions", "bash"]))).expect("write");
    let status = Command::new("bash").arg("-n").arg(&file).status();
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(status) = status {
        assert!(status.success(), "bash -n rejects the completion script");
    }
    assert_eq!(handoff(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn sarif_and_github_show_the_configured_level() {
    let files = [("a.handoff", "tests/fixtures/rules/W201.handoff")];
    let p = Project::new("levels", "[rules]\nW201 = \"deny\"\n", &files);
    let out = p.run(&["check", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF");
    let results = results(&log);
    let results = results.as_array().expect("results");
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["level"] == "error"));
    // The rule's default level stays what the registry says.
    let index = usize::try_from(results[0]["ruleIndex"].as_u64().expect("index")).expect("small");
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][index]["defaultConfiguration"]["level"],
        "warning"
    );
    let out = p.run(&["check", "--format", "github"]);
    assert!(stdout(&out).lines().all(|l| l.starts_with("::error ")));
}

#[test]
fn build_doc_and_graph_honour_the_configuration() {
    let files = [
        ("flows/a.handoff", "tests/fixtures/rules/W201.handoff"),
        ("flows/old/b.handoff", "tests/fixtures/rules/E101.handoff"),
    ];
    // The excluded file's errors do not stop the build; the denied warning does.
    let p = Project::new(
        "build",
        "exclude = [\"flows/old/**\"]\n[rules]\nW201 = \"deny\"\n",
        &files,
    );
    for args in [
        &["build", "flows", "--target", "ir", "-o", "out"][..],
        &["doc", "flows", "-o", "out"],
        &["graph", "flows", "--workflow", "support"],
    ] {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("W201(handoff-without-sla)"), "{args:?}: {err}");
        assert!(!err.contains("E101"), "{args:?}: {err}");
        assert!(!p.0.join("out").exists(), "{args:?} wrote output");
    }
    // Allowed, the warning is gone from the output and from the pages.
    let p = Project::new(
        "doc",
        "exclude = [\"flows/old/**\"]\n[rules]\nW201 = \"allow\"\n",
        &files,
    );
    let out = p.run(&["doc", "flows", "-o", "out"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pages: String = std::fs::read_dir(p.0.join("out"))
        .expect("pages")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("page"))
        .collect();
    assert!(!pages.contains("W201"), "{pages}");
    let out = p.run(&["graph", "flows", "--workflow", "support"]);
    assert_eq!(out.status.code(), Some(0));
    // `--config` and a broken configuration work as for `check`.
    std::fs::write(p.0.join("strict.toml"), "[rules]\nW201 = \"deny\"\n").expect("write");
    let out = p.run(&[
        "graph",
        "flows/a.handoff",
        "--workflow",
        "support",
        "--config",
        "strict.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(p.0.join("handoff.toml"), "colour = true\n").expect("write");
    for args in [
        &["build", "flows", "-o", "out2"][..],
        &["doc", "flows", "-o", "out2"],
        &["graph", "flows"],
    ] {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unknown key `colour`"), "{args:?}: {err}");
    }
}
