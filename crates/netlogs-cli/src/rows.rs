//! One line of results.jsonl, and the bridge from data/rubric types to it.

use std::collections::HashSet;
use std::sync::Arc;

use netlogs_client::{ChatMessage, MessageRef, Usage};
use netlogs_data::{ExampleInfo, Label};
use netlogs_rubric::{
    AnswerLabel, Components, Gold, Outcome, RowOutcome, RubricConfig, Score, ScoredRow,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// What the rubric read from the completion, kept for debugging answers.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedSummary {
    pub label: Option<&'static str>,
    pub confidence: Option<f64>,
    pub outcome: Outcome,
}

/// One rollout's record, borrowing from the sample and the answer. Field names follow
/// verifiers' results.jsonl so `netlogs score` and other tools read it as is.
#[derive(Debug, Serialize)]
pub struct ResultRow<'a> {
    pub example_id: &'a str,
    pub rollout: u32,
    /// The messages sent, as sent.
    pub prompt: &'a RawValue,
    /// The assistant's reply; empty for an error row.
    #[serde(serialize_with = "as_completion")]
    pub completion: Option<&'a str>,
    pub answer: &'a str,
    pub info: &'a ExampleInfo,
    pub reward: Option<f64>,
    pub metrics: Option<&'a Components>,
    pub parsed: Option<ParsedSummary>,
    pub finish_reason: Option<&'a str>,
    /// Token usage as the server reported it (none for builtin policies).
    pub usage: Option<Usage>,
    pub latency_ms: f64,
    /// HTTP attempts made (0 when served from the response cache).
    pub attempts: u32,
    /// Served from the local response cache.
    pub cached: bool,
    pub error: Option<&'a str>,
}

/// `completion` is a message list, as in verifiers: `[]` or one assistant message.
fn as_completion<S: serde::Serializer>(text: &Option<&str>, s: S) -> Result<S::Ok, S::Error> {
    let message = text.map(|content| MessageRef {
        role: "assistant",
        content,
    });
    s.collect_seq(message)
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
        label: score.label.map(AnswerLabel::as_str),
        confidence: score.confidence,
        outcome: score.outcome,
    }
}

/// Shares breakdown keys (source, capture, family) across a run's rows: a run has few
/// distinct keys and up to hundreds of thousands of rows.
#[derive(Debug, Default)]
pub struct KeyInterner(HashSet<Arc<str>>);

impl KeyInterner {
    pub fn get(&mut self, key: &str) -> Arc<str> {
        if let Some(k) = self.0.get(key) {
            return k.clone();
        }
        let k: Arc<str> = Arc::from(key);
        self.0.insert(k.clone());
        k
    }
}

/// The metrics view of a row.
pub fn scored(score: Score, gold: Gold, info: &ExampleInfo, keys: &mut KeyInterner) -> RowOutcome {
    RowOutcome::Scored(ScoredRow {
        score,
        gold,
        source: Some(keys.get(&info.source)),
        capture: info.capture.as_deref().map(|c| keys.get(c)),
        family: info.family.as_deref().map(|f| keys.get(f)),
    })
}

/// Rubric scoring of a completion text for an example.
pub fn score_text(cfg: &RubricConfig, text: &str, answer: Label) -> Score {
    netlogs_rubric::score_completion(cfg, text, gold_of(answer))
}
