"""OpenRLHF (0.11): netlogs' lookup mode as a multi-turn agent.

    --train.agent_func_path $(python -c "import netlogs.openrlhf_agent as m; print(m.__file__)")

OpenRLHF loads this file, builds its ``AgentExecutor`` (a ``MultiTurnAgentExecutor`` over
:class:`LookupAgent`) and runs, for each prompt, ``reset`` then ``step`` after every model turn,
text in and text out. The prompt is text the chat template already rendered with netlogs'
tools (:func:`netlogs.openrlhf.rows` with ``tokenizer=``), and the label is
``{"answer": …, "info": {…}}`` as JSON, so the agent knows the judged flow's time and capture.

Each turn, the agent reads the model's tool calls in the Hermes format Qwen models write
(``<tool_call>{"name": …, "arguments": {…}}</tool_call>``), answers each with the same JSON as
``netlogs eval --mode lookup``, and hands the results back as a ChatML tool turn. A turn without
a tool call is the answer; a model still calling tools on its ``max_turns``-th turn has its
calls answered and the rollout ends there, without an answer, as in eval. The reward is
netlogs' reward of the conversation (``tool_cost`` per call), paid as it changes: each step
returns the change, so the sum OpenRLHF keeps is the conversation's reward wherever the
rollout stops, even when the token budget cuts it short.

Settings, from the environment of OpenRLHF's rollout workers (or subclass, see
:func:`make_executor`):

- ``NETLOGS_LOOKUP_DATA``: the raw flows the tools look in (paths separated by ``:``; default:
  netlogs' default data);
- ``NETLOGS_MAX_TURNS``: model turns at most (default 6);
- ``NETLOGS_RUBRIC``: a rubric TOML file (``preset``, ``tool_cost``, costs, weights), read
  once, when OpenRLHF loads this file.

The conversation is scored with its prompt (the observation ``reset`` receives), so a rubric
that weighs grounding (``preset = "grounded"``) checks citations against the flow the prompt
showed, and against the tool results of the conversation.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import torch
from openrlhf.utils.agent import AgentInstanceBase, MultiTurnAgentExecutor

from netlogs._netlogs import Rubric, parse_label, response_in_query
from netlogs.lookup import Anchor, call, tools_for

TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)


def chatml_tool_turn(results: list[str]) -> str:
    """The text after an assistant turn (its ``<|im_end|>`` is the model's last token) that
    hands back tool results and opens the next assistant turn, as Qwen2.5/Qwen3's chat
    templates render tool messages."""
    body = "".join(f"\n<tool_response>\n{r}\n</tool_response>" for r in results)
    return f"\n<|im_start|>user{body}<|im_end|>\n<|im_start|>assistant\n"


def _tool_call(raw: str, call_id: str) -> tuple[dict, str | None]:
    """One ``<tool_call>`` body as an OpenAI tool call, and the error to answer it with when
    it is not ``{"name": str, "arguments": object}`` JSON."""
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as e:
        parsed, error = None, f"the tool call is not JSON: {e}"
    else:
        ok = isinstance(parsed, dict) and isinstance(parsed.get("name"), str) and isinstance(parsed.get("arguments", {}), dict)
        error = None if ok else 'a tool call is {"name": <tool>, "arguments": {…}}'
    if error is not None:
        return {"id": call_id, "type": "function", "function": {"name": "", "arguments": raw.strip()}}, error
    arguments = json.dumps(parsed.get("arguments", {}))
    return {"id": call_id, "type": "function", "function": {"name": parsed["name"], "arguments": arguments}}, None


class LookupAgent(AgentInstanceBase):
    """One rollout of lookup mode (OpenRLHF builds one per prompt, without arguments)."""

    data: Any = None
    """The raw flows the tools look in (None: netlogs' default data)."""
    max_turns: int = 6
    """Model turns at most."""
    rubric: Any = None
    """A netlogs.Rubric, a dict of overrides or a TOML path (None: the proper preset), read
    once, when the class is made: a subclass's is a ``netlogs.Rubric`` from then on."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.rubric = Rubric.load(cls.rubric)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not isinstance(self.max_turns, int) or self.max_turns < 1:
            raise ValueError(f"LookupAgent.max_turns must be a whole number >= 1, got {self.max_turns!r}")
        if not isinstance(self.rubric, Rubric):
            type(self).rubric = Rubric.load(self.rubric)
        self._tools = tools_for(self.data)
        self._messages: list[dict] = []
        self._prompt: str | None = None
        self._turns = 0
        self._paid = 0.0

    async def reset(self, states: dict, **kwargs: Any) -> dict:
        try:
            self._gold, info = parse_label(states["label"])
        except (TypeError, ValueError) as e:
            raise ValueError(f"LookupAgent: the label is not netlogs' ({e})") from None
        self._anchor = Anchor.from_info(info if isinstance(info, dict) else None)
        self._messages, self._turns, self._paid = [], 0, 0.0
        self._prompt = states["observation"]
        return {"observation": states["observation"]}

    async def step(self, states: dict, **kwargs: Any) -> dict:
        self._turns += 1
        text = response_in_query(states["action_text"])
        bodies = TOOL_CALL.findall(text)
        if not bodies:
            self._messages.append({"role": "assistant", "content": text})
        else:
            calls, results = [], []
            for i, body in enumerate(bodies):
                tool_call, error = _tool_call(body, f"call_{self._turns}_{i}")
                fn = tool_call["function"]
                result = json.dumps({"error": error}) if error else call(self._tools, fn["name"], fn["arguments"], self._anchor)
                calls.append(tool_call)
                results.append({"role": "tool", "tool_call_id": tool_call["id"], "name": fn["name"], "content": result})
            self._messages.append({"role": "assistant", "content": TOOL_CALL.sub("", text).strip(), "tool_calls": calls})
            self._messages.extend(results)
        done = not bodies or self._turns >= self.max_turns
        (s,) = self.rubric.score([self._messages], [self._gold], prompts=[self._prompt])
        change, self._paid = s["reward"] - self._paid, s["reward"]
        return {
            "rewards": torch.tensor(change, dtype=torch.float64),
            "scores": torch.tensor(s["reward"], dtype=torch.float64),
            "environment_feedback": "" if done else chatml_tool_turn([m["content"] for m in self._messages[-len(bodies):]]),
            "done": done,
            "sampling_params": states.get("sampling_params"),
            "extra_logs": {
                **{k: torch.tensor(s["metrics"][k], dtype=torch.float64) for k in self.rubric.components},
                "tool_calls": torch.tensor(s["tool_calls"], dtype=torch.float64),
            },
        }

    @property
    def messages(self) -> list[dict]:
        """The conversation after the prompt, as netlogs scores it."""
        return list(self._messages)


def make_executor(data: Any = None, max_turns: int = 6, rubric: Any = None) -> type:
    """An ``AgentExecutor`` class for an agent file of your own::

        from netlogs.openrlhf_agent import make_executor
        AgentExecutor = make_executor(data="flows.conn.log.labeled", max_turns=4, rubric={"tool_cost": 0.02})

    ``rubric``: a ``netlogs.Rubric``, a dict of overrides or a TOML path (None: the proper
    preset), read once, here, not at every step.
    """
    agent = type("LookupAgent", (LookupAgent,), {"data": data, "max_turns": max_turns, "rubric": rubric})

    class Executor(MultiTurnAgentExecutor):
        def __init__(self) -> None:
            super().__init__(agent)

    Executor.__name__ = Executor.__qualname__ = "AgentExecutor"
    return Executor


def _from_environment() -> tuple[Any, int, Any]:
    data = os.environ.get("NETLOGS_LOOKUP_DATA") or None
    raw_turns = os.environ.get("NETLOGS_MAX_TURNS", "6")
    try:
        max_turns = int(raw_turns)
    except ValueError:
        raise ValueError(f"NETLOGS_MAX_TURNS must be a whole number >= 1, got {raw_turns!r}") from None
    rubric = os.environ.get("NETLOGS_RUBRIC") or None
    if rubric is not None and not os.path.isfile(rubric):
        raise ValueError(f"NETLOGS_RUBRIC names {rubric!r}, which is not a file")
    return (data.split(os.pathsep) if data else None), max_turns, rubric


# What OpenRLHF loads from this file: the lookup agent under the NETLOGS_* settings.
AgentExecutor = make_executor(*_from_environment())
