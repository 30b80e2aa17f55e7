//! netlogs-rubric: turns a model's completion into a reward, and a run's rewards into metrics.
//!
//! Pure: no files, no network, no clock. [`score_row`] is the one reward function every path
//! calls (eval, resume, score, serve, Python). Three presets share one parser:
//! - `proper` (default; `seed` is its deprecated alias): a leading `<think>` block is
//!   reasoning and the answer follows it; strict format, a proper (Brier) calibration term, abstention that pays
//!   near the decision boundary, and unreadable answers on attacks cost like a missed attack;
//! - `legacy`: the Python reference (security-verifiers `sv_shared`) reproduced exactly, for
//!   comparison with published numbers;
//! - `grounded`: `proper` plus `grounding`, the share of an answer's cited flow fields
//!   (`evidence`) that match the flow, required of confident `Malicious` answers.
//!
//! The definitions are written down in `docs/METRICS.md`.

mod answer;
mod audit;
mod config;
mod contract;
mod error;
mod evidence;
mod extract;
mod grounding;
mod interval;
mod json;
mod legacy;
mod message;
mod metrics;
mod outcome;
mod paired;
mod proper;
mod reference;
mod row;
mod score;
mod skill;
mod trainer;

pub use answer::{parse_answer, AnswerLabel, Dialect, Extraction, ParsedAnswer};
pub use audit::{
    audit_rubric, best_action, BestResponse, ConstantPolicy, Finding, RubricAudit, SkillFloor,
};
pub use config::{
    Preset, RubricConfig, RubricOverrides, Weights, GROUNDED_WEIGHT, GROUNDING_MAX_CITED,
    GROUNDING_THRESHOLD,
};
pub use contract::{
    answer_schema, default_system_prompt, evidence_instructions, system_prompt_for,
    ANSWER_INSTRUCTIONS, ANSWER_LABELS, EVIDENCE_REQUEST,
};
pub use error::RubricError;
pub use evidence::EVIDENCE_KEY;
pub use grounding::FlowFacts;
pub use interval::Interval;
pub use metrics::{
    held_out, Breakdown, Calibration, CostMetrics, Detection, GroupStats, ReliabilityBin,
    RewardStats, RowOutcome, RunMetrics, ScoredRow, HELD_OUT, SEEN,
};
pub use outcome::{Components, Gold, Outcome};
pub use paired::{mcnemar, paired_delta, McNemar, PairedDelta};
pub use row::{answer_of, score_row, Answered, Completion, ItemScore, ParsedSummary};
pub use score::{after_reasoning, read_answer, score_completion, score_parsed, Score, Truth};
pub use skill::{ConstantAnswer, ConstantTable, Skill};
pub use trainer::{response_in_query, TrainerLabel};
