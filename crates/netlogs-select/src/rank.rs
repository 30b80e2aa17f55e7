//! The strategies: which candidates qualify, and in what order they are taken.

use std::cmp::Ordering;
use std::collections::HashMap;

use netlogs_data::Label;
use netlogs_rubric::AnswerLabel;

use crate::error::SelectError;
use crate::pool::{Candidate, Pool};

/// How the next set is chosen.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Strategy {
    /// Beliefs in or nearest the rubric's abstain band first.
    Uncertainty,
    /// Examples whose rollouts gave different labels, the most split first.
    Disagreement,
    /// Only examples whose rollouts got different rewards, the most spread first.
    ZeroVariance,
}

/// The picked candidates (indices into the pool, best first), each with its strategy score.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub strategy: Strategy,
    pub picked: Vec<usize>,
    pub scores: Vec<f64>,
    /// Candidates that qualified (more than were picked when `n` is smaller).
    pub qualified: usize,
}

/// Mean distance from the abstain band over the rollouts that stated a belief.
fn uncertainty(c: &Candidate) -> Option<f64> {
    let d: Vec<f64> = c.rollouts.iter().filter_map(|r| r.band_distance).collect();
    (!d.is_empty()).then(|| d.iter().sum::<f64>() / d.len() as f64)
}

/// One minus the share of the most common label (an unreadable answer is a label of its
/// own): 0 when every rollout agrees.
fn disagreement(c: &Candidate) -> f64 {
    let mut counts: HashMap<Option<AnswerLabel>, usize> = HashMap::new();
    for r in &c.rollouts {
        *counts.entry(r.label).or_default() += 1;
    }
    let top = counts.values().copied().max().unwrap_or(0);
    1.0 - top as f64 / c.rollouts.len().max(1) as f64
}

/// Rewards that differ by less than this count as equal.
const SAME_REWARD: f64 = 1e-9;

/// The first `n` of `ranked` (in rank order) with at most half of them, rounded up for
/// Malicious, of one gold label, unless the other label has too few.
fn balanced(pool: &Pool, ranked: Vec<(usize, f64, f64)>, n: usize) -> Vec<(usize, f64, f64)> {
    let malicious = |i: usize| pool.candidates[i].example.answer == Label::Malicious;
    let (m, b): (Vec<&(usize, f64, f64)>, Vec<_>) = ranked.iter().partition(|r| malicious(r.0));
    let want_m = n.div_ceil(2).min(m.len());
    let want_b = (n - want_m).min(b.len());
    let want_m = (n - want_b).min(m.len());
    let keep: Vec<usize> = m[..want_m]
        .iter()
        .chain(&b[..want_b])
        .map(|r: &&(usize, f64, f64)| r.0)
        .collect();
    ranked.into_iter().filter(|r| keep.contains(&r.0)).collect()
}

