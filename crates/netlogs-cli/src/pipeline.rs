//! Running a policy over (example, rollout) jobs: bounded concurrency, one writer that
//! appends each row as it completes, and an early stop when the first rows all fail alike.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use futures::StreamExt;
use netlogs_client::{BuiltinPolicy, ChatMessage, RemoteClient, RemoteCompletion, RequestError};
use netlogs_data::Example;
use netlogs_rubric::RubricConfig;

use crate::cache::ResponseCache;
use crate::progress::Progress;
use crate::rows::{parsed_summary, score_text, ResultRow};
use crate::run_dir::RunDir;

/// Where answers come from.
pub enum Policy {
    Builtin(BuiltinPolicy),
    Remote {
        client: Arc<RemoteClient>,
        cache: Option<ResponseCache>,
    },
}

/// One rollout to run.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub index: usize,
    pub rollout: u32,
}

/// The first rows that decide whether a run is hopeless.
const EARLY_ROWS: usize = 5;

struct Done {
    row: ResultRow,
    failure: Option<RequestError>,
}

async fn run_job(
    policy: &Policy,
    system: &str,
    ex: &Example,
    job: Job,
    cfg: &RubricConfig,
    retries: &AtomicU64,
) -> Done {
    let messages = vec![
        ChatMessage::system(system.to_string()),
        ChatMessage::user(ex.prompt.clone()),
    ];
    let t0 = Instant::now();
    let (answer, attempts, cached) = match policy {
        Policy::Builtin(p) => {
            let c = p.complete(&messages);
            (
                Ok(RemoteCompletion {
                    text: c.text,
                    finish_reason: c.finish_reason,
                    usage: None,
                }),
                1,
                false,
            )
        }
        Policy::Remote { client, cache } => {
            let body = client.request_body(&messages);
            let s = client.settings();
            let key = ResponseCache::key(&s.api_base, &s.model, &body, job.rollout);
            match cache.as_ref().and_then(|c| c.get(&key)) {
                Some(hit) => (Ok(hit), 0, true),
                None => {
                    let out = client
                        .complete(&body, |_| {
                            retries.fetch_add(1, Ordering::Relaxed);
                        })
                        .await;
                    if let (Ok(c), Some(cache)) = (&out.result, cache) {
                        cache.put(&key, c);
                    }
                    (out.result, out.attempts, false)
                }
            }
        }
    };
    let latency_ms = t0.elapsed().as_secs_f64() * 1e3;
    let mut row = ResultRow {
        example_id: ex.example_id.clone(),
        rollout: job.rollout,
        prompt: messages,
        completion: Vec::new(),
        answer: ex.answer.as_str().to_string(),
        info: ex.info.clone(),
        reward: None,
        metrics: None,
        parsed: None,
        finish_reason: None,
        usage: None,
        latency_ms,
        attempts,
        cached,
        error: None,
    };
    match answer {
        Ok(c) => {
            let score = score_text(cfg, &c.text, ex.answer);
            row.completion = vec![ChatMessage::assistant(c.text)];
            row.reward = Some(score.reward);
            row.metrics = Some(score.components);
            row.parsed = Some(parsed_summary(&score));
            row.finish_reason = c.finish_reason;
            row.usage = c.usage;
            Done { row, failure: None }
        }
        Err(e) => {
            row.error = Some(e.to_string());
            Done {
                row,
                failure: Some(e),
            }
        }
    }
}

/// What every job of a run shares.
pub struct Workload<'a> {
    pub policy: &'a Policy,
    pub system: &'a str,
    pub sample: &'a [Example],
    pub cfg: &'a RubricConfig,
}

/// Run `jobs`, appending each finished row to `dir`. Returns the shared error of the first rows
/// when they all failed alike (the run stops early), else `None`.
pub async fn run_jobs(
    work: &Workload<'_>,
    jobs: Vec<Job>,
    concurrency: usize,
    dir: &mut RunDir,
    progress: &mut Progress,
) -> Result<Option<RequestError>> {
    let Workload {
        policy,
        system,
        sample,
        cfg,
    } = *work;
    let early = EARLY_ROWS.min(jobs.len());
    let retries = progress.retries.clone();
    let mut stream = futures::stream::iter(jobs)
        .map(|job| run_job(policy, system, &sample[job.index], job, cfg, &retries))
        .buffer_unordered(concurrency.max(1));
    let mut first_failures: Vec<Option<RequestError>> = Vec::with_capacity(early);
    while let Some(done) = stream.next().await {
        dir.append(&done.row)?;
        progress.row(done.row.reward);
        if first_failures.len() < early {
            first_failures.push(done.failure);
            if first_failures.len() == early {
                if let Some(Some(first)) = first_failures.first() {
                    if first_failures.iter().all(|f| f.as_ref() == Some(first)) {
                        return Ok(Some(first.clone()));
                    }
                }
            }
        }
    }
    Ok(None)
}
