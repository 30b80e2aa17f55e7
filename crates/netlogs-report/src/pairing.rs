//! Comparing runs row by row (`netlogs compare`): rows pair by (example_id, rollout); each
//! metric's difference gets a paired bootstrap interval, accuracy gets McNemar's test, and
//! the report lists per-capture and per-family deltas and the examples whose outcome flipped.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use netlogs_rubric::{
    mcnemar, paired_delta, ConstantTable, Gold, McNemar, Outcome, PairedDelta, RubricConfig,
};
use serde::Serialize;

use netlogs_runlog::{for_each_row, Metadata, RowView, RunLogError, RunStatus, RESULTS_FILE};

use crate::error::ReportError;

type Result<T> = std::result::Result<T, ReportError>;

/// A run as the comparison names it.
#[derive(Debug, Clone, Serialize)]
pub struct RunName {
    pub dir: PathBuf,
    pub model: String,
    pub dataset: String,
    pub rows: usize,
    /// How the run ended (a comparison with an unfinished run says so).
    pub status: RunStatus,
}

/// Accuracy of A and B over one group's paired rows.
#[derive(Debug, Clone, Serialize)]
pub struct GroupDelta {
    pub key: String,
    pub n: usize,
    pub accuracy_a: f64,
    pub accuracy_b: f64,
}

/// One example whose correctness differs between the runs.
#[derive(Debug, Clone, Serialize)]
pub struct Flip {
    pub example_id: String,
    pub rollout: u32,
    pub capture: Option<String>,
    pub family: Option<String>,
    pub outcome_a: Outcome,
    pub outcome_b: Outcome,
}

/// B against A.
#[derive(Debug, Clone, Serialize)]
pub struct RunComparison {
    pub a: RunName,
    pub b: RunName,
    /// Rows scored in both runs (rows with an error on either side are left out).
    pub pairs: usize,
    pub errors_skipped: usize,
    /// reward, skill (over the best constant for the pairs' gold mix, under A's rubric, when
    /// every row's gold is known), accuracy (correct = 1), format, calibration, cost.
    pub metrics: Vec<(String, PairedDelta)>,
    pub mcnemar: McNemar,
    pub by_capture: Vec<GroupDelta>,
    pub by_family: Vec<GroupDelta>,
    /// Right in A, wrong in B.
    pub now_wrong: Vec<Flip>,
    /// Wrong in A, right in B.
    pub now_right: Vec<Flip>,
}

/// A scored row, reduced to what comparisons use.
struct Scored {
    values: [f64; 5],
    /// The gold label, when the row's `answer` reads as one (skill needs the mix).
    gold: Option<Gold>,
    correct: bool,
    outcome: Outcome,
    capture: Option<String>,
    family: Option<String>,
}

type Rows = HashMap<(String, u32), Option<Scored>>;

fn read_rows(dir: &Path) -> Result<(RunName, Rows, RubricConfig)> {
    let meta = Metadata::read(dir)?;
    let path = dir.join(RESULTS_FILE);
    let rubric = *meta.rubric();
    let mut rows = HashMap::new();
    for_each_row(&path, |line, r: RowView| {
        let id = r.id(line);
        let scored = match (&r.error, r.reward, r.metrics, r.parsed) {
            (None, Some(reward), Some(m), Some(p)) => Some(Scored {
                values: [reward, 0.0, m.format, m.calibration, m.cost],
                gold: r.answer.as_ref().and_then(|a| Gold::from_value(a).ok()),
                correct: matches!(p.outcome, Outcome::TruePositive | Outcome::TrueNegative),
                outcome: p.outcome,
                capture: r.capture(),
                family: r.family(),
            }),
            _ => None,
        };
        if rows.insert((id.clone(), r.rollout), scored).is_some() {
            return Err(RunLogError::content(
                &path,
                line,
                format!("example {id} rollout {} appears twice", r.rollout),
            ));
        }
        Ok(())
    })?;
    let name = RunName {
        dir: dir.to_path_buf(),
        model: meta.model,
        dataset: meta.dataset.name,
        rows: rows.len(),
        status: meta.status,
    };
    Ok((name, rows, rubric))
}

