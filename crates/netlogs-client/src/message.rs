use serde::{Deserialize, Serialize};
use serde_json::value::{to_raw_value, RawValue};

/// One chat message, as OpenAI-compatible APIs and verifiers store them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage {
            role: "system".into(),
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage {
            role: "user".into(),
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage {
            role: "assistant".into(),
            content: content.into(),
        }
    }
}

/// What a policy answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub text: String,
    pub finish_reason: Option<String>,
}

/// A chat message borrowed from its parts, for serialising without copying prompts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MessageRef<'a> {
    pub role: &'a str,
    pub content: &'a str,
}

/// The messages of one request, serialised once: the same JSON goes into the request body and
/// into the stored row. The system message, shared by every request of a run, is escaped once.
#[derive(Debug, Clone)]
pub struct PromptMessages {
    system: Box<RawValue>,
}

impl PromptMessages {
    pub fn new(system: &str) -> PromptMessages {
        let message = MessageRef {
            role: "system",
            content: system,
        };
        PromptMessages {
            system: to_raw_value(&message).unwrap_or_default(),
        }
    }

    /// `[system, user]` as a JSON array.
    pub fn with_user(&self, user: &str) -> Box<RawValue> {
        let user = MessageRef {
            role: "user",
            content: user,
        };
        // Serialising borrowed strings into memory cannot fail.
        to_raw_value(&(&*self.system, user)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_messages_serialise_like_chat_messages() {
        let system = "Answer in \"JSON\".\nNo prose.";
        let user = "Zeek conn record: proto=tcp \\ history=S\u{7}";
        let raw = PromptMessages::new(system).with_user(user);
        let parsed: Vec<ChatMessage> = serde_json::from_str(raw.get()).expect("valid JSON");
        assert_eq!(
            parsed,
            vec![ChatMessage::system(system), ChatMessage::user(user)]
        );
        assert_eq!(
            raw.get(),
            serde_json::to_string(&parsed).expect("serialise")
        );
    }
}
