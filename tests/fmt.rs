//! `handoff::fmt::format` over every example and fixture: it is idempotent, loses no comment,
//! and changes neither the checked model nor the diagnostics (but for positions); a text with a
//! syntax error is refused. Snapshots of a few messy inputs (`tests/fmt/`) show the layout.

mod common;

#[path = "../fuzz/mutate.rs"]
#[allow(dead_code)]
mod mutate;

use std::fs;
use std::path::{Path, PathBuf};

use handoff::fmt::{format, Error};

/// Every `.handoff` file of the repository's examples and test data.
fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = [
        "examples",
        "tests/fixtures",
        "tests/fmt",
        "tests/docs",
        "tests/n8n",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect();
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "handoff") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() > 40, "the corpus holds {} files", out.len());
    out
}

/// The comments of a text, in order, found without the formatter's lexer: from `//` outside a
/// string to the end of the line, trailing whitespace left out (but a doc comment's, which is
/// part of the model).
fn comments(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let bytes = line.as_bytes();
        let mut in_string = false;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                    let c = &line[i..];
                    let doc = c.starts_with("///") && !c.starts_with("////");
                    out.push(if doc { c } else { c.trim_end() }.to_string());
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// The debug form of a value with every `Span { start: …, end: … }` replaced by `Span`.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(" }").map_or(tail.len(), |e| e + 2);
        out.push_str("Span");
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A JSON value with every source location (`{file, line, column, …}`) replaced by null, and
/// the labels of diagnostics, which may name a line (W601), too.
fn without_locations(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.contains_key("line") && map.contains_key("end_column") {
                *value = serde_json::Value::Null;
                return;
            }
            if map.contains_key("code") {
                map.remove("label");
            }
            map.values_mut().for_each(without_locations);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_locations),
        _ => {}
    }
}

/// What checking a text finds and builds, positions left out.
fn meaning(
    source: &str,
) -> (
    String,
    Vec<(String, String, String)>,
    Vec<serde_json::Value>,
) {
    let checked = handoff::check_source(source);
    let ir = without_spans(&format!("{:?}", checked.module));
    let mut diagnostics: Vec<_> = checked
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code().to_string(),
                d.severity.as_str().to_string(),
                d.message.clone(),
            )
        })
        .collect();
    diagnostics.sort();
    let compiled = handoff::compile(source, &handoff::Options::new("f.handoff"));
    let models = compiled
        .workflows
        .iter()
        .map(|w| {
            let mut v = serde_json::to_value(w).expect("the model serialises");
            without_locations(&mut v);
            v
        })
        .collect();
    (ir, diagnostics, models)
}

/// The `handoff` blocks of the language reference, named by their line.
fn reference_examples() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md");
    let page = fs::read_to_string(path).expect("docs/language.md");
    let mut out = Vec::new();
    let mut lines = page.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if line == "```handoff" {
            let mut code = String::new();
            for (_, l) in lines.by_ref().take_while(|(_, l)| *l != "```") {
                code.push_str(l);
                code.push('\n');
            }
            out.push((format!("docs/language.md:{}", n + 1), code));
        }
    }
    assert!(out.len() > 10, "the reference holds {} examples", out.len());
    out
}

#[test]
fn formatting_is_idempotent_lossless_and_keeps_the_model() {
    let mut formatted = 0;
    let files = corpus().into_iter().map(|path| {
        let source = fs::read_to_string(&path).expect("readable");
        (common::display(&path), source)
    });
    for (name, source) in files.chain(reference_examples()) {
        let syntax_errors = !handoff::parse::parse(&source).diagnostics.is_empty();
        let out = match format(&source) {
            Ok(out) => out,
            Err(Error::Syntax(d)) => {
                assert!(syntax_errors, "{name}: refused without a syntax error");
                assert!(d.iter().all(|d| d.code() == "E001"), "{name}: {d:?}");
                continue;
            }
            Err(Error::Unsafe(why)) => panic!("{name}: refused: {why}"),
        };
        assert!(!syntax_errors, "{name}: formatted despite a syntax error");
        formatted += 1;
        assert_eq!(
            format(&out).ok().as_deref(),
            Some(out.as_str()),
            "{name}: formatting twice changes the text"
        );
        assert_eq!(comments(&source), comments(&out), "{name}: comments differ");
        assert!(
            meaning(&source) == meaning(&out),
            "{name}: the checked model or the diagnostics differ after formatting:\n{out}"
        );
    }
    assert!(formatted > 30, "only {formatted} files could be formatted");
}

#[test]
fn examples_are_formatted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in fs::read_dir(dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "handoff") {
            continue;
        }
        let source = fs::read_to_string(&path).expect("readable");
        let out = format(&source).expect("an example formats");
        assert!(
            out == source,
            "{} is not formatted: run `handoff fmt examples/`",
            common::display(&path)
        );
    }
}

#[test]
fn messy_inputs_are_laid_out() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fmt");
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .expect("tests/fmt/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "handoff"))
        .collect();
    names.sort();
    for path in names {
        let source = fs::read_to_string(&path).expect("readable");
        let stem = path.file_stem().expect("a name").to_string_lossy();
        let result = match format(&source) {
            Ok(out) => out,
            Err(Error::Syntax(d)) => {
                let name = common::display(&path);
                format!("refused:\n{}", common::human(&name, &source, &d))
            }
            Err(Error::Unsafe(why)) => format!("refused as unsafe: {why}"),
        };
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(
                format!("layout_{stem}"),
                format!("{source}\n──── formatted ────\n{result}")
            );
        });
    }
}

