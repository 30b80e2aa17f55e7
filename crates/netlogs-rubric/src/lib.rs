//! netlogs-rubric: turns a model's completion into a reward, and a run's rewards into metrics.
//!
//! Pure: no files, no network, no clock. Two presets share one parser:
//! - `seed` (default): strict format, a proper (Brier) calibration term, abstention that pays
//!   near the decision boundary, and unreadable answers on attacks cost like a missed attack;
//! - `legacy`: the Python reference (security-verifiers `sv_shared`) reproduced exactly, for
//!   comparison with published numbers.
//!
//! The definitions are written down in `docs/METRICS.md`.

mod answer;
mod audit;
mod completion;
mod config;
mod error;
mod extract;
mod json;
mod legacy;
mod metrics;
mod score;
mod seed;

pub use answer::{parse_answer, AnswerLabel, Dialect, Extraction, ParsedAnswer};
pub use audit::{audit, Audit, BestResponse, ConstantPolicy, Finding};
pub use completion::completion_text;
pub use config::{Preset, RubricConfig, Weights};
pub use error::RubricError;
pub use metrics::{
    Breakdown, Calibration, CostMetrics, Detection, GroupStats, Interval, ReliabilityBin,
    RewardStats, RowOutcome, RunMetrics, ScoredRow,
};
pub use score::{score_completion, score_parsed, Components, Gold, Outcome, Score};
