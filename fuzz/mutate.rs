//! The mutation engine of the fuzz harness, shared by `fuzz/main.rs` (the long runs) and
//! `tests/fuzz_smoke.rs` (a short run inside `cargo test`).
//!
//! Case `i` of a run with seed `s` depends only on `(s, i)` and the seed files, so any case that a
//! run reports can be regenerated (`--seed s --from i --iterations 1`).

use std::path::{Path, PathBuf};

/// A small deterministic generator (splitmix64): no dependency, same numbers on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// How large the generated structures may get.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The longest name a mutation inserts.
    pub max_name: usize,
    /// The deepest nesting a mutation inserts.
    pub max_nesting: usize,
}

/// The seed inputs: every fixture and example of the repository, and `fuzz/seeds/`, in a fixed
/// order. `root` is the repository root.
pub fn load_seeds(root: &Path) -> Vec<String> {
    let mut paths = Vec::new();
    for dir in ["tests/fixtures", "examples", "fuzz/seeds"] {
        collect(&root.join(dir), &mut paths);
    }
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "handoff") {
            out.push(path);
        }
    }
}

/// Splits text into tokens: runs of word characters, runs of whitespace, and single other
/// characters. Concatenating the tokens gives the text back.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let mut prev: Option<u8> = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        if let Some(p) = prev {
            if p != k || k == 2 {
                out.push(&text[start..i]);
                start = i;
            }
        }
        prev = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Bytes that a flip writes: the language's punctuation, quotes, line breaks, letters, digits and
/// a few bytes that are not valid UTF-8 on their own.
const FLIP_BYTES: &[u8] = b"{}()<>[]:,->=!\"\\/\n\r\t _aAzZ09.\x00\x7f\xc3\xa9\xff";

/// Words worth inserting: every keyword, and a few operators.
const WORDS: &[&str] = &[
    "actor",
    "workflow",
    "step",
    "flow",
    "handoff",
    "trigger",
    "context",
    "owner",
    "title",
    "version",
    "customer",
    "customer_facing",
    "inbox",
    "uses",
    "needs",
    "provides",
    "action",
    "approve",
    "by",
    "within",
    "else",
    "escalate",
    "to",
    "when",
    "otherwise",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "confidence",
    "attempts",
    "elapsed",
    "carries",
    "sla",
    "fallback",
    "notify",
    "reason",
    "list",
    "enum",
    "sensitive",
    "->",
    "==",
    "\"x\"",
    "1h",
    "-1.5",
    "///",
    "//",
];

/// Builds case `index` of the run with `seed`.
pub fn case(seed: u64, index: u64, seeds: &[String], limits: Limits) -> String {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0xa076_1d64_78bd_642f));
    let base = if seeds.is_empty() {
        String::new()
    } else {
        rng.pick(seeds).clone()
    };
    let mut text = base;
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        if text.len() > MAX_CASE {
            break;
        }
        text = mutate(&mut rng, &text, seeds, limits);
    }
    if text.len() > MAX_CASE {
        let mut end = MAX_CASE;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The largest case: large inputs are the benchmark's business, and a bound on the size makes a
/// fixed time limit per case meaningful (1 MiB checks in well under 0.2 s in a release build).
const MAX_CASE: usize = 1 << 20;

/// Applies one random mutation.
fn mutate(rng: &mut Rng, text: &str, seeds: &[String], limits: Limits) -> String {
    let toks = tokens(text);
    let at = rng.below(toks.len() + 1);
    let before = toks[..at].concat();
    let after = toks[at..].concat();
    match rng.below(8) {
        // Flip bytes.
        0 => {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..=rng.below(4) {
                if bytes.is_empty() {
                    break;
                }
                let i = rng.below(bytes.len());
                bytes[i] = *rng.pick(FLIP_BYTES);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        // Delete a run of tokens.
        1 => {
            let len = 1 + rng.below(6);
            let end = (at + len).min(toks.len());
            format!("{before}{}", toks[end..].concat())
        }
        // Duplicate a run of tokens.
        2 => {
            let len = 1 + rng.below(12);
            let end = (at + len).min(toks.len());
            let run = toks[at..end].concat();
            let times = 1 + rng.below(3);
            format!("{before}{}{after}", run.repeat(times + 1))
        }
        // Splice a run of tokens from another seed.
        3 => {
            if seeds.is_empty() {
                return text.to_string();
            }
            let other = tokens(rng.pick(seeds).as_str());
            let from = rng.below(other.len() + 1);
            let end = (from + 1 + rng.below(40)).min(other.len());
            format!("{before}{}{after}", other[from..end].concat())
        }
        // Insert deep nesting, closed or not.
        4 => {
            let depth = *rng.pick(&[
                limits.max_nesting.min(63),
                limits.max_nesting.min(64),
                limits.max_nesting.min(65),
                limits.max_nesting,
            ]);
            let (open, close) = *rng.pick(&[
                ("(", ")"),
                ("not ", ""),
                ("not (", ")"),
                ("list<", ">"),
                ("x and (", ")"),
                ("\nactor and (", ")"),
            ]);
            let closing = if rng.below(2) == 0 {
                close.repeat(depth)
            } else {
                String::new()
            };
            format!("{before}{}x{closing}{after}", open.repeat(depth))
        }
        // Insert or replace with a long name.
        5 => {
            let len = 1 + rng.below(limits.max_name);
            let name: String = (0..len)
                .map(|i| if i % 7 == 3 { 'b' } else { 'a' })
                .collect();
            format!("{before} {name} {after}")
        }
        // Insert a keyword or operator.
        6 => format!("{before} {} {after}", rng.pick(WORDS)),
        // Repeat a line many times.
        _ => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if lines.is_empty() {
                return text.to_string();
            }
            let i = rng.below(lines.len());
            let times = 2 + rng.below(200);
            format!(
                "{}{}{}",
                lines[..i].concat(),
                lines[i].repeat(times),
                lines[i + 1..].concat()
            )
        }
    }
}
