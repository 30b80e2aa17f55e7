pub mod audit;
pub mod baseline;
pub mod compare;
pub mod data;
pub mod eval;
pub mod export;
pub mod score;
pub mod select;
pub mod serve;
pub mod view;

use anyhow::Result;

use crate::args::Command;

/// Run one parsed command (`main`, and `netlogs bench` for the commands it is made of).
pub fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Eval(a) => eval::run(*a),
        Command::Score(a) => score::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Data(c) => data::run(c),
        Command::Serve(a) => serve::run(a),
        Command::Compare(a) => compare::run(a),
        Command::View(a) => view::run(a),
        Command::Export(c) => export::run(c),
        Command::Baseline(c) => baseline::run(c),
        Command::Bench(a) => crate::bench::run(*a),
    }
}
