//! `bench.json`: one model's results on a benchmark suite, written by `netlogs bench` and read
//! by `cargo xtask bench-table`.

use std::path::Path;

use netlogs_rubric::Interval;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dir::write_atomic;
use crate::error::{Result, RunLogError};
use crate::versioned::{read_versioned, Versioned};

pub const BENCH_FILE: &str = "bench.json";

/// One model on every task of one suite version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub schema_version: u32,
    /// The suite's version, e.g. `netlogs-bench-1`: results of different versions never share
    /// a table.
    pub suite: String,
    pub model: String,
    /// Tasks in the suite's order.
    pub tasks: Vec<TaskResult>,
    /// Mean of the tasks' skill (a folds task counts once, with its folds' mean).
    pub mean_skill: Option<f64>,
}

/// One task's figures for the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub task: String,
    /// The run directory, relative to bench.json (none for a folds task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    pub n: usize,
    pub mean_reward: Option<f64>,
    pub accuracy: Option<f64>,
    pub accuracy_ci95: Option<Interval>,
    pub tpr: Option<f64>,
    pub fpr: Option<f64>,
    /// `always-Abstain`, `always-Benign@0.75`, …
    pub best_constant: Option<String>,
    pub skill: Option<f64>,
    pub skill_ci95: Option<Interval>,
    /// Leave-one-capture-out tasks: one entry per fold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<Folds>,
}

/// A leave-one-capture-out task: the fold figures and their spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Folds {
    pub folds: Vec<Fold>,
    pub mean_skill: Option<f64>,
    /// Population standard deviation of the folds' skill.
    pub sd_skill: Option<f64>,
    /// The fold with the lowest skill.
    pub worst: Option<Fold>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    /// The capture (or host session) held out.
    pub capture: String,
    pub run: String,
    pub n: usize,
    pub accuracy: Option<f64>,
    pub skill: Option<f64>,
}

impl Folds {
    /// Mean, spread and worst of the folds' skill (folds without skill are left out).
    pub fn new(folds: Vec<Fold>) -> Folds {
        let skills: Vec<f64> = folds.iter().filter_map(|f| f.skill).collect();
        let n = skills.len() as f64;
        let mean_skill = (!skills.is_empty()).then(|| skills.iter().sum::<f64>() / n);
        let sd_skill =
            mean_skill.map(|m| (skills.iter().map(|s| (s - m) * (s - m)).sum::<f64>() / n).sqrt());
        let worst = folds
            .iter()
            .filter(|f| f.skill.is_some())
            .min_by(|a, b| a.skill.unwrap_or(0.0).total_cmp(&b.skill.unwrap_or(0.0)))
            .cloned();
        Folds {
            folds,
            mean_skill,
            sd_skill,
            worst,
        }
    }
}

impl BenchResult {
    pub const VERSION: u32 = 1;

    pub fn new(suite: String, model: String, tasks: Vec<TaskResult>) -> BenchResult {
        let skills: Vec<f64> = tasks.iter().filter_map(|t| t.skill).collect();
        let mean_skill =
            (!skills.is_empty()).then(|| skills.iter().sum::<f64>() / skills.len() as f64);
        BenchResult {
            schema_version: Self::VERSION,
            suite,
            model,
            tasks,
            mean_skill,
        }
    }

    pub fn read(path: &Path) -> Result<BenchResult> {
        read_versioned(path)
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| RunLogError::content(path, 0, e.to_string()))?;
        text.push('\n');
        write_atomic(path, &text)
    }
}

impl Versioned for BenchResult {
    fn migrate(_version: u64, value: Value) -> std::result::Result<Value, String> {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(capture: &str, skill: Option<f64>) -> Fold {
        Fold {
            capture: capture.into(),
            run: format!("folds/{capture}"),
            n: 10,
            accuracy: None,
            skill,
        }
    }

    #[test]
    fn folds_mean_spread_and_worst() {
        let f = Folds::new(vec![
            fold("a", Some(0.5)),
            fold("b", Some(-0.1)),
            fold("c", None),
            fold("d", Some(0.8)),
        ]);
        assert!((f.mean_skill.expect("mean") - 0.4).abs() < 1e-12);
        assert_eq!(f.worst.expect("worst").capture, "b");
        let sd = f.sd_skill.expect("sd");
        let want = ((0.01 + 0.25 + 0.16) / 3.0f64).sqrt();
        assert!((sd - want).abs() < 1e-12, "{sd}");
        assert!(Folds::new(vec![]).mean_skill.is_none());
    }

    #[test]
    fn round_trips_and_refuses_a_newer_version() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(BENCH_FILE);
        let b = BenchResult::new("netlogs-bench-1".into(), "m".into(), vec![]);
        b.write(&path).expect("write");
        assert_eq!(BenchResult::read(&path).expect("read"), b);
        std::fs::write(&path, r#"{"schema_version": 99}"#).expect("write");
        let e = BenchResult::read(&path).expect_err("newer").to_string();
        assert!(e.contains("bench.json") && e.contains("newer"), "{e}");
    }
}
