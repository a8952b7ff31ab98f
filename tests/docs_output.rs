//! The docs target: snapshots of every example's page and diagrams, determinism, the injection
//! cases, Mermaid keywords as names, the split of large workflows, and the `doc` and `graph`
//! commands. (Rendering with the real Mermaid CLI and Graphviz is `tests/docs/render.sh`.)

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use handoff::check::{Analysis, Settings};
use handoff::emit::docs::{self, GraphFormat, MAX_EDGES, MAX_TEXT};

/// Per workflow: its name, page, Mermaid and DOT.
fn render(source: &str) -> Vec<(String, String, String, String)> {
    let checked = common::checked_without_errors(source);
    let settings = Settings::default();
    checked
        .module
        .workflows
        .iter()
        .map(|wf| {
            let a = Analysis::new(wf, &settings);
            let diags = docs::diagnostics_of(wf, &checked.module.workflows, &checked.diagnostics);
            (
                wf.name.text.clone(),
                docs::page(&a, source, &diags),
                docs::graph(&a, source, GraphFormat::Mermaid),
                docs::graph(&a, source, GraphFormat::Dot),
            )
        })
        .collect()
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "handoff"))
        .collect();
    files.sort();
    files
}

fn injection() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs/injection.handoff"),
    )
    .expect("tests/docs/injection.handoff")
}

