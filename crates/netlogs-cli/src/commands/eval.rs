//! `netlogs eval`: run a policy over sampled flows, record every rollout as it completes,
//! then summarise.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use netlogs_client::{BuiltinPolicy, ChatMessage, ModelSpec};
use netlogs_data::{
    bundled_iot23, load_path, sample_balanced, sha256_hex, Example, LabeledFlow, SourceFormat,
    Template, BUNDLED_IOT23, DEFAULT_SYSTEM_PROMPT,
};
use netlogs_rubric::{RubricConfig, RunMetrics};
use serde_json::{json, Value};

use crate::args::EvalArgs;
use crate::report::{render_markdown, terminal_summary};
use crate::rows::{gold_of, parsed_summary, score_text, scored, ResultRow};
use crate::run_dir::{new_run_id, sanitize, RunDir};

/// The loaded flows and how to name them in metadata.
struct Dataset {
    name: String,
    files: Vec<Value>,
    flows: Vec<LabeledFlow>,
}

fn load_dataset(a: &EvalArgs) -> Result<Dataset> {
    if a.data.is_empty() {
        let files = BUNDLED_IOT23
            .iter()
            .map(|f| json!({"name": f.name, "sha256": sha256_hex(f.bytes)}))
            .collect();
        return Ok(Dataset {
            name: "bundled:iot23".into(),
            files,
            flows: bundled_iot23()?,
        });
    }
    let format = match &a.format {
        Some(f) => Some(
            SourceFormat::parse(f)
                .with_context(|| format!("--format must be `zeek` or `iot23-csv`, got `{f}`"))?,
        ),
        None => None,
    };
    let mut flows = Vec::new();
    let mut files = Vec::new();
    for path in &a.data {
        let rows = load_path(path, format, a.capture.as_deref())?;
        let bytes = std::fs::read(path)?;
        files.push(json!({"name": path.display().to_string(), "sha256": sha256_hex(&bytes), "rows": rows.len()}));
        flows.extend(rows);
    }
    Ok(Dataset {
        name: "files".into(),
        files,
        flows,
    })
}

/// Select the policy, failing fast (before any data work) for remote models.
fn policy(a: &EvalArgs) -> Result<BuiltinPolicy> {
    match ModelSpec::parse(&a.model)? {
        ModelSpec::Builtin(p) => Ok(p),
        ModelSpec::Remote(name) => {
            let has_key = std::env::var(&a.api_key_var).is_ok_and(|k| !k.trim().is_empty());
            if !has_key {
                bail!(
                    "model `{name}` is a remote model and needs an API key: set the environment variable {} (or name another variable with --api-key-var). Offline policies need none: {}",
                    a.api_key_var,
                    BuiltinPolicy::names().join(", ")
                );
            }
            bail!(
                "model `{name}`: remote OpenAI-compatible endpoints are not available in this build yet; use an offline policy: {}",
                BuiltinPolicy::names().join(", ")
            )
        }
    }
}

