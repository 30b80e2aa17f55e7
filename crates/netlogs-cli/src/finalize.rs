//! Summaries are always recomputed from results.jsonl, by re-scoring every stored completion,
//! so a resumed run and an uninterrupted one summarise identically.

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Result};
use netlogs_rubric::{RowOutcome, RubricConfig, RunMetrics};
use serde::Serialize;

use crate::prices::PriceTable;
use crate::report::render_markdown;
use crate::rows::{gold_of_str, scored, RowView};
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
    fn add(&mut self, r: &RowView) {
        self.rows += 1;
        if let Some(u) = r.usage {
            self.prompt += u.prompt_tokens;
            self.completion += u.completion_tokens;
            self.any_usage = true;
        }
        self.cached += usize::from(r.cached);
        self.attempts += u64::from(r.attempts);
        self.requested += u64::from(r.attempts > 0);
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

/// What a summary is computed with.
pub struct SummarySpec<'a> {
    pub cfg: &'a RubricConfig,
    /// Seeds the bootstrap.
    pub seed: u64,
    pub model: &'a str,
    /// Each example's position in the sample, so metrics (and their seeded bootstrap) see one
    /// canonical row order whatever order rows finished in.
    pub order: &'a HashMap<String, usize>,
    pub prices: &'a PriceTable,
}

/// Re-score `dir`'s rows, then write summary.json and report.md.
pub fn finalize(
    dir: &RunDir,
    spec: &SummarySpec,
    title: &str,
    facts: &[(&str, String)],
) -> Result<Summary> {
    let SummarySpec {
        cfg,
        seed,
        model,
        order,
        prices,
    } = *spec;
    let path = dir.results_path();
    let mut seen = HashSet::new();
    let mut tally = UsageTally::default();
    let mut keyed: Vec<((usize, u32), RowOutcome)> = Vec::new();
    for_each_row(&path, |line, r: RowView| {
        let Some(&index) = order.get(&r.example_id) else {
            bail!(
                "{}:{line}: example {} is not in this run's sample",
                path.display(),
                r.example_id
            );
        };
        if !seen.insert((index, r.rollout)) {
            bail!(
                "{}:{line}: example {} rollout {} appears twice",
                path.display(),
                r.example_id,
                r.rollout
            );
        }
        tally.add(&r);
        let outcome = match &r.error {
            Some(e) => RowOutcome::Error {
                id: format!("{}#{}", r.example_id, r.rollout),
                message: e.clone(),
            },
            None => {
                let text = r
                    .completion
                    .last()
                    .map(|m| m.content.as_str())
                    .unwrap_or("");
                let gold = gold_of_str(&r.answer)?;
                scored(
                    netlogs_rubric::score_completion(cfg, text, gold),
                    gold,
                    &r.info,
                )
            }
        };
        keyed.push(((index, r.rollout), outcome));
        Ok(())
    })?;
    keyed.sort_by_key(|(k, _)| *k);
    let outcomes: Vec<RowOutcome> = keyed.into_iter().map(|(_, o)| o).collect();
    let summary = Summary {
        metrics: RunMetrics::compute(&outcomes, cfg, seed),
        usage: tally.summary(model, prices),
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
