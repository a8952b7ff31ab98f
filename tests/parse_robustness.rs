//! The front end on hostile and broken input: the nesting bound holds for every piece of text pest
//! is given, syntax errors are reported one per broken item with the rest still checked, and
//! misspellings get a "did you mean". These run on the test harness's threads (2 MiB stacks), so
//! an unbounded recursion shows as a crash of this test binary.

use handoff::diagnostics::Diagnostic;

fn check(source: &str) -> Vec<Diagnostic> {
    handoff::check_source(source).diagnostics
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(Diagnostic::code).collect()
}

fn count(diagnostics: &[Diagnostic], code: &str) -> usize {
    diagnostics.iter().filter(|d| d.code() == code).count()
}

/// The text a diagnostic's primary span covers.
fn spanned<'a>(source: &'a str, d: &Diagnostic) -> &'a str {
    &source[d.span.start()..d.span.end()]
}

const PRELUDE: &str = "actor a: human\nworkflow w {\n  context { x: bool }\n  trigger go: manual\n  step s { owner a }\n";

// ------------------------------------------------------------------------------------------------
// The nesting bound
// ------------------------------------------------------------------------------------------------

/// 300 lines of `actor and ((((…` (64 deep each) inside an open condition: the scanner
/// resynchronises at every `actor` that starts a line, but the nesting is counted on the text
/// pest is actually given, so neither the whole-file parse nor the recovery recurses 19,200 deep.
#[test]
fn line_starting_actors_inside_a_condition_do_not_defeat_the_nesting_bound() {
    let mut source = format!("{PRELUDE}  flow go -> s when x and\n");
    for _ in 0..300 {
        source.push_str("actor and ");
        source.push_str(&"(".repeat(64));
        source.push('\n');
    }
    source.push_str("x }\n");
    let diagnostics = check(&source);
    assert!(
        count(&diagnostics, "E001") >= 1,
        "{:?}",
        codes(&diagnostics)
    );
}

/// A condition of 4,000 levels built from shallow lines, closed at the end, used to parse and
/// then overflow the recursive lowering. Now no piece of it reaches pest.
#[test]
fn a_condition_of_4000_levels_from_shallow_lines_is_rejected_before_lowering() {
    for line in ["actor and (\n", "  x and (\n", "not (\n"] {
        let mut source = format!("{PRELUDE}  flow go -> s when\n");
        source.push_str(&line.repeat(4_000));
        source.push('x');
        source.push_str(&")".repeat(4_000));
        source.push_str("\n}\n");
        let diagnostics = check(&source);
        assert!(
            count(&diagnostics, "E001") >= 1,
            "{:?}",
            codes(&diagnostics)
        );
    }
}

/// Where the lines do not start with a declaration keyword, the condition is one item and gets
/// exactly one E001, at the token that goes past the limit.
#[test]
fn nesting_too_deep_is_reported_once_at_the_first_token_past_the_limit() {
    let mut source = format!("{PRELUDE}  flow go -> s when\n");
    source.push_str(&"  x and (\n".repeat(100));
    source.push('x');
    source.push_str(&")".repeat(100));
    source.push_str("\n  step t { owner nobody }\n  flow s -> t\n}\n");
    let diagnostics = check(&source);
    let too_deep: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.message.starts_with("nesting too deep"))
        .collect();
    assert_eq!(too_deep.len(), 1, "{:?}", codes(&diagnostics));
    // The 65th `(` is on the 65th line of the condition.
    let line = source[..too_deep[0].span.start()].matches('\n').count() + 1;
    assert_eq!(line, PRELUDE.lines().count() + 1 + 65);
    assert_eq!(spanned(&source, too_deep[0]), "(");
    // The items around it are still checked.
    assert_eq!(count(&diagnostics, "E101"), 1, "{:?}", codes(&diagnostics));
}

/// `not (a and not (b and …` holds both the `not`s and the parentheses open.
#[test]
fn nots_before_parentheses_count_toward_the_bound() {
    let source = format!(
        "{PRELUDE}  flow go -> s when {}x{}\n}}\n",
        "not (x and ".repeat(40),
        ")".repeat(40)
    );
    let diagnostics = check(&source);
    assert_eq!(count(&diagnostics, "E001"), 1, "{:?}", codes(&diagnostics));
    let fine = format!(
        "{PRELUDE}  flow go -> s when {}x{}\n}}\n",
        "not (x and ".repeat(30),
        ")".repeat(30)
    );
    assert_eq!(count(&check(&fine), "E001"), 0);
}

// ------------------------------------------------------------------------------------------------
// One E001 per broken item
// ------------------------------------------------------------------------------------------------

