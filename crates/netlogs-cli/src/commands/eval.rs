//! `netlogs eval`: run a policy over sampled flows, record every rollout as it completes,
//! then summarise. `--resume` finishes an interrupted run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use netlogs_client::{
    BuiltinPolicy, ModelSpec, PromptMessages, RemoteClient, RemoteSettings, RequestError, Secret,
    StructuredOutput,
};
use netlogs_data::DEFAULT_SYSTEM_PROMPT;
use serde_json::{json, Value};

use crate::args::EvalArgs;
use crate::cache::{default_cache_dir, ResponseCache};
use crate::dataset;
use crate::finalize::{finalize, Ledger, SummarySpec};
use crate::pipeline::{run_jobs, Job, Policy, Workload};
use crate::prices::PriceTable;
use crate::progress::Progress;
use crate::report::terminal_summary;
use crate::run_dir::{new_run_id, sanitize, RunDir};
use crate::settings::EvalSettings;

/// Select the policy, failing fast (before any data work) when a remote model has no key.
fn policy(s: &EvalSettings, a: &EvalArgs) -> Result<Policy> {
    match ModelSpec::parse(&s.model)? {
        ModelSpec::Builtin(p) => Ok(Policy::Builtin(p)),
        ModelSpec::Remote(name) => {
            let key = std::env::var(&s.api_key_var)
                .ok()
                .filter(|k| !k.trim().is_empty());
            let Some(key) = key else {
                bail!(
                    "model `{name}` is a remote model and needs an API key: set the environment variable {} (or name another variable with --api-key-var). Offline policies need none: {}",
                    s.api_key_var,
                    BuiltinPolicy::names().join(", ")
                );
            };
            let settings = RemoteSettings {
                api_base: s.api_base_or_default(),
                model: name,
                max_attempts: s.max_retries,
                timeout: Duration::from_secs_f64(s.timeout_secs),
                max_tokens: s.max_tokens,
                temperature: s.temperature,
                seed: s.request_seed(),
                sampling_args: s.sampling_args.clone(),
                structured_output: s.structured_output()?,
            };
            let cache = if a.no_cache {
                None
            } else {
                let dir = a.cache_dir.clone().unwrap_or_else(default_cache_dir);
                match ResponseCache::open(&dir, &settings.api_base, &settings.model) {
                    Ok(c) => {
                        eprintln!(
                            "response cache: {} ({} entries; --no-cache bypasses it)",
                            c.path().display(),
                            c.len()
                        );
                        Some(c)
                    }
                    Err(e) => {
                        eprintln!("warning: running without the response cache: {e:#}");
                        None
                    }
                }
            };
            let client = RemoteClient::new(settings, Secret::new(key))?;
            Ok(Policy::Remote {
                client: Arc::new(client),
                cache,
            })
        }
    }
}

/// Why a run stopped early, with the hint a user needs next. Never contains the key.
fn abort_message(err: &RequestError, s: &EvalSettings, rows: usize) -> String {
    let mut m =
        format!("stopped early: the first {rows} requests all failed with the same error: {err}");
    let base = s.api_base_or_default();
    match err.status() {
        Some(401 | 403) => m.push_str(&format!(
            ". Check the API key in ${} (its value is never shown) and that it is valid for {base}",
            s.api_key_var
        )),
        Some(404) => m.push_str(&format!(
            ". Model `{}` or its endpoint was not found at {base}: check --model and --api-base",
            s.model
        )),
        _ => {}
    }
    let structured = s.structured_output().unwrap_or_default();
    if structured != StructuredOutput::Off && matches!(err.status(), Some(400 | 422 | 500 | 501)) {
        m.push_str(&format!(
            ". The server may not support response_format `{}`: try --structured-output {}",
            structured.name(),
            if structured == StructuredOutput::JsonSchema {
                "json_object (or off)"
            } else {
                "off"
            }
        ));
    }
    if matches!(err, RequestError::Connection(_) | RequestError::Timeout) {
        m.push_str(&format!(". Is the server running at {base}?"));
    }
    m
}

/// Wall time per phase of this session (load, sample, requests, summary), stored in
/// metadata.json as `timings_s`: where a run's time went, and what `cargo xtask bench-eval`
/// reports as fixed costs.
struct PhaseClock {
    last: Instant,
    laps: serde_json::Map<String, Value>,
}

impl PhaseClock {
    fn start() -> PhaseClock {
        PhaseClock {
            last: Instant::now(),
            laps: serde_json::Map::new(),
        }
    }

    fn lap(&mut self, phase: &str) {
        let now = Instant::now();
        let secs = (now - self.last).as_secs_f64();
        self.laps.insert(phase.to_string(), json!(secs));
        self.last = now;
    }

    fn laps(&self) -> Value {
        Value::Object(self.laps.clone())
    }
}

