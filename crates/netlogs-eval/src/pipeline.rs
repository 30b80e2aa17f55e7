//! Running a policy over (example, rollout) jobs. Each job is a tokio task, at most
//! `concurrency` at once (a semaphore), so request and scoring work spreads over the runtime's
//! threads. One writer appends rows as they complete (flushing once per batch of ready rows)
//! and stops the run early when the first rows all fail alike.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use std::borrow::Cow;

use netlogs_client::{PromptMessages, RemoteCompletion, RequestError, Usage};
use netlogs_data::{Example, ExampleInfo};
use netlogs_rubric::{score_row, Completion, RubricConfig, Score, Truth};
use netlogs_runlog::{Messages, Row, RowInfo, RunDir, TokenUsage, SCHEMA_VERSION};
use serde_json::value::{to_raw_value, RawValue};
use tokio::sync::{mpsc, Semaphore};

use crate::conversation::{converse, Lookup};
use crate::error::Result;
use crate::facts::facts_of_prompt;
use crate::ledger::{error_id, gold_of, Ledger, RowKeys, RowResult, Served};
use crate::policy::Policy;
use crate::progress::ProgressSink;
use crate::trace::{tool_call_spans, RolloutSpan, RunTracer, ToolCallSpan};

/// One rollout to run.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub index: usize,
    pub rollout: u32,
}

/// What every job of a run shares.
pub struct Workload {
    pub policy: Policy,
    pub system: String,
    pub messages: PromptMessages,
    pub sample: Vec<Example>,
    pub cfg: RubricConfig,
    /// Retries so far, counted by the request tasks.
    pub retries: AtomicU64,
    /// Lookup mode: the tools' data; `None` for single-turn runs.
    pub lookup: Option<Lookup>,
    /// Where rollouts are traced (`--otlp-endpoint`); `None`: not traced.
    pub tracer: Option<RunTracer>,
}

/// The first rows that decide whether a run is hopeless.
const EARLY_ROWS: usize = 5;
/// Rows written between flushes, at most (a flush happens whenever the queue runs dry).
const WRITE_BATCH: usize = 256;

/// A finished job: what its row records beyond the example itself.
struct Done {
    job: Job,
    /// The messages sent.
    prompt: Box<RawValue>,
    answer: Result<Answered, RequestError>,
    latency_ms: f64,
    attempts: u32,
    cached: bool,
    /// Lookup mode: every message after the prompt, as JSON.
    turns: Option<Box<RawValue>>,
    started: SystemTime,
    /// Lookup mode, when traced: the tool calls and when each ran.
    tools: Vec<ToolCallSpan>,
}

struct Answered {
    completion: RemoteCompletion,
    score: Score,
}

async fn run_job(work: &Workload, job: Job) -> Done {
    let ex = &work.sample[job.index];
    let prompt = work.messages.with_user(&ex.prompt);
    let t0 = Instant::now();
    let started = SystemTime::now();
    let gold = gold_of(ex.answer);
    let facts = work
        .cfg
        .scores_grounding()
        .then(|| facts_of_prompt(&ex.prompt));
    let truth = Truth {
        gold,
        flow: facts.as_ref(),
    };
    if let Some(lookup) = &work.lookup {
        let talk = converse(
            &work.policy,
            lookup,
            job.index,
            (&work.system, &ex.prompt),
            job.rollout,
            &work.retries,
        )
        .await;
        let latency_ms = t0.elapsed().as_secs_f64() * 1e3;
        let (attempts, cached) = (talk.attempts, talk.cached);
        let (answer, turns, tools) = match talk.result {
            Ok(c) => {
                let score = score_row(&work.cfg, &Completion::Messages(&c.turns), truth);
                let tools = match &work.tracer {
                    Some(_) => tool_call_spans(&c.turns, &c.tool_times),
                    None => Vec::new(),
                };
                let answered = Answered {
                    completion: c.last,
                    score,
                };
                // Values parsed from JSON serialise back without fail.
                (Ok(answered), to_raw_value(&c.turns).ok(), tools)
            }
            Err(e) => (Err(e), None, Vec::new()),
        };
        return Done {
            job,
            prompt,
            answer,
            latency_ms,
            attempts,
            cached,
            turns,
            started,
            tools,
        };
    }
    let answer = work
        .policy
        .answer(&prompt, &ex.prompt, None, job.rollout, &work.retries)
        .await;
    let latency_ms = t0.elapsed().as_secs_f64() * 1e3;
    let result = answer.result.map(|completion| Answered {
        score: score_row(&work.cfg, &Completion::Text(&completion.text), truth),
        completion,
    });
    Done {
        job,
        prompt,
        answer: result,
        latency_ms,
        attempts: answer.attempts,
        cached: answer.cached,
        turns: None,
        started,
        tools: Vec::new(),
    }
}

