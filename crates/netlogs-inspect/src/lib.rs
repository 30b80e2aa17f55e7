//! netlogs-inspect: a netlogs run as an inspect_ai `EvalLog`, so `inspect view` shows it and
//! inspect's own tools (`read_eval_log`, log dataframes) read it. Each results row becomes a
//! sample (example id as `id`, rollout + 1 as `epoch`) with the prompt as input, the whole
//! conversation as messages, the final answer as output and the reward as the `netlogs`
//! score (components, outcome and confidence in its metadata). Written as `.json` (the log
//! whole) or `.eval` (inspect's zip: header, samples, summaries).

mod convert;
mod error;
mod log;

pub use convert::SCORER;
pub use error::InspectError;
pub use log::EvalLog;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use netlogs_runlog::{
    for_each_row, sanitize, Metadata, RowView, RunSettings, RunStatus, RESULTS_FILE,
};
use serde_json::{json, Map, Value};
use zip::write::SimpleFileOptions;

use crate::convert::{metrics, sample, Epochs};
use crate::log::{
    EvalConfig, EvalDataset, EvalError, EvalMetric, EvalPlan, EvalPlanStep, EvalResults,
    EvalSample, EvalScore, EvalScorer, EvalSpec, EvalStats, GenerateConfig, LogStart, ModelUsage,
};

/// inspect's log format version this writes.
pub const LOG_VERSION: u32 = 2;

/// Which file inspect reads: a `.eval` zip or a `.json` log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Eval,
    Json,
}

impl LogFormat {
    pub fn of(path: &Path) -> Result<LogFormat, InspectError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("eval") => Ok(LogFormat::Eval),
            Some("json") => Ok(LogFormat::Json),
            _ => Err(InspectError::Output(format!(
                "{}: an inspect log is written as .eval or .json",
                path.display()
            ))),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub samples: usize,
    pub scored: usize,
    pub format: LogFormat,
}

fn status(s: &RunStatus) -> (&'static str, Option<EvalError>) {
    match s {
        RunStatus::Finished => ("success", None),
        RunStatus::StoppedEarly { reason } => ("error", Some(EvalError::new(reason.clone()))),
        RunStatus::Interrupted => (
            "cancelled",
            Some(EvalError::new(
                "the run did not finish (netlogs eval --resume finishes it)",
            )),
        ),
    }
}

fn spec(meta: &Metadata, samples: &[EvalSample]) -> EvalSpec {
    let mut ids: Vec<String> = Vec::new();
    for s in samples {
        if !ids.contains(&s.id) {
            ids.push(s.id.clone());
        }
    }
    let (epochs, generate, task_args) = match &meta.settings {
        RunSettings::Eval(e) => (
            e.rollouts_per_example,
            GenerateConfig {
                temperature: e.temperature,
                max_tokens: e.max_tokens,
            },
            json!({"mode": e.mode, "template": e.template, "context": e.context, "split": e.split}),
        ),
        RunSettings::Score(s) => (1, GenerateConfig::default(), json!({"input": s.input})),
    };
    let settings = serde_json::to_value(&meta.settings).unwrap_or(Value::Null);
    let rubric = serde_json::to_value(meta.rubric()).unwrap_or(Value::Null);
    EvalSpec {
        eval_id: meta.run_id.clone(),
        run_id: meta.run_id.clone(),
        created: meta.started_at.clone(),
        task: "netlogs".into(),
        task_id: meta.run_id.clone(),
        task_version: 0,
        task_attribs: Map::new(),
        task_args: task_args.as_object().cloned().unwrap_or_default(),
        dataset: EvalDataset {
            name: meta.dataset.name.clone(),
            samples: ids.len(),
            sample_ids: ids,
            shuffled: false,
        },
        model: meta.model.clone(),
        model_generate_config: generate,
        config: EvalConfig { epochs },
        packages: BTreeMap::from([("netlogs".to_string(), meta.version.clone())]),
        metadata: Map::from_iter([("netlogs".to_string(), settings)]),
        scorers: vec![EvalScorer {
            name: convert::SCORER.into(),
            options: rubric.as_object().cloned().unwrap_or_default(),
        }],
    }
}