fn read_metadata(dir: &Path) -> Result<Value> {
    let path = dir.join("metadata.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("--resume: cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

pub fn run(a: EvalArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_async(a))
}

async fn run_async(a: EvalArgs) -> Result<()> {
    let mut clock = PhaseClock::start();
    let (settings, mut metadata) = match &a.resume {
        Some(dir) => {
            let meta = read_metadata(dir)?;
            let settings: EvalSettings = serde_json::from_value(meta["settings"].clone())
                .with_context(|| {
                    format!("{}: metadata.json has no usable `settings`", dir.display())
                })?;
            settings.validate()?;
            (settings, Some(meta))
        }
        None => (EvalSettings::from_args(&a)?, None),
    };
    let policy = policy(&settings, &a)?;
    let prices = PriceTable::load(a.prices.as_deref())?;
    let template = settings.template()?;
    let dataset = dataset::load(
        &settings.data,
        settings.format.as_deref(),
        settings.capture.as_deref(),
        (settings.num_examples.max(1), settings.seed),
    )?;
    clock.lap("load");
    let split = settings.split.clone().or(dataset.default_split.clone());
    let sample = dataset.sample(
        template,
        settings.num_examples,
        settings.seed,
        split.as_deref(),
    )?;
    clock.lap("sample");
    let rows_available = dataset.len();
    let (dataset_name, dataset_files, synthetic) = (
        dataset.name.clone(),
        dataset.files.clone(),
        dataset.synthetic,
    );
    drop(dataset);
    if sample.is_empty() {
        bail!("no examples to evaluate (dataset {dataset_name} is empty)");
    }
    let system = settings
        .system_prompt
        .clone()
        .unwrap_or_else(|| DEFAULT_SYSTEM_PROMPT.to_string());
    let model = match &policy {
        Policy::Builtin(p) => format!("builtin:{}", p.name()),
        Policy::Remote { client, .. } => client.settings().model.clone(),
    };

    let (mut dir, mut ledger) = match &a.resume {
        Some(path) => {
            let dir = RunDir::reopen(path.clone())?;
            let order: HashMap<&str, usize> = sample
                .iter()
                .enumerate()
                .map(|(i, e)| (e.example_id.as_str(), i))
                .collect();
            let ledger = Ledger::read_stored(&dir.results_path(), &order, &settings.rubric)?;
            (dir, ledger)
        }
        None => {
            let run_id = new_run_id();
            let path: PathBuf = a
                .save_dir
                .join("evals")
                .join(format!("netlogs--{}", sanitize(&model)))
                .join(&run_id);
            (RunDir::create(path, run_id)?, Ledger::default())
        }
    };
    let started = chrono::Utc::now().to_rfc3339();
    let mut meta = match metadata.take() {
        Some(mut m) => {
            m["resumed_at"] = json!([
                m["resumed_at"].as_array().cloned().unwrap_or_default(),
                vec![json!(started)]
            ]
            .concat());
            m
        }
        None => json!({
            "tool": "netlogs",
            "version": env!("CARGO_PKG_VERSION"),
            "run_id": dir.run_id,
            "model": model,
            "api_base": matches!(policy, Policy::Remote { .. }).then(|| settings.api_base_or_default()),
            "seed": settings.seed,
            "num_examples": sample.len(),
            "rollouts_per_example": settings.rollouts_per_example,
            "sampling_args": settings.sampling_args,
            "template": template.name(),
            "system_prompt": system,
            "dataset": {
                "name": dataset_name,
                "files": dataset_files,
                "split": split,
                "rows_available": rows_available,
                "sampling": "class-balanced, seeded (ChaCha8)",
                "synthetic": synthetic,
            },
            "rubric": settings.rubric,
            "settings": settings,
            "started_at": started,
            "finished_at": Value::Null,
        }),
    };
    dir.write_json("metadata.json", &meta)?;

    let jobs: Vec<Job> = (0..sample.len())
        .flat_map(|index| {
            (0..settings.rollouts_per_example).map(move |rollout| Job { index, rollout })
        })
        .filter(|j| !ledger.is_stored(j.index, j.rollout))
        .collect();
    let total = sample.len() as u64 * u64::from(settings.rollouts_per_example);
    let mut progress = Progress::new(total, total - jobs.len() as u64);
    let n_examples = sample.len();
    let work = Arc::new(Workload {
        policy,
        messages: PromptMessages::new(&system),
        sample,
        cfg: settings.rubric,
    });
    let stopped = run_jobs(
        work,
        jobs,
        a.max_concurrent,
        &mut dir,
        &mut progress,
        &mut ledger,
    )
    .await?;
    progress.finish();
    clock.lap("requests");

    let facts = [
        ("Model", model.clone()),
        (
            "Dataset",
            format!(
                "{} ({} rows available)",
                meta["dataset"]["name"].as_str().unwrap_or(""),
                meta["dataset"]["rows_available"]
            ),
        ),
        (
            "Examples",
            format!(
                "{} × {} rollout(s), seed {}",
                n_examples, settings.rollouts_per_example, settings.seed
            ),
        ),
        ("Template", template.name().to_string()),
    ];
    let spec = SummarySpec {
        cfg: &settings.rubric,
        seed: settings.seed,
        model: &model,
        prices: &prices,
    };
    let summary = finalize(
        &dir,
        ledger,
        &spec,
        &format!("netlogs eval: {model}"),
        &facts,
    )?;
    clock.lap("summary");
    meta["finished_at"] = json!(chrono::Utc::now().to_rfc3339());
    meta["timings_s"] = clock.laps();
    dir.write_json("metadata.json", &meta)?;

    println!(
        "netlogs eval · {model} · {} · {} examples × {} rollout(s) · preset {}",
        meta["dataset"]["name"].as_str().unwrap_or(""),
        n_examples,
        settings.rollouts_per_example,
        settings.rubric.preset.name()
    );
    print!("{}", terminal_summary(&summary.metrics));
    if summary.usage.total_tokens > 0 {
        println!(
            "  tokens/example   {:.1} · cost {}",
            summary.usage.tokens_per_example.unwrap_or(0.0),
            summary.usage.cost_usd.map_or_else(
                || "n/a (model not in price table)".to_string(),
                |c| format!("${c:.4}")
            )
        );
    }
    if synthetic {
        println!("  WARNING: this run used SYNTHETIC data, not real flows");
    }
    println!("run dir: {}", dir.path.display());
    if let Some(stop) = stopped {
        bail!("{}", abort_message(&stop.error, &settings, stop.rows));
    }
    Ok(())
}
