//! A run's summary. The [`Ledger`] holds every row's outcome: rows finished in this session as
//! they are written, and, on `--resume`, the rows of earlier sessions read back from
//! results.jsonl and re-scored. A resumed run and an uninterrupted one thus summarise
//! identically, and an uninterrupted run never re-reads its results.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{bail, Result};
use netlogs_client::Usage;
use netlogs_data::ExampleInfo;
use netlogs_rubric::{Gold, RowOutcome, RubricConfig, RunMetrics, Score};
use serde::Serialize;

use crate::prices::PriceTable;
use crate::report::render_markdown;
use crate::rows::{gold_of_str, scored, KeyInterner, RowView};
use crate::run_dir::{for_each_row, RunDir};

/// Token use and its cost.
#[derive(Debug, Clone, Serialize)]
pub struct UsageSummary {
    pub rows: usize,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub tokens_per_example: Option<f64>,
    pub cost_usd: Option<f64>,
    pub cost_per_example_usd: Option<f64>,
    pub price_table_as_of: String,
    pub cached_rows: usize,
    pub http_attempts: u64,
    pub retries: u64,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub metrics: RunMetrics,
    pub usage: UsageSummary,
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
}

impl UsageTally {
    fn add(&mut self, usage: Option<Usage>, attempts: u32, cached: bool) {
        self.rows += 1;
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
    keys: KeyInterner,
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
}

impl Ledger {
    /// Whether an earlier session already stored this rollout.
    pub fn is_stored(&self, index: usize, rollout: u32) -> bool {
        self.stored.contains(&(index, rollout))
    }

    /// Record a row just written (each (index, rollout) once).
    pub fn record(
        &mut self,
        key: (usize, u32),
        result: RowResult,
        usage: Option<Usage>,
        attempts: u32,
        cached: bool,
    ) {
        self.tally.add(usage, attempts, cached);
        let outcome = match result {
            RowResult::Scored { score, gold, info } => scored(score, gold, info, &mut self.keys),
            RowResult::Failed { example_id, error } => RowOutcome::Error {
                id: format!("{example_id}#{}", key.1),
                message: error,
            },
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
        for_each_row(path, |line, r: RowView| {
            let Some(&index) = order.get(r.example_id.as_str()) else {
                bail!(
                    "{}:{line}: example {} is not in this run's sample",
                    path.display(),
                    r.example_id
                );
            };
            if !ledger.stored.insert((index, r.rollout)) {
                bail!(
                    "{}:{line}: example {} rollout {} appears twice",
                    path.display(),
                    r.example_id,
                    r.rollout
                );
            }
            let result = match &r.error {
                Some(e) => RowResult::Failed {
                    example_id: &r.example_id,
                    error: e.clone(),
                },
                None => {
                    let text = r
                        .completion
                        .last()
                        .map(|m| m.content.as_str())
                        .unwrap_or("");
                    let gold = gold_of_str(&r.answer)?;
                    RowResult::Scored {
                        score: netlogs_rubric::score_completion(cfg, text, gold),
                        gold,
                        info: &r.info,
                    }
                }
            };
            ledger.record((index, r.rollout), result, r.usage, r.attempts, r.cached);
            Ok(())
        })?;
        Ok(ledger)
    }
}

/// What a summary is computed with.
pub struct SummarySpec<'a> {
    pub cfg: &'a RubricConfig,
    /// Seeds the bootstrap.
    pub seed: u64,
    pub model: &'a str,
    pub prices: &'a PriceTable,
}

/// Summarise the ledger's rows, then write summary.json and report.md.
pub fn finalize(
    dir: &RunDir,
    ledger: Ledger,
    spec: &SummarySpec,
    title: &str,
    facts: &[(&str, String)],
) -> Result<Summary> {
    let SummarySpec {
        cfg,
        seed,
        model,
        prices,
    } = *spec;
    let mut keyed = ledger.outcomes;
    keyed.sort_unstable_by_key(|(k, _)| *k);
    let outcomes: Vec<RowOutcome> = keyed.into_iter().map(|(_, o)| o).collect();
    let summary = Summary {
        metrics: RunMetrics::compute(&outcomes, cfg, seed),
        usage: ledger.tally.summary(model, prices),
    };
    dir.write_json("summary.json", &summary)?;
    let mut facts: Vec<(&str, String)> = facts.to_vec();
    let u = &summary.usage;
    facts.push((
        "Usage",
        format!(
            "{} prompt + {} completion tokens; cost {} (prices as of {}); {} cached rows; {} retries",
            u.prompt_tokens,
            u.completion_tokens,
            u.cost_usd.map_or_else(|| "n/a".to_string(), |c| format!("${c:.4}")),
            u.price_table_as_of,
            u.cached_rows,
            u.retries
        ),
    ));
    dir.write_text(
        "report.md",
        &render_markdown(title, &facts, &summary.metrics, cfg),
    )?;
    Ok(summary)
}
