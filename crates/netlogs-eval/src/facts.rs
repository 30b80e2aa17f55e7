//! What an answer's `evidence` is checked against: the fields its prompt showed
//! (`netlogs_data::shown_fields`), read from the user message wherever the prompt is held (a
//! sample's text, a stored row's messages, a scored file's `prompt`). Built only when the
//! rubric weighs `grounding`.

use netlogs_data::{shown_fields, user_message};
use netlogs_rubric::FlowFacts;
use serde_json::Value;

/// The facts of a flow's user message.
pub fn facts_of_prompt(user: &str) -> FlowFacts {
    shown_fields(user).into_iter().collect()
}

/// The facts of a prompt as run logs and verifiers files hold it: the text itself, or the
/// last `user` message of a message list. `None` when there is no user text.
pub fn facts_of_messages(prompt: &Value) -> Option<FlowFacts> {
    user_message(prompt).map(facts_of_prompt)
}

/// Why a grounding rubric cannot score a row whose prompt has no user message.
pub const NO_FLOW: &str =
    "field `prompt` has no user message: the rubric checks citations against the flow it shows";

/// The facts of a stored prompt that a grounding rubric scores against: an error naming the
/// field when it has no user message.
pub fn flow_facts(prompt: &Value) -> Result<FlowFacts, &'static str> {
    facts_of_messages(prompt).ok_or(NO_FLOW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_last_user_message_is_the_flow() {
        let prompt = json!([
            {"role": "system", "content": "id.resp_p=1 is not a flow"},
            {"role": "user", "content": "Zeek conn record: proto=tcp id.resp_p=23"}
        ]);
        let facts = facts_of_messages(&prompt).expect("user");
        assert_eq!(facts.get("id.resp_p"), Some("23"));
        assert_eq!(facts.len(), 2);
        assert_eq!(
            facts_of_messages(&json!("proto=udp")).and_then(|f| f.get("proto").map(String::from)),
            Some("udp".into())
        );
        assert!(facts_of_messages(&json!([{"role": "system", "content": "x"}])).is_none());
        assert!(facts_of_messages(&json!(3)).is_none());
    }
}
