//! The reward of one row, decided in one place: which message of a completion is the answer,
//! what it says, and what its tool calls cost. The live run, `--resume`, `netlogs score`,
//! `netlogs serve`, Python and the trainer environments all call [`score_row`], so one
//! conversation gets one reward whichever path scores it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::answer::AnswerLabel;
use crate::config::RubricConfig;
use crate::error::RubricError;
use crate::grounding::{FlowFacts, Shown};
use crate::message::{content_text, role};
use crate::outcome::{Components, Outcome};
use crate::score::{score_text, Score, Truth};

/// A completion as trainers and run logs hold it.
#[derive(Debug, Clone, Copy)]
pub enum Completion<'a> {
    /// The answer's text (a single-turn reply).
    Text(&'a str),
    /// The messages after the prompt, verifiers / OpenAI shaped: assistant turns (maybe with
    /// `tool_calls`), `tool` results, the final answer.
    Messages(&'a [Value]),
    /// Nothing was answered (an empty or null completion).
    Empty,
}

impl<'a> Completion<'a> {
    /// A completion given as JSON: a string, a list of message objects, or null. Anything
    /// else is an error saying what was found (the caller names the field or index).
    pub fn from_value(v: &'a Value) -> Result<Completion<'a>, RubricError> {
        match v {
            Value::String(s) => Ok(Completion::Text(s)),
            Value::Null => Ok(Completion::Empty),
            Value::Array(messages) => {
                if let Some(i) = messages.iter().position(|m| !m.is_object()) {
                    return Err(RubricError::Completion(format!(
                        "message [{i}] is {}, not a message object",
                        kind(&messages[i])
                    )));
                }
                Ok(Completion::Messages(messages))
            }
            other => Err(RubricError::Completion(format!(
                "expected a string or a list of messages, got {}",
                kind(other)
            ))),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// What a completion answered: the final answer's text, `None` when the rollout never gave
/// one, and the tool calls it made on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered<'a> {
    pub text: Option<Cow<'a, str>>,
    pub tool_calls: usize,
}

/// The answer is the last message, when that is an assistant turn (a message without a role
/// counts as one) that calls no tool. A conversation that ends on a tool result, a user turn
/// or a tool call ran out of turns before answering: it has no answer. Tool results
/// (`role: "tool"`) count the tool calls made.
pub fn answer_of<'a>(completion: &Completion<'a>) -> Answered<'a> {
    match completion {
        Completion::Text(t) => Answered {
            text: Some(Cow::Borrowed(t)),
            tool_calls: 0,
        },
        Completion::Empty => Answered {
            text: None,
            tool_calls: 0,
        },
        Completion::Messages(messages) => Answered {
            text: messages.last().and_then(final_answer),
            tool_calls: messages.iter().filter(|m| role(m) == Some("tool")).count(),
        },
    }
}

fn final_answer(m: &Value) -> Option<Cow<'_, str>> {
    let is_assistant = role(m).is_none_or(|r| r == "assistant");
    let calls_tools = m
        .get("tool_calls")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    (is_assistant && !calls_tools).then(|| content_text(m.get("content").unwrap_or(&Value::Null)))
}

/// Score one row: read its answer (see [`answer_of`]), score it under `cfg` against `truth`
/// (a [`Gold`](crate::Gold), or a [`Truth`] with the flow's facts when the rubric weighs
/// `grounding`), and take `tool_cost` off the reward for each tool call. A rollout without an
/// answer scores as an invalid answer. Citations may also name what the conversation's tool
/// results showed (`tool[j]…`, see [`FlowFacts::of_tool_results`]).
pub fn score_row<'f>(
    cfg: &RubricConfig,
    completion: &Completion,
    truth: impl Into<Truth<'f>>,
) -> Score {
    let truth = truth.into();
    let answered = answer_of(completion);
    let text = answered.text.as_deref().unwrap_or("");
    let tools = match completion {
        Completion::Messages(m) if cfg.scores_grounding() && answered.tool_calls > 0 => {
            Some(FlowFacts::of_tool_results(m))
        }
        _ => None,
    };
    let shown = Shown {
        flow: truth.flow,
        tools: tools.as_ref(),
    };
    score_text(cfg, text, truth.gold, shown).after_tool_calls(answered.tool_calls, cfg)
}

