//! A run's ledger of row outcomes. It holds every row: rows finished in this session as they
//! are written, and, on `--resume`, the rows of earlier sessions read back from results.jsonl
//! and re-scored. A resumed run and an uninterrupted one thus summarise identically, and an
//! uninterrupted run never re-reads its results.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use netlogs_data::{ExampleInfo, Interner, Label};
use netlogs_rubric::{
    held_out, score_row, Completion, Gold, RowOutcome, RubricConfig, RunMetrics, Score, ScoredRow,
    Truth,
};
use netlogs_runlog::{
    for_each_line, parse_row, Row, RowInfo, RunLogError, Summary, TokenUsage, UsageSummary,
    SCHEMA_VERSION,
};

use crate::error::Result;
use crate::facts::flow_facts;
use crate::prices::PriceTable;

/// How an error row is named in the summary's error list.
pub fn error_id(example_id: &str, rollout: u32) -> String {
    format!("{example_id}#{rollout}")
}

fn gold_of_stored(answer: &str) -> std::result::Result<Gold, String> {
    Gold::from_label(answer).ok_or_else(|| format!("answer `{answer}` is not Benign or Malicious"))
}

/// A stored row's reward, read again from its stored conversation by the one reward function.
fn rescore(cfg: &RubricConfig, r: &Row) -> std::result::Result<Score, String> {
    let messages = r
        .completion
        .to_value()
        .map_err(|e| format!("field `completion`: {e}"))?;
    let completion = Completion::from_value(&messages).map_err(|e| e.to_string())?;
    let gold = gold_of_stored(&r.answer)?;
    let facts = match cfg.scores_grounding() {
        false => None,
        true => {
            let prompt: serde_json::Value =
                serde_json::from_str(r.prompt.get()).map_err(|e| format!("field `prompt`: {e}"))?;
            Some(flow_facts(&prompt)?)
        }
    };
    let truth = Truth {
        gold,
        flow: facts.as_ref(),
    };
    Ok(score_row(cfg, &completion, truth))
}

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

/// A row's breakdown keys: where its example came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowKeys<'a> {
    pub source: Option<&'a str>,
    pub capture: Option<&'a str>,
    pub family: Option<&'a str>,
    pub split: Option<&'a str>,
}

impl<'a> RowKeys<'a> {
    pub fn of_example(info: &'a ExampleInfo) -> RowKeys<'a> {
        RowKeys {
            source: Some(&info.source),
            capture: info.capture.as_deref(),
            family: info.family.as_deref(),
            split: info.split.as_deref(),
        }
    }

    pub fn of_row(info: &'a RowInfo<'a>) -> RowKeys<'a> {
        RowKeys {
            source: Some(&info.source),
            capture: info.capture.as_deref(),
            family: info.family.as_deref(),
            split: info.split.as_deref(),
        }
    }
}

/// What became of one rollout, as the summary needs it.
pub enum RowResult<'a> {
    Scored {
        score: Score,
        gold: Gold,
        keys: RowKeys<'a>,
    },
    /// No answer: the request failed for good (or a scored input carried an error). `id`
    /// names the row in the summary's error list.
    Failed { id: String, error: String },
}

/// How a row was served, for the usage block.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served {
    pub usage: Option<TokenUsage>,
    pub attempts: u32,
    pub cached: bool,
    /// The answer was cut at the token limit (`finish_reason: "length"`).
    pub truncated: bool,
}

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
            RowResult::Scored { score, gold, keys } => RowOutcome::Scored(ScoredRow {
                score,
                gold,
                source: keys.source.map(|k| self.keys.get(k)),
                capture: keys.capture.map(|k| self.keys.get(k)),
                family: keys.family.map(|k| self.keys.get(k)),
                held_out: keys.split.and_then(held_out),
            }),
            RowResult::Failed { id, error } => RowOutcome::Error { id, message: error },
        };
        self.outcomes.push((key, outcome));
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
        for_each_line(path, |line, text| {
            let bad = |m: String| RunLogError::content(path, line, m);
            let r: Row = parse_row(text).map_err(bad)?;
            r.check_version().map_err(bad)?;
            let Some(&index) = order.get(r.example_id.as_ref()) else {
                return Err(bad(format!(
                    "example {} is not in this run's sample",
                    r.example_id
                )));
            };
            if !ledger.stored.insert((index, r.rollout)) {
                return Err(bad(format!(
                    "example {} rollout {} appears twice",
                    r.example_id, r.rollout
                )));
            }
            let result = match &r.error {
                Some(e) => RowResult::Failed {
                    id: error_id(&r.example_id, r.rollout),
                    error: e.to_string(),
                },
                None => RowResult::Scored {
                    score: rescore(cfg, &r).map_err(bad)?,
                    gold: gold_of_stored(&r.answer).map_err(bad)?,
                    keys: RowKeys::of_row(&r.info),
                },
            };
            let served = Served {
                usage: r.usage,
                attempts: r.attempts,
                cached: r.cached,
                truncated: r.truncated(),
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
