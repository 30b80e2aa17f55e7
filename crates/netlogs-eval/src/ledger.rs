//! A run's ledger of row outcomes. It holds every row: rows finished in this session as they
//! are written, and, on `--resume`, the rows of earlier sessions read back from results.jsonl
//! and re-scored. A resumed run and an uninterrupted one thus summarise identically, and an
//! uninterrupted run never re-reads its results.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use netlogs_client::Usage;
use netlogs_data::{held_out, ExampleInfo, Interner, Label};
use netlogs_rubric::{
    score_completion, Gold, RowOutcome, RubricConfig, RunMetrics, Score, ScoredRow,
};

use crate::error::{EvalError, Result};
use crate::prices::PriceTable;
use crate::run_log::{
    for_each_row, tool_calls_in, StoredRow, Summary, UsageSummary, SCHEMA_VERSION,
};

pub fn gold_of(label: Label) -> Gold {
    match label {
        Label::Benign => Gold::Benign,
        Label::Malicious => Gold::Malicious,
    }
}

/// Token and request counts, summed while rows stream past.
#[derive(Default)]
struct UsageTally {
    rows: usize,
    prompt: u64,
    completion: u64,
    any_usage: bool,
    cached: usize,
    attempts: u64,
    requested: u64,
    truncated: usize,
}

impl UsageTally {
    fn add(&mut self, served: Served) {
        let Served {
            usage,
            attempts,
            cached,
            truncated,
        } = served;
        self.rows += 1;
        self.truncated += usize::from(truncated);
        if let Some(u) = usage {
            self.prompt += u.prompt_tokens;
            self.completion += u.completion_tokens;
            self.any_usage = true;
        }
        self.cached += usize::from(cached);
        self.attempts += u64::from(attempts);
        self.requested += u64::from(attempts > 0);
    }

    fn summary(&self, model: &str, prices: &PriceTable) -> UsageSummary {
        let n = self.rows;
        let cost = prices
            .price(model)
            .filter(|_| self.any_usage)
            .map(|p| (self.prompt as f64 * p.input + self.completion as f64 * p.output) / 1e6);
        UsageSummary {
            rows: n,
            prompt_tokens: self.prompt,
            completion_tokens: self.completion,
            total_tokens: self.prompt + self.completion,
            tokens_per_example: (n > 0 && self.any_usage)
                .then(|| (self.prompt + self.completion) as f64 / n as f64),
            cost_usd: cost,
            cost_per_example_usd: cost.filter(|_| n > 0).map(|c| c / n as f64),
            price_table_as_of: prices.as_of.clone(),
            cached_rows: self.cached,
            http_attempts: self.attempts,
            retries: self.attempts.saturating_sub(self.requested),
        }
    }
}

/// Every row of a run, keyed by (sample index, rollout): metrics (and their seeded bootstrap)
/// see one canonical row order whatever order rows finished in.
#[derive(Default)]
pub struct Ledger {
    outcomes: Vec<((usize, u32), RowOutcome)>,
    /// The rows read back from an interrupted run.
    stored: HashSet<(usize, u32)>,
    /// Breakdown keys (source, capture, family), shared across rows.
    keys: Interner,
    tally: UsageTally,
}

/// What became of one rollout, as the summary needs it.
pub enum RowResult<'a> {
    Scored {
        score: Score,
        gold: Gold,
        info: &'a ExampleInfo,
    },
    /// No answer: the request failed for good.
    Failed { example_id: &'a str, error: String },
    /// An input row of `netlogs score` that carried an error instead of a completion.
    FailedInput { id: String, error: String },
}

/// How a row was served, for the usage block.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served {
    pub usage: Option<Usage>,
    pub attempts: u32,
    pub cached: bool,
    /// The answer was cut at the token limit (`finish_reason: "length"`).
    pub truncated: bool,
}

/// The finish reason of an answer cut at the token limit.
pub const FINISH_LENGTH: &str = "length";

impl Ledger {
    /// Whether an earlier session already stored this rollout.
    pub fn is_stored(&self, index: usize, rollout: u32) -> bool {
        self.stored.contains(&(index, rollout))
    }

