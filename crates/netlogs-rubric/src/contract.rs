//! The answer contract: what a model must reply with. The label set, the JSON schema sent with
//! `--structured-output json_schema` the system prompt and its answer lines are defined here, once,
//! beside the parser that reads them, so the three can never disagree.

use serde_json::{json, Value};

use crate::answer::AnswerLabel;
use crate::config::RubricConfig;

/// Every label an answer may carry, in the order prompts list them.
pub const ANSWER_LABELS: [AnswerLabel; 3] = [
    AnswerLabel::Benign,
    AnswerLabel::Malicious,
    AnswerLabel::Abstain,
];

/// The system prompt's lines that state the answer format.
pub const ANSWER_INSTRUCTIONS: &str = "Answer with exactly one JSON object and nothing else:\n{\"label\": \"Benign\" | \"Malicious\" | \"Abstain\", \"confidence\": <number between 0 and 1>, \"rationale\": \"<one short sentence>\"}\nconfidence is your probability that the label is correct.";

/// How the citing lines open: a policy that finds this in its system prompt is asked to cite.
pub const EVIDENCE_REQUEST: &str = "Also give \"evidence\": a list of";

/// The lines a rubric that weighs `grounding` adds to the system prompt: how to cite.
pub fn evidence_instructions(cfg: &RubricConfig) -> String {
    format!(
        "{EVIDENCE_REQUEST} {{\"field\": \"<field name as shown>\", \"value\": \"<its value as shown>\"}} items citing the few fields your label rests on (at most {}), for example {{\"field\": \"id.resp_p\", \"value\": \"23\"}}. Name a context line's field context[i].<field> (the first line is context[0]) and a tool result's tool[j].<path> (the first result is tool[0]). A Malicious answer at confidence {} or above must cite.",
        cfg.grounding_max_cited, cfg.grounding_threshold
    )
}

const TASK: &str = "You are a network security analyst. You are shown one network flow record (Zeek conn.log fields). Decide whether the flow is Malicious or Benign, or Abstain if the record does not let you decide.";

/// The system prompt sent with every request unless overridden: the analyst's task, then the
/// answer lines, so the prompt states exactly the format the rubric scores.
pub fn default_system_prompt() -> String {
    format!("{TASK}\n{ANSWER_INSTRUCTIONS}")
}

/// The system prompt for `cfg`: the default one, and how to cite when `cfg` weighs
/// `grounding`.
pub fn system_prompt_for(cfg: &RubricConfig) -> String {
    if cfg.scores_grounding() {
        format!(
            "{}\n{}",
            default_system_prompt(),
            evidence_instructions(cfg)
        )
    } else {
        default_system_prompt()
    }
}

/// The JSON schema of the answer object. `evidence` is required because OpenAI's strict
/// structured outputs require every property; an empty list cites nothing.
pub fn answer_schema() -> Value {
    let labels: Vec<&str> = ANSWER_LABELS.iter().map(|l| l.as_str()).collect();
    json!({
        "type": "object",
        "properties": {
            "label": {"type": "string", "enum": labels},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "rationale": {"type": "string"},
            "evidence": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string"},
                        "value": {"type": "string"}
                    },
                    "required": ["field", "value"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["label", "confidence", "rationale", "evidence"],
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

    #[test]
    fn an_answer_the_schema_allows_is_strict() {
        let schema = answer_schema();
        let props = schema["properties"].as_object().expect("properties");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            props.len(),
            required.len(),
            "strict mode requires every property"
        );
        let text = r#"{"label": "Malicious", "confidence": 0.9, "rationale": "r", "evidence": [{"field": "id.resp_p", "value": "23"}]}"#;
        assert!(parse_answer(text, Dialect::Strict).strict);
        assert_eq!(
            schema["properties"]["evidence"]["items"]["required"],
            json!(["field", "value"])
        );
    }

    #[test]
    fn only_a_grounding_rubric_asks_for_evidence() {
        use crate::config::Preset;
        let proper = system_prompt_for(&RubricConfig::preset(Preset::Proper));
        assert_eq!(proper, default_system_prompt());
        let grounded = system_prompt_for(&RubricConfig::preset(Preset::Grounded));
        assert!(grounded.starts_with(&proper) && grounded.contains(EVIDENCE_REQUEST));
        assert!(grounded.contains("at most 5") && grounded.contains("confidence 0.8 or above"));
    }
}