/// Rank the pool under `strategy` and take up to `n`: with `balance`, half from each gold
/// label (the best of each), the rest from the other label when one runs short; without it,
/// the best `n` whatever their label. Ties go to the example id, so a selection is the same
/// on every machine.
pub fn select(
    pool: &Pool,
    strategy: Strategy,
    n: usize,
    balance: bool,
) -> Result<Selection, SelectError> {
    if matches!(strategy, Strategy::Disagreement | Strategy::ZeroVariance)
        && pool.max_rollouts() < 2
    {
        return Err(SelectError::Unsupported(format!(
            "--strategy {strategy} compares an example's rollouts, and the runs hold one rollout per example: run them with -r 2 or more"
        )));
    }
    // (index, score, order key): lower order keys are taken first.
    let mut ranked: Vec<(usize, f64, f64)> = pool
        .candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (score, key) = match strategy {
                Strategy::Uncertainty => {
                    let d = uncertainty(c)?;
                    (d, d)
                }
                Strategy::Disagreement => {
                    let d = disagreement(c);
                    (d > 0.0).then_some((d, -d))?
                }
                Strategy::ZeroVariance => {
                    let s = c.reward_std();
                    (s > SAME_REWARD).then_some((s, -s))?
                }
            };
            Some((i, score, key))
        })
        .collect();
    let qualified = ranked.len();
    if qualified == 0 {
        return Err(SelectError::Unsupported(format!(
            "no example qualifies for --strategy {strategy}: {}; nothing was written",
            match strategy {
                Strategy::Uncertainty => "no rollout stated a readable belief",
                Strategy::Disagreement => "every example's rollouts gave one label",
                Strategy::ZeroVariance =>
                    "every example's rollouts got one reward (a deterministic policy gives GRPO no signal)",
            }
        )));
    }
    ranked.sort_by(|a, b| {
        a.2.partial_cmp(&b.2)
            .unwrap_or(Ordering::Equal)
            .then_with(|| {
                pool.candidates[a.0]
                    .example
                    .example_id
                    .cmp(&pool.candidates[b.0].example.example_id)
            })
    });
    let ranked = if balance {
        balanced(pool, ranked, n)
    } else {
        ranked.into_iter().take(n).collect()
    };
    Ok(Selection {
        strategy,
        picked: ranked.iter().map(|r| r.0).collect(),
        scores: ranked.iter().map(|r| r.1).collect(),
        qualified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::RolloutView;
    use netlogs_data::{Example, ExampleInfo, Label};

    fn candidate(id: &str, rollouts: &[(f64, Option<AnswerLabel>, Option<f64>)]) -> Candidate {
        Candidate {
            example: Example {
                example_id: id.into(),
                prompt: "proto=tcp".into(),
                answer: Label::Malicious,
                info: ExampleInfo {
                    source: "t".into(),
                    capture: None,
                    family: None,
                    file: String::new(),
                    split: None,
                    conflict: false,
                    ts: None,
                    full_label: None,
                },
            },
            rollouts: rollouts
                .iter()
                .map(|&(reward, label, band_distance)| RolloutView {
                    reward,
                    label,
                    belief: None,
                    band_distance,
                    correct: false,
                })
                .collect(),
        }
    }

    fn pool() -> Pool {
        use AnswerLabel::{Benign as B, Malicious as M};
        Pool {
            candidates: vec![
                candidate(
                    "same",
                    &[(1.0, Some(M), Some(0.4)), (1.0, Some(M), Some(0.4))],
                ),
                candidate(
                    "split",
                    &[(1.0, Some(M), Some(0.1)), (-0.5, Some(B), Some(0.2))],
                ),
                candidate("invalid", &[(1.0, Some(M), Some(0.0)), (-0.25, None, None)]),
                candidate(
                    "spread",
                    &[(2.0, Some(M), Some(0.3)), (0.5, Some(M), Some(0.3))],
                ),
            ],
            runs: 1,
            ..Pool::default()
        }
    }

    #[test]
    fn each_strategy_takes_what_it_promises_in_order() {
        let p = pool();
        let ids = |s: &Selection| -> Vec<&str> {
            s.picked
                .iter()
                .map(|&i| p.candidates[i].example.example_id.as_str())
                .collect()
        };
        let zv = select(&p, Strategy::ZeroVariance, 10, false).expect("zv");
        // std 0.75, 0.75 (a tie, taken in id order), 0.625; `same` never varies.
        assert_eq!(ids(&zv), ["split", "spread", "invalid"]);
        let dis = select(&p, Strategy::Disagreement, 10, false).expect("dis");
        assert_eq!(
            ids(&dis),
            ["invalid", "split"],
            "an unreadable answer is a label of its own"
        );
        let unc = select(&p, Strategy::Uncertainty, 2, false).expect("unc");
        assert_eq!(ids(&unc), ["invalid", "split"]);
        assert_eq!(unc.qualified, 4);
        assert_eq!(unc.scores, [0.0, 0.15000000000000002]);
    }

    #[test]
    fn a_balanced_pick_takes_the_best_of_each_label() {
        let mut p = pool();
        p.candidates[3].example.answer = Label::Benign;
        let benign = |s: &Selection| {
            s.picked
                .iter()
                .filter(|&&i| p.candidates[i].example.answer == Label::Benign)
                .count()
        };
        // Ranked split, spread (benign), invalid: two of each label would be asked for.
        let zv = select(&p, Strategy::ZeroVariance, 2, true).expect("zv");
        assert_eq!(benign(&zv), 1);
        assert_eq!(zv.picked.len(), 2);
        let top = select(&p, Strategy::ZeroVariance, 2, false).expect("zv");
        assert_eq!(
            zv.picked, top.picked,
            "the best of each label are also the top two here"
        );
        let unc = select(&p, Strategy::Uncertainty, 2, true).expect("unc");
        assert_eq!(benign(&unc), 1, "spread (0.3) comes in over split (0.15)");
        // One benign candidate only: the rest come from Malicious.
        let all = select(&p, Strategy::Uncertainty, 4, true).expect("unc");
        assert_eq!((all.picked.len(), benign(&all)), (4, 1));
    }
}
