//! The data a report shows, read from a run directory: the run log's metadata and summary, and
//! every row reduced to what the per-sample table and the plots need.

use std::path::Path;

use netlogs_rubric::{answer_of, Completion, Outcome};
use netlogs_runlog::{for_each_row, Metadata, RowView, RunLogError, Summary, RESULTS_FILE};
use serde::Serialize;
use serde_json::Value;

/// One row of the per-sample table. Prompts are stored once per example (`prompt` indexes
/// `ReportData::prompts`), so rollouts do not repeat them.
#[derive(Debug, Clone, Serialize)]
pub struct SampleRow {
    pub id: String,
    pub rollout: u32,
    pub capture: Option<String>,
    pub family: Option<String>,
    pub split: Option<String>,
    pub answer: String,
    pub label: Option<String>,
    pub confidence: Option<f64>,
    pub outcome: Option<Outcome>,
    pub reward: Option<f64>,
    /// accuracy, format, calibration, cost.
    pub metrics: Option<[f64; 4]>,
    pub error: Option<String>,
    pub truncated: bool,
    pub prompt: usize,
    pub completion: String,
}

impl SampleRow {
    pub fn correct(&self) -> bool {
        matches!(
            self.outcome,
            Some(Outcome::TruePositive | Outcome::TrueNegative)
        )
    }
}

/// Everything `report.html` shows, also its JSON payload.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub metadata: Metadata,
    pub summary: Summary,
    pub prompts: Vec<String>,
    pub rows: Vec<SampleRow>,
}

/// The user message of a stored prompt (a verifiers message list, or a string).
fn prompt_text(prompt: Option<&Value>) -> String {
    match prompt {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(messages)) => messages
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .and_then(|m| m.get("content"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    }
}

fn answer_text(answer: Option<&Value>) -> String {
    match answer {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

impl ReportData {
    pub fn read(dir: &Path) -> Result<ReportData, RunLogError> {
        let metadata = Metadata::read(dir)?;
        let summary = Summary::read(dir)?;
        // Prompts are numbered as first read, each stored once; renumbered after the sort.
        let mut prompts: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut rows = Vec::new();
        for_each_row(&dir.join(RESULTS_FILE), |line, r: RowView| {
            let text = prompt_text(r.prompt.as_ref());
            let next = prompts.len();
            let prompt = match index.get(&text) {
                Some(&i) => i,
                None => {
                    index.insert(text.clone(), next);
                    prompts.push(text);
                    next
                }
            };
            let row = SampleRow {
                id: r.id(line),
                rollout: r.rollout,
                capture: r.capture(),
                family: r.family(),
                split: r.split(),
                answer: answer_text(r.answer.as_ref()),
                label: r
                    .parsed
                    .as_ref()
                    .and_then(|p| p.label)
                    .map(|l| l.as_str().to_string()),
                confidence: r.parsed.as_ref().and_then(|p| p.confidence),
                outcome: r.parsed.as_ref().map(|p| p.outcome),
                reward: r.reward,
                metrics: r
                    .metrics
                    .map(|m| [m.accuracy, m.format, m.calibration, m.cost]),
                truncated: r.truncated(),
                error: r.error,
                prompt,
                completion: r
                    .completion
                    .as_ref()
                    .map(conversation_text)
                    .unwrap_or_default(),
            };
            rows.push(row);
            Ok(())
        })?;
        drop(index);
        // Rows are stored in completion order; the report shows them by example and rollout,
        // and numbers the prompts in that order, so equal runs give equal pages.
        rows.sort_by(|a: &SampleRow, b: &SampleRow| (&a.id, a.rollout).cmp(&(&b.id, b.rollout)));
        let mut renumber: Vec<Option<usize>> = vec![None; prompts.len()];
        let mut order = Vec::with_capacity(prompts.len());
        for row in &mut rows {
            let old = row.prompt;
            row.prompt = *renumber[old].get_or_insert_with(|| {
                order.push(old);
                order.len() - 1
            });
        }
        let mut slots: Vec<Option<String>> = prompts.into_iter().map(Some).collect();
        let prompts = order
            .into_iter()
            .map(|old| slots[old].take().unwrap_or_default())
            .collect();
        Ok(ReportData {
            metadata,
            summary,
            prompts,
            rows,
        })
    }
}

/// Tool text shown per call in a lookup transcript, at most.
const TOOL_TEXT: usize = 400;

/// A completion as the page shows it: its answer text (the rubric's reading of which message
/// is the answer); for a lookup conversation, each tool call (`→ name(arguments)`) and the
/// start of its result (`← …`) above the answer, or `(no answer)` when the turns ran out.
fn conversation_text(completion: &Value) -> String {
    let Ok(parsed) = Completion::from_value(completion) else {
        return completion.to_string();
    };
    let answered = answer_of(&parsed);
    let answer = answered.text.map(|t| t.into_owned());
    let messages = match parsed {
        Completion::Messages(m) if answered.tool_calls > 0 => m,
        _ => return answer.unwrap_or_default(),
    };
    let mut out = String::new();
    for m in messages {
        let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
        match text("role") {
            "assistant" => {
                for call in m
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let f = &call["function"];
                    let name = f["name"].as_str().unwrap_or("?");
                    let args = f["arguments"].as_str().unwrap_or("");
                    out.push_str(&format!("→ {name}({args})\n"));
                }
            }
            "tool" => {
                let t: String = text("content").chars().take(TOOL_TEXT).collect();
                let more = if text("content").chars().count() > TOOL_TEXT {
                    " …"
                } else {
                    ""
                };
                out.push_str(&format!("← {t}{more}\n"));
            }
            _ => {}
        }
    }
    out.push_str(answer.as_deref().unwrap_or("(no answer: out of turns)"));
    out
}

#[cfg(test)]
mod conversation_tests {
    use super::*;

    #[test]
    fn lookup_rows_show_their_calls_and_plain_rows_their_answer() {
        let answer = r#"{"label": "Benign", "confidence": 0.7}"#;
        assert_eq!(conversation_text(&Value::String(answer.into())), answer);
        let talk = serde_json::json!([
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "host_summary", "arguments": "{\"host\": \"10.0.0.1\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "a", "content": "x".repeat(500)},
            {"role": "assistant", "content": answer}
        ]);
        let shown = conversation_text(&talk);
        assert!(
            shown.starts_with("→ host_summary({\"host\": \"10.0.0.1\"})\n← xxx"),
            "{shown}"
        );
        assert!(shown.contains(" …\n") && shown.ends_with(answer), "{shown}");
    }
}
