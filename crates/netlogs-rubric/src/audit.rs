//! `netlogs audit`: analyse a rubric itself. Every expectation is computed by scoring real
//! completion texts with the same code that scores models, so the audit cannot drift from
//! the rubric it describes.

use serde::Serialize;

use crate::answer::AnswerLabel;
use crate::config::RubricConfig;
use crate::contract::ANSWER_LABELS;
use crate::outcome::Gold;
use crate::reference::{grid, Scorer, AUDIT_FLOW, RIGHT_FIELDS};
use crate::skill::{ConstantAnswer, ConstantTable};

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
    /// The floor and ceiling skill is measured between, at the prior (else a balanced set):
    /// the best constant answer over the same grid `summary.json` searches, uncited.
    pub skill_floor: SkillFloor,
    /// What citing earns, when the rubric weighs `grounding`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grounding: Option<GroundingAudit>,
    pub findings: Vec<Finding>,
}

/// The best constant answer and the perfect policy's reward at one class balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillFloor {
    pub malicious_share: f64,
    pub best_constant: ConstantAnswer,
    pub perfect_reward: f64,
}

/// How citations score, on the audit's flow: a correct, confident `Malicious` answer with
/// each way of citing, and the checks that keep citing honest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundingAudit {
    /// Fields of the audit's flow (every one of them is cited by `every field`).
    pub flow_fields: usize,
    pub styles: Vec<CitationStyle>,
    /// The lowest reward of a correct answer that cites nothing (any confidence).
    pub correct_uncited_min: f64,
    /// The highest reward of an incorrect answer that cites the right fields.
    pub incorrect_cited_max: f64,
}

/// One way of citing and what it earns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitationStyle {
    pub name: &'static str,
    pub cited: usize,
    pub grounding: f64,
    pub reward: f64,
}

/// A constant policy at or above this share of the informed policy's reward is a finding.
const COMPETITIVE_SHARE: f64 = 0.75;

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

