//! One lookup-mode rollout: ask, run the tools the model calls, ask again, until it answers
//! or runs out of turns. The turns are kept as verifiers-style messages (assistant turns with
//! `tool_calls`, then `tool` messages), the final answer last.

use std::sync::atomic::AtomicU64;
use std::time::SystemTime;

use netlogs_client::{RemoteCompletion, RequestError, ToolCall, Usage};
use netlogs_lookup::{call, Anchor, FlowIndex};
use serde_json::value::{to_raw_value, RawValue};
use serde_json::{json, Value};

use crate::policy::Policy;

/// What a lookup conversation needs beyond the policy.
pub struct Lookup {
    pub index: FlowIndex,
    /// Per example of the sample, where its tools look.
    pub anchors: Vec<Anchor>,
    pub tools: Box<RawValue>,
    pub max_turns: u32,
}

/// A conversation as it ended: answered (or out of turns), or stopped by a request that
/// failed for good. The attempts count either way.
pub struct Conversation {
    pub result: Result<Talk, RequestError>,
    /// HTTP attempts over all the model calls.
    pub attempts: u32,
    /// Every model turn came from the response cache.
    pub cached: bool,
}

/// The turns of a conversation that ended with the model's last word, or out of turns.
/// Which message is the answer is the rubric's to say (`netlogs_rubric::answer_of`).
pub struct Talk {
    /// The last model turn's finish reason and the usage summed over every turn.
    pub last: RemoteCompletion,
    /// Every message after the prompt, the final answer (if any) last.
    pub turns: Vec<Value>,
    /// When each tool call ran (start, end), in the order of the `tool` messages.
    pub tool_times: Vec<(SystemTime, SystemTime)>,
}

/// What the model is told when it keeps calling tools on its last turn.
pub const OUT_OF_TURNS: &str = "out of turns: no final answer";

fn assistant_turn(c: &RemoteCompletion) -> Value {
    let calls: Vec<Value> = c
        .tool_calls
        .iter()
        .map(|t| json!({"id": t.id, "type": "function", "function": {"name": t.name, "arguments": t.arguments}}))
        .collect();
    json!({"role": "assistant", "content": c.text, "tool_calls": calls})
}

fn tool_message(call: &ToolCall, content: String) -> Value {
    json!({"role": "tool", "tool_call_id": call.id, "name": call.name, "content": content})
}

fn add_usage(total: &mut Option<Usage>, u: Option<Usage>) {
    if let Some(u) = u {
        let t = total.get_or_insert_with(Usage::default);
        t.prompt_tokens += u.prompt_tokens;
        t.completion_tokens += u.completion_tokens;
    }
}

/// Run one conversation from the `(system, user)` prompt.
pub async fn converse(
    policy: &Policy,
    lookup: &Lookup,
    index: usize,
    prompt: (&str, &str),
    rollout: u32,
    retries: &AtomicU64,
) -> Conversation {
    let (mut attempts, mut cached) = (0u32, true);
    let served = (&mut attempts, &mut cached);
    let result = talk(policy, lookup, index, prompt, (rollout, retries), served).await;
    Conversation {
        result,
        attempts,
        cached,
    }
}

async fn talk(
    policy: &Policy,
    lookup: &Lookup,
    index: usize,
    (system, user): (&str, &str),
    (rollout, retries): (u32, &AtomicU64),
    (attempts, cached): (&mut u32, &mut bool),
) -> Result<Talk, RequestError> {
    let mut messages = vec![
        json!({"role": "system", "content": system}),
        json!({"role": "user", "content": user}),
    ];
    let first = messages.len();
    let mut usage = None;
    let mut turn = 0u32;
    let mut tool_times = Vec::new();
    loop {
        turn += 1;
        // Values parsed from JSON serialise back without fail.
        let sent = to_raw_value(&messages).unwrap_or_default();
        let answer = policy
            .answer(&sent, user, Some(&lookup.tools), rollout, retries)
            .await;
        *attempts += answer.attempts;
        *cached &= answer.cached;
        let mut completion = answer.result?;
        add_usage(&mut usage, completion.usage);
        messages.push(assistant_turn(&completion));
        if completion.tool_calls.is_empty() {
            completion.usage = usage;
            return Ok(finish(completion, messages.split_off(first), tool_times));
        }
        for tool in &completion.tool_calls {
            let start = SystemTime::now();
            let result = match lookup.anchors.get(index) {
                Some(at) => call(&lookup.index, at, &tool.name, &tool.arguments),
                None => json!({"error": "no data to look up for this flow"}).to_string(),
            };
            tool_times.push((start, SystemTime::now()));
            messages.push(tool_message(tool, result));
        }
        if turn >= lookup.max_turns {
            // The turns ran out mid-lookup: the conversation ends on a tool result, which
            // the rubric reads as no answer.
            let last = RemoteCompletion {
                text: String::new(),
                finish_reason: Some(OUT_OF_TURNS.into()),
                usage,
                tool_calls: Vec::new(),
            };
            return Ok(finish(last, messages.split_off(first), tool_times));
        }
    }
}

fn finish(
    last: RemoteCompletion,
    turns: Vec<Value>,
    tool_times: Vec<(SystemTime, SystemTime)>,
) -> Talk {
    Talk {
        last,
        turns,
        tool_times,
    }
}
