//! What a scored answer is measured against and what it yields: the gold class, the four
//! reward components and the detection outcome. Shared by every preset and by the metrics.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::answer::AnswerLabel;
use crate::error::RubricError;

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
            Value::String(s) => Gold::from_label(s),
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

    /// A gold label written as text, in any case (what [`Gold::from_value`] reads from a
    /// JSON string), without building a JSON value.
    pub fn from_label(s: &str) -> Option<Gold> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("malicious") {
            Some(Gold::Malicious)
        } else if s.eq_ignore_ascii_case("benign") {
            Some(Gold::Benign)
        } else {
            None
        }
    }

    pub(crate) fn matches(self, label: AnswerLabel) -> bool {
        matches!(
            (self, label),
            (Gold::Benign, AnswerLabel::Benign) | (Gold::Malicious, AnswerLabel::Malicious)
        )
    }
}

/// The reward components, unweighted. `grounding` is scored only when the rubric weighs it
/// (the `grounded` preset); otherwise it is `None` and left out of run logs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Components {
    pub accuracy: f64,
    pub format: f64,
    pub calibration: f64,
    pub cost: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounding: Option<f64>,
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
    /// No readable label (or, under `proper`, an ambiguous one).
    Invalid,
}

impl Outcome {
    /// The name run logs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::TruePositive => "true_positive",
            Outcome::TrueNegative => "true_negative",
            Outcome::FalsePositive => "false_positive",
            Outcome::FalseNegative => "false_negative",
            Outcome::Abstain => "abstain",
            Outcome::Invalid => "invalid",
        }
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
