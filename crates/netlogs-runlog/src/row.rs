//! One line of `results.jsonl`. [`Row`] is the line an eval writes and `--resume` reads back:
//! one type both ways, borrowing from the sample when written and from the line when read.
//! [`RowView`] is the light, lenient view reports, comparisons and selections read any
//! results line through (an eval's, a score run's, or a foreign verifiers file).

use std::borrow::Cow;

use netlogs_rubric::{Components, ParsedSummary};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::SCHEMA_VERSION;

/// Lines written before rows carried a version are version 1.
fn version_1() -> u32 {
    1
}

/// Token usage as the server reported it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// Where a row's example came from, as the sample recorded it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowInfo<'a> {
    #[serde(borrow)]
    pub source: Cow<'a, str>,
    #[serde(borrow)]
    pub capture: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub family: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub file: Cow<'a, str>,
    #[serde(borrow)]
    pub split: Option<Cow<'a, str>>,
    /// Another row renders to the same prompt with the other label.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conflict: bool,
    /// The source row's timestamp (where lookup tools look around the flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<f64>,
    /// The whole detailed label, when `family` was read out of a structured one.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub full_label: Option<Cow<'a, str>>,
}

/// A row's `completion`: a message list, as in verifiers.
#[derive(Debug, Clone, Copy)]
pub enum Messages<'a> {
    /// An error row: `[]`.
    None,
    /// One assistant message.
    Assistant(&'a str),
    /// The messages as JSON text (several turns when written; anything when read back).
    Raw(&'a RawValue),
}

impl Messages<'_> {
    /// The messages as a JSON value, for scoring.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        match self {
            Messages::None => Ok(Value::Array(Vec::new())),
            Messages::Assistant(content) => Ok(serde_json::json!([
                {"role": "assistant", "content": content}
            ])),
            Messages::Raw(raw) => serde_json::from_str(raw.get()),
        }
    }
}

#[derive(Serialize)]
struct MessageOut<'a> {
    role: &'a str,
    content: &'a str,
}

impl Serialize for Messages<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Messages::None => s.collect_seq(std::iter::empty::<MessageOut>()),
            Messages::Assistant(content) => s.collect_seq([MessageOut {
                role: "assistant",
                content,
            }]),
            Messages::Raw(raw) => raw.serialize(s),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Messages<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(Messages::Raw)
    }
}

fn no_messages() -> Messages<'static> {
    Messages::None
}

/// One rollout. Field names follow verifiers' results.jsonl, so other tools read it as is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row<'a> {
    #[serde(default = "version_1")]
    pub schema_version: u32,
    #[serde(borrow)]
    pub example_id: Cow<'a, str>,
    pub rollout: u32,
    /// The messages sent, as sent.
    #[serde(borrow)]
    pub prompt: &'a RawValue,
    /// The assistant's reply (the whole lookup conversation after the prompt, in lookup
    /// mode); empty for an error row.
    #[serde(borrow, default = "no_messages")]
    pub completion: Messages<'a>,
    #[serde(borrow)]
    pub answer: Cow<'a, str>,
    #[serde(borrow)]
    pub info: RowInfo<'a>,
    pub reward: Option<f64>,
    pub metrics: Option<Components>,
    pub parsed: Option<ParsedSummary>,
    #[serde(borrow, default)]
    pub finish_reason: Option<Cow<'a, str>>,
    /// Token usage as the server reported it (none for builtin policies).
    pub usage: Option<TokenUsage>,
    #[serde(default)]
    pub latency_ms: f64,
    /// HTTP attempts made (0 when served from the response cache, 1 for builtin policies).
    #[serde(default)]
    pub attempts: u32,
    /// Served from the local response cache.
    #[serde(default)]
    pub cached: bool,
    #[serde(borrow)]
    pub error: Option<Cow<'a, str>>,
}

impl Row<'_> {
    /// The finish reason of an answer cut at the token limit.
    pub const FINISH_LENGTH: &'static str = "length";

    pub fn truncated(&self) -> bool {
        self.finish_reason.as_deref() == Some(Self::FINISH_LENGTH)
    }

    /// Whether this netlogs can read the line (`schema_version` not newer than its own).
    pub fn check_version(&self) -> Result<(), String> {
        if self.schema_version > SCHEMA_VERSION {
            return Err(format!(
                "row schema_version {} is newer than this netlogs reads ({SCHEMA_VERSION})",
                self.schema_version
            ));
        }
        Ok(())
    }
}

