//! The user turn inside a prompt as trainers hand it over: a chat message list, the user
//! message's text, or text a chat template already rendered (OpenRLHF's `prompts`, its
//! agent's observation), special tokens included.

use netlogs_data::user_message;
use serde_json::Value;

/// Where a user turn starts in the chat templates trainers render: ChatML (Qwen), Llama 3,
/// Mistral/Llama 2 and Gemma (the templates `response_in_query` reads).
const USER_MARKERS: [&str; 4] = [
    "<|im_start|>user",
    "<|start_header_id|>user<|end_header_id|>",
    "[INST]",
    "<start_of_turn>user",
];

/// Tokens that end a user turn; it stops at the first.
const END_OF_TURN: [&str; 6] = [
    "<|im_end|>",
    "<|eot_id|>",
    "</s>",
    "<end_of_turn>",
    "<|endoftext|>",
    "[/INST]",
];

/// The last user turn of a rendered prompt, or the text as it is when no template marks one.
fn rendered_user_turn(text: &str) -> &str {
    let Some(start) = USER_MARKERS
        .iter()
        .filter_map(|m| text.rfind(m).map(|i| i + m.len()))
        .max()
    else {
        return text;
    };
    let turn = &text[start..];
    let end = END_OF_TURN
        .iter()
        .filter_map(|t| turn.find(t))
        .min()
        .unwrap_or(turn.len());
    turn[..end].trim()
}

/// The text of a prompt's (last) user message: a message list's, or a string's own user turn
/// when a chat template rendered it.
pub fn user_text(prompt: &Value) -> Option<&str> {
    match prompt {
        Value::String(text) => Some(rendered_user_turn(text)),
        messages => user_message(messages),
    }
}
