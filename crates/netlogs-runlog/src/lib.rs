//! netlogs-runlog: the run log as its own format, apart from the engine's types.
//!
//! A run directory holds `metadata.json` ([`Metadata`]: settings stored once, and a
//! [`RunStatus`]), `results.jsonl` (one [`Row`] per rollout, each line versioned) and
//! `summary.json` ([`Summary`]). Every file carries a `schema_version`; older versions are
//! read through [`migrate`], newer ones refused with a message saying so. Reports,
//! comparisons and bench tables read runs through this crate alone, without the engine.

mod bench;
mod dir;
mod error;
mod metadata;
pub mod migrate;
mod read;
mod row;
mod summary;
mod versioned;

pub use bench::{BenchResult, Fold, Folds, TaskResult, BENCH_FILE};
pub use dir::{new_run_id, sanitize, temporary_of, write_atomic, RunDir};
pub use error::{Result, RunLogError};
pub use metadata::{
    now, ContextRecord, DatasetInfo, EvalRecord, FileDigest, Metadata, RunKind, RunSettings,
    RunStatus, ScoreRecord, SkippedRows, Timings,
};
pub use read::{find_runs, for_each_line, for_each_row, parse_row, FoundRuns, RunRecord};
pub use row::{
    info_key, Messages, Row, RowInfo, RowView, ScoredLine, TokenUsage, CAPTURE_KEYS, FAMILY_KEYS,
    SOURCE_KEYS,
};
pub use summary::{Summary, UsageSummary};

/// The version of every file of the run log. Bump it, and add a step to [`migrate`], when a
/// field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 2;

pub const METADATA_FILE: &str = "metadata.json";
pub const SUMMARY_FILE: &str = "summary.json";
pub const RESULTS_FILE: &str = "results.jsonl";