/// Append `done`'s row to the results and record its outcome for the summary.
fn record(work: &Workload, done: Done, dir: &mut RunDir, ledger: &mut Ledger) -> Result<()> {
    let ex = &work.sample[done.job.index];
    let ok = done.answer.as_ref().ok();
    let error = done.answer.as_ref().err().map(ToString::to_string);
    let row = Row {
        schema_version: SCHEMA_VERSION,
        example_id: Cow::Borrowed(&ex.example_id),
        rollout: done.job.rollout,
        prompt: &done.prompt,
        completion: match (ok, &done.turns) {
            (None, _) => Messages::None,
            (Some(_), Some(turns)) => Messages::Raw(turns),
            (Some(a), None) => Messages::Assistant(&a.completion.text),
        },
        answer: Cow::Borrowed(ex.answer.as_str()),
        info: row_info(&ex.info),
        reward: ok.map(|a| a.score.reward),
        metrics: ok.map(|a| a.score.components),
        parsed: ok.map(|a| (&a.score).into()),
        finish_reason: ok.and_then(|a| a.completion.finish_reason.as_deref().map(Cow::Borrowed)),
        usage: ok.and_then(|a| a.completion.usage).map(token_usage),
        latency_ms: done.latency_ms,
        attempts: done.attempts,
        cached: done.cached,
        error: error.as_deref().map(Cow::Borrowed),
    };
    dir.append_unflushed(&row)?;
    if let Some(tracer) = &work.tracer {
        tracer.rollout(&rollout_span(ex, &done, &row, error.as_deref()));
    }
    let served = Served {
        usage: row.usage,
        attempts: done.attempts,
        cached: done.cached,
        truncated: row.truncated(),
    };
    let result = match (done.answer, error) {
        (Ok(a), _) => RowResult::Scored {
            score: a.score,
            gold: gold_of(ex.answer),
            keys: RowKeys::of_example(&ex.info),
        },
        (Err(_), error) => RowResult::Failed {
            id: error_id(&ex.example_id, done.job.rollout),
            error: error.unwrap_or_default(),
        },
    };
    ledger.record((done.job.index, done.job.rollout), result, served);
    Ok(())
}

/// A written row as its trace span describes it.
fn rollout_span<'a>(
    ex: &'a Example,
    done: &'a Done,
    row: &'a Row,
    error: Option<&'a str>,
) -> RolloutSpan<'a> {
    let ok = done.answer.as_ref().ok();
    let usage = ok.and_then(|a| a.completion.usage);
    let output_messages = match (&done.turns, ok) {
        (Some(turns), _) => Cow::Borrowed(turns.get()),
        (None, Some(_)) => Cow::Owned(serde_json::to_string(&row.completion).unwrap_or_default()),
        (None, None) => Cow::Borrowed("[]"),
    };
    RolloutSpan {
        example_id: &ex.example_id,
        rollout: done.job.rollout,
        gold: gold_of(ex.answer),
        source: &ex.info.source,
        capture: ex.info.capture.as_deref(),
        family: ex.info.family.as_deref(),
        split: ex.info.split.as_deref(),
        start: done.started,
        end: done.started + Duration::from_secs_f64(done.latency_ms.max(0.0) / 1e3),
        outcome: match (ok, error) {
            (Some(a), _) => Ok(&a.score),
            (None, e) => Err(e.unwrap_or("no answer")),
        },
        input_tokens: usage.map(|u| u.prompt_tokens),
        output_tokens: usage.map(|u| u.completion_tokens),
        finish_reason: row.finish_reason.as_deref(),
        attempts: done.attempts,
        cached: done.cached,
        input_messages: done.prompt.get(),
        output_messages,
        tools: &done.tools,
    }
}

