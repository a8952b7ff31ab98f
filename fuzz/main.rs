//! A mutation fuzzer for the whole pipeline (`handoff::check_source`), on stable Rust.
//!
//! ```text
//! cargo run --release --example fuzz -- --iterations 100000 --seed 1
//! ```
//!
//! It mutates the repository's fixtures, examples and `fuzz/seeds/` (see `fuzz/mutate.rs`) and
//! runs every case in a child process, on a thread with a fixed stack (8 MiB by default), so that
//! a stack overflow kills only the child. A panic, a crash (stack overflow or any other signal)
//! or a stall (a case slower than `--timeout-ms`) is reported and its input written to `--out`
//! (`fuzz/crashes/` by default) as `KIND-SEED-INDEX.handoff`. The exit code is 1 if anything was
//! found. Options: `--from I` (first case index), `--stack-mib M`, `--max-name N`,
//! `--max-nesting N`.

#[path = "mutate.rs"]
mod mutate;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

struct Options {
    iterations: u64,
    from: u64,
    seed: u64,
    out: PathBuf,
    timeout: Duration,
    stack_mib: usize,
    limits: mutate::Limits,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        iterations: 10_000,
        from: 0,
        seed: 1,
        out: PathBuf::from("fuzz/crashes"),
        timeout: Duration::from_secs(2),
        stack_mib: 8,
        limits: mutate::Limits {
            max_name: 50_000,
            max_nesting: 5_000,
        },
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: &String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--iterations" => o.iterations = number(value()?)?,
            "--from" => o.from = number(value()?)?,
            "--seed" => o.seed = number(value()?)?,
            "--out" => o.out = PathBuf::from(value()?),
            "--timeout-ms" => o.timeout = Duration::from_millis(number(value()?)?),
            "--stack-mib" => o.stack_mib = usize::try_from(number(value()?)?).unwrap_or(8),
            "--max-name" => o.limits.max_name = usize::try_from(number(value()?)?).unwrap_or(1),
            "--max-nesting" => {
                o.limits.max_nesting = usize::try_from(number(value()?)?).unwrap_or(1);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let stack = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
        child(stack);
        return;
    }
    let options = match parse_options(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("fuzz: {e}");
            std::process::exit(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = mutate::load_seeds(root);
    eprintln!(
        "fuzz: {} seeds, seed {}, cases {}..{}",
        seeds.len(),
        options.seed,
        options.from,
        options.from + options.iterations
    );
    let mut worker = Worker::spawn(options.stack_mib);
    let mut found = 0usize;
    let started = Instant::now();
    for index in options.from..options.from + options.iterations {
        let input = mutate::case(options.seed, index, &seeds, options.limits);
        let verdict = worker.run(&input, options.timeout);
        let kind = match verdict {
            Verdict::Ok => None,
            Verdict::Panic => Some("panic"),
            Verdict::Crash(ref status) => {
                eprintln!("fuzz: case {index}: the child died ({status})");
                Some("crash")
            }
            Verdict::Stall => Some("stall"),
        };
        if let Some(kind) = kind {
            found += 1;
            let path = options
                .out
                .join(format!("{kind}-{}-{index}.handoff", options.seed));
            let _ = std::fs::create_dir_all(&options.out);
            match std::fs::write(&path, &input) {
                Ok(()) => eprintln!("fuzz: case {index}: {kind}, input in {}", path.display()),
                Err(e) => eprintln!(
                    "fuzz: case {index}: {kind}; could not write {}: {e}",
                    path.display()
                ),
            }
            if !matches!(verdict, Verdict::Panic) {
                worker.kill();
                worker = Worker::spawn(options.stack_mib);
            }
        }
        if (index + 1 - options.from) % 1_000 == 0 {
            eprintln!(
                "fuzz: {} cases, {found} found, {:.0?}",
                index + 1 - options.from,
                started.elapsed()
            );
        }
    }
    worker.kill();
    eprintln!("fuzz: done, {found} found in {:.0?}", started.elapsed());
    if found > 0 {
        std::process::exit(1);
    }
}

enum Verdict {
    Ok,
    Panic,
    Crash(String),
    Stall,
}

/// A child process that runs cases one after the other.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<u8>,
}

impl Worker {
    fn spawn(stack_mib: usize) -> Worker {
        let exe = std::env::current_exe().expect("the fuzzer knows its own path");
        let mut child = Command::new(exe)
            .arg("--child")
            .arg(stack_mib.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the fuzzer can start its child");
        let stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            let mut byte = [0u8; 1];
            while stdout.read_exact(&mut byte).is_ok() {
                if tx.send(byte[0]).is_err() {
                    break;
                }
            }
        });
        Worker {
            child,
            stdin,
            replies,
        }
    }

    fn run(&mut self, input: &str, timeout: Duration) -> Verdict {
        let len = input.len() as u64;
        let sent = self
            .stdin
            .write_all(&len.to_le_bytes())
            .and_then(|()| self.stdin.write_all(input.as_bytes()))
            .and_then(|()| self.stdin.flush());
        if sent.is_err() {
            return Verdict::Crash(self.status());
        }
        match self.replies.recv_timeout(timeout) {
            Ok(b'o') => Verdict::Ok,
            Ok(_) => Verdict::Panic,
            Err(RecvTimeoutError::Timeout) => Verdict::Stall,
            Err(RecvTimeoutError::Disconnected) => Verdict::Crash(self.status()),
        }
    }

    fn status(&mut self) -> String {
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => e.to_string(),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child: reads cases (a little-endian `u64` length, then the text) from stdin and answers
/// each with one byte, `o` (ok) or `p` (panicked), on a thread with a stack of `stack_mib` MiB.
fn child(stack_mib: usize) {
    let worker = std::thread::Builder::new()
        .stack_size(stack_mib << 20)
        .spawn(|| {
            let mut stdin = std::io::stdin().lock();
            let mut stdout = std::io::stdout().lock();
            loop {
                let mut len = [0u8; 8];
                if stdin.read_exact(&mut len).is_err() {
                    return;
                }
                let Ok(len) = usize::try_from(u64::from_le_bytes(len)) else {
                    return;
                };
                let mut input = vec![0u8; len];
                if stdin.read_exact(&mut input).is_err() {
                    return;
                }
                let text = String::from_utf8_lossy(&input);
                let ok = std::panic::catch_unwind(|| handoff::check_source(&text)).is_ok();
                if stdout.write_all(if ok { b"o" } else { b"p" }).is_err()
                    || stdout.flush().is_err()
                {
                    return;
                }
            }
        })
        .expect("the child can start its worker thread");
    let _ = worker.join();
}
