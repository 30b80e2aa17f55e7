//! The settings that define an eval run, typed. Stored in metadata.json so `--resume` rebuilds
//! exactly the same examples and requests.

use std::path::PathBuf;
use std::time::Duration;

use netlogs_client::{RemoteSettings, ResponseFormat, RESERVED_FIELDS};
use netlogs_data::{CaptureFrom, ContextSpec, SourceFormat, Template};
use netlogs_rubric::{answer_schema, RubricConfig};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{EvalError, Result};
use crate::model_spec::ModelSpec;

/// Whether requests ask the server for structured output (`response_format`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StructuredOutput {
    #[default]
    Off,
    /// `{"type": "json_object"}`.
    JsonObject,
    /// The answer's JSON schema, from the rubric's answer contract.
    JsonSchema,
}

impl StructuredOutput {
    pub fn response_format(self) -> Option<ResponseFormat> {
        match self {
            StructuredOutput::Off => None,
            StructuredOutput::JsonObject => Some(ResponseFormat::JsonObject),
            StructuredOutput::JsonSchema => Some(ResponseFormat::JsonSchema {
                name: "netlogs_answer".into(),
                schema: answer_schema(),
            }),
        }
    }
}

/// How a model meets a flow.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EvalMode {
    /// One request, one answer.
    #[default]
    Single,
    /// The model may call tools for more of the log (`crate::lookup`) before it answers.
    Lookup,
}

/// Model calls a lookup conversation may make when none is asked for.
pub const DEFAULT_MAX_TURNS: u32 = 6;

fn default_max_turns() -> u32 {
    DEFAULT_MAX_TURNS
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalSettings {
    pub model: ModelSpec,
    pub api_base: Option<String>,
    pub api_key_var: String,
    pub num_examples: usize,
    pub rollouts_per_example: u32,
    pub seed: u64,
    pub template: Template,
    pub system_prompt: Option<String>,
    pub data: Vec<PathBuf>,
    pub format: Option<SourceFormat>,
    pub capture: Option<String>,
    #[serde(default)]
    pub capture_from: CaptureFrom,
    #[serde(default)]
    pub skip_bad_rows: bool,
    /// Each flow's host history under its prompt (`--context K --context-window S`).
    #[serde(default)]
    pub context: Option<ContextSpec>,
    #[serde(default)]
    pub mode: EvalMode,
    /// Model calls per conversation in lookup mode, the final answer's included.
    #[serde(default = "default_max_turns")]
    pub max_turns: u32,
    #[serde(default)]
    pub split: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub sampling_args: Map<String, Value>,
    pub structured_output: StructuredOutput,
    pub max_retries: u32,
    pub timeout_secs: f64,
    pub rubric: RubricConfig,
}

pub const DEFAULT_API_BASE: &str = "https://api.openai.com/v1";

impl EvalSettings {
    /// Settings for the builtin heuristic on the bundled set: what `netlogs eval` runs bare.
    pub fn new(model: ModelSpec) -> EvalSettings {
        EvalSettings {
            model,
            api_base: None,
            api_key_var: "OPENAI_API_KEY".into(),
            num_examples: 100,
            rollouts_per_example: 1,
            seed: 42,
            template: Template::default(),
            system_prompt: None,
            data: Vec::new(),
            format: None,
            capture: None,
            capture_from: CaptureFrom::default(),
            skip_bad_rows: false,
            context: None,
            mode: EvalMode::Single,
            max_turns: DEFAULT_MAX_TURNS,
            split: None,
            max_tokens: None,
            temperature: None,
            sampling_args: Map::new(),
            structured_output: StructuredOutput::default(),
            max_retries: 5,
            timeout_secs: 60.0,
            rubric: RubricConfig::default(),
        }
    }

    /// `-S`'s JSON text as a body-fields object.
    pub fn parse_sampling_args(text: &str) -> Result<Map<String, Value>> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(EvalError::invalid(
                "-S/--sampling-args must be a JSON object, e.g. '{\"top_p\": 0.9}'",
            )),
            Err(e) => Err(EvalError::invalid(format!(
                "-S/--sampling-args is not valid JSON: `{text}`: {e}"
            ))),
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.rollouts_per_example == 0 {
            return Err(EvalError::invalid(
                "--rollouts-per-example must be at least 1",
            ));
        }
        if self.max_retries == 0 {
            return Err(EvalError::invalid(
                "--max-retries counts attempts per request and must be at least 1",
            ));
        }
        if !(self.timeout_secs.is_finite() && self.timeout_secs > 0.0) {
            return Err(EvalError::invalid(
                "--timeout must be a positive number of seconds",
            ));
        }
        if let Some(k) = RESERVED_FIELDS
            .iter()
            .find(|k| self.sampling_args.contains_key(**k))
        {
            return Err(EvalError::invalid(format!("-S/--sampling-args may not set `{k}`: netlogs sets model, messages and stream itself (use --model, --template/--system-prompt)")));
        }
        Ok(())
    }

    /// The request seed: `--seed`, unless `-S` sets one.
    pub fn request_seed(&self) -> Option<u64> {
        (!self.sampling_args.contains_key("seed")).then_some(self.seed)
    }

    pub fn api_base_or_default(&self) -> String {
        self.api_base
            .clone()
            .unwrap_or_else(|| DEFAULT_API_BASE.to_string())
    }

    /// Everything that shapes requests to `model`.
    pub fn remote(&self, model: &str) -> RemoteSettings {
        RemoteSettings {
            api_base: self.api_base_or_default(),
            model: model.to_string(),
            max_attempts: self.max_retries,
            timeout: Duration::from_secs_f64(self.timeout_secs),
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            seed: self.request_seed(),
            sampling_args: self.sampling_args.clone(),
            response_format: self.structured_output.response_format(),
        }
    }
}
