//! netlogs-client: where completions come from.
//!
//! [`RemoteClient`] sends chat messages to any OpenAI-compatible endpoint and returns the
//! completion text, with netlogs' retry policy. This crate knows nothing of rewards, labels or
//! datasets, and depends on no other netlogs crate: the offline policies and the test stub live
//! in `netlogs-eval`.

mod message;
mod remote;
mod secret;

pub use message::{ChatMessage, Completion, MessageRef, PromptMessages};
pub use remote::{
    Attempted, RemoteClient, RemoteCompletion, RemoteSettings, RequestError, ResponseFormat,
    ToolCall, Usage, RESERVED_FIELDS,
};
pub use secret::Secret;