/// The reward delta read as skill: both runs over the same rows share the mix, so the same
/// floor and ceiling, and skill's difference is the reward's divided by their span. `None`
/// when a row's gold is unknown or the span is empty.
fn skill_delta(
    pairs: &[(&Scored, &Scored)],
    reward: &PairedDelta,
    cfg: &RubricConfig,
) -> Option<PairedDelta> {
    let golds: Option<Vec<Gold>> = pairs.iter().map(|p| p.0.gold).collect();
    let golds = golds?;
    if golds.is_empty() {
        return None;
    }
    let share = golds.iter().filter(|g| **g == Gold::Malicious).count() as f64 / golds.len() as f64;
    let table = ConstantTable::new(cfg);
    let floor = table.best(share).mean_reward;
    let span = table.perfect(share) - floor;
    (span > 1e-12).then(|| PairedDelta {
        mean_a: (reward.mean_a - floor) / span,
        mean_b: (reward.mean_b - floor) / span,
        delta: reward.delta / span,
        ci95: reward.ci95.map(|i| i.scaled(1.0 / span)),
    })
}

fn group_deltas(pairs: &[(&Scored, &Scored)], key: fn(&Scored) -> Option<&str>) -> Vec<GroupDelta> {
    let mut groups: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for (a, b) in pairs {
        let g = groups.entry(key(a).unwrap_or("-").to_string()).or_default();
        g.0 += 1;
        g.1 += usize::from(a.correct);
        g.2 += usize::from(b.correct);
    }
    groups
        .into_iter()
        .map(|(key, (n, ra, rb))| GroupDelta {
            key,
            n,
            accuracy_a: ra as f64 / n as f64,
            accuracy_b: rb as f64 / n as f64,
        })
        .collect()
}

const METRIC_NAMES: [&str; 5] = ["reward", "accuracy", "format", "calibration", "cost"];

/// Compare run B with run A. The runs must hold the same (example_id, rollout) rows; if they
/// do not, the error says how many paired.
pub fn compare_runs(a_dir: &Path, b_dir: &Path, seed: u64) -> Result<RunComparison> {
    let (a, rows_a, rubric) = read_rows(a_dir)?;
    let (b, rows_b, _) = read_rows(b_dir)?;
    let matched = rows_a.keys().filter(|k| rows_b.contains_key(*k)).count();
    if matched != rows_a.len() || matched != rows_b.len() {
        return Err(ReportError::NotPaired(format!(
            "the runs do not pair: {matched} of {} rows in {} and {} rows in {} share an (example_id, rollout); compare runs made on the same data with the same --seed, -n and -r",
            rows_a.len(),
            a_dir.display(),
            rows_b.len(),
            b_dir.display()
        )));
    }
    let mut keys: Vec<&(String, u32)> = rows_a.keys().collect();
    keys.sort();
    let mut pairs = Vec::with_capacity(keys.len());
    let mut flips = Vec::new();
    for k in &keys {
        if let (Some(Some(x)), Some(Some(y))) = (rows_a.get(*k), rows_b.get(*k)) {
            pairs.push((x, y));
            if x.correct != y.correct {
                flips.push(Flip {
                    example_id: k.0.clone(),
                    rollout: k.1,
                    capture: x.capture.clone(),
                    family: x.family.clone(),
                    outcome_a: x.outcome,
                    outcome_b: y.outcome,
                });
            }
        }
    }
    let column = |side: usize, i: usize| -> Vec<f64> {
        pairs
            .iter()
            .map(|p| {
                let s = if side == 0 { p.0 } else { p.1 };
                if i == 1 {
                    f64::from(u8::from(s.correct))
                } else {
                    s.values[i]
                }
            })
            .collect()
    };
    let mut metrics: Vec<(String, PairedDelta)> = METRIC_NAMES
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            paired_delta(&column(0, i), &column(1, i), seed).map(|d| (name.to_string(), d))
        })
        .collect();
    let skill = metrics
        .first()
        .and_then(|(_, reward)| skill_delta(&pairs, reward, &rubric));
    if let Some(d) = skill {
        metrics.insert(1, ("skill".to_string(), d));
    }
    let correct = |side: usize| -> Vec<bool> {
        pairs
            .iter()
            .map(|p| if side == 0 { p.0.correct } else { p.1.correct })
            .collect()
    };
    let (now_wrong, now_right) = flips
        .into_iter()
        .partition(|f| matches!(f.outcome_a, Outcome::TruePositive | Outcome::TrueNegative));
    Ok(RunComparison {
        errors_skipped: keys.len() - pairs.len(),
        pairs: pairs.len(),
        metrics,
        mcnemar: mcnemar(&correct(0), &correct(1)),
        by_capture: group_deltas(&pairs, |s| s.capture.as_deref()),
        by_family: group_deltas(&pairs, |s| s.family.as_deref()),
        now_wrong,
        now_right,
        a,
        b,
    })
}
