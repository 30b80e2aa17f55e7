//! The completion text a rubric reads, from either shape verifiers stores.

use serde_json::Value;

/// A completion is a string, or a list of chat messages; for a list, the last assistant
/// message's content (the last message when none is marked assistant). Content given as a list
/// of parts is joined from its `text` parts.
pub fn completion_text(completion: &Value) -> String {
    match completion {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(messages) => {
            let pick = messages
                .iter()
                .rev()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))
                .or_else(|| messages.last());
            match pick {
                Some(Value::Object(m)) => content_text(m.get("content").unwrap_or(&Value::Null)),
                Some(other) => content_text(other),
                None => String::new(),
            }
        }
        other => other.to_string(),
    }
}

/// Tool results in a completion given as messages (`role: "tool"`): the tool calls a
/// multi-turn rollout made, each worth `tool_cost` off the reward.
pub fn tool_results_in(completion: &Value) -> usize {
    completion.as_array().map_or(0, |messages| {
        messages
            .iter()
            .filter(|m| m.get("role").and_then(Value::as_str) == Some("tool"))
            .count()
    })
}

fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        assert_eq!(completion_text(&json!("hi")), "hi");
        assert_eq!(
            completion_text(&json!([
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "a1"},
                {"role": "tool", "content": "t"}
            ])),
            "a1"
        );
        assert_eq!(
            completion_text(
                &json!([{"role": "assistant", "content": [{"type": "text", "text": "x"}, {"type": "text", "text": "y"}]}])
            ),
            "xy"
        );
        assert_eq!(completion_text(&json!([])), "");
        assert_eq!(completion_text(&Value::Null), "");
    }
}
