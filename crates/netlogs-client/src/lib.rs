//! netlogs-client: where completions come from.
//!
//! A model is named by a [`ModelSpec`]: `builtin:…` names an offline policy that answers from
//! the prompt text alone (no HTTP, no key); any other name is a remote OpenAI-compatible model
//! served through [`RemoteClient`]. This crate knows nothing of rewards: it turns chat messages
//! into completion text.

mod builtin;
mod message;
mod remote;
mod secret;
mod spec;
#[cfg(feature = "stub")]
pub mod stub;

pub use builtin::BuiltinPolicy;
pub use message::{ChatMessage, Completion, MessageRef, PromptMessages};
pub use remote::{
    answer_schema, Attempted, RemoteClient, RemoteCompletion, RemoteSettings, RequestError,
    StructuredOutput, Usage, RESERVED_FIELDS,
};
pub use secret::Secret;
pub use spec::{ModelSpec, SpecError};
