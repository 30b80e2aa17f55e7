//! The entry point of an eval run: a typed plan in, the run log out. It resumes, picks the
//! policy, loads and samples data, writes metadata, runs the jobs and summarises.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use netlogs_client::{PromptMessages, RequestError};
use netlogs_data::source::{self, DrawSpec, DrawnFrom, SourceSpec};
use netlogs_data::{Example, LabeledFlow};
use netlogs_lookup::{default_index_dir, index_for, tool_definitions, Anchor};
use netlogs_runlog::{
    new_run_id, now, sanitize, DatasetInfo, FileDigest, Metadata, RunDir, RunSettings, RunStatus,
    SkippedRows, Timings, SCHEMA_VERSION,
};

use crate::conversation::Lookup;
use crate::error::{EvalError, Result};
use crate::ledger::Ledger;
use crate::pipeline::{run_jobs, EarlyStopped, Job, Workload};
use crate::policy::Policy;
use crate::prices::PriceTable;
use crate::progress::ProgressSink;
use crate::settings::{EvalMode, EvalSettings, StructuredOutput};
use crate::trace::{RunTracer, TraceRun, TraceSettings};

/// How a run starts: afresh, or by finishing an interrupted one with its stored settings.
#[derive(Debug, Clone)]
pub enum RunStart {
    /// Runs go to `save_dir/evals/netlogs--MODEL/RUN_ID/`.
    New {
        settings: Box<EvalSettings>,
        save_dir: PathBuf,
    },
    Resume(PathBuf),
}

/// Everything one `netlogs eval` needs; what is not stored in the run (concurrency, cache,
/// prices) may differ between a run and its resumption.
#[derive(Debug, Clone)]
pub struct EvalPlan {
    pub start: RunStart,
    pub max_concurrent: usize,
    /// The response cache folder; `None` runs without a cache.
    pub cache_dir: Option<PathBuf>,
    /// A price table file; `None` uses the built-in, dated one.
    pub prices: Option<PathBuf>,
    /// Where each rollout's span goes (OTLP/HTTP); `None`: no traces.
    pub traces: Option<TraceSettings>,
}

/// A run as its files now say it is: finished, or stopped early (the run log's own record,
/// which reports read too).
pub type RunLog = netlogs_runlog::RunRecord;

/// Wall time per phase of this session, stored as `timings_s`.
struct PhaseClock {
    last: Instant,
}

impl PhaseClock {
    fn lap(&mut self) -> f64 {
        let now = Instant::now();
        let secs = (now - self.last).as_secs_f64();
        self.last = now;
        secs
    }
}

/// The settings, validated before any data is read, and the stored metadata when resuming.
fn settings_of(start: &RunStart) -> Result<(EvalSettings, Option<Metadata>)> {
    match start {
        RunStart::New { settings, .. } => {
            settings.validate()?;
            Ok(((**settings).clone(), None))
        }
        RunStart::Resume(dir) => {
            let meta = Metadata::read(dir)?;
            let record = meta.eval().ok_or_else(|| {
                EvalError::invalid(format!(
                    "{}: a `netlogs score` run; only `netlogs eval` runs can be resumed",
                    dir.display()
                ))
            })?;
            let settings = EvalSettings::from_record(record)?;
            Ok((settings, Some(meta)))
        }
    }
}

/// The run directory and its ledger: a new, empty one, or the stored rows of an interrupted run.
fn open_run(
    start: &RunStart,
    model: &str,
    sample: &[Example],
    settings: &EvalSettings,
) -> Result<(RunDir, Ledger)> {
    match start {
        RunStart::Resume(path) => {
            let dir = RunDir::reopen(path.clone())?;
            let order: HashMap<&str, usize> = sample
                .iter()
                .enumerate()
                .map(|(i, e)| (e.example_id.as_str(), i))
                .collect();
            let ledger = Ledger::read_stored(&dir.results_path(), &order, &settings.rubric)?;
            Ok((dir, ledger))
        }
        RunStart::New { save_dir, .. } => {
            let run_id = new_run_id();
            let path = save_dir
                .join("evals")
                .join(format!("netlogs--{}", sanitize(model)))
                .join(&run_id);
            Ok((RunDir::create(path, run_id)?, Ledger::default()))
        }
    }
}