/// The Mermaid blocks of a page.
fn mermaid_blocks(page: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match (&mut current, line) {
            (None, "```mermaid") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// A line of Mermaid with its quoted labels removed: what Mermaid parses as syntax.
fn syntax_only(line: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    assert!(!quoted, "unbalanced quotes in {line:?}");
    out
}

#[test]
fn every_example_matches_its_snapshots() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        for (name, page, mermaid, dot) in render(&source) {
            insta::assert_snapshot!(format!("docs_{name}.md"), page);
            insta::assert_snapshot!(format!("docs_{name}.mmd"), mermaid);
            insta::assert_snapshot!(format!("docs_{name}.dot"), dot);
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(render(&source), render(&source));
    }
}

#[test]
fn injection_page_matches_its_snapshot() {
    for (name, page, mermaid, dot) in render(&injection()) {
        insta::assert_snapshot!(format!("docs_injection_{name}.md"), page);
        insta::assert_snapshot!(format!("docs_injection_{name}.mmd"), mermaid);
        insta::assert_snapshot!(format!("docs_injection_{name}.dot"), dot);
    }
}

#[test]
fn source_text_reaches_the_diagram_only_inside_escaped_labels() {
    for (_, page, mermaid, _) in render(&injection()) {
        let blocks = mermaid_blocks(&page);
        assert_eq!(blocks, vec![mermaid.clone()]);
        for line in mermaid.lines() {
            let syntax = syntax_only(line);
            for word in [
                "evil",
                "alert",
                "script",
                "init",
                "%%",
                "click",
                "linkStyle",
                "<",
                "#",
                "`",
            ] {
                if word == "#" && syntax.trim_start().starts_with("classDef") {
                    continue;
                }
                if word == "#" && syntax.trim_start().starts_with("style lane") {
                    continue;
                }
                assert!(
                    !syntax.contains(word),
                    "`{word}` outside a label in {line:?}"
                );
            }
        }
        // Inside labels: no character that could end the label, open a tag or a directive.
        for label in mermaid.split('"').skip(1).step_by(2) {
            let without_breaks = label.replace("<br/>", "");
            for c in ['<', '>', '%', '{', '}', '`', '|', ';', '[', ']', '&'] {
                if c == ';' || c == '&' {
                    continue;
                }
                assert!(
                    !without_breaks.contains(c),
                    "`{c}` unescaped in label {label:?}"
                );
            }
        }
        // The texts are there, escaped.
        assert!(mermaid.contains("#60;script#62;alert(1)#60;/script#62;"));
        assert!(mermaid.contains("#93;#93;#59; click A call evil() #37;#37;#123;init#125;#37;#37;"));
        assert!(mermaid.contains("日本") || page.contains("日本"));
    }
}

#[test]
fn source_text_reaches_the_page_only_escaped() {
    for (_, page, _, dot) in render(&injection()) {
        let prose: String = {
            let mut out = String::new();
            let mut inside = false;
            for line in page.lines() {
                if line.starts_with("```") {
                    inside = !inside;
                } else if !inside {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out
        };
        for raw in ["<script", "<img", "<b>", "%%{", "]]", "[link]", "*stars*"] {
            assert!(!prose.contains(raw), "`{raw}` unescaped on the page");
        }
        assert!(prose.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Every row of a table has as many cells as its header.
        let mut columns = 0;
        for line in prose.lines() {
            if !line.starts_with('|') {
                columns = 0;
                continue;
            }
            let cells = line.matches('|').count();
            if columns == 0 {
                columns = cells;
            }
            assert_eq!(cells, columns, "a cell broke its row: {line}");
        }
        // DOT: quotes inside labels are escaped, so every line has balanced quotes.
        for line in dot.lines() {
            let unescaped = line.replace("\\\\", "").replace("\\\"", "");
            assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
        }
    }
}

#[test]
fn mermaid_keywords_as_names_never_become_ids() {
    for (_, _, mermaid, _) in render(&injection()) {
        let subgraphs = mermaid
            .lines()
            .filter(|l| l.trim_start().starts_with("subgraph "))
            .count();
        let ends = mermaid.lines().filter(|l| l.trim() == "end").count();
        assert_eq!(subgraphs, ends);
        assert!(subgraphs >= 4);
        for line in mermaid.lines() {
            let syntax = syntax_only(line);
            let syntax = syntax.trim_start();
            let syntax = syntax.strip_prefix("subgraph ").unwrap_or(syntax);
            for keyword in ["graph", "subgraph", "click", "style", "class"] {
                // Our own statements: `class sN irreversible`, `:::class`, `classDef`, and
                // `style laneN`.
                let ours = match keyword {
                    "class" => {
                        syntax.starts_with("class ")
                            || syntax.starts_with("classDef ")
                            || syntax.contains(":::")
                    }
                    "style" => syntax.starts_with("style lane"),
                    _ => false,
                };
                let allowed = ours;
                assert!(
                    allowed || !syntax.contains(keyword),
                    "`{keyword}` outside a label in {line:?}"
                );
            }
        }
    }
}

/// A workflow of `n` steps in three lanes, like `tests/docs/large.py`.
fn large(n: usize) -> String {
    let owners = ["bot", "ops", "lead"];
    let mut out = String::from(
        "workflow large {\n  owner lead\n  actor lead: human { title \"Lead\" }\n  actor bot: ai\n  actor ops: team { fallback lead }\n  context { item: text }\n  trigger start: manual { provides item }\n",
    );
    for i in 0..n {
        out.push_str(&format!(
            "  step s{i} {{ title \"Step number {i} of the large workflow\" owner {} needs item }}\n",
            owners[(i / 3) % 3]
        ));
    }
    out.push_str("  flow start -> s0\n");
    for i in 0..n.saturating_sub(1) {
        if owners[(i / 3) % 3] == owners[((i + 1) / 3) % 3] {
            out.push_str(&format!("  flow s{i} -> s{}\n", i + 1));
        } else {
            out.push_str(&format!(
                "  handoff s{i} -> s{} {{ carries item sla 2h }}\n",
                i + 1
            ));
        }
    }
    out.push_str("}\n");
    out
}

fn parts(source: &str) -> Vec<docs::Diagram> {
    let checked = handoff::check_source(source);
    let settings = Settings::default();
    let a = Analysis::new(&checked.module.workflows[0], &settings);
    docs::diagrams(&a, source)
}

#[test]
fn large_workflows_are_split_into_diagrams_mermaid_accepts() {
    let source = large(1000);
    let checked = handoff::check_source(&source);
    let settings = Settings::default();
    let a = Analysis::new(&checked.module.workflows[0], &settings);
    let whole = docs::graph(&a, &source, GraphFormat::Mermaid);
    assert!(
        whole.len() > MAX_TEXT
            || whole.matches("-->").count() + whole.matches("==>").count() > MAX_EDGES
    );
    let parts = docs::diagrams(&a, &source);
    assert!(parts.len() > 1);
    let mut defined = vec![0usize; 1000];
    for p in &parts {
        assert!(p.text.len() <= MAX_TEXT, "{} characters", p.text.len());
        assert!(p.edges <= MAX_EDGES);
        assert!(p.title.is_some());
        for line in p.text.lines() {
            let line = line.trim_start();
            if let Some(rest) = line.strip_prefix('s') {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if !digits.is_empty() && rest[digits.len()..].starts_with(['(', '[', '{']) {
                    defined[digits.parse::<usize>().expect("number")] += 1;
                }
            }
        }
    }
    assert!(defined.iter().all(|&d| d == 1), "every step is drawn once");
    let page = docs::page(&a, &source, &[]);
    assert!(page.contains("too large for one Mermaid diagram"));
    assert_eq!(mermaid_blocks(&page).len(), parts.len());
    for i in 1..=parts.len() {
        assert!(page.contains(&format!("(#part-{i})")));
    }
}

#[test]
fn the_generator_grows_linearly() {
    // Twice the steps give about twice the text, part for part (no part grows quadratically).
    let size = |n| parts(&large(n)).iter().map(|p| p.text.len()).sum::<usize>();
    let (one, two) = (size(1000), size(2000));
    assert!(
        two < one * 21 / 10 && two > one * 19 / 10,
        "{one} then {two}"
    );
}

#[test]
fn small_workflows_get_one_diagram() {
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("readable");
        let checked = handoff::check_source(&source);
        let settings = Settings::default();
        for wf in &checked.module.workflows {
            let a = Analysis::new(wf, &settings);
            let d = docs::diagrams(&a, &source);
            assert_eq!(d.len(), 1);
            assert!(d[0].title.is_none());
        }
    }
}

fn handoff(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("handoff-docs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn doc_writes_a_page_per_workflow_and_an_index() {
    let out = scratch("all");
    let o = handoff(&["doc", "examples", "-o", out.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.contains(&"index.md".to_string()));
    assert_eq!(files.len(), examples().len() + 1);
    let refund = std::fs::read_to_string(out.join("refund.md")).expect("page");
    let source = std::fs::read_to_string("examples/refund.handoff").expect("example");
    assert_eq!(refund, render(&source)[0].1);
    // `build --target docs` writes the same pages.
    let out2 = scratch("build");
    let o = handoff(&[
        "build",
        "examples",
        "--target",
        "docs",
        "-o",
        out2.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(out2.join("refund.md")).expect("page"),
        refund
    );
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&out2);
}

#[test]
fn doc_writes_one_page_and_no_index_for_one_workflow() {
    let out = scratch("one");
    let o = handoff(&[
        "doc",
        "examples/refund.handoff",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success());
    assert!(out.join("refund.md").is_file());
    assert!(!out.join("index.md").exists());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn doc_writes_nothing_when_the_input_has_errors() {
    let dir = scratch("errors");
    let input = dir.join("broken.handoff");
    std::fs::write(&input, "workflow w { step s { owner nobody } }\n").expect("write");
    let out = dir.join("out");
    let o = handoff(&[
        "doc",
        input.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E101"));
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graph_prints_just_the_diagram() {
    let o = handoff(&["graph", "examples/refund.handoff"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).expect("utf-8");
    let source = std::fs::read_to_string("examples/refund.handoff").expect("example");
    assert_eq!(text, render(&source)[0].2);
    assert!(text.starts_with("flowchart LR\n"));
    let o = handoff(&["graph", "examples/refund.handoff", "--format", "dot"]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("digraph workflow {"));
    // Several workflows: one must be chosen.
    let o = handoff(&["graph", "examples"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--workflow"));
    let o = handoff(&["graph", "examples", "--workflow", "refund"]);
    assert!(o.status.success());
}

#[test]
fn warnings_are_listed_on_the_page() {
    let source = large(7);
    let checked = handoff::check_source(&source);
    assert!(!checked.diagnostics.is_empty());
    let settings = Settings::default();
    let wf = &checked.module.workflows[0];
    let a = Analysis::new(wf, &settings);
    let diags = docs::diagnostics_of(wf, &checked.module.workflows, &checked.diagnostics);
    assert_eq!(diags.len(), checked.diagnostics.len());
    let page = docs::page(&a, &source, &diags);
    for d in &checked.diagnostics {
        assert!(page.contains(&format!("| `{}` | warning |", d.code())));
    }
    insta::assert_snapshot!("docs_warnings.md", page);
}

#[test]
fn each_page_lists_the_diagnostics_of_its_own_workflow() {
    let first = large(7);
    let second = large(7).replacen("workflow large", "workflow other", 1);
    let source = format!("{first}\n{second}");
    let checked = handoff::check_source(&source);
    let workflows = &checked.module.workflows;
    assert_eq!(workflows.len(), 2);
    let one = docs::diagnostics_of(&workflows[0], workflows, &checked.diagnostics);
    let two = docs::diagnostics_of(&workflows[1], workflows, &checked.diagnostics);
    assert!(!one.is_empty() && !two.is_empty());
    assert_eq!(one.len() + two.len(), checked.diagnostics.len());
    assert!(one
        .iter()
        .all(|d| d.span.start() < workflows[1].span.start()));
    assert!(two
        .iter()
        .all(|d| d.span.start() >= workflows[1].span.start()));
}

#[test]
fn escaping_leaves_no_markup() {
    use handoff::emit::docs::escape;
    assert_eq!(
        escape::mermaid("a\"b]]; %%{init}%% <x> #1 `c`\u{2028}\nd"),
        "a#quot;b#93;#93;#59; #37;#37;#123;init#125;#37;#37; #60;x#62; #35;1 #96;c#96; <br/>d"
    );
    assert_eq!(
        escape::markdown("- a | b <i>&`c`*_[x](y)\nz"),
        "&#45; a &#124; b &lt;i&gt;&amp;&#96;c&#96;&#42;&#95;&#91;x&#93;(y)<br>z"
    );
    assert_eq!(escape::dot("a\"b\\N\nc"), "a\\\"b\\\\N\\nc");
    assert_eq!(escape::code("crm.*"), "`crm.*`");
    assert_eq!(escape::shorten("abcdef", 4), "abc…");
    assert_eq!(escape::shorten("abcd", 4), "abcd");
}