#[test]
fn five_typos_in_five_steps_give_five_errors_and_the_rest_is_checked() {
    let source = "actor a: human { inbox email \"a@example.com\" }
workflow w {
  context { x: text }
  trigger go: manual
  step one { owner a reversibel }
  step two { owner a needz x }
  step three { owner a provdes x }
  step four { owner a titel \"t\" }
  step five { owner a actoin crm.write }
  step fine { owner nobody needs x }
  flow go -> one -> two -> three -> four -> five -> fine
}
";
    let diagnostics = check(source);
    // `fine` is still resolved (E101 for its owner); `x` is not reported missing at it, since
    // the dropped `provdes x` may have provided it.
    assert_eq!(
        codes(&diagnostics),
        vec!["E001", "E001", "E001", "E001", "E001", "E101"]
    );
    let typos: Vec<&str> = diagnostics[..5]
        .iter()
        .map(|d| spanned(source, d))
        .collect();
    assert_eq!(
        typos,
        vec!["reversibel", "needz", "provdes", "titel", "actoin"]
    );
    // The steps are kept without their broken item.
    let checked = handoff::check_source(source);
    assert_eq!(checked.module.workflows[0].steps.len(), 6);
}

#[test]
fn every_kind_of_item_recovers_on_its_own() {
    let source = "actor a: human
actor b: human { fallbak a }
workflow w {
  actor c: human { titel \"c\" }
  context { x: nubmer }
  trigger go: manul
  trigger go2: manual { provide x }
  step s { owner a }
  flow go -> s if x
  handoff s -> s { carres x }
  versoin \"1\"
  step t { owner nobody }
  flow s -> t
}
";
    let diagnostics = check(source);
    let found: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code() == "E001")
        .map(|d| spanned(source, d))
        .collect();
    assert_eq!(
        found,
        vec!["fallbak", "titel", "nubmer", "manul", "provide", "if", "carres", "versoin"]
    );
    // The item after all of them is still resolved.
    assert_eq!(count(&diagnostics, "E101"), 1, "{:?}", codes(&diagnostics));
}

/// Two broken items on one line are two mistakes: two E001, one at each, and the items around
/// them are still checked.
#[test]
fn two_broken_items_on_one_line_give_two_errors() {
    let source = "actor a: human { inbox email \"a@example.com\" }
workflow w {
  trigger go: manual
  step s { owner a }
  step t { owner a }
  step u { owner a }
  flw go -> s  flw s -> t
  flow t -> u  hndoff u -> s
  step v { ownr a } step x { ownr a }
  step y { owner nobody }
}
";
    let diagnostics = check(source);
    let found: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code() == "E001")
        .map(|d| spanned(source, d))
        .collect();
    assert_eq!(found, vec!["flw", "flw", "hndoff", "ownr", "ownr"]);
    // The item after them is still resolved.
    assert_eq!(count(&diagnostics, "E101"), 1, "{:?}", codes(&diagnostics));
}

#[test]
fn a_misspelt_actor_keyword_does_not_hide_the_next_declaration() {
    let source = "actr x: human\nactor y: robot\nworkflow w { step s { ownr y } }\n";
    let diagnostics = check(source);
    let found: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code() == "E001")
        .map(|d| spanned(source, d))
        .collect();
    assert_eq!(found, vec!["actr", "robot", "ownr"]);
    assert!(diagnostics[0].help.contains("did you mean `actor`"));
}

#[test]
fn a_wrong_guess_of_the_scanner_is_joined_with_the_next_run() {
    // `step` and `flow` name a step here, and another item is broken.
    let source = "actor a: human { inbox email \"a@example.com\" }
workflow w {
  trigger go: manual
  step step { owner a }
  step flow { owner a }
  flow go -> step -> flow -> broken
  step broken { owner a needz x }
}
";
    let diagnostics = check(source);
    assert_eq!(codes(&diagnostics), vec!["E001"]);
    assert_eq!(spanned(source, &diagnostics[0]), "needz");
}

// ------------------------------------------------------------------------------------------------
// Did you mean
// ------------------------------------------------------------------------------------------------