pub fn run(a: EvalArgs) -> Result<()> {
    let policy = policy(&a)?;
    let model = format!("builtin:{}", policy.name());
    let cfg: RubricConfig = a.rubric.config()?;
    let template = Template::parse(&a.template).with_context(|| {
        format!(
            "--template must be one of zeek, seed, upstream; got `{}`",
            a.template
        )
    })?;
    if a.rollouts_per_example == 0 {
        bail!("--rollouts-per-example must be at least 1");
    }
    let dataset = load_dataset(&a)?;
    let examples: Vec<Example> = dataset
        .flows
        .iter()
        .map(|f| Example::from_flow(f, template))
        .collect();
    let sample = sample_balanced(&examples, a.num_examples, a.seed);
    if sample.is_empty() {
        bail!(
            "no examples to evaluate (dataset {} is empty)",
            dataset.name
        );
    }
    let system = a
        .system_prompt
        .clone()
        .unwrap_or_else(|| DEFAULT_SYSTEM_PROMPT.to_string());

    let run_id = new_run_id();
    let path: PathBuf = a
        .save_dir
        .join("evals")
        .join(format!("netlogs--{}", sanitize(&model)))
        .join(&run_id);
    let mut dir = RunDir::create(path, run_id)?;
    let started = chrono::Utc::now();
    let mut metadata = json!({
        "tool": "netlogs",
        "version": env!("CARGO_PKG_VERSION"),
        "run_id": dir.run_id,
        "model": model,
        "api_base": Value::Null,
        "seed": a.seed,
        "num_examples": sample.len(),
        "num_examples_requested": a.num_examples,
        "rollouts_per_example": a.rollouts_per_example,
        "sampling_args": {},
        "template": template.name(),
        "system_prompt": system,
        "dataset": {
            "name": dataset.name,
            "files": dataset.files,
            "rows_available": dataset.flows.len(),
            "sampling": "class-balanced, seeded (ChaCha8)",
            "synthetic": false,
        },
        "rubric": cfg,
        "started_at": started.to_rfc3339(),
        "finished_at": Value::Null,
    });
    dir.write_json("metadata.json", &metadata)?;

    let total = sample.len() as u64 * u64::from(a.rollouts_per_example);
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut outcomes = Vec::with_capacity(total as usize);
    let mut reward_sum = 0.0;
    for ex in &sample {
        for rollout in 0..a.rollouts_per_example {
            let messages = vec![
                ChatMessage::system(system.clone()),
                ChatMessage::user(ex.prompt.clone()),
            ];
            let t0 = Instant::now();
            let completion = policy.complete(&messages);
            let latency_ms = t0.elapsed().as_secs_f64() * 1e3;
            let score = score_text(&cfg, &completion.text, ex.answer);
            let row = ResultRow {
                example_id: ex.example_id.clone(),
                rollout,
                prompt: messages,
                completion: vec![ChatMessage::assistant(completion.text)],
                answer: ex.answer.as_str().to_string(),
                info: ex.info.clone(),
                reward: Some(score.reward),
                metrics: Some(score.components),
                parsed: Some(parsed_summary(&score)),
                finish_reason: completion.finish_reason,
                latency_ms,
                attempts: 1,
                error: None,
            };
            dir.append(&row)?;
            reward_sum += score.reward;
            outcomes.push(scored(score, gold_of(ex.answer), &ex.info));
            bar.inc(1);
            bar.set_message(format!(
                "mean reward {:.3}",
                reward_sum / outcomes.len() as f64
            ));
        }
    }
    bar.finish_and_clear();

    let metrics = RunMetrics::compute(&outcomes, &cfg, a.seed);
    dir.write_json("summary.json", &metrics)?;
    let facts = [
        ("Model", model.clone()),
        (
            "Dataset",
            format!(
                "{} ({} rows available)",
                metadata["dataset"]["name"].as_str().unwrap_or(""),
                dataset.flows.len()
            ),
        ),
        (
            "Examples",
            format!(
                "{} × {} rollout(s), seed {}",
                sample.len(),
                a.rollouts_per_example,
                a.seed
            ),
        ),
        ("Template", template.name().to_string()),
    ];
    let title = format!("netlogs eval: {model}");
    dir.write_text(
        "report.md",
        &render_markdown(&title, &facts, &metrics, &cfg),
    )?;
    metadata["finished_at"] = json!(chrono::Utc::now().to_rfc3339());
    dir.write_json("metadata.json", &metadata)?;

    println!(
        "netlogs eval · {model} · {} · {} examples × {} rollout(s) · preset {}",
        metadata["dataset"]["name"].as_str().unwrap_or(""),
        sample.len(),
        a.rollouts_per_example,
        cfg.preset.name()
    );
    print!("{}", terminal_summary(&metrics));
    println!("run dir: {}", dir.path.display());
    Ok(())
}
