//! The part of inspect_ai's log schema (`inspect_ai.log.EvalLog`, version 2, as of
//! inspect-ai 0.3.285) that a netlogs run fills. Field names and shapes follow inspect's
//! pydantic models; every field left out there has a default.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// `EvalLog`: the whole log (a `.json` file), or its header (`header.json` of a `.eval`).
#[derive(Debug, Clone, Serialize)]
pub struct EvalLog {
    pub version: u32,
    /// `started`, `success`, `cancelled` or `error`.
    pub status: &'static str,
    pub eval: EvalSpec,
    pub plan: EvalPlan,
    pub results: Option<EvalResults>,
    pub stats: EvalStats,
    pub error: Option<EvalError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<Vec<EvalSample>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalSpec {
    pub eval_id: String,
    pub run_id: String,
    pub created: String,
    pub task: String,
    pub task_id: String,
    pub task_version: u32,
    pub task_attribs: Map<String, Value>,
    pub task_args: Map<String, Value>,
    pub dataset: EvalDataset,
    pub model: String,
    pub model_generate_config: GenerateConfig,
    pub config: EvalConfig,
    pub packages: BTreeMap<String, String>,
    pub metadata: Map<String, Value>,
    pub scorers: Vec<EvalScorer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalDataset {
    pub name: String,
    pub samples: usize,
    pub sample_ids: Vec<String>,
    pub shuffled: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GenerateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalConfig {
    pub epochs: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalScorer {
    pub name: String,
    pub options: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalPlan {
    pub name: String,
    pub steps: Vec<EvalPlanStep>,
    pub config: GenerateConfig,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalPlanStep {
    pub solver: String,
    pub params: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalResults {
    pub total_samples: usize,
    pub completed_samples: usize,
    pub scores: Vec<EvalScore>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalScore {
    pub name: String,
    pub scorer: String,
    pub scored_samples: usize,
    pub unscored_samples: usize,
    pub params: Map<String, Value>,
    pub metrics: BTreeMap<String, EvalMetric>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalMetric {
    pub name: String,
    pub value: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalStats {
    pub started_at: String,
    pub completed_at: String,
    pub model_usage: BTreeMap<String, ModelUsage>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ModelUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalError {
    pub message: String,
    pub traceback: String,
    pub traceback_ansi: String,
}

impl EvalError {
    pub fn new(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
            traceback: String::new(),
            traceback_ansi: String::new(),
        }
    }
}

/// A chat message, tagged by `role` as inspect's `ChatMessage` union is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum ChatMessage {
    System {
        content: String,
    },
    User {
        content: String,
    },
    Assistant {
        content: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        tool_calls: Option<Vec<ToolCall>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        model: Option<String>,
    },
    Tool {
        content: String,
        tool_call_id: Option<String>,
        function: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    pub id: String,
    pub function: String,
    pub arguments: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelOutput {
    pub model: String,
    pub choices: Vec<ChatCompletionChoice>,
    pub completion: String,
    pub usage: Option<ModelUsage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChatCompletionChoice {
    pub message: ChatMessage,
    /// `stop`, `max_tokens`, `tool_calls` or `unknown`.
    pub stop_reason: &'static str,
}

/// inspect's `Score`: the reward as `value`, the components in `metadata`.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub value: f64,
    pub answer: Option<String>,
    pub explanation: Option<String>,
    pub metadata: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalSample {
    pub id: String,
    pub epoch: u32,
    pub input: Vec<ChatMessage>,
    pub target: String,
    pub messages: Vec<ChatMessage>,
    pub output: ModelOutput,
    pub scores: Option<BTreeMap<String, Score>>,
    pub metadata: Map<String, Value>,
    pub model_usage: BTreeMap<String, ModelUsage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_time: Option<f64>,
    pub error: Option<EvalError>,
}

/// `EvalSampleSummary`: a sample's line in `summaries.json` of a `.eval` file.
#[derive(Debug, Clone, Serialize)]
pub struct EvalSampleSummary {
    pub id: String,
    pub epoch: u32,
    pub input: Vec<ChatMessage>,
    pub target: String,
    pub metadata: Map<String, Value>,
    pub scores: Option<BTreeMap<String, Score>>,
    pub model_usage: BTreeMap<String, ModelUsage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub completed: bool,
    pub message_count: usize,
}

impl EvalSample {
    pub fn summary(&self) -> EvalSampleSummary {
        EvalSampleSummary {
            id: self.id.clone(),
            epoch: self.epoch,
            input: self.input.clone(),
            target: self.target.clone(),
            metadata: self.metadata.clone(),
            scores: self.scores.clone(),
            model_usage: self.model_usage.clone(),
            total_time: self.total_time,
            error: self.error.as_ref().map(|e| e.message.clone()),
            completed: true,
            message_count: self.messages.len(),
        }
    }
}

/// `LogStart`: `_journal/start.json` of a `.eval` file.
#[derive(Debug, Clone, Serialize)]
pub struct LogStart<'a> {
    pub version: u32,
    pub eval: &'a EvalSpec,
    pub plan: &'a EvalPlan,
}
