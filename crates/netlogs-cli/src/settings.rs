//! The settings that define an eval run. Stored in metadata.json so `--resume` rebuilds
//! exactly the same examples and requests.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use netlogs_client::{StructuredOutput, RESERVED_FIELDS};
use netlogs_data::Template;
use netlogs_rubric::RubricConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::args::EvalArgs;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalSettings {
    pub model: String,
    pub api_base: Option<String>,
    pub api_key_var: String,
    pub num_examples: usize,
    pub rollouts_per_example: u32,
    pub seed: u64,
    pub template: String,
    pub system_prompt: Option<String>,
    pub data: Vec<PathBuf>,
    pub format: Option<String>,
    pub capture: Option<String>,
    #[serde(default)]
    pub split: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub sampling_args: Map<String, Value>,
    pub structured_output: String,
    pub max_retries: u32,
    pub timeout_secs: f64,
    pub rubric: RubricConfig,
}

pub const DEFAULT_API_BASE: &str = "https://api.openai.com/v1";

impl EvalSettings {
    pub fn from_args(a: &EvalArgs) -> Result<EvalSettings> {
        let sampling_args = match &a.sampling_args {
            None => Map::new(),
            Some(s) => match serde_json::from_str::<Value>(s)
                .with_context(|| format!("-S/--sampling-args is not valid JSON: `{s}`"))?
            {
                Value::Object(m) => m,
                _ => bail!("-S/--sampling-args must be a JSON object, e.g. '{{\"top_p\": 0.9}}'"),
            },
        };
        let s = EvalSettings {
            model: a.model.clone(),
            api_base: a.api_base.clone(),
            api_key_var: a.api_key_var.clone(),
            num_examples: a.num_examples,
            rollouts_per_example: a.rollouts_per_example,
            seed: a.seed,
            template: a.template.clone(),
            system_prompt: a.system_prompt.clone(),
            data: a.data.clone(),
            format: a.format.clone(),
            capture: a.capture.clone(),
            split: a.split.clone(),
            max_tokens: a.max_tokens,
            temperature: a.temperature,
            sampling_args,
            structured_output: a.structured_output.clone(),
            max_retries: a.max_retries,
            timeout_secs: a.timeout,
            rubric: a.rubric.config()?,
        };
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<()> {
        self.template()?;
        self.structured_output()?;
        if self.rollouts_per_example == 0 {
            bail!("--rollouts-per-example must be at least 1");
        }
        if self.max_retries == 0 {
            bail!("--max-retries counts attempts per request and must be at least 1");
        }
        if !(self.timeout_secs.is_finite() && self.timeout_secs > 0.0) {
            bail!("--timeout must be a positive number of seconds");
        }
        if let Some(k) = RESERVED_FIELDS
            .iter()
            .find(|k| self.sampling_args.contains_key(**k))
        {
            bail!("-S/--sampling-args may not set `{k}`: netlogs sets model, messages and stream itself (use --model, --template/--system-prompt)");
        }
        Ok(())
    }

    pub fn template(&self) -> Result<Template> {
        Template::parse(&self.template).with_context(|| {
            format!(
                "--template must be one of zeek, seed, upstream; got `{}`",
                self.template
            )
        })
    }

    pub fn structured_output(&self) -> Result<StructuredOutput> {
        StructuredOutput::parse(&self.structured_output).with_context(|| {
            format!(
                "--structured-output must be off, json_object or json_schema; got `{}`",
                self.structured_output
            )
        })
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
}
