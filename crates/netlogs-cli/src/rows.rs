//! One line of results.jsonl, and the bridge from data/rubric types to it.

use netlogs_client::{ChatMessage, Usage};
use netlogs_data::{ExampleInfo, Label};
use netlogs_rubric::{
    AnswerLabel, Components, Gold, Outcome, RowOutcome, RubricConfig, Score, ScoredRow,
};
use serde::{Deserialize, Serialize};

/// What the rubric read from the completion, kept for debugging answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParsedSummary {
    pub label: Option<String>,
    pub confidence: Option<f64>,
    pub outcome: Outcome,
}

/// One rollout's record. Field names follow verifiers' results.jsonl so `netlogs score` and
/// other tools read it as is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultRow {
    pub example_id: String,
    pub rollout: u32,
    pub prompt: Vec<ChatMessage>,
    pub completion: Vec<ChatMessage>,
    pub answer: String,
    pub info: ExampleInfo,
    pub reward: Option<f64>,
    pub metrics: Option<Components>,
    pub parsed: Option<ParsedSummary>,
    pub finish_reason: Option<String>,
    /// Token usage as the server reported it (none for builtin policies).
    pub usage: Option<Usage>,
    pub latency_ms: f64,
    /// HTTP attempts made (0 when served from the response cache).
    pub attempts: u32,
    /// Served from the local response cache.
    pub cached: bool,
    pub error: Option<String>,
}

/// The fields of a stored row that summaries and resume need: the prompt is left unread, so
/// re-reading 100k rows stays small.
#[derive(Debug, Clone, Deserialize)]
pub struct RowView {
    pub example_id: String,
    pub rollout: u32,
    #[serde(default)]
    pub completion: Vec<ChatMessage>,
    pub answer: String,
    pub info: ExampleInfo,
    pub usage: Option<Usage>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub cached: bool,
    pub error: Option<String>,
}

pub fn gold_of(label: Label) -> Gold {
    match label {
        Label::Benign => Gold::Benign,
        Label::Malicious => Gold::Malicious,
    }
}

/// The gold label stored in a row's `answer`.
pub fn gold_of_str(answer: &str) -> anyhow::Result<Gold> {
    Ok(Gold::from_value(&serde_json::Value::String(
        answer.to_string(),
    ))?)
}

pub fn parsed_summary(score: &Score) -> ParsedSummary {
    ParsedSummary {
        label: score.label.map(|l: AnswerLabel| l.as_str().to_string()),
        confidence: score.confidence,
        outcome: score.outcome,
    }
}

/// The metrics view of a row.
pub fn scored(score: Score, gold: Gold, info: &ExampleInfo) -> RowOutcome {
    RowOutcome::Scored(ScoredRow {
        score,
        gold,
        source: Some(info.source.clone()),
        capture: info.capture.clone(),
        family: info.family.clone(),
    })
}

/// Rubric scoring of a completion text for an example.
pub fn score_text(cfg: &RubricConfig, text: &str, answer: Label) -> Score {
    netlogs_rubric::score_completion(cfg, text, gold_of(answer))
}
