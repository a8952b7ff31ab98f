//! Every example of the language reference (`docs/language.md`) does what the page says: a
//! `handoff` block followed by a block of checker output gives exactly the codes that output
//! shows, and any other example checks clean.

use std::path::Path;

/// The `handoff` blocks of a Markdown page, each with the codes of the output block that
/// follows it (before the next `handoff` block), if any.
fn examples(page: &str) -> Vec<(usize, String, Vec<String>)> {
    let mut out = Vec::new();
    let mut lines = page.lines().enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        if line != "```handoff" {
            continue;
        }
        let mut code = String::new();
        for (_, l) in lines.by_ref() {
            if l == "```" {
                break;
            }
            code.push_str(l);
            code.push('\n');
        }
        // The next fenced block, unless another example comes first.
        let mut expected = Vec::new();
        while let Some((_, l)) = lines.peek() {
            if l.starts_with("```handoff") {
                break;
            }
            let (_, l) = lines.next().expect("peeked");
            if l == "```" || l == "```text" {
                for (_, o) in lines.by_ref() {
                    if o.starts_with("```") {
                        break;
                    }
                    let head = o.split('(').next().unwrap_or("");
                    if head.len() == 4
                        && (head.starts_with('E') || head.starts_with('W'))
                        && head[1..].chars().all(|c| c.is_ascii_digit())
                        && o.ends_with(')')
                    {
                        expected.push(head.to_string());
                    }
                }
                break;
            }
        }
        out.push((n + 1, code, expected));
    }
    out
}

#[test]
fn every_example_of_the_language_reference_does_what_the_page_says() {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md"))
            .expect("docs/language.md");
    let all = examples(&page);
    assert!(all.len() >= 10, "only {} examples found", all.len());
    let mut wrong = Vec::new();
    for (line, code, expected) in all {
        let checked = handoff::check_source(&code);
        let mut got: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| d.code().to_string())
            .collect();
        got.sort();
        let mut expected = expected;
        expected.sort();
        if got != expected {
            wrong.push(format!(
                "the example at docs/language.md:{line} gives {got:?}, the page shows {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
