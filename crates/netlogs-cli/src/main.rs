//! `netlogs`: evaluate and score language models on network intrusion detection.

mod args;
mod bench;
mod commands;
mod progress;

use std::process::ExitCode;

use crate::args::Command;

/// Rows, prompts and request bodies are many short-lived allocations across two runtime
/// threads; mimalloc (v2: lower peak memory than v3 here) serves them faster than glibc's
/// allocator (about 10% more requests/s in `cargo xtask bench-eval`). Built with `no_thp`:
/// huge pages added 10 MB to a default run's peak memory for no measurable speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Eval(a) => commands::eval::run(*a),
        Command::Score(a) => commands::score::run(a),
        Command::Audit(a) => commands::audit::run(a),
        Command::Data(c) => commands::data::run(c),
        Command::Serve(a) => commands::serve::run(a),
        Command::Compare(a) => commands::compare::run(a),
        Command::View(a) => commands::view::run(a),
        Command::Export(c) => commands::export::run(c),
        Command::Baseline(c) => commands::baseline::run(c),
        Command::Bench(a) => bench::run(*a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