/// The whole log of a run directory.
pub fn eval_log(run: &Path) -> Result<EvalLog, InspectError> {
    let meta = Metadata::read(run)?;
    let mut samples = Vec::new();
    let mut epochs = Epochs::default();
    for_each_row(&run.join(RESULTS_FILE), |line, row: RowView| {
        let shape = (meta.model.as_str(), meta.rubric().preset);
        samples.push(sample(&row, line, shape, &mut epochs));
        Ok(())
    })?;
    let scored = samples.iter().filter(|s| s.scores.is_some()).count();
    let mut usage = ModelUsage::default();
    for u in samples.iter().filter_map(|s| s.output.usage) {
        usage.input_tokens += u.input_tokens;
        usage.output_tokens += u.output_tokens;
        usage.total_tokens += u.total_tokens;
    }
    let (status, error) = status(&meta.status);
    let eval = spec(&meta, &samples);
    Ok(EvalLog {
        version: LOG_VERSION,
        status,
        plan: EvalPlan {
            name: "plan".into(),
            steps: vec![EvalPlanStep {
                solver: "netlogs".into(),
                params: eval.task_args.clone(),
            }],
            config: eval.model_generate_config.clone(),
        },
        eval,
        results: Some(EvalResults {
            total_samples: samples.len(),
            completed_samples: scored,
            scores: vec![EvalScore {
                name: convert::SCORER.into(),
                scorer: convert::SCORER.into(),
                scored_samples: scored,
                unscored_samples: samples.len() - scored,
                params: Map::new(),
                metrics: metrics(&samples)
                    .into_iter()
                    .map(|(name, value)| (name.clone(), EvalMetric { name, value }))
                    .collect(),
            }],
        }),
        stats: EvalStats {
            started_at: meta.started_at.clone(),
            completed_at: meta.finished_at.clone().unwrap_or_default(),
            model_usage: if usage == ModelUsage::default() {
                BTreeMap::new()
            } else {
                BTreeMap::from([(meta.model.clone(), usage)])
            },
        },
        error,
        samples: Some(samples),
    })
}

/// Write the run at `run` as an inspect log at `output` (`.eval` or `.json`).
pub fn export_run(run: &Path, output: &Path) -> Result<Exported, InspectError> {
    let format = LogFormat::of(output)?;
    let mut log = eval_log(run)?;
    let samples = log.samples.take().unwrap_or_default();
    let exported = Exported {
        samples: samples.len(),
        scored: samples.iter().filter(|s| s.scores.is_some()).count(),
        format,
    };
    let bytes = match format {
        LogFormat::Json => {
            log.samples = Some(samples);
            serde_json::to_vec(&log)?
        }
        LogFormat::Eval => eval_zip(&log, &samples)?,
    };
    netlogs_runlog::write_atomic(output, bytes)?;
    Ok(exported)
}

/// inspect's `.eval` zip: `_journal/start.json`, one `samples/<id>_epoch_<n>.json` per
/// sample, `summaries.json` and `header.json` (the log without its samples).
fn eval_zip(header: &EvalLog, samples: &[EvalSample]) -> Result<Vec<u8>, InspectError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, bytes: Vec<u8>| -> Result<(), InspectError> {
        zip.start_file(name, options)?;
        zip.write_all(&bytes)
            .map_err(|e| InspectError::Zip(e.to_string()))
    };
    let start = LogStart {
        version: header.version,
        eval: &header.eval,
        plan: &header.plan,
    };
    put("_journal/start.json", serde_json::to_vec(&start)?)?;
    for s in samples {
        let name = format!("samples/{}_epoch_{}.json", sanitize(&s.id), s.epoch);
        put(&name, serde_json::to_vec(s)?)?;
    }
    let summaries: Vec<_> = samples.iter().map(EvalSample::summary).collect();
    put("summaries.json", serde_json::to_vec(&summaries)?)?;
    put("header.json", serde_json::to_vec(header)?)?;
    let cursor = zip.finish()?;
    Ok(cursor.into_inner())
}
