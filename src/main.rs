//! The `handoff` command line: a thin layer over the library that reads files, prints and sets
//! the exit code. Everything else lives in the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
