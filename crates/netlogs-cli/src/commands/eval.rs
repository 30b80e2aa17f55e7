//! `netlogs eval`: turn the flags into a plan, run it with a progress bar, then write
//! report.md and report.html and print the summary. The engine (`netlogs-eval`) does the run.

use anyhow::{bail, Context, Result};
use netlogs_eval::{default_cache_dir, run_eval, EvalPlan, EvalSettings, RunStart, TraceSettings};
use netlogs_rubric::system_prompt_for;

use crate::args::{EvalArgs, RunShapeArgs};
use crate::progress::Progress;
use netlogs_report::{run_lines, write_reports};

/// The variable an unset `--api-base` comes from, as OpenAI's own clients read it.
const API_BASE_VAR: &str = "OPENAI_BASE_URL";

/// The flags as the engine's settings: the CLI's one conversion (validation is the engine's).
fn settings(a: &RunShapeArgs) -> Result<EvalSettings> {
    let sampling_args = match &a.sampling_args {
        Some(text) => EvalSettings::parse_sampling_args(text)?,
        None => Default::default(),
    };
    let api_base = a.api_base.clone().or_else(|| {
        std::env::var(API_BASE_VAR)
            .ok()
            .filter(|b| !b.trim().is_empty())
    });
    let rubric = a.rubric.config()?;
    Ok(EvalSettings {
        model: a.model.clone(),
        api_base,
        api_key_var: a.api_key_var.clone(),
        num_examples: a.num_examples,
        rollouts_per_example: a.rollouts_per_example,
        seed: a.seed,
        template: a.template,
        system_prompt: a
            .system_prompt
            .clone()
            .unwrap_or_else(|| system_prompt_for(&rubric)),
        data: a.data.clone(),
        format: a.format,
        capture: a.read.capture.clone(),
        capture_from: a.read.capture_from,
        skip_bad_rows: a.read.skip_bad_rows,
        unlabelled: a.read.unlabelled,
        context: a.context.spec()?,
        mode: a.mode,
        max_turns: a.max_turns,
        split: a.split.clone(),
        max_tokens: a.max_tokens,
        temperature: a.temperature,
        sampling_args,
        structured_output: a.structured_output,
        max_attempts: a.max_attempts,
        timeout_secs: a.timeout,
        rubric,
        baseline: a.baseline.clone(),
    })
}

fn plan(a: &EvalArgs) -> Result<EvalPlan> {
    let traces = match &a.otlp_endpoint {
        Some(endpoint) => Some(TraceSettings {
            endpoint: Some(endpoint.clone()),
            content: a.otlp_content,
        }),
        None => TraceSettings::from_env(a.otlp_content),
    };
    if a.otlp_content && traces.is_none() {
        bail!("--otlp-content puts prompts into trace spans, and no traces are sent: give --otlp-endpoint URL or set OTEL_EXPORTER_OTLP_ENDPOINT");
    }
    let start = match &a.resume {
        Some(dir) => RunStart::Resume(dir.clone()),
        None => RunStart::New {
            settings: Box::new(settings(&a.shape)?),
            save_dir: a.save_dir.clone(),
        },
    };
    Ok(EvalPlan {
        start,
        max_concurrent: a.max_concurrent,
        cache_dir: (!a.no_cache).then(|| a.cache_dir.clone().unwrap_or_else(default_cache_dir)),
        prices: a.prices.clone(),
        traces,
    })
}

pub fn run(a: EvalArgs) -> Result<()> {
    let plan = plan(&a)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut progress = Progress::default();
    let log = runtime.block_on(run_eval(plan, &mut progress))?;
    write_reports(&log)?;
    print!("{}", run_lines(&log));
    if let Some(message) = log.stop_message() {
        bail!("{message}");
    }
    Ok(())
}
