//! Running a policy over (example, rollout) jobs. Each job is a tokio task, at most
//! `concurrency` at once (a semaphore), so request and scoring work spreads over the runtime's
//! threads. One writer appends rows as they complete (flushing once per batch of ready rows)
//! and stops the run early when the first rows all fail alike.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use netlogs_client::{PromptMessages, RemoteCompletion, RequestError};
use netlogs_data::Example;
use netlogs_rubric::{score_completion, RubricConfig, Score};
use serde_json::value::RawValue;
use tokio::sync::{mpsc, Semaphore};

use crate::conversation::{converse, Lookup};
use crate::error::Result;
use crate::ledger::{gold_of, Ledger, RowResult, Served, FINISH_LENGTH};
use crate::policy::Policy;
use crate::progress::ProgressSink;
use crate::run_dir::RunDir;
use crate::run_log::{ResultRow, RowCompletion};

/// One rollout to run.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub index: usize,
    pub rollout: u32,
}

/// What every job of a run shares.
pub struct Workload {
    pub policy: Policy,
    pub messages: PromptMessages,
    pub sample: Vec<Example>,
    pub cfg: RubricConfig,
    /// Retries so far, counted by the request tasks.
    pub retries: AtomicU64,
    /// Lookup mode: the tools' data; `None` for single-turn runs.
    pub lookup: Option<Lookup>,
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
    /// Lookup mode: every message after the prompt.
    turns: Option<Box<RawValue>>,
}

struct Answered {
    completion: RemoteCompletion,
    score: Score,
}

async fn run_job(work: &Workload, job: Job) -> Done {
    let ex = &work.sample[job.index];
    let prompt = work.messages.with_user(&ex.prompt);
    let t0 = Instant::now();
    let gold = gold_of(ex.answer);
    if let Some(lookup) = &work.lookup {
        let talk = converse(
            &work.policy,
            lookup,
            job.index,
            (&prompt, &ex.prompt),
            job.rollout,
            &work.retries,
        )
        .await;
        let latency_ms = t0.elapsed().as_secs_f64() * 1e3;
        let (attempts, cached) = (talk.attempts, talk.cached);
        let (answer, turns) = match talk.result {
            Ok(c) => {
                let score = score_completion(&work.cfg, &c.last.text, gold)
                    .after_tool_calls(c.tool_calls, &work.cfg);
                let answered = Answered {
                    completion: c.last,
                    score,
                };
                (Ok(answered), Some(c.turns))
            }
            Err(e) => (Err(e), None),
        };
        return Done {
            job,
            prompt,
            answer,
            latency_ms,
            attempts,
            cached,
            turns,
        };
    }
    let answer = work
        .policy
        .answer(&prompt, &ex.prompt, None, job.rollout, &work.retries)
        .await;
    let latency_ms = t0.elapsed().as_secs_f64() * 1e3;
    let result = answer.result.map(|completion| Answered {
        score: score_completion(&work.cfg, &completion.text, gold),
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
    }
}

/// Append `done`'s row to the results and record its outcome for the summary.
fn record(work: &Workload, done: Done, dir: &mut RunDir, ledger: &mut Ledger) -> Result<()> {
    let ex = &work.sample[done.job.index];
    let ok = done.answer.as_ref().ok();
    let error = done.answer.as_ref().err().map(ToString::to_string);
    let row = ResultRow {
        example_id: &ex.example_id,
        rollout: done.job.rollout,
        prompt: &done.prompt,
        completion: match (ok, &done.turns) {
            (None, _) => RowCompletion::None,
            (Some(_), Some(turns)) => RowCompletion::Messages(turns),
            (Some(a), None) => RowCompletion::Text(&a.completion.text),
        },
        answer: ex.answer.as_str(),
        info: &ex.info,
        reward: ok.map(|a| a.score.reward),
        metrics: ok.map(|a| &a.score.components),
        parsed: ok.map(|a| (&a.score).into()),
        finish_reason: ok.and_then(|a| a.completion.finish_reason.as_deref()),
        usage: ok.and_then(|a| a.completion.usage),
        latency_ms: done.latency_ms,
        attempts: done.attempts,
        cached: done.cached,
        error: error.as_deref(),
    };
    dir.append_unflushed(&row)?;
    let served = Served {
        usage: row.usage,
        attempts: done.attempts,
        cached: done.cached,
        truncated: row.finish_reason == Some(FINISH_LENGTH),
    };
    let result = match done.answer {
        Ok(a) => RowResult::Scored {
            score: a.score,
            gold: gold_of(ex.answer),
            info: &ex.info,
        },
        Err(_) => RowResult::Failed {
            example_id: &ex.example_id,
            error: error.unwrap_or_default(),
        },
    };
    ledger.record((done.job.index, done.job.rollout), result, served);
    Ok(())
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
        shared.policy.flush_cache();
    }
    Ok(stopped)
}
