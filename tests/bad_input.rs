//! Any input gets a diagnostic or a clean result: never a panic, a stack overflow or a hang.
//! These run on the test harness's threads (2 MiB stacks), which makes a recursion bug show.

mod common;

use handoff::parse;

/// The front end's view of a source: parse and resolve, without the semantic checks (these
/// inputs are about robustness, not about well-formed workflows).
fn front_end(source: &str) -> (handoff::ir::Module, Vec<handoff::diagnostics::Diagnostic>) {
    let parsed = parse::parse(source);
    let mut diagnostics = parsed.diagnostics;
    let module = handoff::resolve::resolve(parsed.file, &mut diagnostics);
    handoff::diagnostics::sort(&mut diagnostics);
    (module, diagnostics)
}

fn codes(source: &str) -> Vec<&'static str> {
    front_end(source)
        .1
        .iter()
        .map(handoff::diagnostics::Diagnostic::code)
        .collect()
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let (text, error) = parse::decode(b"workflow w {\xff}");
    let error = error.expect("invalid UTF-8 is reported");
    assert_eq!(error.code(), "E001");
    assert!(error.message.contains("offset 12"), "{}", error.message);
    assert!(error.message.contains("0xff"), "{}", error.message);
    assert_eq!(error.span.start(), 12);
    assert!(text.starts_with("workflow w {"));
}

#[test]
fn valid_utf8_decodes_without_error() {
    let (text, error) = parse::decode("actor é: human".as_bytes());
    assert!(error.is_none());
    assert_eq!(text, "actor é: human");
}

#[test]
fn nul_bytes_are_a_syntax_error() {
    let (_, diagnostics) = front_end("workflow w {\0}");
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].message.contains("found a NUL byte"));
    // Inside a string a NUL byte is data.
    assert!(codes("workflow w { title \"a\0b\" }").is_empty());
}

#[test]
fn crlf_line_endings_work_and_count_lines_like_lf() {
    let lf = "actor a: human\nworkflow w {\n  step s { owner b }\n}\n";
    let crlf = lf.replace('\n', "\r\n");
    let lf_json = common::json("f", lf, &front_end(lf).1);
    let crlf_json = common::json("f", &crlf, &front_end(&crlf).1);
    let position = |v: &serde_json::Value| {
        let span = &v["diagnostics"][0]["span"];
        (span["line"].clone(), span["column"].clone())
    };
    assert_eq!(position(&lf_json), position(&crlf_json));
    assert_eq!(position(&lf_json).0, 3);
    let section1 = include_str!("fixtures/language/section1.handoff").replace('\n', "\r\n");
    assert!(handoff::check_source(&section1).diagnostics.is_empty());
    // A doc comment keeps no `\r`.
    let (module, _) = front_end("/// doc\r\nworkflow w {}\r\n");
    assert_eq!(module.workflows[0].doc.as_deref(), Some("doc"));
}

/// Old Mac files end lines with `\r` alone: a comment ends there, and lines count as in LF
/// files. (Found by probing: the first comment swallowed the whole file, which checked clean.)
#[test]
fn lone_cr_line_endings_end_comments_and_lines() {
    let lf = "// a comment\nactor a: human\nworkflow w {\n  // another\n  step s { owner b }\n}\n";
    let cr = lf.replace('\n', "\r");
    let lf_checked = handoff::check_source(lf).diagnostics;
    let cr_checked = handoff::check_source(&cr).diagnostics;
    let codes = |d: &[handoff::diagnostics::Diagnostic]| {
        d.iter()
            .map(handoff::diagnostics::Diagnostic::code)
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&lf_checked), ["E502", "E101"]);
    assert_eq!(codes(&cr_checked), codes(&lf_checked));
    let position = |v: &serde_json::Value| {
        let span = &v["diagnostics"][0]["span"];
        (span["line"].clone(), span["column"].clone())
    };
    let lf_json = common::json("f", lf, &lf_checked);
    let cr_json = common::json("f", &cr, &cr_checked);
    assert_eq!(position(&lf_json), position(&cr_json));
    assert_eq!(position(&cr_json).0, 3);
    // The CLI reads such a file as LF (offsets unchanged), and so does `fmt`.
    let (decoded, error) = handoff::parse::decode(cr.as_bytes());
    assert!(error.is_none());
    assert_eq!(decoded, lf);
    let section1 = include_str!("fixtures/language/section1.handoff");
    let formatted = handoff::fmt::format(section1).expect("formats");
    assert_eq!(
        handoff::fmt::format(&section1.replace('\n', "\r")).expect("formats"),
        formatted
    );
    // CRLF stays CRLF.
    assert_eq!(handoff::parse::decode(b"a\r\nb\r").0, "a\r\nb\n");
}