/// What the rubric read from an answer, as run logs, `/v1/score` and Python report it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParsedSummary {
    pub label: Option<AnswerLabel>,
    pub confidence: Option<f64>,
    pub outcome: Outcome,
}

/// A row's reward and what it is made of, as reported outside the rubric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub reward: f64,
    pub metrics: Components,
    pub parsed: ParsedSummary,
}

impl From<&Score> for ParsedSummary {
    fn from(score: &Score) -> ParsedSummary {
        ParsedSummary {
            label: score.label,
            confidence: score.confidence,
            outcome: score.outcome,
        }
    }
}

impl From<&Score> for ItemScore {
    fn from(score: &Score) -> ItemScore {
        ItemScore {
            reward: score.reward,
            metrics: score.components,
            parsed: score.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Gold;
    use serde_json::json;

    const ANSWER: &str = r#"{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}"#;

    fn messages(v: &Value) -> Completion<'_> {
        Completion::from_value(v).expect("messages")
    }

    #[test]
    fn the_answer_is_the_last_assistant_turn_without_tool_calls() {
        let talk = json!([
            {"role": "assistant", "content": "", "tool_calls": [{"id": "a"}]},
            {"role": "tool", "content": "{}"},
            {"role": "assistant", "content": ANSWER, "tool_calls": []}
        ]);
        let a = answer_of(&messages(&talk));
        assert_eq!(a.text.as_deref(), Some(ANSWER));
        assert_eq!(a.tool_calls, 1);
        let parts = json!([{"content": [{"type": "text", "text": "x"}, {"text": "y"}]}]);
        assert_eq!(answer_of(&messages(&parts)).text.as_deref(), Some("xy"));
    }

    #[test]
    fn out_of_turns_has_no_answer_even_when_an_earlier_turn_reads_as_one() {
        // The model wrote an answer beside its tool call, then the turns ran out.
        let talk = json!([
            {"role": "assistant", "content": ANSWER, "tool_calls": [{"id": "a"}]},
            {"role": "tool", "content": "{\"flows\": []}"}
        ]);
        let a = answer_of(&messages(&talk));
        assert_eq!(a.text, None);
        assert_eq!(a.tool_calls, 1);
        let cfg = RubricConfig {
            tool_cost: 0.25,
            ..RubricConfig::default()
        };
        let s = score_row(&cfg, &messages(&talk), Gold::Malicious);
        assert_eq!(s.outcome, Outcome::Invalid);
        let invalid = score_row(&cfg, &Completion::Empty, Gold::Malicious);
        assert!((invalid.reward - s.reward - 0.25).abs() < 1e-12);
        let calling =
            json!([{"role": "assistant", "content": ANSWER, "tool_calls": [{"id": "a"}]}]);
        assert_eq!(answer_of(&messages(&calling)).text, None);
        let user_last =
            json!([{"role": "assistant", "content": ANSWER}, {"role": "user", "content": "more?"}]);
        assert_eq!(answer_of(&messages(&user_last)).text, None);
    }

    #[test]
    fn tool_calls_cost_and_components_stay() {
        let talk = json!([
            {"role": "assistant", "content": "", "tool_calls": [{"id": "a"}, {"id": "b"}]},
            {"role": "tool", "content": "{}"},
            {"role": "tool", "content": "{}"},
            {"role": "assistant", "content": ANSWER}
        ]);
        let free = score_row(&RubricConfig::default(), &messages(&talk), Gold::Malicious);
        let cfg = RubricConfig {
            tool_cost: 0.25,
            ..RubricConfig::default()
        };
        let costly = score_row(&cfg, &messages(&talk), Gold::Malicious);
        assert!((free.reward - costly.reward - 0.5).abs() < 1e-12);
        assert_eq!(free.components, costly.components);
        let plain = score_row(&cfg, &Completion::Text(ANSWER), Gold::Malicious);
        assert_eq!(plain.reward, free.reward);
    }

    #[test]
    fn bad_shapes_are_errors_that_say_what_was_found() {
        assert!(matches!(
            Completion::from_value(&json!(3)),
            Err(RubricError::Completion(m)) if m.contains("a number")
        ));
        assert!(matches!(
            Completion::from_value(&json!([{"role": "assistant"}, "x"])),
            Err(RubricError::Completion(m)) if m.contains("[1]")
        ));
        assert!(matches!(
            Completion::from_value(&Value::Null),
            Ok(Completion::Empty)
        ));
    }
}
