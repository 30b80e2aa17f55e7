//! The wire types of every endpoint.

use std::collections::BTreeMap;

use netlogs_rubric::{Finding, ItemScore, RubricConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /get_reward`: OpenRLHF's remote reward request. `query[i]` is the decoded prompt and
/// response; `prompts[i]` (optional) the prompt alone; `labels[i]` the gold label.
#[derive(Debug, Deserialize)]
pub struct RewardRequest {
    pub query: Vec<String>,
    #[serde(default)]
    pub prompts: Option<Vec<String>>,
    pub labels: Vec<String>,
}

/// OpenRLHF reads `rewards` (and `scores`); `extra_logs` holds per-item components it logs.
#[derive(Debug, Serialize, Deserialize)]
pub struct RewardResponse {
    pub rewards: Vec<f64>,
    pub scores: Vec<f64>,
    pub extra_logs: BTreeMap<String, Vec<f64>>,
}

/// `POST /v1/score`: the native batch API.
#[derive(Debug, Deserialize)]
pub struct ScoreRequest {
    pub items: Vec<ScoreItem>,
}

#[derive(Debug, Deserialize)]
pub struct ScoreItem {
    /// A string, or chat messages.
    pub completion: Value,
    pub answer: Value,
    #[serde(default)]
    pub info: Option<Value>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ScoreResponse {
    pub results: Vec<ItemScore>,
}

/// `GET /v1/rubric`.
#[derive(Debug, Serialize)]
pub struct RubricInfo {
    pub config: RubricConfig,
    pub abstain_band: Option<[f64; 2]>,
    pub findings: Vec<Finding>,
}

/// The body of every error answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub message: String,
    /// The field at fault, with its index when it is a list item (`labels[3]`).
    pub field: Option<String>,
}