/// An example's info as its row records it.
fn row_info(info: &ExampleInfo) -> RowInfo<'_> {
    RowInfo {
        source: Cow::Borrowed(&info.source),
        capture: info.capture.as_deref().map(Cow::Borrowed),
        family: info.family.as_deref().map(Cow::Borrowed),
        file: Cow::Borrowed(&info.file),
        split: info.split.as_deref().map(Cow::Borrowed),
        conflict: info.conflict,
        ts: info.ts,
        full_label: info.full_label.as_deref().map(Cow::Borrowed),
    }
}

fn token_usage(u: Usage) -> TokenUsage {
    TokenUsage {
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
    }
}

/// Watches the first rows: all failing with one and the same error means the run is hopeless.
struct EarlyStop {
    wanted: usize,
    seen: Vec<Option<RequestError>>,
}

impl EarlyStop {
    /// The shared error once the first `wanted` rows all failed with it.
    fn observe(&mut self, failure: &Option<RequestError>) -> Option<RequestError> {
        if self.seen.len() >= self.wanted {
            return None;
        }
        self.seen.push(failure.clone());
        if self.seen.len() < self.wanted {
            return None;
        }
        let first = self.seen.first()?.as_ref()?;
        self.seen
            .iter()
            .all(|f| f.as_ref() == Some(first))
            .then(|| first.clone())
    }
}

/// Why a run stopped early: the error the first `rows` rows all failed with.
#[derive(Debug, Clone)]
pub struct EarlyStopped {
    pub error: RequestError,
    pub rows: usize,
}

/// Run `jobs`, appending each finished row to `dir`. Returns the shared error of the first rows
/// when they all failed alike (the run then stops launching requests; those in flight are still
/// written), else `None`.
pub async fn run_jobs(
    work: Arc<Workload>,
    jobs: Vec<Job>,
    concurrency: usize,
    dir: &mut RunDir,
    progress: &mut dyn ProgressSink,
    ledger: &mut Ledger,
) -> Result<Option<EarlyStopped>> {
    let mut early = EarlyStop {
        wanted: EARLY_ROWS.min(jobs.len()),
        seen: Vec::with_capacity(EARLY_ROWS),
    };
    let concurrency = concurrency.max(1);
    let (tx, mut rx) = mpsc::channel::<Done>(concurrency * 2);
    let shared = work.clone();
    let producer = tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(concurrency));
        for job in jobs {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (work, tx) = (work.clone(), tx.clone());
            tokio::spawn(async move {
                let done = run_job(&work, job).await;
                // The slot is held until the writer has the row, so finished rows never pile up.
                let _ = tx.send(done).await;
                drop(permit);
            });
        }
    });
    let mut stopped = None;
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < WRITE_BATCH {
            match rx.try_recv() {
                Ok(d) => batch.push(d),
                Err(_) => break,
            }
        }
        for done in batch.drain(..) {
            let failure = done.answer.as_ref().err().cloned();
            let reward = done.answer.as_ref().ok().map(|a| a.score.reward);
            progress.row(reward, shared.retries.load(Ordering::Relaxed));
            record(&shared, done, dir, ledger)?;
            if stopped.is_none() {
                if let Some(error) = early.observe(&failure) {
                    producer.abort();
                    stopped = Some(EarlyStopped {
                        error,
                        rows: early.wanted,
                    });
                }
            }
        }
        dir.flush()?;
        if let Err(warning) = shared.policy.flush_cache() {
            progress.note(&warning);
        }
    }
    Ok(stopped)
}
