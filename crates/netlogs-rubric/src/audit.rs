//! `netlogs audit`: analyse a rubric itself. Every expectation is computed by scoring real
//! completion texts with the same code that scores models, so the audit cannot drift from
//! the rubric it describes.

use serde::Serialize;

use crate::answer::AnswerLabel;
use crate::config::RubricConfig;
use crate::contract::ANSWER_LABELS;
use crate::outcome::{Components, Gold};
use crate::score::score_completion;

/// An audit finding, with a stable id for machines and a sentence for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstantPolicy {
    /// e.g. `always-Malicious@0.5`, or `invalid-output`.
    pub name: String,
    pub label: Option<AnswerLabel>,
    pub confidence: Option<f64>,
    /// Expected reward on a class-balanced set.
    pub balanced: f64,
    /// Expected reward at the requested prior P(malicious), when one was given.
    pub at_prior: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestResponse {
    /// P(malicious) as the policy believes it.
    pub p: f64,
    pub action: AnswerLabel,
    /// The honest confidence the action is stated with.
    pub confidence: f64,
    pub expected_reward: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RubricAudit {
    pub config: RubricConfig,
    pub prior: Option<f64>,
    pub constant_policies: Vec<ConstantPolicy>,
    pub best_response: Vec<BestResponse>,
    /// P(malicious) interval where abstaining is the best action, or `None` when never.
    pub abstain_band: Option<[f64; 2]>,
    /// Expected reward of a policy that knows the gold label (balanced set).
    pub informed_reward: f64,
    /// The best constant policy over all labels and confidences (balanced set).
    pub best_constant: ConstantPolicy,
    pub best_constant_gap: f64,
    pub findings: Vec<Finding>,
}

/// A constant policy at or above this share of the informed policy's reward is a finding.
const COMPETITIVE_SHARE: f64 = 0.75;

fn answer_text(label: Option<AnswerLabel>, conf: f64) -> String {
    match label {
        Some(l) => format!(r#"{{"label":"{}","confidence":{conf}}}"#, l.as_str()),
        None => "I cannot classify this flow.".to_string(),
    }
}

struct Scorer<'a>(&'a RubricConfig);

impl Scorer<'_> {
    fn score(&self, label: Option<AnswerLabel>, conf: f64, gold: Gold) -> (f64, Components) {
        let s = score_completion(self.0, &answer_text(label, conf), gold);
        (s.reward, s.components)
    }

    /// Expected reward at P(malicious) = p.
    fn expected(&self, label: Option<AnswerLabel>, conf: f64, p: f64) -> f64 {
        p * self.score(label, conf, Gold::Malicious).0
            + (1.0 - p) * self.score(label, conf, Gold::Benign).0
    }

    fn expected_calibration(&self, label: AnswerLabel, conf: f64, p: f64) -> f64 {
        p * self.score(Some(label), conf, Gold::Malicious).1.calibration
            + (1.0 - p) * self.score(Some(label), conf, Gold::Benign).1.calibration
    }

    /// The best action at p, each action stated with its honest confidence.
    fn best_at(&self, p: f64) -> (AnswerLabel, f64, f64) {
        [
            (AnswerLabel::Benign, 1.0 - p),
            (AnswerLabel::Malicious, p),
            (AnswerLabel::Abstain, 0.0),
        ]
        .into_iter()
        .map(|(l, c)| (l, c, self.expected(Some(l), c, p)))
        .fold(
            None,
            |best: Option<(AnswerLabel, f64, f64)>, cur| match best {
                Some(b) if b.2 >= cur.2 => Some(b),
                _ => Some(cur),
            },
        )
        .unwrap_or((AnswerLabel::Abstain, 0.0, 0.0))
    }
}

fn grid(steps: usize) -> impl Iterator<Item = f64> {
    (0..=steps).map(move |i| i as f64 / steps as f64)
}

