//! Run metrics over scored rows: reward, detection, calibration, cost, abstention, breakdowns.
//! Ratios with a zero denominator are `None` (JSON `null`), never NaN.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::distr::{Distribution, Uniform};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::RubricConfig;
use crate::interval::{percentile_interval, Interval};
use crate::outcome::{Gold, Outcome};
use crate::score::Score;
use crate::skill::{ConstantTable, Skill};

/// One scored rollout, with the keys it is broken down by.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredRow {
    pub score: Score,
    pub gold: Gold,
    /// Breakdown keys are shared (`Arc`): runs hold one row per rollout, and few distinct keys.
    pub source: Option<Arc<str>>,
    pub capture: Option<Arc<str>>,
    pub family: Option<Arc<str>>,
    /// Whether the row's capture was held out of training (its split is dev or test), when
    /// the example came from a split dataset.
    pub held_out: Option<bool>,
}

/// A row is either scored or failed before the model answered (transport/API error). Error rows
/// are counted and listed, never scored as model output.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    Scored(ScoredRow),
    Error { id: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardStats {
    pub mean_reward: Option<f64>,
    pub mean_reward_ci95: Option<Interval>,
    pub accuracy_ci95: Option<Interval>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Detection {
    pub tp: usize,
    pub tn: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub abstain: usize,
    pub invalid: usize,
    pub accuracy: Option<f64>,
    pub accuracy_answered: Option<f64>,
    pub tpr: Option<f64>,
    pub fpr: Option<f64>,
    pub fnr: Option<f64>,
    pub precision: Option<f64>,
    pub f1: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
    pub mean_confidence: Option<f64>,
    pub accuracy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub ece: Option<f64>,
    pub brier: Option<f64>,
    pub bins: Vec<ReliabilityBin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostMetrics {
    pub total_cost: f64,
    pub cost_per_example: Option<f64>,
    pub cost_weighted_accuracy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    pub n: usize,
    pub accuracy: Option<f64>,
    pub mean_reward: Option<f64>,
    pub abstain: usize,
    pub invalid: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub source: BTreeMap<String, GroupStats>,
    pub capture: BTreeMap<String, GroupStats>,
    pub family: BTreeMap<String, GroupStats>,
    /// [`SEEN`] against [`HELD_OUT`] captures, when the examples came with splits.
    #[serde(default)]
    pub exposure: BTreeMap<String, GroupStats>,
}

/// Rows whose capture the train split holds.
pub const SEEN: &str = "seen in training (train)";
/// Rows whose capture no training row shares (dev, test).
pub const HELD_OUT: &str = "held out (dev, test)";

/// Whether a split's captures were held out of training: `train` no, `dev` and `test` yes;
/// `None` for a name that is not a split.
pub fn held_out(split: &str) -> Option<bool> {
    match split {
        "train" => Some(false),
        "dev" | "test" => Some(true),
        _ => None,
    }
}

/// Everything summary.json and report.md show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Scored rows (error rows excluded).
    pub n: usize,
    pub n_errors: usize,
    pub mean_reward: Option<f64>,
    pub mean_accuracy: Option<f64>,
    pub mean_format: Option<f64>,
    pub mean_calibration: Option<f64>,
    pub mean_cost: Option<f64>,
    /// Mean `grounding`, over the rows that were scored on it (only under a rubric that
    /// weighs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_grounding: Option<f64>,
    /// correct / n, with no abstain credit.
    pub accuracy: Option<f64>,
    pub abstain_rate: Option<f64>,
    pub format_rate: Option<f64>,
    pub invalid_rate: Option<f64>,
    pub aurc: Option<f64>,
    pub reward: RewardStats,
    /// The best constant answer for this run's gold mix, the perfect policy's reward, and
    /// where the mean reward sits between them. Absent from summaries written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill: Option<Skill>,
    pub detection: Detection,
    pub calibration: Calibration,
    pub cost: CostMetrics,
    pub breakdown: Breakdown,
    pub errors: Vec<ErrorRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRow {
    pub id: String,
    pub message: String,
}

const BOOTSTRAP_RESAMPLES: usize = 1000;
const ECE_BINS: usize = 10;

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den != 0.0).then(|| num / den)
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    ratio(s, n as f64)
}

fn is_correct(o: Outcome) -> bool {
    matches!(o, Outcome::TruePositive | Outcome::TrueNegative)
}

impl RunMetrics {
    /// Compute every metric. `seed` fixes the bootstrap resampling.
    pub fn compute(rows: &[RowOutcome], cfg: &RubricConfig, seed: u64) -> RunMetrics {
        let scored: Vec<&ScoredRow> = rows
            .iter()
            .filter_map(|r| match r {
                RowOutcome::Scored(s) => Some(s),
                RowOutcome::Error { .. } => None,
            })
            .collect();
        let errors: Vec<ErrorRow> = rows
            .iter()
            .filter_map(|r| match r {
                RowOutcome::Error { id, message } => Some(ErrorRow {
                    id: id.clone(),
                    message: message.clone(),
                }),
                RowOutcome::Scored(_) => None,
            })
            .collect();
        let n = scored.len();
        let nf = n as f64;
        let comp = |f: fn(&ScoredRow) -> f64| mean(scored.iter().map(|r| f(r)));
        let detection = detection(&scored);
        let rewards: Vec<f64> = scored.iter().map(|r| r.score.reward).collect();
        let correct: Vec<f64> = scored
            .iter()
            .map(|r| f64::from(u8::from(is_correct(r.score.outcome))))
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        RunMetrics {
            n,
            n_errors: errors.len(),
            mean_reward: mean(rewards.iter().copied()),
            mean_accuracy: comp(|r| r.score.components.accuracy),
            mean_format: comp(|r| r.score.components.format),
            mean_calibration: comp(|r| r.score.components.calibration),
            mean_cost: comp(|r| r.score.components.cost),
            mean_grounding: mean(scored.iter().filter_map(|r| r.score.components.grounding)),
            accuracy: detection.accuracy,
            abstain_rate: ratio(detection.abstain as f64, nf),
            format_rate: comp(|r| r.score.components.format),
            invalid_rate: ratio(detection.invalid as f64, nf),
            aurc: aurc(&scored),
            reward: {
                let (mean_reward_ci95, accuracy_ci95) = bootstrap(&rewards, &correct, &mut rng);
                RewardStats {
                    mean_reward: mean(rewards.iter().copied()),
                    mean_reward_ci95,
                    accuracy_ci95,
                }
            },
            skill: {
                let golds: Vec<(f64, Gold)> =
                    scored.iter().map(|r| (r.score.reward, r.gold)).collect();
                ConstantTable::new(cfg).skill(&golds, &mut rng)
            },
            calibration: calibration(&scored),
            cost: cost(&scored, &detection, cfg),
            detection,
            breakdown: Breakdown {
                source: group_by(&scored, |r| r.source.as_deref()),
                capture: group_by(&scored, |r| r.capture.as_deref()),
                family: group_by(&scored, |r| r.family.as_deref()),
                exposure: {
                    // Only rows from a split dataset say whether they were held out.
                    let split: Vec<&ScoredRow> = scored
                        .iter()
                        .copied()
                        .filter(|r| r.held_out.is_some())
                        .collect();
                    group_by(&split, |r| {
                        r.held_out.map(|h| if h { HELD_OUT } else { SEEN })
                    })
                },
            },
            errors,
        }
    }
}

fn detection(rows: &[&ScoredRow]) -> Detection {
    let mut d = Detection::default();
    for r in rows {
        match r.score.outcome {
            Outcome::TruePositive => d.tp += 1,
            Outcome::TrueNegative => d.tn += 1,
            Outcome::FalsePositive => d.fp += 1,
            Outcome::FalseNegative => d.fn_ += 1,
            Outcome::Abstain => d.abstain += 1,
            Outcome::Invalid => d.invalid += 1,
        }
    }
    let (tp, tn, fp, fn_) = (d.tp as f64, d.tn as f64, d.fp as f64, d.fn_ as f64);
    d.accuracy = ratio(tp + tn, rows.len() as f64);
    d.accuracy_answered = ratio(tp + tn, tp + tn + fp + fn_);
    d.tpr = ratio(tp, tp + fn_);
    d.fnr = ratio(fn_, tp + fn_);
    d.fpr = ratio(fp, fp + tn);
    d.precision = ratio(tp, tp + fp);
    d.f1 = ratio(2.0 * tp, 2.0 * tp + fp + fn_);
    d
}

/// Rows that answered Benign/Malicious with a stated confidence, as (confidence, correct).
fn answered(rows: &[&ScoredRow]) -> Vec<(f64, bool)> {
    rows.iter()
        .filter(|r| !matches!(r.score.outcome, Outcome::Abstain | Outcome::Invalid))
        .filter_map(|r| r.score.confidence.map(|c| (c, is_correct(r.score.outcome))))
        .collect()
}

fn calibration(rows: &[&ScoredRow]) -> Calibration {
    let pts = answered(rows);
    let mut sums = [(0usize, 0.0f64, 0.0f64); ECE_BINS];
    for &(c, ok) in &pts {
        let b = ((c * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        sums[b].0 += 1;
        sums[b].1 += c;
        sums[b].2 += f64::from(u8::from(ok));
    }
    let total = pts.len() as f64;
    let bins: Vec<ReliabilityBin> = sums
        .iter()
        .enumerate()
        .map(|(i, &(n, c, a))| ReliabilityBin {
            lo: i as f64 / ECE_BINS as f64,
            hi: (i + 1) as f64 / ECE_BINS as f64,
            n,
            mean_confidence: ratio(c, n as f64),
            accuracy: ratio(a, n as f64),
        })
        .collect();
    let ece = (total > 0.0).then(|| {
        sums.iter()
            .filter(|s| s.0 > 0)
            .map(|&(n, c, a)| (n as f64 / total) * ((a - c) / n as f64).abs())
            .sum()
    });
    let brier = mean(pts.iter().map(|&(c, ok)| {
        let y = f64::from(u8::from(ok));
        (c - y) * (c - y)
    }));
    Calibration { ece, brier, bins }
}

/// Area under the risk–coverage curve: answered rows enter in order of falling confidence
/// (ties together); risk is the error rate among the rows admitted so far.
fn aurc(rows: &[&ScoredRow]) -> Option<f64> {
    let mut pts = answered(rows);
    if pts.is_empty() {
        return None;
    }
    pts.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total = pts.len() as f64;
    let (mut area, mut admitted, mut errors, mut i) = (0.0, 0usize, 0usize, 0usize);
    while i < pts.len() {
        let t = pts[i].0;
        let start = admitted;
        while i < pts.len() && pts[i].0 == t {
            errors += usize::from(!pts[i].1);
            admitted += 1;
            i += 1;
        }
        let risk = errors as f64 / admitted as f64;
        area += risk * (admitted - start) as f64 / total;
    }
    Some(area)
}

fn cost(rows: &[&ScoredRow], d: &Detection, cfg: &RubricConfig) -> CostMetrics {
    let total_cost = cfg.fn_cost * d.fn_ as f64 + cfg.fp_cost * d.fp as f64;
    let pos = rows.iter().filter(|r| r.gold == Gold::Malicious).count() as f64;
    let neg = rows.len() as f64 - pos;
    let worst = cfg.fn_cost * pos + cfg.fp_cost * neg;
    CostMetrics {
        total_cost,
        cost_per_example: ratio(total_cost, rows.len() as f64),
        cost_weighted_accuracy: ratio(total_cost, worst).map(|x| 1.0 - x),
    }
}

/// Paired percentile bootstrap (2.5%, 97.5%) of two means over the same rows: each resample
/// draws row indices once and uses them for both.
fn bootstrap(a: &[f64], b: &[f64], rng: &mut ChaCha8Rng) -> (Option<Interval>, Option<Interval>) {
    let n = a.len();
    let Ok(pick) = Uniform::new(0, n) else {
        return (None, None);
    };
    let mut ma = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    let mut mb = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    for _ in 0..BOOTSTRAP_RESAMPLES {
        let (mut sa, mut sb) = (0.0, 0.0);
        for _ in 0..n {
            let i = pick.sample(rng);
            sa += a[i];
            sb += b[i];
        }
        ma.push(sa / n as f64);
        mb.push(sb / n as f64);
    }
    (
        Some(percentile_interval(&mut ma)),
        Some(percentile_interval(&mut mb)),
    )
}

fn group_by(
    rows: &[&ScoredRow],
    key: fn(&ScoredRow) -> Option<&str>,
) -> BTreeMap<String, GroupStats> {
    let mut groups: BTreeMap<String, Vec<&ScoredRow>> = BTreeMap::new();
    for r in rows {
        groups
            .entry(key(r).unwrap_or("-").to_string())
            .or_default()
            .push(r);
    }
    groups
        .into_iter()
        .map(|(k, rs)| {
            let n = rs.len();
            let count = |o: Outcome| rs.iter().filter(|r| r.score.outcome == o).count();
            let correct = rs.iter().filter(|r| is_correct(r.score.outcome)).count();
            let stats = GroupStats {
                n,
                accuracy: ratio(correct as f64, n as f64),
                mean_reward: mean(rs.iter().map(|r| r.score.reward)),
                abstain: count(Outcome::Abstain),
                invalid: count(Outcome::Invalid),
            };
            (k, stats)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::score_completion;

    fn row(text: &str, gold: Gold) -> RowOutcome {
        let cfg = RubricConfig::default();
        RowOutcome::Scored(ScoredRow {
            score: score_completion(&cfg, text, gold),
            gold,
            source: Some("iot23".into()),
            capture: None,
            family: None,
            held_out: None,
        })
    }

    #[test]
    fn counts_and_nulls() {
        let cfg = RubricConfig::default();
        let empty = RunMetrics::compute(&[], &cfg, 1);
        assert_eq!(empty.n, 0);
        assert_eq!(empty.mean_reward, None);
        assert_eq!(empty.detection.tpr, None);
        let rows = vec![
            row(r#"{"label":"Malicious","confidence":0.9}"#, Gold::Malicious),
            row(r#"{"label":"Benign","confidence":0.8}"#, Gold::Malicious),
            row(r#"{"label":"Abstain","confidence":0.1}"#, Gold::Benign),
            row("garbage", Gold::Benign),
            RowOutcome::Error {
                id: "x".into(),
                message: "HTTP 500".into(),
            },
        ];
        let m = RunMetrics::compute(&rows, &cfg, 1);
        assert_eq!(m.n, 4);
        assert_eq!(m.n_errors, 1);
        assert_eq!((m.detection.tp, m.detection.fn_), (1, 1));
        assert_eq!((m.detection.abstain, m.detection.invalid), (1, 1));
        assert_eq!(m.accuracy, Some(0.25));
        assert_eq!(m.detection.fpr, None);
        assert_eq!(m.detection.tpr, Some(0.5));
        assert_eq!(m.cost.total_cost, 1.0);
        // answered: (0.9, right), (0.8, wrong): risk at 0.9 is 0, at 0.8 is 1/2.
        assert_eq!(m.aurc, Some(0.25));
        let brier = (0.1f64 * 0.1 + 0.8 * 0.8) / 2.0;
        assert!((m.calibration.brier.expect("brier") - brier).abs() < 1e-12);
    }
}
