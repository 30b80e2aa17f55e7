//! netlogs-rubric: turns a model's completion into a reward, and a run's rewards into metrics.
//!
//! Pure: no files, no network, no clock. Two presets share one parser:
//! - `proper` (default; `seed` is its deprecated alias): a leading `<think>` block is
//!   reasoning and the answer follows it; strict format, a proper (Brier) calibration term, abstention that pays
//!   near the decision boundary, and unreadable answers on attacks cost like a missed attack;
//! - `legacy`: the Python reference (security-verifiers `sv_shared`) reproduced exactly, for
//!   comparison with published numbers.
//!
//! The definitions are written down in `docs/METRICS.md`.

mod answer;
mod audit;
mod completion;
mod config;
mod contract;
mod error;
mod extract;
mod json;
mod legacy;
mod metrics;
mod outcome;
mod paired;
mod proper;
mod score;

pub use answer::{parse_answer, AnswerLabel, Dialect, Extraction, ParsedAnswer};
pub use audit::{audit_rubric, BestResponse, ConstantPolicy, Finding, RubricAudit};
pub use completion::{completion_text, tool_results_in};
pub use config::{Preset, RubricConfig, RubricOverrides, Weights};
pub use contract::{answer_schema, ANSWER_INSTRUCTIONS, ANSWER_LABELS};
pub use error::RubricError;
pub use metrics::{
    Breakdown, Calibration, CostMetrics, Detection, GroupStats, Interval, ReliabilityBin,
    RewardStats, RowOutcome, RunMetrics, ScoredRow, HELD_OUT, SEEN,
};
pub use outcome::{Components, Gold, Outcome};
pub use paired::{mcnemar, paired_delta, McNemar, PairedDelta};
pub use score::{after_reasoning, score_completion, score_parsed, Score};
