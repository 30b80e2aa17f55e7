//! The system prompt: the analyst's task, then the answer contract's lines from the rubric,
//! so the prompt states exactly the format the rubric scores.

use netlogs_rubric::ANSWER_INSTRUCTIONS;

const TASK: &str = "You are a network security analyst. You are shown one network flow record (Zeek conn.log fields). Decide whether the flow is Malicious or Benign, or Abstain if the record does not let you decide.";

/// The system prompt sent with every request unless overridden.
pub fn default_system_prompt() -> String {
    format!("{TASK}\n{ANSWER_INSTRUCTIONS}")
}
