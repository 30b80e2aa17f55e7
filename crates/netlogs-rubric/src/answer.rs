//! `ParsedAnswer`: what a completion says, read once and shared by every reward component.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::evidence::{evidence_is_well_formed, EVIDENCE_KEY};
pub use crate::extract::Extraction;
use crate::extract::{extract, is_ambiguous};
use crate::json::Entries;

/// A label a model may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AnswerLabel {
    Benign,
    Malicious,
    Abstain,
}

impl AnswerLabel {
    /// Exact, case-sensitive match against the allowed set.
    pub fn from_exact(s: &str) -> Option<AnswerLabel> {
        match s {
            "Benign" => Some(AnswerLabel::Benign),
            "Malicious" => Some(AnswerLabel::Malicious),
            "Abstain" => Some(AnswerLabel::Abstain),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AnswerLabel::Benign => "Benign",
            AnswerLabel::Malicious => "Malicious",
            AnswerLabel::Abstain => "Abstain",
        }
    }
}

/// How JSON is read: strict RFC 8259, or as Python's `json` module does (legacy preset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Strict,
    Python,
}

/// The reading of one completion.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAnswer {
    /// The extracted `label` when it is exactly one of the allowed strings.
    pub label: Option<AnswerLabel>,
    /// The extracted `confidence` when it is a JSON number (not a bool or string), finite, in
    /// [0, 1].
    pub confidence: Option<f64>,
    /// The whole completion is exactly one well-formed answer object (see [`is_strict`]).
    pub strict: bool,
    /// The text holds answers with different labels.
    pub ambiguous: bool,
    /// Where the object was found.
    pub extraction: Extraction,
    /// The raw extracted object, for rules that read it differently (legacy coercions).
    pub(crate) object: Option<Entries>,
}

impl ParsedAnswer {
    /// The raw extracted value of a key (last occurrence wins).
    pub fn raw(&self, key: &str) -> Option<&Value> {
        self.object.as_ref().and_then(|o| o.get(key))
    }
}

/// Parse a completion's text. Never panics, whatever the input.
pub fn parse_answer(text: &str, dialect: Dialect) -> ParsedAnswer {
    let python = dialect == Dialect::Python;
    let (object, extraction) = extract(text, python);
    let label = object
        .as_ref()
        .and_then(|o| o.get("label"))
        .and_then(Value::as_str)
        .and_then(AnswerLabel::from_exact);
    let confidence = object
        .as_ref()
        .and_then(|o| o.get("confidence"))
        .and_then(number_in_unit);
    let ambiguous = object.is_some() && is_ambiguous(text, object.as_ref(), extraction, python);
    let strict = extraction == Extraction::Whole
        && object.as_ref().is_some_and(is_strict)
        && label.is_some()
        && confidence.is_some();
    ParsedAnswer {
        label,
        confidence,
        strict,
        ambiguous,
        extraction,
        object,
    }
}

/// A JSON number (bools and strings excluded) that is finite and in [0, 1].
fn number_in_unit(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|x| x.is_finite() && (0.0..=1.0).contains(x)),
        _ => None,
    }
}

/// Keys ⊆ {label, confidence, rationale, evidence}, no duplicates, rationale a string when
/// present, evidence a list of `{"field": …, "value": …}` citations when present.
fn is_strict(o: &Entries) -> bool {
    !o.has_duplicate_keys()
        && o.0.iter().all(|(k, _)| {
            matches!(
                k.as_str(),
                "label" | "confidence" | "rationale" | EVIDENCE_KEY
            )
        })
        && o.get("rationale").is_none_or(Value::is_string)
        && evidence_is_well_formed(o.get(EVIDENCE_KEY))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> ParsedAnswer {
        parse_answer(t, Dialect::Strict)
    }

    #[test]
    fn clean_is_strict() {
        let a = p(r#"{"label":"Malicious","confidence":0.9,"rationale":"scan"}"#);
        assert_eq!(a.label, Some(AnswerLabel::Malicious));
        assert_eq!(a.confidence, Some(0.9));
        assert!(a.strict && !a.ambiguous);
    }

    #[test]
    fn not_strict_cases() {
        for t in [
            "Answer: {\"label\":\"Benign\",\"confidence\":0.5}",
            "```json\n{\"label\":\"Benign\",\"confidence\":0.5}\n```",
            r#"{"label":"Benign","confidence":0.5,"extra":1}"#,
            r#"{"label":"benign","confidence":0.5}"#,
            r#"{"label":"Benign","confidence":true}"#,
            r#"{"label":"Benign","confidence":"0.5"}"#,
            r#"{"label":"Benign","confidence":1.5}"#,
            r#"{"label":"Benign","confidence":0.5,"rationale":3}"#,
            r#"{"label":"Benign","label":"Benign","confidence":0.5}"#,
            r#"{"label":"Benign"}"#,
            r#"{"label":"Benign","confidence":0.5,"evidence":"proto=udp"}"#,
            r#"{"label":"Benign","confidence":0.5,"evidence":[{"field":"proto"}]}"#,
            r#"{"label":"Benign","confidence":0.5,"evidence":[{"field":"proto","value":"udp","why":"x"}]}"#,
            r#"{"label":"Benign","confidence":0.5,"evidence":[{"field":"proto","value":true}]}"#,
        ] {
            assert!(!p(t).strict, "{t}");
        }
    }

    #[test]
    fn well_formed_evidence_is_strict() {
        for t in [
            r#"{"label":"Malicious","confidence":0.9,"rationale":"r","evidence":[{"field":"id.resp_p","value":"23"},{"field":"orig_bytes","value":0}]}"#,
            r#"{"label":"Benign","confidence":0.5,"evidence":[]}"#,
            r#"{"label":"Benign","confidence":0.5,"evidence":null}"#,
        ] {
            assert!(p(t).strict, "{t}");
        }
    }
}
