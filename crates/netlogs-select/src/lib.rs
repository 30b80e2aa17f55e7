//! netlogs-select: build the next training or evaluation set from past runs.
//!
//! Every row of the runs (read through `netlogs-runlog`) is grouped by example id into a
//! [`Pool`] of candidates, each with its rollouts' rewards, labels and beliefs. A
//! [`Strategy`] ranks them:
//! - `uncertainty`: examples whose stated belief P(malicious) lies in or nearest the run
//!   rubric's abstain band (`netlogs audit`), the cases the policy cannot yet decide;
//! - `disagreement`: examples whose rollouts gave different labels;
//! - `zero-variance`: only examples whose rollouts got different rewards, so a GRPO group
//!   built on them has a non-zero advantage (the filter trainers apply by hand).
//!
//! The picked examples are written as a dataset `netlogs eval --data` and
//! `netlogs.load_examples` read, keeping the original example ids. [`SelectionStats`] measures
//! a pick on the runs' own rollouts, beside a seeded random pick of the same size.

mod error;
mod pool;
mod rank;
mod stats;

pub use error::SelectError;
pub use pool::{Candidate, Pool, RolloutView};
pub use rank::{select, Selection, Strategy};
pub use stats::{random_baseline, RandomBaseline, SelectionStats};

use std::path::Path;

use netlogs_data::{write_examples_parquet, write_prepared, Example};

/// Write the picked examples to `path`: prepared JSONL (`.jsonl`) or the examples parquet a
/// build writes (`.parquet`), either way with their example ids.
pub fn write_selection(pool: &Pool, picked: &[usize], path: &Path) -> Result<(), SelectError> {
    let examples: Vec<Example> = picked
        .iter()
        .map(|&i| pool.candidates[i].example.clone())
        .collect();
    let io = |e: std::io::Error| SelectError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut out = Vec::new();
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl") => write_prepared(&examples, &mut out).map_err(io)?,
        Some("parquet") => write_examples_parquet(&examples, &mut out)
            .map_err(|e| io(std::io::Error::other(e.to_string())))?,
        _ => {
            return Err(SelectError::Output(format!(
                "{}: the selection is written as .jsonl (prepared JSONL) or .parquet",
                path.display()
            )))
        }
    }
    std::fs::write(path, out).map_err(io)
}

/// A selection as `netlogs data select` reports it: what was picked, and how it compares
/// with random picks of the same size.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SelectionReport {
    pub strategy: Strategy,
    pub candidates: usize,
    pub qualified: usize,
    pub error_rows: usize,
    pub bandless_runs: usize,
    pub selected: SelectionStats,
    pub random: RandomBaseline,
    /// The picked examples, best first, with their strategy scores.
    pub example_ids: Vec<String>,
    pub scores: Vec<f64>,
}

impl SelectionReport {
    pub fn new(pool: &Pool, s: &Selection, draws: usize, seed: u64) -> SelectionReport {
        SelectionReport {
            strategy: s.strategy,
            candidates: pool.candidates.len(),
            qualified: s.qualified,
            error_rows: pool.error_rows,
            bandless_runs: pool.bandless_runs,
            selected: SelectionStats::of(pool, &s.picked),
            random: random_baseline(pool, s.picked.len(), draws, seed),
            example_ids: s
                .picked
                .iter()
                .map(|&i| pool.candidates[i].example.example_id.clone())
                .collect(),
            scores: s.scores.clone(),
        }
    }
}