#[test]
fn crlf_line_breaks_and_a_byte_order_mark_are_kept() {
    let source =
        "\u{FEFF}workflow w {\r\n  owner a // note\r\n  actor a: human {can approve}\r\n}\r\n";
    let out = format(source).expect("formats");
    assert_eq!(
        out,
        "\u{FEFF}workflow w {\r\n  owner a // note\r\n  actor a: human { can approve }\r\n}\r\n"
    );
    assert_eq!(format(&out).expect("formats"), out);
}

#[test]
fn degenerate_texts_format() {
    for (source, expected) in [
        ("", ""),
        ("\n\n  \n", ""),
        ("// only a comment", "// only a comment\n"),
        ("workflow w{}", "workflow w {}\n"),
        ("workflow w {\n}\n", "workflow w {}\n"),
        ("workflow w { // c\n}", "workflow w { // c\n}\n"),
        (
            "workflow w { step s { } step t {\n// c\n} }",
            "workflow w {\n  step s {}\n  step t {\n    // c\n  }\n}\n",
        ),
    ] {
        assert_eq!(format(source).ok().as_deref(), Some(expected), "{source:?}");
    }
}

#[test]
fn bad_input_is_refused_or_formatted() {
    for source in ["\0", "workflow w { \0 }", "workflow w { title \"a"] {
        assert!(
            matches!(format(source), Err(Error::Syntax(_))),
            "{source:?}"
        );
    }
    assert_eq!(format("\u{FEFF}").ok().as_deref(), Some("\u{FEFF}"));
    // A byte order mark inside the text is whitespace to the grammar.
    assert_eq!(
        format("workflow \u{FEFF}w {}").ok().as_deref(),
        Some("workflow w {}\n")
    );
    // A long string is copied as written, escapes and all.
    let long = format!(
        "workflow w {{ title \"{}\\u{{e9}}\" }}",
        "x".repeat(500_000)
    );
    let out = format(&long).expect("formats");
    let expected = format!(
        "workflow w {{\n  title \"{}\\u{{e9}}\"\n}}\n",
        "x".repeat(500_000)
    );
    assert!(out == expected);
    assert_eq!(format(&out).expect("formats"), out);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // Beyond the parser's nesting bound the text is a syntax error: refused, no recursion.
    let depth = 100_000;
    let source = format!(
        "workflow w {{ flow a -> b when {}x{} }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert!(matches!(format(&source), Err(Error::Syntax(_))));
    let source = format!(
        "workflow w {{ flow a -> b when {}x }}",
        "not ".repeat(depth)
    );
    assert!(matches!(format(&source), Err(Error::Syntax(_))));
    // Within the bound it formats.
    let source = format!(
        "workflow w {{ flow a -> b when {}x{} }}",
        "( ".repeat(60),
        " )".repeat(60)
    );
    let out = format(&source).expect("formats");
    assert!(out.contains(&format!("when {}x{}", "(".repeat(60), ")".repeat(60))));
}

#[test]
fn a_block_under_a_suppression_stays_on_its_line() {
    // The suppression applies to the line below it, where `approve` is too: one item per line
    // would take `approve` away from it and bring the warning back, so the step stays as it is.
    let head = "\
actor payments: system { can payments.send }
actor manager: human {
  can approve
  inbox email \"m@example.com\"
}
actor cfo: human {
  can approve
  inbox email \"c@example.com\"
}
workflow chain {
  trigger request: form \"Spend\"
";
    let step =
        "step pay { owner payments action payments.send irreversible approve by manager, cfo }";
    let source = format!(
        "{head}  // handoff: allow(W403) the audit requires both\n  {step}\n  flow request -> pay\n}}\n"
    );
    assert!(handoff::check_source(&source).diagnostics.is_empty());
    assert_eq!(format(&source).expect("formats"), source);
    // Two steps on the suppressed line: the second must leave it, and the suppression would no
    // longer reach its approval, so the text is refused rather than changed.
    let two = step.replace("step pay ", "step pay2 ");
    let source = format!(
        "{head}  // handoff: allow(W403) the audit requires both\n  {step} {two}\n  \
         flow request -> pay\n  flow request -> pay2\n}}\n"
    );
    assert!(handoff::check_source(&source).diagnostics.is_empty());
    match format(&source) {
        Err(Error::Unsafe(why)) => assert!(why.contains("suppression"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mutated_inputs_never_panic_and_format_idempotently() {
    // The fuzzer's cases (fuzz/, README: Fuzzing) on a thread with an 8 MiB stack, as in
    // tests/fuzz_smoke.rs: whatever the input, `format` returns, and what it returns is formatted.
    let seeds = mutate::load_seeds(Path::new(env!("CARGO_MANIFEST_DIR")));
    let limits = mutate::Limits {
        max_name: 2_000,
        max_nesting: 2_000,
    };
    let failures = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let mut failures = Vec::new();
            let mut formatted = 0;
            for index in 0..400 {
                let input = mutate::case(7, index, &seeds, limits);
                match std::panic::catch_unwind(|| format(&input)) {
                    Err(_) => failures.push(format!("case {index}: panic")),
                    Ok(Ok(out)) => {
                        formatted += 1;
                        if format(&out).ok().as_deref() != Some(out.as_str()) {
                            failures.push(format!("case {index}: not idempotent"));
                        }
                    }
                    Ok(Err(Error::Unsafe(why))) => {
                        // Allowed only where a suppression would move.
                        if !why.contains("suppression") {
                            failures.push(format!("case {index}: {why}"));
                        }
                    }
                    Ok(Err(Error::Syntax(_))) => {}
                }
            }
            // About one mutated case in ten still parses; a handful is not a test of `format`.
            assert!(formatted > 20, "only {formatted} cases parsed");
            failures
        })
        .expect("a thread")
        .join()
        .expect("the fuzz thread finishes");
    assert!(failures.is_empty(), "{failures:#?}");
}