    /// Rows recorded so far.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// Record a row just written (each (index, rollout) once).
    pub fn record(&mut self, key: (usize, u32), result: RowResult, served: Served) {
        self.tally.add(served);
        let outcome = match result {
            RowResult::Scored { score, gold, info } => RowOutcome::Scored(ScoredRow {
                score,
                gold,
                source: Some(self.keys.get(&info.source)),
                capture: info.capture.as_deref().map(|c| self.keys.get(c)),
                family: info.family.as_deref().map(|f| self.keys.get(f)),
                held_out: info.split.as_deref().and_then(held_out),
            }),
            RowResult::Failed { example_id, error } => RowOutcome::Error {
                id: format!("{example_id}#{}", key.1),
                message: error,
            },
            RowResult::FailedInput { id, error } => RowOutcome::Error { id, message: error },
        };
        self.outcomes.push((key, outcome));
    }

    /// Record a scored row whose breakdown keys come from outside a netlogs sample (the
    /// `info` of a foreign results file).
    pub fn record_foreign(&mut self, key: (usize, u32), row: ScoredRow) {
        self.tally.add(Served::default());
        let intern = |k: Option<Arc<str>>, keys: &mut Interner| k.map(|k| keys.get(&k));
        let row = ScoredRow {
            source: intern(row.source, &mut self.keys),
            capture: intern(row.capture, &mut self.keys),
            family: intern(row.family, &mut self.keys),
            ..row
        };
        self.outcomes.push((key, RowOutcome::Scored(row)));
    }

    /// Read back the rows an interrupted run stored at `path`, re-scoring every completion.
    /// `order` gives each example's index in the sample; a row outside the sample, or a
    /// repeated one, is an error naming its line.
    pub fn read_stored(
        path: &Path,
        order: &HashMap<&str, usize>,
        cfg: &RubricConfig,
    ) -> Result<Ledger> {
        let mut ledger = Ledger::default();
        for_each_row(path, |line, r: StoredRow| {
            let Some(&index) = order.get(r.example_id.as_str()) else {
                return Err(EvalError::content(
                    path,
                    line,
                    format!("example {} is not in this run's sample", r.example_id),
                ));
            };
            if !ledger.stored.insert((index, r.rollout)) {
                return Err(EvalError::content(
                    path,
                    line,
                    format!(
                        "example {} rollout {} appears twice",
                        r.example_id, r.rollout
                    ),
                ));
            }
            let result = match &r.error {
                Some(e) => RowResult::Failed {
                    example_id: &r.example_id,
                    error: e.clone(),
                },
                None => {
                    let text = r.completion.last().map_or("", |m| m.content.as_str());
                    let gold = Gold::from_value(&serde_json::Value::String(r.answer.clone()))
                        .map_err(|e| EvalError::content(path, line, e.to_string()))?;
                    RowResult::Scored {
                        score: score_completion(cfg, text, gold)
                            .after_tool_calls(tool_calls_in(&r.completion), cfg),
                        gold,
                        info: &r.info,
                    }
                }
            };
            let served = Served {
                usage: r.usage,
                attempts: r.attempts,
                cached: r.cached,
                truncated: r.finish_reason.as_deref() == Some(FINISH_LENGTH),
            };
            ledger.record((index, r.rollout), result, served);
            Ok(())
        })?;
        Ok(ledger)
    }

    /// Every metric over the rows in canonical order, and the usage block.
    pub fn summarise(
        self,
        cfg: &RubricConfig,
        seed: u64,
        model: &str,
        prices: &PriceTable,
    ) -> Summary {
        let mut keyed = self.outcomes;
        keyed.sort_unstable_by_key(|(k, _)| *k);
        let outcomes: Vec<RowOutcome> = keyed.into_iter().map(|(_, o)| o).collect();
        Summary {
            schema_version: SCHEMA_VERSION,
            metrics: RunMetrics::compute(&outcomes, cfg, seed),
            truncated: self.tally.truncated,
            usage: self.tally.summary(model, prices),
        }
    }
}
