"""Prompts shared by training and evaluation, so both see exactly the same text.

A prompt is the example's chat messages (netlogs' system prompt and the flow), rendered with
the model's chat template and its generation prompt, then the answer prefix, if any. With the
prefix `{"label": "` the assistant turn has already begun with the answer's JSON shape, so
the model only chooses the label and what follows; the reward, and every evaluation of such a
model, scores the prefix plus the completion."""

from __future__ import annotations

import netlogs

ANSWER_PREFIX = '{"label": "'

WORKED_EXAMPLE = (
    "\nExample of a complete answer:\n"
    '{"label": "Malicious", "confidence": 0.8, "rationale": "Repeated connection attempts to '
    'a telnet port with no reply."}\n'
    "Answer with the JSON object only."
)

# The training system prompt of the compact recipe: the task and the answer in one line
# (41 SmolLM2 tokens against the default's 110). Held-out figures are comparable only
# between evaluations with the same system prompt, template and answer prefix.
COMPACT_SYSTEM = (
    'Is this IoT network flow Malicious or Benign? Answer in JSON: '
    '{"label": "Benign"|"Malicious"|"Abstain", "confidence": 0-1}'
)

# --system-prompt choices.
SYSTEM_PROMPTS = ("default", "worked-example", "compact")


def system_prompt(name: str) -> str:
    """netlogs' default system prompt, that prompt followed by a worked example answer, or the
    compact recipe's one line."""
    if name == "compact":
        return COMPACT_SYSTEM
    base = netlogs.default_system_prompt()
    if name == "default":
        return base
    if name == "worked-example":
        return base + WORKED_EXAMPLE
    raise ValueError(f"system prompt {name!r}: one of {', '.join(SYSTEM_PROMPTS)}")


def render(tokenizer, messages: list[dict], prefix: str) -> str:
    """The text the model continues: the chat up to the assistant turn, then `prefix`."""
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return text + prefix


def logged_prompt(messages: list[dict], prefix: str) -> list[dict]:
    """The messages as a run log records them: the prefix is the assistant turn's start."""
    if not prefix:
        return list(messages)
    return [*messages, {"role": "assistant", "content": prefix, "prefill": True}]
