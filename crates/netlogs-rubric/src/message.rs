//! A conversation message as trainers and run logs hold it (OpenAI / verifiers shaped): who
//! wrote it and its text. Read by `row` (which message is the answer) and `grounding` (what
//! the tool results showed).

use std::borrow::Cow;

use serde_json::Value;

/// A message's `role`, when it has one.
pub(crate) fn role(m: &Value) -> Option<&str> {
    m.get("role").and_then(Value::as_str)
}

/// A message's content: a string, or the `text` parts of a list of parts, joined.
pub(crate) fn content_text(content: &Value) -> Cow<'_, str> {
    match content {
        Value::String(s) => Cow::Borrowed(s),
        Value::Array(parts) => Cow::Owned(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect(),
        ),
        _ => Cow::Borrowed(""),
    }
}
