//! The command-line flags the netlogs binaries share: `netlogs` and `netlogs-serve` both take
//! the rubric's flags, so they live here once. A binary's edge: errors are `anyhow`.

use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result};
use clap::Args;
use netlogs_rubric::{Preset, RubricConfig, RubricOverrides, Weights};
use strum::VariantNames;

/// Parse a typed setting. The allowed values come from the enum itself; a deprecated alias
/// (any accepted spelling other than the canonical name) parses, with a one-line note.
pub fn enum_arg<T: FromStr + Display + VariantNames>(s: &str) -> Result<T, String> {
    let value = s
        .parse::<T>()
        .map_err(|_| format!("must be one of {}", T::VARIANTS.join(", ")))?;
    let canonical = value.to_string();
    if canonical != s {
        eprintln!("note: `{s}` is a deprecated name for `{canonical}`; it still works");
    }
    Ok(value)
}

/// Rubric selection shared by every command that scores.
#[derive(Debug, Args)]
pub struct RubricArgs {
    /// Rubric preset: proper (default; formerly `seed`), legacy, or grounded (proper plus
    /// cited evidence, see docs/METRICS.md).
    #[arg(long, value_parser = enum_arg::<Preset>)]
    pub preset: Option<Preset>,
    /// Rubric TOML file (preset, weights, costs).
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    /// Cost of a missed attack.
    #[arg(long)]
    pub fn_cost: Option<f64>,
    /// Cost of a false alarm.
    #[arg(long)]
    pub fp_cost: Option<f64>,
    /// Cost of abstaining.
    #[arg(long)]
    pub abstain_cost: Option<f64>,
    /// Accuracy credit for abstaining.
    #[arg(long)]
    pub abstain_credit: Option<f64>,
    /// Reward taken off per tool call (`--mode lookup`).
    #[arg(long)]
    pub tool_cost: Option<f64>,
    /// Weights `accuracy,format,calibration,cost[,grounding]`.
    #[arg(long)]
    pub weights: Option<String>,
    /// Confidence from which a Malicious answer must cite evidence (grounded rubric).
    #[arg(long)]
    pub grounding_threshold: Option<f64>,
    /// Citations counted at most; more count as unmatched (grounded rubric).
    #[arg(long)]
    pub grounding_max_cited: Option<u32>,
}

impl RubricArgs {
    /// The flags as overrides, to lay over a rubric file.
    pub fn overrides(&self) -> Result<RubricOverrides> {
        Ok(RubricOverrides {
            preset: self.preset,
            weights: self
                .weights
                .as_deref()
                .map(Weights::parse_list)
                .transpose()?,
            fn_cost: self.fn_cost,
            fp_cost: self.fp_cost,
            abstain_cost: self.abstain_cost,
            abstain_credit: self.abstain_credit,
            tool_cost: self.tool_cost,
            grounding_threshold: self.grounding_threshold,
            grounding_max_cited: self.grounding_max_cited,
        })
    }

    /// The preset's defaults, then the rubric file, then the flags.
    pub fn config(&self) -> Result<RubricConfig> {
        let file = match &self.rubric {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read rubric file {}", path.display()))?;
                RubricOverrides::from_toml(&text)
                    .with_context(|| format!("in rubric file {}", path.display()))?
            }
            None => RubricOverrides::default(),
        };
        let cfg = file.then(self.overrides()?).resolve();
        match (&self.rubric, cfg) {
            (Some(path), Err(e)) => {
                Err(e).with_context(|| format!("in rubric file {}", path.display()))
            }
            (_, cfg) => Ok(cfg?),
        }
    }
}