/// The run log's record of where the sample came from.
fn dataset_info(d: DrawnFrom) -> DatasetInfo {
    DatasetInfo {
        name: d.source.name,
        files: d
            .source
            .files
            .into_iter()
            .map(|f| FileDigest {
                name: f.name,
                sha256: f.sha256,
                rows: f.rows,
            })
            .collect(),
        split: d.split,
        rows_available: d.rows_available,
        sampling: d.sampling.to_string(),
        synthetic: d.source.synthetic,
        captures: d.captures,
        bad_rows: SkippedRows {
            count: d.source.bad_rows.count,
            first: d.source.bad_rows.first,
        },
        unlabelled: d.source.unlabelled,
        notes: d.source.notes,
    }
}

/// Fresh metadata for a new run: `interrupted` until the run records its end.
fn new_metadata(
    run_id: &str,
    model: String,
    settings: &EvalSettings,
    dataset: DatasetInfo,
    num_examples: usize,
) -> Metadata {
    Metadata {
        schema_version: SCHEMA_VERSION,
        tool: "netlogs".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        run_id: run_id.to_string(),
        settings: RunSettings::Eval(Box::new(settings.to_record())),
        model,
        dataset,
        num_examples,
        status: RunStatus::Interrupted,
        started_at: now(),
        finished_at: None,
        resumed_at: Vec::new(),
        timings_s: None,
    }
}

/// The examples a run evaluates, and where they came from.
struct Prepared {
    sample: Vec<Example>,
    dataset: DrawnFrom,
    lookup: Option<Lookup>,
}

/// Lookup mode's tools and their data: the source's index (built on first use, shared with
/// Python and the trainer adapters), and where each drawn flow sits in it.
fn lookup_for(
    spec: &SourceSpec,
    settings: &EvalSettings,
    drawn: &[LabeledFlow],
    note: &mut dyn FnMut(&str),
) -> Result<Lookup> {
    let anchors = drawn
        .iter()
        .map(Anchor::of)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EvalError::invalid(format!("--mode lookup: {e}")))?;
    Ok(Lookup {
        index: index_for(spec, &default_index_dir(), note)
            .map_err(|e| EvalError::invalid(e.to_string()))?,
        anchors,
        tools: tool_definitions(),
        max_turns: settings.max_turns,
    })
}

/// Load the data the settings name and draw the sample, in one pass.
fn prepare(settings: &EvalSettings, note: &mut dyn FnMut(&str)) -> Result<Prepared> {
    let spec = SourceSpec {
        data: &settings.data,
        format: settings.format,
        capture: settings.capture.as_deref(),
        capture_from: settings.capture_from,
        skip_bad_rows: settings.skip_bad_rows,
        unlabelled: settings.unlabelled,
        skip_digests: false,
        synth: (settings.num_examples.max(1), settings.seed),
    };
    let lookup = settings.mode == EvalMode::Lookup;
    let want = DrawSpec {
        template: settings.template,
        n: settings.num_examples,
        seed: settings.seed,
        split: settings.split.as_deref(),
        context: settings.context,
        raw_flows_for: lookup.then_some("--mode lookup"),
    };
    let drawn = source::draw(&spec, &want, note)?;
    for line in drawn.dataset.source.messages() {
        note(&line);
    }
    let lookup = match settings.mode {
        EvalMode::Lookup => Some(lookup_for(&spec, settings, &drawn.flows, note)?),
        EvalMode::Single => None,
    };
    Ok(Prepared {
        sample: drawn.examples,
        dataset: drawn.dataset,
        lookup,
    })
}

