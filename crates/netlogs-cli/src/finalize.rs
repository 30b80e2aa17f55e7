//! Summaries are always recomputed from results.jsonl, by re-scoring every stored completion,
//! so a resumed run and an uninterrupted one summarise identically.

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Result};
use netlogs_rubric::{RowOutcome, RubricConfig, RunMetrics};
use serde::Serialize;

use crate::prices::PriceTable;
use crate::report::render_markdown;
use crate::rows::{gold_of_str, scored, ResultRow};
use crate::run_dir::{read_rows, RunDir};

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

fn usage(rows: &[ResultRow], model: &str, prices: &PriceTable) -> UsageSummary {
    let prompt: u64 = rows
        .iter()
        .filter_map(|r| r.usage)
        .map(|u| u.prompt_tokens)
        .sum();
    let completion: u64 = rows
        .iter()
        .filter_map(|r| r.usage)
        .map(|u| u.completion_tokens)
        .sum();
    let n = rows.len();
    let any_usage = rows.iter().any(|r| r.usage.is_some());
    let cost = prices
        .price(model)
        .filter(|_| any_usage)
        .map(|p| (prompt as f64 * p.input + completion as f64 * p.output) / 1e6);
    let attempts: u64 = rows.iter().map(|r| u64::from(r.attempts)).sum();
    let requested = rows.iter().filter(|r| r.attempts > 0).count() as u64;
    UsageSummary {
        rows: n,
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        tokens_per_example: (n > 0 && any_usage).then(|| (prompt + completion) as f64 / n as f64),
        cost_usd: cost,
        cost_per_example_usd: cost.filter(|_| n > 0).map(|c| c / n as f64),
        price_table_as_of: prices.as_of.clone(),
        cached_rows: rows.iter().filter(|r| r.cached).count(),
        http_attempts: attempts,
        retries: attempts.saturating_sub(requested),
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
    let mut rows: Vec<ResultRow> = read_rows(&dir.results_path())?;
    let mut seen = HashSet::new();
    for r in &rows {
        if !seen.insert((r.example_id.as_str(), r.rollout)) {
            bail!(
                "{} holds example {} rollout {} twice",
                dir.results_path().display(),
                r.example_id,
                r.rollout
            );
        }
    }
    rows.sort_by_key(|r| {
        (
            order.get(&r.example_id).copied().unwrap_or(usize::MAX),
            r.rollout,
        )
    });
    let mut outcomes = Vec::with_capacity(rows.len());
    for r in &rows {
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
                let score = netlogs_rubric::score_completion(cfg, text, gold);
                scored(score, gold, &r.info)
            }
        };
        outcomes.push(outcome);
    }
    let summary = Summary {
        metrics: RunMetrics::compute(&outcomes, cfg, seed),
        usage: usage(&rows, model, prices),
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