/// A constant policy's expected rewards: balanced, and at `prior` when given.
fn constant_policy(
    s: &Scorer,
    prior: Option<f64>,
    label: Option<AnswerLabel>,
    conf: f64,
) -> ConstantPolicy {
    ConstantPolicy {
        name: match label {
            Some(l) => format!("always-{}@{conf}", l.as_str()),
            None => "invalid-output".to_string(),
        },
        label,
        confidence: label.map(|_| conf),
        balanced: s.expected(label, conf, 0.5),
        at_prior: prior.map(|p| s.expected(label, conf, p)),
    }
}

/// The belief interval in which abstaining beats both honest answers, if any.
fn abstain_band(s: &Scorer) -> Option<[f64; 2]> {
    let abstain_wins = |p: f64| {
        let abstain = s.expected(Some(AnswerLabel::Abstain), 0.0, p);
        abstain > s.expected(Some(AnswerLabel::Benign), 1.0 - p, p) + 1e-12
            && abstain > s.expected(Some(AnswerLabel::Malicious), p, p) + 1e-12
    };
    let abstaining: Vec<f64> = grid(BAND_STEPS).filter(|&p| abstain_wins(p)).collect();
    let step = 1.0 / BAND_STEPS as f64;
    match (abstaining.first(), abstaining.last()) {
        (Some(&lo), Some(&hi)) => Some([
            round3(edge(&abstain_wins, (lo - step).max(0.0), lo)),
            round3(edge(&abstain_wins, (hi + step).min(1.0), hi)),
        ]),
        _ => None,
    }
}

/// The best constant policy over all labels and a fine confidence grid (balanced set).
fn best_constant(s: &Scorer, prior: Option<f64>) -> ConstantPolicy {
    ANSWER_LABELS
        .into_iter()
        .flat_map(|l| grid(100).map(move |c| (Some(l), c)))
        .chain([(None, 0.0)])
        .map(|(l, c)| constant_policy(s, prior, l, c))
        .fold(None, |best: Option<ConstantPolicy>, cur| match best {
            // Ties (within rounding) keep the first policy, so the name is stable.
            Some(b) if b.balanced >= cur.balanced - 1e-12 => Some(b),
            _ => Some(cur),
        })
        .unwrap_or_else(|| constant_policy(s, prior, None, 0.0))
}

/// The audit's findings, with stable ids.
fn findings(
    s: &Scorer,
    band: Option<[f64; 2]>,
    informed_reward: f64,
    best: &ConstantPolicy,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if band.is_none() {
        findings.push(Finding {
            id: "abstention_never_optimal",
            message:
                "abstention is never optimal: no belief P(malicious) makes Abstain the best action"
                    .into(),
        });
    }
    if let Some((p, c)) = improper_point(s) {
        findings.push(Finding {
            id: "calibration_improper",
            message: format!(
                "calibration term is improper (extreme confidences maximise it): at P(malicious)={p:.2}, answering Malicious with confidence {c:.2} beats the honest {p:.2}"
            ),
        });
    }
    if let Some(msg) = invalid_beats_valid(s) {
        findings.push(Finding {
            id: "invalid_beats_valid",
            message: msg,
        });
    }
    if informed_reward > 0.0 && best.balanced >= COMPETITIVE_SHARE * informed_reward {
        findings.push(Finding {
            id: "constant_policy_competitive",
            message: format!(
                "{} reaches {:.0}% of the informed policy's reward on a balanced set",
                best.name,
                100.0 * best.balanced / informed_reward
            ),
        });
    }
    findings
}