#[test]
fn a_20_mb_string_literal_is_fine() {
    let big = "x".repeat(20 * 1024 * 1024);
    let source = format!("workflow w {{ title \"{big}\" }}");
    let (module, diagnostics) = front_end(&source);
    assert!(diagnostics.is_empty());
    let title = module.workflows[0].title.as_ref().expect("title");
    assert_eq!(title.value.len(), big.len());
}

#[test]
fn deep_parentheses_and_nots_are_nesting_too_deep() {
    for opener in ["(", "not ", "not ("] {
        let nested = opener.repeat(200_000);
        let source = format!(
            "actor a: human\nworkflow w {{ trigger t: manual step s {{ owner a }} flow t -> s when {nested}x }}"
        );
        let checked = handoff::check_source(&source);
        assert_eq!(codes(&source), vec!["E001"], "{opener}");
        assert!(checked
            .diagnostics
            .iter()
            .any(|d| d.message.contains("nesting too deep")));
    }
    let types = format!(
        "workflow w {{ context {{ x: {}text }} }}",
        "list<".repeat(200_000)
    );
    assert_eq!(codes(&types), vec!["E001"]);
}

#[test]
fn nesting_at_the_limit_parses() {
    let depth = parse::MAX_NESTING;
    let source = format!(
        "actor a: human\nworkflow w {{ context {{ x: bool }} trigger t: manual {{ provides x }} step s {{ owner a }} flow t -> s when {}x{} }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert!(codes(&source).is_empty(), "{:?}", codes(&source));
}

#[test]
fn a_chain_of_20000_steps_resolves() {
    let n = 20_000;
    let mut source = String::from("actor a: ai\nworkflow w {\n  trigger t: manual\n");
    for i in 0..n {
        source.push_str(&format!("  step s{i} {{ owner a }}\n"));
    }
    source.push_str("  flow t");
    for i in 0..n {
        source.push_str(&format!(" -> s{i}"));
    }
    source.push_str("\n}\n");
    // The whole pipeline, checks included, on a chain: every analysis must be iterative.
    let checked = handoff::check_source(&source);
    assert!(
        checked.diagnostics.is_empty(),
        "{:?}",
        &checked.diagnostics[..1]
    );
    assert_eq!(checked.module.workflows[0].transitions.len(), n);
}

#[test]
fn fifty_thousand_fields_resolve() {
    let n = 50_000;
    let mut source = String::from("workflow w {\n  context {\n");
    for i in 0..n {
        source.push_str(&format!("    f{i}: text\n"));
    }
    source.push_str("  }\n}\n");
    let (module, diagnostics) = front_end(&source);
    assert!(diagnostics.is_empty());
    assert_eq!(module.workflows[0].fields.len(), n);
    // The checks run on it too: every field is unused, and each is reported once.
    let checked = handoff::check_source(&source);
    let unused = checked
        .diagnostics
        .iter()
        .filter(|d| d.code() == "W301")
        .count();
    assert_eq!(unused, n);
}

#[test]
fn many_undefined_names_stay_linear() {
    // Each undefined name could search all names for a suggestion; the budget keeps it linear.
    let n = 20_000;
    let mut source = String::from("actor a: ai\nworkflow w {\n  context {\n");
    for i in 0..n {
        source.push_str(&format!("    f{i}: text\n"));
    }
    source.push_str("  }\n  step s { owner a needs ");
    let names: Vec<String> = (0..n).map(|i| format!("g{i}")).collect();
    source.push_str(&names.join(", "));
    source.push_str(" }\n}\n");
    assert_eq!(front_end(&source).1.len(), n);
}

#[test]
fn empty_and_comment_only_files_are_clean() {
    assert!(codes("").is_empty());
    assert!(codes("\n\n   \n").is_empty());
    assert!(codes("// nothing here\n//// nor here\n").is_empty());
    // A doc comment with nothing to document is allowed at the end of a file.
    assert!(codes("/// dangling\n").is_empty());
}

#[test]
fn a_byte_order_mark_is_whitespace() {
    assert!(codes("\u{feff}actor a: human\n").is_empty());
}

#[test]
fn every_broken_declaration_reports_and_the_rest_is_checked() {
    let source = "workflow a { step x { ownr y } }\nworkflow b { step y { owner nobody } }\nactor c: robot\nworkflow d { oops }\n";
    let (module, _) = front_end(source);
    assert_eq!(codes(source), vec!["E001", "E101", "E001", "E001"]);
    // Broken items are dropped; the workflows around them are kept and checked.
    let names: Vec<&str> = module
        .workflows
        .iter()
        .map(|w| w.name.text.as_str())
        .collect();
    assert_eq!(names, vec!["a", "b", "d"]);
}

#[test]
fn an_unclosed_brace_resynchronises_at_the_next_line_starting_declaration() {
    let source = "workflow a {\n  step x {\n\nworkflow b { step y { owner nobody } }\n";
    assert_eq!(codes(source), vec!["E001", "E101"]);
}

#[test]
fn a_broken_declaration_next_to_non_ascii_text_never_panics() {
    // The name a broken field seems to declare is read back from the line (to spare its uses an
    // E101): a letter of several bytes before the `:` once cut a character in two.
    for source in [
        "workflow w {\n  context { email: email  n\u{e1}me: nubmer }\n}\n",
        "workflow w {\n  context { email: email \u{fffd}name: x }\n}\n",
        "\u{e9}tep s {\n",
        "workflow w {\n  st\u{e9}p s { owner a }\n  flow t -> s\n}\n",
    ] {
        assert!(codes(source).contains(&"E001"), "{source}");
    }
}

#[test]
fn garbage_of_every_byte_never_panics() {
    // A crude fuzz over short inputs built from the language's own punctuation and words.
    let atoms = [
        "workflow", "actor", "step", "{", "}", "(", ")", "<", ">", "[", "]", ":", ",", "->", "\"",
        "\\", "when", "not", "list", "enum", "x", "1h", "-1.5", "///", "//", "\n", "\u{0}", "é",
        "handoff", "flow", "owner", "context", "escalate", "to", "approve", "by", "=", "==",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3_000 {
        let mut source = String::new();
        let len = (state % 40) as usize;
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            source.push_str(atoms[(state % atoms.len() as u64) as usize]);
            source.push(' ');
        }
        let _ = handoff::check_source(&source);
    }
}

/// A workflow left open at the end of a file (`\r\n` line ends, a comment on the last line):
/// one E001 whose edit closes it on a line of its own in the file's line ends, and the items
/// read before the end are still resolved (the undefined owner is reported).
#[test]
fn a_workflow_open_at_the_end_is_still_read_and_closed_in_its_own_line_ends() {
    let source =
        "workflow w {\r\n  trigger t: manual\r\n  step s { owner nobody }\r\n  flow t -> s // last";
    let (_, diagnostics) = front_end(source);
    let found: Vec<_> = diagnostics
        .iter()
        .map(handoff::diagnostics::Diagnostic::code)
        .collect();
    assert_eq!(found, ["E101", "E001"], "{diagnostics:?}");
    let fix = diagnostics[1].fix.as_ref().expect("an edit");
    assert_eq!(fix.edits[0].replacement, "\r\n}\r\n");
    let mut fixed = source.to_string();
    fixed.insert_str(fix.edits[0].span.start(), &fix.edits[0].replacement);
    assert_eq!(codes(&fixed), ["E101"]);
}
