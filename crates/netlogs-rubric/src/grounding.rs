//! Grounded rationales: an answer's `evidence` cites fields of the flow it judged
//! (`[{"field": "id.resp_p", "value": "23"}, …]`), and the `grounding` component is the share
//! of citations that match what the model was shown. A confident `Malicious` answer must
//! cite: uncited, it scores 0.
//!
//! What counts as shown arrives as an argument ([`FlowFacts`], built by the caller from the
//! prompt) plus the conversation's own tool results, read here from the completion.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::answer::{AnswerLabel, ParsedAnswer};
use crate::config::RubricConfig;
use crate::evidence::{citation, EVIDENCE_KEY};
use crate::message::{content_text, role};

/// The fields a model was shown, by name, as the prompt wrote them: the flow's own fields
/// (`id.resp_p`, `conn_state`, …) and, under `--context`, its context lines'
/// (`context[0].conn_state`). A lookup conversation's tool results are added by the rubric
/// itself (`tool[0].flows[2].id.resp_p`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowFacts(BTreeMap<String, String>);

impl FlowFacts {
    pub fn new() -> FlowFacts {
        FlowFacts::default()
    }

    /// Record that `field` was shown as `value`; a later value for the same field wins.
    pub fn insert(&mut self, field: impl Into<String>, value: impl Into<String>) {
        self.0.insert(field.into(), value.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The facts of a conversation's tool results: the `j`-th `tool` message's JSON content
    /// flattened under `tool[j]` (objects by `.key`, lists by `[i]`). A result that is not
    /// JSON is kept whole as `tool[j]`.
    pub fn of_tool_results(messages: &[Value]) -> FlowFacts {
        let mut facts = FlowFacts::new();
        let results = messages.iter().filter(|m| role(m) == Some("tool"));
        for (j, m) in results.enumerate() {
            let prefix = format!("tool[{j}]");
            let text = content_text(m.get("content").unwrap_or(&Value::Null));
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => facts.flatten(&prefix, &v),
                Err(_) => facts.insert(prefix, text.into_owned()),
            }
        }
        facts
    }

    fn flatten(&mut self, path: &str, v: &Value) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    self.flatten(&format!("{path}.{k}"), x);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    self.flatten(&format!("{path}[{i}]"), x);
                }
            }
            Value::String(s) => self.insert(path, s.as_str()),
            Value::Number(n) => self.insert(path, n.to_string()),
            Value::Bool(b) => self.insert(path, b.to_string()),
            Value::Null => {}
        }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for FlowFacts {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> FlowFacts {
        let mut facts = FlowFacts::new();
        for (k, v) in iter {
            facts.insert(k, v);
        }
        facts
    }
}

/// Where citations are looked up: the caller's facts, then the tool results'.
#[derive(Clone, Copy, Default)]
pub(crate) struct Shown<'a> {
    pub flow: Option<&'a FlowFacts>,
    pub tools: Option<&'a FlowFacts>,
}

impl Shown<'_> {
    fn get(&self, field: &str) -> Option<&str> {
        self.flow
            .and_then(|f| f.get(field))
            .or_else(|| self.tools.and_then(|f| f.get(field)))
    }
}

/// A cited value matches a shown one when it is the same text, or a JSON number equal to the
/// shown text read as a number (`23` cites `id.resp_p=23`).
fn value_matches(cited: &Value, shown: &str) -> bool {
    match cited {
        Value::String(s) => s == shown,
        Value::Number(n) => match (n.as_f64(), shown.parse::<f64>()) {
            (Some(a), Ok(b)) => a.is_finite() && a == b,
            _ => false,
        },
        _ => false,
    }
}

/// How an answer's citations checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Citations {
    /// Items cited (anything but a list counts as one item that cannot match).
    pub cited: usize,
    /// Items among the first `grounding_max_cited` that name a shown field, not cited
    /// before, with its shown value.
    pub matched: usize,
}

pub(crate) fn check_citations(
    cfg: &RubricConfig,
    evidence: Option<&Value>,
    shown: Shown,
) -> Citations {
    let items = match evidence {
        None | Some(Value::Null) => return Citations::default(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Citations {
                cited: 1,
                matched: 0,
            }
        }
    };
    let mut seen: Vec<&str> = Vec::with_capacity(items.len());
    let mut matched = 0;
    for item in items.iter().take(cfg.grounding_max_cited as usize) {
        let Some((field, value)) = citation(item) else {
            continue;
        };
        if seen.contains(&field) {
            continue;
        }
        seen.push(field);
        matched += usize::from(shown.get(field).is_some_and(|s| value_matches(value, s)));
    }
    Citations {
        cited: items.len(),
        matched,
    }
}

/// A `Malicious` answer at `grounding_threshold` or above, or with no readable confidence.
pub(crate) fn high_stakes(
    cfg: &RubricConfig,
    label: Option<AnswerLabel>,
    conf: Option<f64>,
) -> bool {
    label == Some(AnswerLabel::Malicious) && conf.is_none_or(|c| c >= cfg.grounding_threshold)
}

/// The `grounding` component: 0 without a label; for an answer that cites nothing, 0 when it
/// is high-stakes and 1 otherwise (nothing claimed, nothing required); else matched / cited.
pub(crate) fn grounding(
    cfg: &RubricConfig,
    a: &ParsedAnswer,
    label: Option<AnswerLabel>,
    conf: Option<f64>,
    shown: Shown,
) -> f64 {
    if label.is_none() {
        return 0.0;
    }
    let c = check_citations(cfg, a.raw(EVIDENCE_KEY), shown);
    match c.cited {
        0 if high_stakes(cfg, label, conf) => 0.0,
        0 => 1.0,
        n => c.matched as f64 / n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tool_results_flatten_by_path() {
        let talk = json!([
            {"role": "assistant", "content": "", "tool_calls": [{"id": "a"}]},
            {"role": "tool", "content": "{\"flows\": [{\"id.resp_p\": 23, \"conn_state\": \"S0\"}], \"total\": 1}"},
            {"role": "tool", "content": "not json"}
        ]);
        let facts = FlowFacts::of_tool_results(talk.as_array().expect("list"));
        assert_eq!(facts.get("tool[0].flows[0].id.resp_p"), Some("23"));
        assert_eq!(facts.get("tool[0].flows[0].conn_state"), Some("S0"));
        assert_eq!(facts.get("tool[0].total"), Some("1"));
        assert_eq!(facts.get("tool[1]"), Some("not json"));
    }

    #[test]
    fn values_match_as_text_or_number() {
        assert!(value_matches(&json!("23"), "23"));
        assert!(value_matches(&json!(23), "23"));
        assert!(value_matches(&json!(0.5), "0.500000"));
        assert!(!value_matches(&json!("23 "), "23"));
        assert!(!value_matches(&json!(true), "T"));
        assert!(!value_matches(&json!("s0"), "S0"));
    }
}
