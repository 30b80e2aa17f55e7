//! The settings that define an eval run, typed, with one set of defaults and one validation.
//!
//! Each source of settings goes through one conversion into [`EvalSettings`]: the CLI's flags
//! (in `netlogs-cli`), and a stored run's [`EvalRecord`] ([`EvalSettings::from_record`], for
//! `--resume`). [`EvalSettings::validate`] runs before any I/O. The run log stores
//! [`EvalSettings::to_record`], its own type, so changing these types never changes a log.

use std::path::PathBuf;
use std::time::Duration;

use netlogs_client::{RemoteSettings, ResponseFormat, RESERVED_FIELDS};
use netlogs_data::{CaptureFrom, ContextSpec, SourceFormat, Template, Unlabelled, VariantNames};
use netlogs_lookup::TOOLS_VERSION;
use netlogs_rubric::{answer_schema, default_system_prompt, RubricConfig};
use netlogs_runlog::{ContextRecord, EvalRecord};
use serde_json::{Map, Value};

use crate::error::{EvalError, Result};
use crate::model_spec::ModelSpec;

/// The defaults of every setting that has one, used by the CLI's flags, [`EvalSettings::new`]
/// and the Python package alike.
pub mod defaults {
    pub const MODEL: &str = "builtin:heuristic";
    pub const API_BASE: &str = "https://api.openai.com/v1";
    pub const API_KEY_VAR: &str = "OPENAI_API_KEY";
    pub const NUM_EXAMPLES: usize = 100;
    pub const ROLLOUTS_PER_EXAMPLE: u32 = 1;
    pub const SEED: u64 = netlogs_data::DEFAULT_SEED;
    /// Model calls a lookup conversation may make, the final answer's included.
    pub const MAX_TURNS: u32 = 6;
    /// Attempts per request, the first included.
    pub const MAX_ATTEMPTS: u32 = 5;
    pub const TIMEOUT_SECS: f64 = 60.0;
    pub const MAX_CONCURRENT: usize = 32;
}

