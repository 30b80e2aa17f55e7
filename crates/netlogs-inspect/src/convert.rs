//! A run log's rows as inspect samples: the prompt as the sample's input, the conversation
//! as its messages, the final answer as its output, the reward as its score.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use netlogs_rubric::{answer_of, read_answer, Completion, Outcome, Preset};
use netlogs_runlog::{RowView, TokenUsage, CAPTURE_KEYS, FAMILY_KEYS, SOURCE_KEYS};
use serde_json::{json, Map, Value};

use crate::log::{
    ChatCompletionChoice, ChatMessage, EvalError, EvalSample, ModelOutput, ModelUsage, Score,
    ToolCall,
};

/// The name of the one score every sample carries.
pub const SCORER: &str = "netlogs";

/// A message's text: a string, or the `text` parts of a list of parts.
fn content_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

fn tool_call(v: &Value) -> ToolCall {
    let function = v.get("function");
    let name = function
        .and_then(|f| f.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let raw = function
        .and_then(|f| f.get("arguments"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let (arguments, parse_error) =
        match serde_json::from_str::<Value>(if raw.trim().is_empty() { "{}" } else { raw }) {
            Ok(Value::Object(o)) => (o, None),
            Ok(other) => (
                Map::new(),
                Some(format!("arguments are not an object: {other}")),
            ),
            Err(e) => (Map::new(), Some(format!("arguments are not JSON: {e}"))),
        };
    ToolCall {
        id: v
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        function: name.to_string(),
        arguments,
        parse_error,
        kind: "function",
    }
}

/// An OpenAI / verifiers message as inspect's; a message of another role becomes a user
/// message, so nothing said is dropped.
fn message(m: &Value, model: &str) -> ChatMessage {
    let content = content_text(m.get("content"));
    match m.get("role").and_then(Value::as_str).unwrap_or("assistant") {
        "system" => ChatMessage::System { content },
        "assistant" => {
            let calls: Vec<ToolCall> = m
                .get("tool_calls")
                .and_then(Value::as_array)
                .map(|c| c.iter().map(tool_call).collect())
                .unwrap_or_default();
            ChatMessage::Assistant {
                content,
                tool_calls: (!calls.is_empty()).then_some(calls),
                model: Some(model.to_string()),
            }
        }
        "tool" => ChatMessage::Tool {
            content,
            tool_call_id: m
                .get("tool_call_id")
                .and_then(Value::as_str)
                .map(String::from),
            function: m.get("name").and_then(Value::as_str).map(String::from),
        },
        _ => ChatMessage::User { content },
    }
}

/// A prompt or completion as messages: a list of messages, or one text (a user message for a
/// prompt, an assistant one for a completion).
fn messages(v: Option<&Value>, text_role: &str, model: &str) -> Vec<ChatMessage> {
    match v {
        Some(Value::Array(list)) => list.iter().map(|m| message(m, model)).collect(),
        Some(Value::String(s)) => vec![message(&json!({"role": text_role, "content": s}), model)],
        _ => Vec::new(),
    }
}

fn stop_reason(finish: Option<&str>) -> &'static str {
    match finish {
        Some("stop") => "stop",
        Some("length") => "max_tokens",
        Some("tool_calls") => "tool_calls",
        _ => "unknown",
    }
}

fn usage(u: Option<TokenUsage>) -> Option<ModelUsage> {
    u.map(|u| ModelUsage {
        input_tokens: u.prompt_tokens,
        output_tokens: u.completion_tokens,
        total_tokens: u.prompt_tokens + u.completion_tokens,
    })
}

fn is_correct(o: Outcome) -> bool {
    matches!(o, Outcome::TruePositive | Outcome::TrueNegative)
}

/// The sample's score: the reward, the label it read, the rationale (read as the run's
/// `preset` scored it, so after a `<think>` block), and the components.
fn score(row: &RowView, answer: Option<&str>, preset: Preset) -> Option<BTreeMap<String, Score>> {
    let reward = row.reward?;
    let mut metadata = Map::new();
    if let Some(c) = row.metrics {
        for (k, v) in [
            ("accuracy", Some(c.accuracy)),
            ("format", Some(c.format)),
            ("calibration", Some(c.calibration)),
            ("cost", Some(c.cost)),
            ("grounding", c.grounding),
        ] {
            if let Some(v) = v {
                metadata.insert(k.into(), json!(v));
            }
        }
    }
    if let Some(p) = row.parsed {
        metadata.insert("outcome".into(), json!(p.outcome.as_str()));
        metadata.insert("correct".into(), json!(is_correct(p.outcome)));
        metadata.insert("confidence".into(), json!(p.confidence));
    }
    let parsed = answer.map(|a| read_answer(preset, a));
    let explanation = parsed
        .as_ref()
        .and_then(|p| p.raw("rationale"))
        .and_then(Value::as_str)
        .map(String::from);
    let label = row
        .parsed
        .and_then(|p| p.label)
        .map(|l| l.as_str().to_string());
    Some(BTreeMap::from([(
        SCORER.to_string(),
        Score {
            value: reward,
            answer: label,
            explanation,
            metadata,
        },
    )]))
}

/// Epochs already given to each example id: a repeated (example, rollout) pair, which a
/// foreign results file may hold, gets the next free epoch, so no row is lost.
#[derive(Default)]
pub struct Epochs(HashMap<String, HashSet<u32>>);

impl Epochs {
    fn claim(&mut self, id: &str, rollout: u32) -> u32 {
        let taken = self.0.entry(id.to_string()).or_default();
        let mut epoch = rollout.saturating_add(1);
        while taken.contains(&epoch) {
            epoch += 1;
        }
        taken.insert(epoch);
        epoch
    }
}

/// One results line as an inspect sample.
/// One row as an inspect sample; `preset` is the run's rubric preset.
pub fn sample(
    row: &RowView,
    line: usize,
    (model, preset): (&str, Preset),
    epochs: &mut Epochs,
) -> EvalSample {
    let id = row.id(line);
    let epoch = epochs.claim(&id, row.rollout);
    let input = messages(row.prompt.as_ref(), "user", model);
    let completion = messages(row.completion.as_ref(), "assistant", model);
    let answered = row
        .completion
        .as_ref()
        .and_then(|c| Completion::from_value(c).ok())
        .map(|c| answer_of(&c).text.map(Cow::into_owned));
    let answer = answered.flatten();
    let final_message = ChatMessage::Assistant {
        content: answer.clone().unwrap_or_default(),
        tool_calls: None,
        model: Some(model.to_string()),
    };
    let usage = usage(row.usage);
    let mut metadata = Map::new();
    let info = row.info.as_ref();
    for (k, keys) in [
        ("source", &SOURCE_KEYS[..]),
        ("capture", &CAPTURE_KEYS[..]),
        ("family", &FAMILY_KEYS[..]),
        ("split", &["split"][..]),
    ] {
        if let Some(v) = netlogs_runlog::info_key(info, keys) {
            metadata.insert(k.into(), json!(v));
        }
    }
    metadata.insert("example_id".into(), json!(id));
    metadata.insert("rollout".into(), json!(row.rollout));
    let error = row.error.as_ref().map(EvalError::new);
    EvalSample {
        epoch,
        target: row
            .answer
            .as_ref()
            .map(|a| a.as_str().map_or_else(|| a.to_string(), String::from))
            .unwrap_or_default(),
        messages: input.iter().cloned().chain(completion).collect(),
        input,
        output: ModelOutput {
            model: model.to_string(),
            choices: match (&error, &answer) {
                (None, Some(_)) => vec![ChatCompletionChoice {
                    message: final_message,
                    stop_reason: stop_reason(row.finish_reason.as_deref()),
                }],
                _ => Vec::new(),
            },
            completion: answer.clone().unwrap_or_default(),
            usage,
            time: row.latency_ms.map(|ms| ms / 1e3),
        },
        scores: if error.is_some() {
            None
        } else {
            score(row, answer.as_deref(), preset)
        },
        metadata,
        model_usage: usage
            .map(|u| BTreeMap::from([(model.to_string(), u)]))
            .unwrap_or_default(),
        total_time: row.latency_ms.map(|ms| ms / 1e3),
        error,
        id,
    }
}

/// The headline metrics of the samples' scores: mean reward, accuracy and the mean of each
/// component, over the scored samples.
pub fn metrics(samples: &[EvalSample]) -> BTreeMap<String, f64> {
    let scores: Vec<&Score> = samples
        .iter()
        .filter_map(|s| s.scores.as_ref()?.get(SCORER))
        .collect();
    let mut out = BTreeMap::new();
    if scores.is_empty() {
        return out;
    }
    let n = scores.len() as f64;
    out.insert(
        "mean".into(),
        scores.iter().map(|s| s.value).sum::<f64>() / n,
    );
    let of = |k: &str| -> Vec<f64> {
        scores
            .iter()
            .filter_map(|s| s.metadata.get(k))
            .filter_map(|v| {
                v.as_f64()
                    .or_else(|| v.as_bool().map(|b| f64::from(u8::from(b))))
            })
            .collect()
    };
    for (name, key) in [
        ("accuracy", "correct"),
        ("mean_accuracy", "accuracy"),
        ("mean_format", "format"),
        ("mean_calibration", "calibration"),
        ("mean_cost", "cost"),
        ("mean_grounding", "grounding"),
    ] {
        let v = of(key);
        if !v.is_empty() {
            out.insert(name.into(), v.iter().sum::<f64>() / v.len() as f64);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_pairs_get_the_next_free_epoch() {
        let mut e = Epochs::default();
        assert_eq!(e.claim("a", 0), 1);
        assert_eq!(e.claim("a", 1), 2);
        assert_eq!(e.claim("a", 0), 3, "a foreign file's repeated rollout 0");
        assert_eq!(e.claim("b", 0), 1);
    }

    #[test]
    fn the_rationale_after_a_think_block_is_kept() {
        let answer = "<think>port 23, many peers</think>\n{\"label\": \"Malicious\", \"confidence\": 0.9, \"rationale\": \"telnet scan\"}";
        let row: RowView = serde_json::from_value(json!({
            "example_id": "e1", "rollout": 0, "reward": 1.0,
            "completion": [{"role": "assistant", "content": answer}]
        }))
        .expect("row");
        for preset in [Preset::Proper, Preset::Grounded, Preset::Legacy] {
            let scores = score(&row, Some(answer), preset).expect("scored");
            let s = &scores[SCORER];
            assert_eq!(s.explanation.as_deref(), Some("telnet scan"), "{preset:?}");
        }
    }

    #[test]
    fn tool_calls_keep_their_arguments_or_say_why_not() {
        let ok = tool_call(
            &json!({"id": "c1", "function": {"name": "host_summary", "arguments": "{\"host\": \"10.0.0.1\"}"}}),
        );
        assert_eq!(ok.function, "host_summary");
        assert_eq!(ok.arguments["host"], "10.0.0.1");
        assert!(ok.parse_error.is_none());
        let bad = tool_call(
            &json!({"id": "c2", "function": {"name": "flows_to_port", "arguments": "{port: x"}}),
        );
        assert!(bad.arguments.is_empty() && bad.parse_error.is_some());
        assert_eq!(stop_reason(Some("length")), "max_tokens");
        assert_eq!(
            stop_reason(Some("out of turns: no final answer")),
            "unknown"
        );
    }
}