/// Audit `cfg`; `prior` adds expected rewards at that P(malicious).
pub fn audit_rubric(cfg: &RubricConfig, prior: Option<f64>) -> RubricAudit {
    let s = Scorer(cfg);
    let mut constant_policies: Vec<ConstantPolicy> = ANSWER_LABELS
        .into_iter()
        .flat_map(|l| [0.0, 0.5, 1.0].map(|c| (l, c)))
        .map(|(l, c)| constant_policy(&s, prior, Some(l), c))
        .collect();
    constant_policies.push(constant_policy(&s, prior, None, 0.0));
    let best_response = grid(20)
        .map(|p| {
            let (action, confidence, expected_reward) = s.best_at(p);
            BestResponse {
                p,
                action,
                confidence,
                expected_reward,
            }
        })
        .collect();
    let band = abstain_band(&s);
    let informed_reward = 0.5
        * s.score(Some(AnswerLabel::Malicious), 1.0, Gold::Malicious)
            .0
        + 0.5 * s.score(Some(AnswerLabel::Benign), 1.0, Gold::Benign).0;
    let best = best_constant(&s, prior);
    RubricAudit {
        config: *cfg,
        prior,
        constant_policies,
        best_response,
        abstain_band: band,
        informed_reward,
        findings: findings(&s, band, informed_reward, &best),
        best_constant_gap: informed_reward - best.balanced,
        best_constant: best,
    }
}

const BAND_STEPS: usize = 2000;

/// Bisect between `outside` (where `inside_fn` is false) and `inside` to the band's edge.
fn edge(inside_fn: &dyn Fn(f64) -> bool, mut outside: f64, mut inside: f64) -> f64 {
    if inside_fn(outside) {
        return outside;
    }
    for _ in 0..50 {
        let mid = 0.5 * (outside + inside);
        if inside_fn(mid) {
            inside = mid;
        } else {
            outside = mid;
        }
    }
    0.5 * (outside + inside)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A belief p at which a confidence other than the honest one maximises the expected
/// calibration term of a Malicious answer.
fn improper_point(s: &Scorer) -> Option<(f64, f64)> {
    grid(20).find_map(|p| {
        let honest = s.expected_calibration(AnswerLabel::Malicious, p, p);
        grid(100)
            .map(|c| (c, s.expected_calibration(AnswerLabel::Malicious, c, p)))
            .filter(|&(c, v)| v > honest + 1e-9 && (c - p).abs() > 0.05)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| (p, c))
    })
}

/// An unreadable output that scores above some valid answer on the same gold.
fn invalid_beats_valid(s: &Scorer) -> Option<String> {
    [Gold::Malicious, Gold::Benign].into_iter().find_map(|gold| {
        let invalid = s.score(None, 0.0, gold).0;
        ANSWER_LABELS
            .into_iter()
            .flat_map(|l| grid(10).map(move |c| (l, c)))
            .map(|(l, c)| (l, c, s.score(Some(l), c, gold).0))
            .filter(|&(_, _, r)| invalid > r + 1e-9)
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(l, c, r)| {
                format!(
                    "an invalid output scores above a valid answer: on {} gold it scores {invalid:.3}, {} at confidence {c} scores {r:.3}",
                    gold.as_str(),
                    l.as_str()
                )
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;

    fn ids(a: &RubricAudit) -> Vec<&str> {
        a.findings.iter().map(|f| f.id).collect()
    }

    #[test]
    fn seed_has_no_findings_and_a_band() {
        let a = audit_rubric(&RubricConfig::preset(Preset::Proper), None);
        assert!(a.findings.is_empty(), "{:?}", a.findings);
        let [lo, hi] = a.abstain_band.expect("band");
        assert!(
            (0.34..0.36).contains(&lo) && (0.52..0.54).contains(&hi),
            "{lo} {hi}"
        );
        assert!(a.best_constant_gap >= 0.3, "{}", a.best_constant_gap);
    }

    #[test]
    fn legacy_is_flagged() {
        let a = audit_rubric(&RubricConfig::preset(Preset::Legacy), Some(0.9));
        let ids = ids(&a);
        assert!(ids.contains(&"abstention_never_optimal"), "{ids:?}");
        assert!(ids.contains(&"calibration_improper"), "{ids:?}");
        assert!(a.abstain_band.is_none());
    }
}
