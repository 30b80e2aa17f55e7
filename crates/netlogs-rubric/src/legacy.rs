//! The `legacy` preset: security-verifiers `sv_shared` (JsonClassificationParser and
//! reward_accuracy / reward_calibration / reward_asymmetric_cost) reproduced exactly,
//! including Python's coercions.

use serde_json::Value;

use crate::answer::{AnswerLabel, ParsedAnswer};
use crate::config::RubricConfig;
use crate::outcome::{Components, Gold};

pub(crate) fn components(
    cfg: &RubricConfig,
    a: &ParsedAnswer,
    gold: Gold,
) -> (Components, Option<AnswerLabel>, Option<f64>) {
    let label = a.label;
    let raw_conf = a.raw("confidence");
    // parse_confidence: float(conf), 0.0 when unconvertible or outside [0, 1].
    let conf = raw_conf
        .and_then(python_float)
        .filter(|c| (0.0..=1.0).contains(c))
        .unwrap_or(0.0);
    // format_reward: isinstance(conf, (int, float)) (bool is an int) and 0 <= conf <= 1.
    let conf_is_number = matches!(raw_conf, Some(Value::Number(_) | Value::Bool(_)))
        && raw_conf
            .and_then(python_float)
            .is_some_and(|c| (0.0..=1.0).contains(&c));
    let correct = label.is_some_and(|l| gold.matches(l));
    let c = match label {
        None => Components::default(),
        Some(l) => Components {
            accuracy: if correct { 1.0 } else { 0.0 },
            format: if conf_is_number { 1.0 } else { 0.0 },
            calibration: 1.0 - (conf - if correct { 1.0 } else { 0.0 }).abs(),
            cost: if correct {
                1.0
            } else if l == AnswerLabel::Benign && gold == Gold::Malicious {
                0.0 - cfg.fn_cost
            } else {
                0.0
            },
            grounding: None,
        },
    };
    (c, label, label.map(|_| conf))
}

/// Python's `float(x)` for a JSON value: numbers, bools (1/0), and numeric strings.
pub(crate) fn python_float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => python_float_str(s),
        _ => None,
    }
}

/// `float(str)`: surrounding whitespace allowed, `_` only between digits, `inf`/`nan` words.
fn python_float_str(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || !t.is_ascii() {
        return None;
    }
    let b = t.as_bytes();
    let mut cleaned = String::with_capacity(t.len());
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let ok =
                i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit();
            if !ok {
                return None;
            }
        } else {
            cleaned.push(c as char);
        }
    }
    let lower = cleaned.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    let word_ok = matches!(body, "inf" | "infinity" | "nan");
    let numeric_ok = body
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'));
    if !(word_ok || numeric_ok) || lower.len() - body.len() > 1 {
        return None;
    }
    lower.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_float_matches_python() {
        assert_eq!(python_float(&json!("0.9")), Some(0.9));
        assert_eq!(python_float(&json!(" 0.5\n")), Some(0.5));
        assert_eq!(python_float(&json!("1_0")), Some(10.0));
        assert_eq!(python_float(&json!(".5")), Some(0.5));
        assert_eq!(python_float(&json!("5.")), Some(5.0));
        assert_eq!(python_float(&json!("1e-1")), Some(0.1));
        assert!(python_float(&json!("nan")).is_some_and(f64::is_nan));
        assert_eq!(python_float(&json!("-inf")), Some(f64::NEG_INFINITY));
        assert_eq!(python_float(&json!("_1")), None);
        assert_eq!(python_float(&json!("1__0")), None);
        assert_eq!(python_float(&json!("--1")), None);
        assert_eq!(python_float(&json!("0x1")), None);
        assert_eq!(python_float(&json!("high")), None);
        assert_eq!(python_float(&json!(true)), Some(1.0));
        assert_eq!(python_float(&json!(null)), None);
        assert_eq!(python_float(&json!([1])), None);
    }
}
