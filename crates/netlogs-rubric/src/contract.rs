//! The answer contract: what a model must reply with. The label set, the JSON schema sent with
//! `--structured-output json_schema` the system prompt and its answer lines are defined here, once,
//! beside the parser that reads them, so the three can never disagree.

use serde_json::{json, Value};

use crate::answer::AnswerLabel;

/// Every label an answer may carry, in the order prompts list them.
pub const ANSWER_LABELS: [AnswerLabel; 3] = [
    AnswerLabel::Benign,
    AnswerLabel::Malicious,
    AnswerLabel::Abstain,
];

/// The system prompt's lines that state the answer format.
pub const ANSWER_INSTRUCTIONS: &str = "Answer with exactly one JSON object and nothing else:\n{\"label\": \"Benign\" | \"Malicious\" | \"Abstain\", \"confidence\": <number between 0 and 1>, \"rationale\": \"<one short sentence>\"}\nconfidence is your probability that the label is correct.";

const TASK: &str = "You are a network security analyst. You are shown one network flow record (Zeek conn.log fields). Decide whether the flow is Malicious or Benign, or Abstain if the record does not let you decide.";

/// The system prompt sent with every request unless overridden: the analyst's task, then the
/// answer lines, so the prompt states exactly the format the rubric scores.
pub fn default_system_prompt() -> String {
    format!("{TASK}\n{ANSWER_INSTRUCTIONS}")
}

/// The JSON schema of the answer object.
pub fn answer_schema() -> Value {
    let labels: Vec<&str> = ANSWER_LABELS.iter().map(|l| l.as_str()).collect();
    json!({
        "type": "object",
        "properties": {
            "label": {"type": "string", "enum": labels},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "rationale": {"type": "string"}
        },
        "required": ["label", "confidence", "rationale"],
        "additionalProperties": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{parse_answer, Dialect};

    #[test]
    fn instructions_schema_and_parser_agree() {
        let schema = answer_schema();
        let enum_labels = schema["properties"]["label"]["enum"]
            .as_array()
            .expect("enum");
        assert_eq!(enum_labels.len(), ANSWER_LABELS.len());
        for label in ANSWER_LABELS {
            assert!(ANSWER_INSTRUCTIONS.contains(&format!("\"{}\"", label.as_str())));
            assert!(enum_labels.contains(&json!(label.as_str())));
            let text = format!(
                r#"{{"label": "{}", "confidence": 0.5, "rationale": "r"}}"#,
                label.as_str()
            );
            let parsed = parse_answer(&text, Dialect::Strict);
            assert_eq!(parsed.label, Some(label));
            assert!(parsed.strict);
        }
    }
}