/// Citation styles for a correct `Malicious` answer at `conf` on [`AUDIT_FLOW`].
fn citation_styles(s: &Scorer, conf: f64) -> Vec<CitationStyle> {
    let wrong = [("id.resp_p", "23"), ("conn_state", "S0"), ("proto", "udp")];
    let styles: [(&'static str, &[(&str, &str)]); 4] = [
        ("the right fields", &RIGHT_FIELDS),
        ("every field", &AUDIT_FLOW),
        ("the right fields and a wrong one", &wrong),
        ("nothing", &[]),
    ];
    styles
        .into_iter()
        .map(|(name, cites)| {
            let (reward, c) = s.score_citing(
                Some(AnswerLabel::Malicious),
                conf,
                Gold::Malicious,
                Some(cites),
            );
            CitationStyle {
                name,
                cited: cites.len(),
                grounding: c.grounding.unwrap_or(0.0),
                reward,
            }
        })
        .collect()
}

fn grounding_audit(s: &Scorer) -> GroundingAudit {
    let correct_uncited_min = [
        (AnswerLabel::Malicious, Gold::Malicious),
        (AnswerLabel::Benign, Gold::Benign),
    ]
    .into_iter()
    .flat_map(|(l, g)| grid(100).map(move |c| (l, c, g)))
    .map(|(l, c, g)| s.score_citing(Some(l), c, g, None).0)
    .fold(f64::INFINITY, f64::min);
    let incorrect_cited_max = [
        (AnswerLabel::Malicious, Gold::Benign),
        (AnswerLabel::Benign, Gold::Malicious),
    ]
    .into_iter()
    .flat_map(|(l, g)| grid(100).map(move |c| (l, c, g)))
    .map(|(l, c, g)| s.score_citing(Some(l), c, g, Some(&RIGHT_FIELDS)).0)
    .fold(f64::NEG_INFINITY, f64::max);
    GroundingAudit {
        flow_fields: AUDIT_FLOW.len(),
        styles: citation_styles(s, 0.9),
        correct_uncited_min,
        incorrect_cited_max,
    }
}

fn grounding_findings(s: &Scorer, g: &GroundingAudit) -> Vec<Finding> {
    let mut findings = Vec::new();
    let reward_of = |name: &str| g.styles.iter().find(|c| c.name == name).map(|c| c.reward);
    if let (Some(every), Some(right)) = (reward_of("every field"), reward_of("the right fields")) {
        if every > right + 1e-12 {
            findings.push(Finding {
                id: "citing_everything_pays",
                message: format!(
                    "citing every field of the flow ({every:.3}) beats citing the right ones ({right:.3}): lower grounding_max_cited"
                ),
            });
        }
    }
    if g.correct_uncited_min < g.incorrect_cited_max - 1e-12 {
        findings.push(Finding {
            id: "uncited_correct_below_incorrect",
            message: format!(
                "a correct answer that cites nothing can score {:.3}, below an incorrect answer that cites well ({:.3}): lower weights.grounding",
                g.correct_uncited_min, g.incorrect_cited_max
            ),
        });
    }
    if let Some((p, gain)) = shading_gain(s) {
        findings.push(Finding {
            id: "grounding_invites_shading",
            message: format!(
                "an answer that cites nothing gains {gain:.3} at P(malicious)={p:.2} by stating a confidence just under grounding_threshold ({}) instead of its honest one: the threshold bends calibration for a policy that cannot cite",
                s.cfg.grounding_threshold
            ),
        });
    }
    findings
}

/// The largest gain, over beliefs at or above the threshold, of an uncited `Malicious`
/// answer stated just under `grounding_threshold` rather than at its honest confidence.
fn shading_gain(s: &Scorer) -> Option<(f64, f64)> {
    let t = s.cfg.grounding_threshold;
    let under = (t - 0.01).max(0.0);
    if under >= t {
        return None;
    }
    let expected = |c: f64, p: f64| {
        p * s
            .score_citing(Some(AnswerLabel::Malicious), c, Gold::Malicious, None)
            .0
            + (1.0 - p)
                * s.score_citing(Some(AnswerLabel::Malicious), c, Gold::Benign, None)
                    .0
    };
    grid(20)
        .filter(|&p| p >= t)
        .map(|p| (p, expected(under, p) - expected(p, p)))
        .filter(|&(_, gain)| gain > 1e-9)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The answer that earns the most expected reward under `cfg` for a belief P(malicious) =
/// `p`, with the honest confidence to state it with: what a calibrated policy should say
/// (abstaining inside the audit's abstain band).
pub fn best_action(cfg: &RubricConfig, p: f64) -> (AnswerLabel, f64) {
    let (label, confidence, _) = Scorer::new(cfg).best_at(p.clamp(0.0, 1.0));
    (label, confidence)
}

/// Audit `cfg`; `prior` adds expected rewards at that P(malicious).
pub fn audit_rubric(cfg: &RubricConfig, prior: Option<f64>) -> RubricAudit {
    let s = Scorer::new(cfg);
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
    // One search for the best constant, the one skill uses: a constant answer cites nothing.
    let table = ConstantTable::new(cfg);
    let balanced = table.best(0.5);
    let best = constant_policy(
        &s,
        prior,
        balanced.label,
        balanced.confidence.unwrap_or(0.0),
    );
    let mut findings = findings(&s, band, informed_reward, &best);
    let grounding = cfg.scores_grounding().then(|| grounding_audit(&s));
    if let Some(g) = &grounding {
        findings.extend(grounding_findings(&s, g));
    }
    RubricAudit {
        config: *cfg,
        prior,
        constant_policies,
        best_response,
        abstain_band: band,
        informed_reward,
        findings,
        best_constant_gap: informed_reward - best.balanced,
        skill_floor: {
            let share = prior.unwrap_or(0.5);
            SkillFloor {
                malicious_share: share,
                best_constant: table.best(share),
                perfect_reward: table.perfect(share),
            }
        },
        best_constant: best,
        grounding,
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

    #[test]
    fn grounded_cites_cannot_be_gamed_and_shading_is_reported() {
        let cfg = RubricConfig::preset(Preset::Grounded);
        let a = audit_rubric(&cfg, None);
        let g = a.grounding.as_ref().expect("grounding section");
        let style = |name: &str| {
            g.styles
                .iter()
                .find(|s| s.name == name)
                .unwrap_or_else(|| panic!("style {name}"))
                .clone()
        };
        assert_eq!(style("the right fields").grounding, 1.0);
        assert!(style("every field").reward < style("the right fields").reward);
        assert_eq!(style("every field").grounding, 5.0 / 14.0);
        assert_eq!(style("nothing").grounding, 0.0);
        assert!((style("the right fields and a wrong one").grounding - 2.0 / 3.0).abs() < 1e-12);
        assert!(g.correct_uncited_min > g.incorrect_cited_max, "{g:?}");
        assert_eq!(ids(&a), ["grounding_invites_shading"]);
        // The tables describe a policy that cites: abstention still has its band.
        assert!(a.abstain_band.is_some());
        assert!(audit_rubric(&RubricConfig::preset(Preset::Proper), None)
            .grounding
            .is_none());
    }

    #[test]
    fn grounding_findings_fire_when_the_rubric_allows_the_game() {
        // Without a cap every field ties with the right ones: precision alone never lets
        // citing everything win.
        let uncapped = RubricConfig {
            grounding_max_cited: 100,
            ..RubricConfig::preset(Preset::Grounded)
        };
        let a = audit_rubric(&uncapped, None);
        let g = a.grounding.as_ref().expect("grounding");
        assert_eq!(g.styles[0].reward, g.styles[1].reward);
        assert!(!ids(&a).contains(&"citing_everything_pays"));
        // A grounding weight this large lets a well-cited wrong answer beat a right one.
        let mut heavy = RubricConfig::preset(Preset::Grounded);
        heavy.weights.grounding = 3.0;
        assert!(ids(&audit_rubric(&heavy, None)).contains(&"uncited_correct_below_incorrect"));
    }
}
