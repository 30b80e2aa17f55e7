//! The candidates of a selection: every example of the runs, with what its rollouts did.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use netlogs_data::{user_message, Example, ExampleInfo, Label};
use netlogs_rubric::{audit_rubric, AnswerLabel, Outcome};
use netlogs_runlog::{
    for_each_row, info_key, Metadata, RowView, CAPTURE_KEYS, FAMILY_KEYS, RESULTS_FILE, SOURCE_KEYS,
};
use serde_json::Value;

use crate::error::SelectError;

/// What one scored rollout of an example did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RolloutView {
    pub reward: f64,
    pub label: Option<AnswerLabel>,
    /// The P(malicious) the answer states: its confidence for `Malicious`, one minus it for
    /// `Benign`; `None` for an abstention or an unreadable answer.
    pub belief: Option<f64>,
    /// How far the belief lies from the run rubric's abstain band (0 inside it, and for an
    /// abstention); `None` for an unreadable answer.
    pub band_distance: Option<f64>,
    pub correct: bool,
}

/// One example of the runs and its rollouts (error rows left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub example: Example,
    pub rollouts: Vec<RolloutView>,
}

impl Candidate {
    /// Population standard deviation of the rollouts' rewards.
    pub fn reward_std(&self) -> f64 {
        let n = self.rollouts.len() as f64;
        if n == 0.0 {
            return 0.0;
        }
        let mean = self.rollouts.iter().map(|r| r.reward).sum::<f64>() / n;
        let var = self
            .rollouts
            .iter()
            .map(|r| (r.reward - mean).powi(2))
            .sum::<f64>()
            / n;
        var.sqrt()
    }
}

/// Every example of a set of runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pool {
    /// In order of first appearance.
    pub candidates: Vec<Candidate>,
    pub runs: usize,
    /// Rows that failed before the model answered, left out.
    pub error_rows: usize,
    /// Runs whose rubric has no abstain band (`legacy`): their beliefs are measured from the
    /// decision boundary 0.5 instead.
    pub bandless_runs: usize,
}

/// The P(malicious) band in which the rubric makes abstaining the best answer; the decision
/// boundary when it has none.
fn band_of(meta: &Metadata) -> Option<[f64; 2]> {
    audit_rubric(meta.rubric(), None).abstain_band
}

fn distance(p: f64, [lo, hi]: [f64; 2]) -> f64 {
    if p < lo {
        lo - p
    } else if p > hi {
        p - hi
    } else {
        0.0
    }
}

fn rollout(row: &RowView, band: [f64; 2]) -> Option<RolloutView> {
    let reward = row.reward?;
    let parsed = row.parsed?;
    let label = parsed.label;
    let belief = match (label, parsed.confidence) {
        (Some(AnswerLabel::Malicious), Some(c)) => Some(c),
        (Some(AnswerLabel::Benign), Some(c)) => Some(1.0 - c),
        _ => None,
    };
    let band_distance = match label {
        Some(AnswerLabel::Abstain) => Some(0.0),
        _ => belief.map(|p| distance(p, band)),
    };
    Some(RolloutView {
        reward,
        label,
        belief,
        band_distance,
        correct: matches!(
            parsed.outcome,
            Outcome::TruePositive | Outcome::TrueNegative
        ),
    })
}

/// The example a row was run on: its user message, gold label and provenance.
fn example_of(row: &RowView, id: String) -> Result<Example, String> {
    let prompt = row
        .prompt
        .as_ref()
        .and_then(user_message)
        .ok_or("field `prompt` has no user message")?;
    let answer = row
        .answer
        .as_ref()
        .and_then(Value::as_str)
        .and_then(Label::parse)
        .ok_or("field `answer` is not Benign or Malicious")?;
    Ok(Example {
        example_id: id,
        prompt: prompt.to_string(),
        answer,
        info: info_of(row.info.as_ref()),
    })
}

/// A netlogs row's `info` reads as the example's info; a foreign row's keys are looked up by
/// their usual names.
fn info_of(info: Option<&Value>) -> ExampleInfo {
    if let Some(parsed) = info.and_then(|i| serde_json::from_value(i.clone()).ok()) {
        return parsed;
    }
    ExampleInfo {
        source: info_key(info, &SOURCE_KEYS).unwrap_or_else(|| "selected".into()),
        capture: info_key(info, &CAPTURE_KEYS),
        family: info_key(info, &FAMILY_KEYS),
        file: String::new(),
        split: info_key(info, &["split"]),
        conflict: false,
        ts: None,
        full_label: None,
    }
}

impl Pool {
    /// Read every run's rows (each a run directory with metadata.json and results.jsonl).
    pub fn read(runs: &[PathBuf]) -> Result<Pool, SelectError> {
        let mut pool = Pool::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        for dir in runs {
            pool.add_run(dir, &mut index)?;
        }
        if pool.candidates.is_empty() {
            return Err(SelectError::Unsupported(format!(
                "no scored rows in {}",
                runs.iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(pool)
    }

    fn add_run(
        &mut self,
        dir: &Path,
        index: &mut HashMap<String, usize>,
    ) -> Result<(), SelectError> {
        let meta = Metadata::read(dir)?;
        let band = band_of(&meta).unwrap_or_else(|| {
            self.bandless_runs += 1;
            [0.5, 0.5]
        });
        let results = dir.join(RESULTS_FILE);
        for_each_row(&results, |line, row: RowView| {
            let Some(view) = rollout(&row, band).filter(|_| row.error.is_none()) else {
                self.error_rows += 1;
                return Ok(());
            };
            let id = row.id(line);
            let at = match index.get(&id) {
                Some(&at) => at,
                None => {
                    let example = example_of(&row, id.clone()).map_err(|message| {
                        netlogs_runlog::RunLogError::content(&results, line, message)
                    })?;
                    self.candidates.push(Candidate {
                        example,
                        rollouts: Vec::new(),
                    });
                    index.insert(id, self.candidates.len() - 1);
                    self.candidates.len() - 1
                }
            };
            self.candidates[at].rollouts.push(view);
            Ok(())
        })?;
        self.runs += 1;
        Ok(())
    }

    /// The most rollouts any example has.
    pub fn max_rollouts(&self) -> usize {
        self.candidates
            .iter()
            .map(|c| c.rollouts.len())
            .max()
            .unwrap_or(0)
    }
}