/// Any results line, every field optional: an eval's or a score run's row, or a foreign
/// verifiers row.
#[derive(Debug, Clone, Deserialize)]
pub struct RowView {
    /// A string in netlogs runs; verifiers numbers its examples.
    #[serde(default)]
    pub example_id: Option<Value>,
    #[serde(default)]
    pub rollout: u32,
    #[serde(default)]
    pub prompt: Option<Value>,
    #[serde(default)]
    pub completion: Option<Value>,
    #[serde(default)]
    pub answer: Option<Value>,
    #[serde(default)]
    pub info: Option<Value>,
    pub reward: Option<f64>,
    pub metrics: Option<Components>,
    pub parsed: Option<ParsedSummary>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    pub error: Option<String>,
    /// Token usage as the server reported it (netlogs eval rows of remote models).
    #[serde(default)]
    pub usage: Option<TokenUsage>,
    #[serde(default)]
    pub latency_ms: Option<f64>,
}

impl RowView {
    /// The row's example id as text; `line-N` when it has none.
    pub fn id(&self, line: usize) -> String {
        match &self.example_id {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => format!("line-{line}"),
            Some(other) => other.to_string(),
        }
    }

    pub fn capture(&self) -> Option<String> {
        info_key(self.info.as_ref(), &CAPTURE_KEYS)
    }

    pub fn family(&self) -> Option<String> {
        info_key(self.info.as_ref(), &FAMILY_KEYS)
    }

    pub fn split(&self) -> Option<String> {
        info_key(self.info.as_ref(), &["split"])
    }

    pub fn truncated(&self) -> bool {
        self.finish_reason.as_deref() == Some(Row::FINISH_LENGTH)
    }
}

/// The names verifiers environments give the breakdown keys inside `info`.
pub const CAPTURE_KEYS: [&str; 2] = ["capture", "scenario"];
pub const FAMILY_KEYS: [&str; 3] = ["family", "attack_family", "detailed_label"];
pub const SOURCE_KEYS: [&str; 2] = ["source", "dataset"];

/// A breakdown key from a row's `info`, under any of `keys`.
pub fn info_key(info: Option<&Value>, keys: &[&str]) -> Option<String> {
    let info = info?.as_object()?;
    keys.iter()
        .find_map(|k| info.get(*k))
        .and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
}

/// A `netlogs score` output line: the input row's own fields kept as they were, with the
/// version and the rubric's fields set.
#[derive(Debug, Serialize)]
pub struct ScoredLine {
    #[serde(flatten)]
    pub input: Map<String, Value>,
    pub schema_version: u32,
    pub reward: Option<f64>,
    pub metrics: Option<Components>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parsed: Option<ParsedSummary>,
}

impl ScoredLine {
    /// `input` with the fields this line sets taken out of it first (so none is written
    /// twice).
    pub fn new(
        mut input: Map<String, Value>,
        reward: Option<f64>,
        metrics: Option<Components>,
        parsed: Option<ParsedSummary>,
    ) -> ScoredLine {
        for k in ["schema_version", "reward", "metrics", "parsed"] {
            input.remove(k);
        }
        ScoredLine {
            input,
            schema_version: SCHEMA_VERSION,
            reward,
            metrics,
            parsed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_back_as_written_and_borrows_from_its_line() {
        let prompt =
            RawValue::from_string(r#"[{"role":"user","content":"flow"}]"#.into()).expect("raw");
        let row = Row {
            schema_version: SCHEMA_VERSION,
            example_id: "e1".into(),
            rollout: 2,
            prompt: &prompt,
            completion: Messages::Assistant("{\"label\": \"Benign\"}"),
            answer: "Benign".into(),
            info: RowInfo {
                source: "iot23".into(),
                capture: Some("34-1".into()),
                ..RowInfo::default()
            },
            reward: Some(1.0),
            metrics: None,
            parsed: None,
            finish_reason: Some("length".into()),
            usage: Some(TokenUsage {
                prompt_tokens: 3,
                completion_tokens: 4,
            }),
            latency_ms: 1.5,
            attempts: 1,
            cached: false,
            error: None,
        };
        let line = serde_json::to_string(&row).expect("write");
        let back: Row = serde_json::from_str(&line).expect("read");
        assert!(matches!(back.example_id, Cow::Borrowed("e1")));
        assert_eq!(back.info.capture.as_deref(), Some("34-1"));
        assert!(back.truncated());
        let messages = back.completion.to_value().expect("messages");
        assert_eq!(messages[0]["content"], "{\"label\": \"Benign\"}");
        assert_eq!(back.usage, row.usage);
    }

    #[test]
    fn unversioned_lines_are_version_1_and_newer_ones_are_refused() {
        let v1 = r#"{"example_id":"e","rollout":0,"prompt":[],"completion":[],"answer":"Benign","info":{"source":"s","capture":null,"family":null,"file":"f","split":null},"reward":null,"metrics":null,"parsed":null,"usage":null,"error":"boom"}"#;
        let row: Row = serde_json::from_str(v1).expect("v1 row");
        assert_eq!(row.schema_version, 1);
        assert!(row.check_version().is_ok());
        let newer = v1.replacen('{', r#"{"schema_version":99,"#, 1);
        let row: Row = serde_json::from_str(&newer).expect("parses");
        assert!(row.check_version().is_err());
    }
}