/// What every span of the run shares.
fn trace_run(settings: &EvalSettings, policy: &Policy, model: &str) -> TraceRun {
    TraceRun {
        run_id: String::new(),
        model: model.to_string(),
        provider: if policy.is_remote() {
            "openai"
        } else {
            "netlogs"
        },
        temperature: settings.temperature,
        max_tokens: settings.max_tokens,
        mode: settings.mode.into(),
    }
}

/// The jobs still to run: every (example, rollout) pair the ledger does not hold yet.
fn pending_jobs(n_examples: usize, rollouts: u32, ledger: &Ledger) -> Vec<Job> {
    (0..n_examples)
        .flat_map(|index| (0..rollouts).map(move |rollout| Job { index, rollout }))
        .filter(|j| !ledger.is_stored(j.index, j.rollout))
        .collect()
}

/// Run `plan`, reporting to `progress`. The run directory holds every finished row whatever
/// happens, and its metadata says how the run ended; the returned log is what metadata.json
/// and summary.json now say.
pub async fn run_eval(plan: EvalPlan, progress: &mut dyn ProgressSink) -> Result<RunLog> {
    let mut clock = PhaseClock {
        last: Instant::now(),
    };
    let (settings, stored_meta) = settings_of(&plan.start)?;
    let mut note = |t: &str| progress.note(t);
    let policy = Policy::open(&settings, plan.cache_dir.clone(), &mut note)?;
    let prices = PriceTable::load(plan.prices.as_deref())?;
    let Prepared {
        sample,
        dataset,
        lookup,
    } = prepare(&settings, &mut note)?;
    let load = clock.lap();
    let model = policy.model_name();
    let mut tracer = plan
        .traces
        .as_ref()
        .map(|t| RunTracer::open(t, trace_run(&settings, &policy, &model)))
        .transpose()?;
    let (mut dir, mut ledger) = open_run(&plan.start, &model, &sample, &settings)?;
    if let Some(t) = &mut tracer {
        t.set_run_id(&dir.run_id);
    }
    let mut meta = match stored_meta {
        Some(mut m) => {
            m.resumed_at.push(now());
            m
        }
        None => new_metadata(
            &dir.run_id,
            model.clone(),
            &settings,
            dataset_info(dataset),
            sample.len(),
        ),
    };
    meta.write(&dir)?;

    let jobs = pending_jobs(sample.len(), settings.rollouts_per_example, &ledger);
    let total = sample.len() as u64 * u64::from(settings.rollouts_per_example);
    progress.begin(total, total - jobs.len() as u64);
    let work = Arc::new(Workload {
        policy,
        messages: PromptMessages::new(&settings.system_prompt),
        system: settings.system_prompt.clone(),
        sample,
        cfg: settings.rubric,
        retries: AtomicU64::new(0),
        lookup,
        tracer,
    });
    let stopped = run_jobs(
        work.clone(),
        jobs,
        plan.max_concurrent,
        &mut dir,
        progress,
        &mut ledger,
    )
    .await?;
    progress.finish();
    if let Some(message) = work.tracer.as_ref().and_then(RunTracer::finish) {
        progress.note(&message);
    }
    let requests = clock.lap();

    let summary = ledger.summarise(&settings.rubric, settings.seed, &model, &prices);
    summary.write(&dir)?;
    meta.end(match stopped {
        Some(stop) => RunStatus::StoppedEarly {
            reason: abort_message(&stop, &settings),
        },
        None => RunStatus::Finished,
    });
    meta.timings_s = Some(Timings {
        load,
        requests,
        summary: clock.lap(),
    });
    meta.write(&dir)?;
    Ok(RunLog {
        dir: dir.path.clone(),
        metadata: meta,
        summary,
    })
}

/// Why a run stopped early, with the hint a user needs next. Never contains the key.
fn abort_message(stop: &EarlyStopped, s: &EvalSettings) -> String {
    let (err, rows) = (&stop.error, stop.rows);
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
    let structured = s.structured_output;
    if structured != StructuredOutput::Off && matches!(err.status(), Some(400 | 422 | 500 | 501)) {
        m.push_str(&format!(
            ". The server may not support response_format `{structured}`: try --structured-output {}",
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
