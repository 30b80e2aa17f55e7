//! Scoring one completion against its gold label.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::answer::{parse_answer, AnswerLabel, Dialect, ParsedAnswer};
use crate::config::{Preset, RubricConfig};
use crate::error::RubricError;
use crate::{legacy, seed};

/// The gold class of an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gold {
    Benign,
    Malicious,
}

impl Gold {
    /// Gold labels as datasets store them: strings in any case, 1/0, true/false.
    pub fn from_value(v: &Value) -> Result<Gold, RubricError> {
        let g = match v {
            Value::String(s) if s.trim().eq_ignore_ascii_case("malicious") => Some(Gold::Malicious),
            Value::String(s) if s.trim().eq_ignore_ascii_case("benign") => Some(Gold::Benign),
            Value::Bool(b) => Some(if *b { Gold::Malicious } else { Gold::Benign }),
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Some(Gold::Malicious),
                Some(0.0) => Some(Gold::Benign),
                _ => None,
            },
            _ => None,
        };
        g.ok_or_else(|| RubricError::Gold(v.to_string()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Gold::Benign => "Benign",
            Gold::Malicious => "Malicious",
        }
    }

    pub(crate) fn matches(self, label: AnswerLabel) -> bool {
        matches!(
            (self, label),
            (Gold::Benign, AnswerLabel::Benign) | (Gold::Malicious, AnswerLabel::Malicious)
        )
    }
}

/// The four reward components, unweighted.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Components {
    pub accuracy: f64,
    pub format: f64,
    pub calibration: f64,
    pub cost: f64,
}

/// How an answer counts in detection metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    TruePositive,
    TrueNegative,
    FalsePositive,
    FalseNegative,
    Abstain,
    /// No readable label (or, under `seed`, an ambiguous one).
    Invalid,
}

/// The result of scoring one completion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub components: Components,
    /// Σ weight × component.
    pub reward: f64,
    pub outcome: Outcome,
    /// The label that counted, if any.
    pub label: Option<AnswerLabel>,
    /// The stated confidence that counted, if any (after the preset's coercions).
    pub confidence: Option<f64>,
}

/// Parse and score a completion's text under `cfg`.
pub fn score_completion(cfg: &RubricConfig, text: &str, gold: Gold) -> Score {
    let dialect = match cfg.preset {
        Preset::Seed => Dialect::Strict,
        Preset::Legacy => Dialect::Python,
    };
    score_parsed(cfg, &parse_answer(text, dialect), gold)
}

/// Score an already parsed answer under `cfg`.
pub fn score_parsed(cfg: &RubricConfig, answer: &ParsedAnswer, gold: Gold) -> Score {
    let (components, label, confidence) = match cfg.preset {
        Preset::Seed => seed::components(cfg, answer, gold),
        Preset::Legacy => legacy::components(cfg, answer, gold),
    };
    let w = cfg.weights;
    let reward = w.accuracy * components.accuracy
        + w.format * components.format
        + w.calibration * components.calibration
        + w.cost * components.cost;
    Score {
        components,
        reward,
        outcome: outcome(label, gold),
        label,
        confidence,
    }
}

fn outcome(label: Option<AnswerLabel>, gold: Gold) -> Outcome {
    match (label, gold) {
        (None, _) => Outcome::Invalid,
        (Some(AnswerLabel::Abstain), _) => Outcome::Abstain,
        (Some(AnswerLabel::Malicious), Gold::Malicious) => Outcome::TruePositive,
        (Some(AnswerLabel::Benign), Gold::Benign) => Outcome::TrueNegative,
        (Some(AnswerLabel::Malicious), Gold::Benign) => Outcome::FalsePositive,
        (Some(AnswerLabel::Benign), Gold::Malicious) => Outcome::FalseNegative,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gold_coercion() {
        assert_eq!(Gold::from_value(&json!("MALICIOUS")), Ok(Gold::Malicious));
        assert_eq!(Gold::from_value(&json!(0)), Ok(Gold::Benign));
        assert_eq!(Gold::from_value(&json!(true)), Ok(Gold::Malicious));
        assert!(Gold::from_value(&json!("Abstain")).is_err());
        assert!(Gold::from_value(&json!(2)).is_err());
    }
}