/// Whether requests ask the server for structured output (`response_format`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
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
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
    strum::IntoStaticStr,
    serde::Deserialize,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EvalMode {
    /// One request, one answer.
    #[default]
    Single,
    /// The model may call tools for more of the log (`netlogs_lookup`) before it answers.
    Lookup,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EvalSettings {
    pub model: ModelSpec,
    pub api_base: Option<String>,
    pub api_key_var: String,
    pub num_examples: usize,
    pub rollouts_per_example: u32,
    pub seed: u64,
    pub template: Template,
    /// The system prompt sent (the default one unless overridden).
    pub system_prompt: String,
    pub data: Vec<PathBuf>,
    pub format: Option<SourceFormat>,
    pub capture: Option<String>,
    pub capture_from: CaptureFrom,
    pub skip_bad_rows: bool,
    pub unlabelled: Unlabelled,
    /// Each flow's host history under its prompt (`--context K --context-window S`).
    pub context: Option<ContextSpec>,
    pub mode: EvalMode,
    /// Model calls per conversation in lookup mode, the final answer's included.
    pub max_turns: u32,
    pub split: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub sampling_args: Map<String, Value>,
    pub structured_output: StructuredOutput,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    pub timeout_secs: f64,
    pub rubric: RubricConfig,
    /// The model file of `builtin:learned` (`netlogs baseline train` writes one).
    pub baseline: Option<PathBuf>,
}

impl EvalSettings {
    /// The defaults for `model` on the bundled set: what `netlogs eval` runs bare.
    pub fn new(model: ModelSpec) -> EvalSettings {
        EvalSettings {
            model,
            api_base: None,
            api_key_var: defaults::API_KEY_VAR.into(),
            num_examples: defaults::NUM_EXAMPLES,
            rollouts_per_example: defaults::ROLLOUTS_PER_EXAMPLE,
            seed: defaults::SEED,
            template: Template::default(),
            system_prompt: default_system_prompt(),
            data: Vec::new(),
            format: None,
            capture: None,
            capture_from: CaptureFrom::default(),
            skip_bad_rows: false,
            unlabelled: Unlabelled::default(),
            context: None,
            mode: EvalMode::Single,
            max_turns: defaults::MAX_TURNS,
            split: None,
            max_tokens: None,
            temperature: None,
            sampling_args: Map::new(),
            structured_output: StructuredOutput::default(),
            max_attempts: defaults::MAX_ATTEMPTS,
            timeout_secs: defaults::TIMEOUT_SECS,
            rubric: RubricConfig::default(),
            baseline: None,
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

    /// Every check a setting can fail on its own, before any file is read or request sent.
    pub fn validate(&self) -> Result<()> {
        let fail = |m: &str| Err(EvalError::invalid(m));
        if self.rollouts_per_example == 0 {
            return fail("--rollouts-per-example must be at least 1");
        }
        if self.max_attempts == 0 {
            return fail("--max-attempts must be at least 1 (the first attempt counts)");
        }
        if !(self.timeout_secs.is_finite() && self.timeout_secs > 0.0) {
            return fail("--timeout must be a positive number of seconds");
        }
        if self.max_turns == 0 {
            return fail("--max-turns must be at least 1");
        }
        if let Some(c) = self.context {
            if !(c.window_s.is_finite() && c.window_s > 0.0) {
                return fail("--context-window takes a positive number of seconds");
            }
        }
        if self
            .temperature
            .is_some_and(|t| !(t.is_finite() && t >= 0.0))
        {
            return fail("--temperature must be a non-negative number");
        }
        if let Some(k) = RESERVED_FIELDS
            .iter()
            .find(|k| self.sampling_args.contains_key(**k))
        {
            return Err(EvalError::invalid(format!("-S/--sampling-args may not set `{k}`: netlogs sets model, messages and stream itself (use --model, --template/--system-prompt)")));
        }
        match (&self.model, &self.baseline) {
            (ModelSpec::Learned, None) => return fail("-m builtin:learned needs --baseline MODEL.json (`netlogs baseline train` writes one)"),
            (ModelSpec::Learned, Some(_)) | (_, None) => {}
            (other, Some(_)) => {
                return Err(EvalError::invalid(format!(
                    "--baseline is the model file of builtin:learned, not of `{other}`"
                )))
            }
        }
        self.rubric.validate()?;
        Ok(())
    }

    /// The request seed: `--seed`, unless `-S` sets one.
    pub fn request_seed(&self) -> Option<u64> {
        (!self.sampling_args.contains_key("seed")).then_some(self.seed)
    }

    pub fn api_base_or_default(&self) -> String {
        self.api_base
            .clone()
            .unwrap_or_else(|| defaults::API_BASE.to_string())
    }

    /// Everything that shapes requests to `model`.
    pub fn remote(&self, model: &str) -> RemoteSettings {
        RemoteSettings {
            api_base: self.api_base_or_default(),
            model: model.to_string(),
            max_attempts: self.max_attempts,
            timeout: Duration::from_secs_f64(self.timeout_secs),
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            seed: self.request_seed(),
            sampling_args: self.sampling_args.clone(),
            response_format: self.structured_output.response_format(),
        }
    }

    /// The settings as the run log stores them: names for the typed values, and the API base
    /// a remote model's requests went to.
    pub fn to_record(&self) -> EvalRecord {
        let remote = matches!(self.model, ModelSpec::Remote(_));
        EvalRecord {
            model: self.model.to_string(),
            api_base: remote.then(|| self.api_base_or_default()),
            api_key_var: self.api_key_var.clone(),
            num_examples: self.num_examples,
            rollouts_per_example: self.rollouts_per_example,
            seed: self.seed,
            template: self.template.to_string(),
            system_prompt: self.system_prompt.clone(),
            data: self.data.clone(),
            format: self.format.map(|f| f.to_string()),
            capture: self.capture.clone(),
            capture_from: self.capture_from.to_string(),
            skip_bad_rows: self.skip_bad_rows,
            unlabelled: self.unlabelled.to_string(),
            context: self.context.map(|c| ContextRecord {
                k: c.k,
                window_s: c.window_s,
            }),
            mode: self.mode.to_string(),
            max_turns: self.max_turns,
            split: self.split.clone(),
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            sampling_args: self.sampling_args.clone(),
            structured_output: self.structured_output.to_string(),
            max_attempts: self.max_attempts,
            timeout_secs: self.timeout_secs,
            rubric: self.rubric,
            baseline: self.baseline.clone(),
            lookup_tools: (self.mode == EvalMode::Lookup).then_some(TOOLS_VERSION),
        }
    }

    /// A stored run's settings, as `--resume` rebuilds them; validated. A lookup run whose
    /// tools answered in another version is refused: resuming it would mix two versions'
    /// answers in one run.
    pub fn from_record(r: &EvalRecord) -> Result<EvalSettings> {
        let tools = r.lookup_tools.unwrap_or(1);
        if r.mode == EvalMode::Lookup.to_string() && tools != TOOLS_VERSION {
            return Err(EvalError::invalid(format!(
                "stored setting `lookup_tools` = {tools}: this run's tool answers are version {tools} and this netlogs answers with version {TOOLS_VERSION}; resuming would mix them, so start a new run"
            )));
        }
        let settings = EvalSettings {
            model: r.model.parse().map_err(|e| stored("model", &r.model, &e))?,
            api_base: r.api_base.clone(),
            api_key_var: r.api_key_var.clone(),
            num_examples: r.num_examples,
            rollouts_per_example: r.rollouts_per_example,
            seed: r.seed,
            template: named("template", &r.template)?,
            system_prompt: r.system_prompt.clone(),
            data: r.data.clone(),
            format: r
                .format
                .as_deref()
                .map(|f| named("format", f))
                .transpose()?,
            capture: r.capture.clone(),
            capture_from: named("capture_from", &r.capture_from)?,
            skip_bad_rows: r.skip_bad_rows,
            unlabelled: named("unlabelled", &r.unlabelled)?,
            context: r.context.map(|c| ContextSpec {
                k: c.k,
                window_s: c.window_s,
            }),
            mode: named("mode", &r.mode)?,
            max_turns: r.max_turns,
            split: r.split.clone(),
            max_tokens: r.max_tokens,
            temperature: r.temperature,
            sampling_args: r.sampling_args.clone(),
            structured_output: named("structured_output", &r.structured_output)?,
            max_attempts: r.max_attempts,
            timeout_secs: r.timeout_secs,
            rubric: r.rubric,
            baseline: r.baseline.clone(),
        };
        settings.validate()?;
        Ok(settings)
    }
}

fn stored(field: &str, value: &str, why: &dyn std::fmt::Display) -> EvalError {
    EvalError::invalid(format!("stored setting `{field}` = `{value}`: {why}"))
}

/// A typed value from its stored name.
fn named<T: std::str::FromStr + VariantNames>(field: &str, value: &str) -> Result<T> {
    value.parse().map_err(|_| {
        stored(
            field,
            value,
            &format!("not one of {}", T::VARIANTS.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_bad_names_are_named() {
        let mut s = EvalSettings::new("gpt-4o-mini".parse().expect("model"));
        s.template = Template::Upstream;
        s.context = Some(ContextSpec {
            k: 3,
            window_s: 30.0,
        });
        s.mode = EvalMode::Lookup;
        let record = s.to_record();
        assert_eq!(record.api_base.as_deref(), Some(defaults::API_BASE));
        let mut back = EvalSettings::from_record(&record).expect("back");
        back.api_base = None;
        assert_eq!(back, s);
        let bad = EvalRecord {
            template: "fancy".into(),
            ..record
        };
        let e = EvalSettings::from_record(&bad).expect_err("bad template");
        assert!(e.to_string().contains("`template` = `fancy`"), "{e}");
    }

    #[test]
    fn validation_catches_each_setting_before_any_io() {
        let base = EvalSettings::new(ModelSpec::Builtin(crate::BuiltinPolicy::Heuristic));
        assert!(base.validate().is_ok());
        for (bad, needle) in [
            (
                EvalSettings {
                    max_turns: 0,
                    ..base.clone()
                },
                "--max-turns",
            ),
            (
                EvalSettings {
                    rollouts_per_example: 0,
                    ..base.clone()
                },
                "--rollouts-per-example",
            ),
            (
                EvalSettings {
                    timeout_secs: f64::NAN,
                    ..base.clone()
                },
                "--timeout",
            ),
        ] {
            let e = bad.validate().expect_err(needle);
            assert!(e.to_string().contains(needle), "{e}");
        }
    }
}
