//! What trainers send, read as the rubric's inputs: a decoded prompt+response string with its
//! chat template still in it (OpenRLHF's `query`), and a gold label in any of the forms
//! datasets store it.

use serde::Deserialize;
use serde_json::Value;

use crate::outcome::Gold;

/// Where the assistant's turn starts in the chat templates trainers decode with: ChatML
/// (Qwen), Llama 3, Mistral/Llama 2 and Gemma.
const ASSISTANT_MARKERS: [&str; 4] = [
    "<|im_start|>assistant",
    "<|start_header_id|>assistant<|end_header_id|>",
    "[/INST]",
    "<start_of_turn>model",
];

/// Tokens that end a turn; the response stops at the first.
const END_OF_TURN: [&str; 5] = [
    "<|im_end|>",
    "<|eot_id|>",
    "</s>",
    "<end_of_turn>",
    "<|endoftext|>",
];

/// The response inside a decoded `query` (prompt followed by response, chat template and
/// special tokens included, as OpenRLHF sends it). The text after `prompt` when it is a
/// prefix; else the text after the last assistant marker; else the whole query. It ends at the
/// first end-of-turn token.
pub fn response_in_query<'a>(query: &'a str, prompt: Option<&str>) -> &'a str {
    let after_prompt = prompt
        .filter(|p| !p.is_empty())
        .and_then(|p| query.strip_prefix(p));
    let response = after_prompt.unwrap_or_else(|| {
        ASSISTANT_MARKERS
            .iter()
            .filter_map(|m| query.rfind(m).map(|i| i + m.len()))
            .max()
            .map_or(query, |start| &query[start..])
    });
    let end = END_OF_TURN
        .iter()
        .filter_map(|t| response.find(t))
        .min()
        .unwrap_or(response.len());
    response[..end].trim()
}

/// A trainer's label: `Benign`/`Malicious` in any case, or a JSON object string
/// `{"answer": …, "info": {…}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerLabel {
    pub gold: Gold,
    pub info: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct LabelObject {
    answer: Value,
    #[serde(default)]
    info: Option<Value>,
}

impl TrainerLabel {
    pub fn parse(label: &str) -> Result<TrainerLabel, String> {
        let trimmed = label.trim();
        if trimmed.starts_with('{') {
            let obj: LabelObject = serde_json::from_str(trimmed)
                .map_err(|e| format!("not a label object {{\"answer\", \"info\"}}: {e}"))?;
            let gold = Gold::from_value(&obj.answer).map_err(|e| e.to_string())?;
            return Ok(TrainerLabel {
                gold,
                info: obj.info,
            });
        }
        let gold =
            Gold::from_value(&Value::String(trimmed.to_string())).map_err(|e| e.to_string())?;
        Ok(TrainerLabel { gold, info: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = r#"{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}"#;

    #[test]
    fn responses_in_templated_queries() {
        let chatml = format!("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nflow<|im_end|>\n<|im_start|>assistant\n{ANSWER}<|im_end|>\n<|endoftext|>");
        assert_eq!(response_in_query(&chatml, None), ANSWER);
        let prompt = "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nflow<|im_end|>\n<|im_start|>assistant\n";
        assert_eq!(response_in_query(&chatml, Some(prompt)), ANSWER);
        assert_eq!(response_in_query(&chatml, Some("not a prefix")), ANSWER);
        let llama = format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nflow<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{ANSWER}<|eot_id|>");
        assert_eq!(response_in_query(&llama, None), ANSWER);
        let mistral = format!("<s>[INST] flow [/INST] {ANSWER}</s>");
        assert_eq!(response_in_query(&mistral, None), ANSWER);
        let gemma = format!(
            "<start_of_turn>user\nflow<end_of_turn>\n<start_of_turn>model\n{ANSWER}<end_of_turn>"
        );
        assert_eq!(response_in_query(&gemma, None), ANSWER);
        assert_eq!(response_in_query(ANSWER, None), ANSWER);
    }

    #[test]
    fn labels_plain_and_json() {
        assert_eq!(
            TrainerLabel::parse("malicious").map(|l| l.gold),
            Ok(Gold::Malicious)
        );
        assert_eq!(
            TrainerLabel::parse(" Benign ").map(|l| l.gold),
            Ok(Gold::Benign)
        );
        let l = TrainerLabel::parse(r#"{"answer": "Malicious", "info": {"capture": "34-1"}}"#)
            .expect("json label");
        assert_eq!(l.gold, Gold::Malicious);
        assert_eq!(l.info.expect("info")["capture"], "34-1");
        assert!(TrainerLabel::parse("Abstain").is_err());
        assert!(TrainerLabel::parse("{\"info\": {}}").is_err());
    }
}
