//! `summary.json`: every metric of a run, and its usage block.

use std::path::Path;

use netlogs_rubric::RunMetrics;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dir::RunDir;
use crate::error::Result;
use crate::migrate::summary_v1_to_v2;
use crate::versioned::{read_versioned, Versioned};
use crate::SUMMARY_FILE;

/// Token use and its cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageSummary {
    pub rows: usize,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub tokens_per_example: Option<f64>,
    pub cost_usd: Option<f64>,
    pub cost_per_example_usd: Option<f64>,
    pub price_table_as_of: String,
    pub cached_rows: usize,
    pub http_attempts: u64,
    pub retries: u64,
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub schema_version: u32,
    #[serde(flatten)]
    pub metrics: RunMetrics,
    /// Answers the server cut at the token limit (`finish_reason: "length"`): usually
    /// truncated JSON, scored as invalid, and fixed by a larger `-t/--max-tokens`.
    #[serde(default)]
    pub truncated: usize,
    pub usage: UsageSummary,
}

impl Versioned for Summary {
    fn migrate(version: u64, mut value: Value) -> std::result::Result<Value, String> {
        if version == 1 {
            value = summary_v1_to_v2(value)?;
        }
        Ok(value)
    }
}

impl Summary {
    pub fn read(dir: &Path) -> Result<Summary> {
        read_versioned(&dir.join(SUMMARY_FILE))
    }

    pub fn write(&self, dir: &RunDir) -> Result<()> {
        dir.write_json(SUMMARY_FILE, self)
    }
}
