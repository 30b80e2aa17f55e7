//! Skill over the best constant answer: where a run's mean reward sits between the floor any
//! policy reaches without reading a flow (one answer for every flow, chosen for the run's
//! gold-label mix) and the ceiling of a policy that knows every label.
//!
//! `skill = (R − R_const) / (R_perfect − R_const)`: 0 is the best constant, 1 is perfect, and
//! below 0 is worse than answering the same thing to every flow.

use rand::distr::{Distribution, Uniform};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::answer::AnswerLabel;
use crate::config::RubricConfig;
use crate::contract::ANSWER_LABELS;
use crate::interval::{percentile_interval, Interval};
use crate::outcome::Gold;
use crate::reference::{grid, Scorer};

/// Confidence steps of the constant answers searched (0, 0.01, …, 1).
const CONFIDENCE_STEPS: usize = 100;

/// One answer given to every flow, and what it earns on a label mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstantAnswer {
    /// `None`: an unreadable output.
    pub label: Option<AnswerLabel>,
    pub confidence: Option<f64>,
    pub mean_reward: f64,
}

impl ConstantAnswer {
    /// `always-Abstain`, `always-Benign@0.75`, or `invalid-output`.
    pub fn name(&self) -> String {
        match (self.label, self.confidence) {
            (Some(AnswerLabel::Abstain), _) => "always-Abstain".to_string(),
            (Some(l), Some(c)) => format!("always-{}@{c}", l.as_str()),
            (Some(l), None) => format!("always-{}", l.as_str()),
            (None, _) => "invalid-output".to_string(),
        }
    }
}

/// A run's floor, ceiling and skill (summary.json's `skill`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skill {
    /// Share of Malicious gold labels among the scored rows.
    pub malicious_share: f64,
    /// The constant answer with the highest mean reward on this mix.
    pub best_constant: ConstantAnswer,
    /// Mean reward of the policy that answers every gold label at confidence 1.
    pub perfect_reward: f64,
    /// `None` when the ceiling does not rise above the floor.
    pub skill: Option<f64>,
    /// Percentile bootstrap over rows (the mix, floor and ceiling resampled with them).
    pub skill_ci95: Option<Interval>,
}

/// The rewards every constant answer and the perfect answer earn on each gold label, scored
/// once; the mean over any mix is then a weighted sum.
#[derive(Debug, Clone)]
pub struct ConstantTable {
    /// (label, confidence, reward on Malicious gold, reward on Benign gold).
    answers: Vec<(Option<AnswerLabel>, Option<f64>, f64, f64)>,
    perfect: (f64, f64),
}

impl ConstantTable {
    pub fn new(cfg: &RubricConfig) -> ConstantTable {
        let s = Scorer::new(cfg);
        // A constant answer cites nothing: it never read the flow.
        let uncited = |l: Option<AnswerLabel>, c: f64, g: Gold| s.score_citing(l, c, g, None).0;
        let mut answers: Vec<_> = ANSWER_LABELS
            .into_iter()
            .flat_map(|l| grid(CONFIDENCE_STEPS).map(move |c| (l, c)))
            .filter(|&(l, c)| {
                l != AnswerLabel::Abstain || c == 0.0 || abstain_scores_confidence(&s)
            })
            .map(|(l, c)| {
                let (m, b) = (
                    uncited(Some(l), c, Gold::Malicious),
                    uncited(Some(l), c, Gold::Benign),
                );
                (Some(l), Some(c), m, b)
            })
            .collect();
        answers.push((
            None,
            None,
            uncited(None, 0.0, Gold::Malicious),
            uncited(None, 0.0, Gold::Benign),
        ));
        let perfect = (
            s.score(Some(AnswerLabel::Malicious), 1.0, Gold::Malicious)
                .0,
            s.score(Some(AnswerLabel::Benign), 1.0, Gold::Benign).0,
        );
        ConstantTable { answers, perfect }
    }

    /// The best constant answer when a share `p` of the flows is malicious. Ties keep the
    /// first answer in (Benign, Malicious, Abstain) × rising confidence order.
    pub fn best(&self, p: f64) -> ConstantAnswer {
        let mut best = ConstantAnswer {
            label: None,
            confidence: None,
            mean_reward: f64::NEG_INFINITY,
        };
        for &(label, confidence, m, b) in &self.answers {
            let r = p * m + (1.0 - p) * b;
            if r > best.mean_reward + 1e-12 {
                best = ConstantAnswer {
                    label,
                    confidence,
                    mean_reward: r,
                };
            }
        }
        best
    }

    /// Mean reward of the perfect policy on a mix with malicious share `p`.
    pub fn perfect(&self, p: f64) -> f64 {
        p * self.perfect.0 + (1.0 - p) * self.perfect.1
    }