#[test]
fn misspellings_get_a_did_you_mean() {
    let cases = [
        ("actor x: AI\n", "AI", "ai"),
        ("actor x: Human\n", "Human", "human"),
        ("actor x: humna\n", "humna", "human"),
        ("workflow w { context { f: nubmer } }\n", "nubmer", "number"),
        ("workflow w { context { f: Text } }\n", "Text", "text"),
        ("workflow w { context { f: lsit<text> } }\n", "lsit", "list"),
        ("workflow w { flow a -> b if x }\n", "if", "when"),
        ("workflow w { flw a -> b }\n", "flw", "flow"),
        ("workflow w { stepp a { } }\n", "stepp", "step"),
        (
            "workflow w { trigger t: webhok \"/x\" }\n",
            "webhok",
            "webhook",
        ),
        (
            "workflow w { step s { escalte to a when x } }\n",
            "escalte",
            "escalate",
        ),
        (
            "workflow w { handoff a -> b { sla 1h notfy \"x\" } }\n",
            "notfy",
            "notify",
        ),
        (
            "actor x: human { inbox emial \"a@b.c\" }\n",
            "emial",
            "email",
        ),
        ("actor x: human { membres \"a\" }\n", "membres", "members"),
        ("workfow w { }\n", "workfow", "workflow"),
    ];
    for (source, word, keyword) in cases {
        let diagnostics = check(source);
        let e001: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.code() == "E001").collect();
        assert_eq!(e001.len(), 1, "{source}: {:?}", codes(&diagnostics));
        assert_eq!(spanned(source, e001[0]), word, "{source}");
        assert_eq!(
            e001[0].help,
            format!("did you mean `{keyword}`? replace `{word}` with `{keyword}`"),
            "{source}"
        );
    }
}

#[test]
fn an_actor_kind_in_the_wrong_case_still_declares_the_actor() {
    let source = "actor bot: AI\nworkflow w {\n  trigger go: manual\n  step s { owner bot }\n  flow go -> s\n}\n";
    assert_eq!(codes(&check(source)), vec!["E001"]);
}

// ------------------------------------------------------------------------------------------------
// Spans
// ------------------------------------------------------------------------------------------------

#[test]
fn a_comparison_ending_in_a_string_spans_its_closing_quote() {
    let source = "actor a: human { inbox email \"a@example.com\" }
workflow w {
  context { tier: number }
  trigger go: webhook \"/x\" { provides tier }
  step s { owner a needs tier }
  step t { owner a }
  flow go -> s
  flow s -> t when tier == \"x\"
  flow s -> t otherwise
}
";
    let diagnostics = check(source);
    let e303: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.code() == "E303").collect();
    assert_eq!(e303.len(), 1, "{:?}", codes(&diagnostics));
    assert!(
        spanned(source, e303[0]).ends_with("\"x\""),
        "{:?}",
        spanned(source, e303[0])
    );
}

#[test]
fn a_block_left_open_closes_at_the_next_item_head() {
    let source = "actor a: human { inbox email \"a@example.com\" }
workflow w {
  context { x: text }
  trigger go: manual
  step one { owner a
  step two { owner a needs x }
  flow go -> two
}
";
    let diagnostics = check(source);
    assert_eq!(codes(&diagnostics), vec!["E001", "E301"]);
    assert_eq!(spanned(source, &diagnostics[0]), "step");
    assert_eq!(
        diagnostics[0].help,
        "a `}` is probably missing: close the block above before `step`"
    );
}

#[test]
fn a_broken_field_leaves_the_other_fields_of_its_context_block() {
    let source = "actor a: human { inbox email \"a@example.com\" }
workflow w {
  context { n: nubmer, b: text, c: lsit<text> }
  trigger go: webhook \"/x\" { provides b }
  step s { owner a needs b }
  flow go -> s
}
";
    let diagnostics = check(source);
    let found: Vec<&str> = diagnostics.iter().map(|d| spanned(source, d)).collect();
    assert_eq!(found, vec!["nubmer", "lsit"], "{:?}", codes(&diagnostics));
}

/// Every later stage walks conditions and types recursively (resolve, the checks, `ir::Cond`,
/// `Debug`, `Drop`); at the deepest nesting the parser accepts, all of them fit in a 1 MiB stack
/// in a debug build.
#[test]
fn the_deepest_accepted_nesting_is_safe_for_every_later_stage() {
    let shapes = [
        format!("not (x and {}x{}", "not (x and ".repeat(31), ")".repeat(32)),
        format!("{}x{}", "(".repeat(64), ")".repeat(64)),
        format!("{}x", "not ".repeat(64)),
        format!("{}x == 1{}", "(not ".repeat(32), ")".repeat(32)),
    ];
    for condition in shapes {
        let source = format!(
            "actor a: human\nworkflow w {{\n  context {{ x: bool, l: {}text{} }}\n  trigger go: manual\n  step s {{ owner a }}\n  step t {{ owner a }}\n  flow go -> s\n  flow s -> t when {condition}\n  flow s -> t otherwise\n}}\n",
            "list<".repeat(63),
            ">".repeat(63)
        );
        let checked = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let checked = handoff::check_source(&source);
                let debug = format!("{:?}", checked.module);
                let deep = checked.diagnostics.iter().any(|d| d.code() == "E001");
                drop(checked);
                (deep, debug.len())
            })
            .expect("a thread")
            .join()
            .expect("no overflow");
        assert!(!checked.0, "the nesting is within the bound");
    }
}