    /// Skill of a mean reward `r` on a mix with malicious share `p`.
    pub fn skill_at(&self, r: f64, p: f64) -> Option<f64> {
        let floor = self.best(p).mean_reward;
        let span = self.perfect(p) - floor;
        (span > 1e-12).then(|| (r - floor) / span)
    }

    /// Floor, ceiling, skill and its bootstrap interval for rows of (reward, gold).
    pub fn skill(&self, rows: &[(f64, Gold)], rng: &mut ChaCha8Rng) -> Option<Skill> {
        let n = rows.len();
        if n == 0 {
            return None;
        }
        let share = |rs: &mut dyn Iterator<Item = &(f64, Gold)>| {
            let (mut sum, mut mal) = (0.0, 0usize);
            for &(r, g) in rs {
                sum += r;
                mal += usize::from(g == Gold::Malicious);
            }
            (sum / n as f64, mal as f64 / n as f64)
        };
        let (r, p) = share(&mut rows.iter());
        let skill_ci95 = Uniform::new(0, n).ok().and_then(|pick| {
            let mut draws: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
                .filter_map(|_| {
                    let (r, p) = share(&mut (0..n).map(|_| &rows[pick.sample(rng)]));
                    self.skill_at(r, p)
                })
                .collect();
            (!draws.is_empty()).then(|| percentile_interval(&mut draws))
        });
        Some(Skill {
            malicious_share: p,
            best_constant: self.best(p),
            perfect_reward: self.perfect(p),
            skill: self.skill_at(r, p),
            skill_ci95,
        })
    }
}

/// Whether an abstention's stated confidence changes its reward (it does not under the
/// shipped presets, so one Abstain suffices).
fn abstain_scores_confidence(s: &Scorer) -> bool {
    [Gold::Malicious, Gold::Benign].into_iter().any(|g| {
        let at = |c| s.score_citing(Some(AnswerLabel::Abstain), c, g, None).0;
        (at(0.0) - at(1.0)).abs() > 1e-12 || (at(0.0) - at(0.5)).abs() > 1e-12
    })
}

/// Bootstrap draws of a run's skill.
const BOOTSTRAP_RESAMPLES: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use rand::SeedableRng;

    fn table(p: Preset) -> ConstantTable {
        ConstantTable::new(&RubricConfig::preset(p))
    }

    #[test]
    fn balanced_floor_is_always_abstain_and_ceiling_is_perfect() {
        let t = table(Preset::Proper);
        let best = t.best(0.5);
        assert_eq!(best.name(), "always-Abstain");
        assert!((best.mean_reward - 1.05).abs() < 1e-9, "{best:?}");
        assert!((t.perfect(0.5) - 1.8).abs() < 1e-9, "{}", t.perfect(0.5));
    }

    #[test]
    fn hand_computed_skill() {
        // Balanced set: floor 1.05, ceiling 1.80. A mean reward of 1.425 sits halfway.
        let t = table(Preset::Proper);
        let s = t.skill_at(1.425, 0.5).expect("skill");
        assert!((s - 0.5).abs() < 1e-9, "{s}");
        assert!(t.skill_at(1.05, 0.5).expect("skill").abs() < 1e-9);
        assert!(t.skill_at(0.732, 0.5).expect("skill") < 0.0);
    }

    #[test]
    fn a_skewed_mix_moves_the_floor_to_the_majority_label() {
        let t = table(Preset::Proper);
        let mostly_bad = t.best(0.95);
        assert_eq!(mostly_bad.label, Some(AnswerLabel::Malicious));
        assert!(mostly_bad.mean_reward > t.best(0.5).mean_reward);
        let mostly_good = t.best(0.05);
        assert_eq!(mostly_good.label, Some(AnswerLabel::Benign));
    }

    #[test]
    fn constant_rows_have_skill_zero_with_a_degenerate_interval() {
        let t = table(Preset::Proper);
        let floor = t.best(0.5).mean_reward;
        let rows: Vec<(f64, Gold)> = (0..200)
            .map(|i| {
                let g = if i % 2 == 0 {
                    Gold::Malicious
                } else {
                    Gold::Benign
                };
                (floor, g)
            })
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let s = t.skill(&rows, &mut rng).expect("skill");
        assert!(s.skill.expect("skill").abs() < 1e-9);
        assert!(s.skill_ci95.is_some());
        assert!(t.skill(&[], &mut rng).is_none());
    }

    #[test]
    fn legacy_has_a_floor_too() {
        let t = table(Preset::Legacy);
        let best = t.best(0.5);
        assert!(best.mean_reward < t.perfect(0.5));
    }
}
