"""verifiers v1 (>= 0.4.0): ``NetlogsTaskset``, loaded by ``vf-eval netlogs-env`` and by
prime-rl's ``env.taskset.id = "netlogs-env"``.

``task.mode`` picks the rollout: ``single`` (default) is one answer; ``lookup`` offers netlogs'
three lookup tools (a shared MCP toolset, ``netlogs_env._lookup_v1``) for up to
``task.max_turns`` model turns. Either way the reward is netlogs' reward of the conversation:
the four components (weighted as the rubric weighs them), ``grounding`` (0 unless
``task.preset = "grounded"``, which checks the answer's citations against the flow its prompt
showed) and ``tool_use``, the ``tool_cost`` netlogs takes off for the tool calls. A rollout
that runs out of turns ends on its last tool results, as in ``netlogs eval --mode lookup``,
and scores as an invalid answer.
"""

from typing import Any, Literal

import verifiers.v1 as vf
from pydantic import Field

import netlogs
from netlogs_env._common import examples, scored
from netlogs_env._lookup_v1 import LookupState, LookupToolset, LookupToolsetConfig

# The rubric's weights, the same for every preset (verifiers fixes a reward's weight where it
# is declared); `grounding`'s is the grounded preset's, and the component is 0 under the others.
_WEIGHTS = {**netlogs.Rubric().config["weights"], "grounding": netlogs.Rubric("grounded").config["weights"]["grounding"]}


class NetlogsData(vf.TaskData):
    answer: str
    """The gold label, Benign or Malicious."""
    info: dict[str, Any] = {}
    """Source, capture, family, split and time of the flow (never shown to the model)."""


class NetlogsTaskConfig(vf.TaskConfig):
    preset: str = "proper"
    """Rubric preset: proper (default), legacy or grounded (citations checked against the
    prompt's flow)."""
    mode: Literal["single", "lookup"] = "single"
    """single: one answer. lookup: the model may call netlogs' lookup tools before answering."""
    max_turns: int = Field(6, ge=1)
    """lookup: model turns at most; a rollout still calling tools on its last turn has no answer."""
    tool_cost: float | None = Field(None, ge=0)
    """Reward taken off per tool call (the rubric's `tool_cost`; None: the preset's, 0)."""


def _message(m: Any) -> dict:
    """A v1 message as the OpenAI-shaped dict netlogs reads (assistant `tool_calls` nested)."""
    d = m.model_dump(exclude_none=True)
    if d.get("tool_calls"):
        d["tool_calls"] = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in d["tool_calls"]
        ]
    return d


def conversation(trace: vf.Trace) -> list[dict]:
    """The messages after the prompt on the trace's final branch: every model turn and tool
    result, as ``netlogs score`` reads a completion."""
    messages = trace.messages
    first = next((i for i, m in enumerate(messages) if m.role == "assistant"), len(messages))
    return [_message(m) for m in messages[first:]]


class NetlogsTask(vf.Task[NetlogsData, LookupState, NetlogsTaskConfig]):
    def _rubric(self) -> netlogs.Rubric:
        overrides = {} if self.config.tool_cost is None else {"tool_cost": self.config.tool_cost}
        return netlogs.Rubric(self.config.preset, **overrides)

    def _score(self, trace: vf.Trace) -> tuple[dict, float]:
        """netlogs' components of the conversation (scored with its prompt), and what its tool
        calls cost."""
        rubric = self._rubric()
        weights = rubric.config["weights"]
        if any(weights[k] != _WEIGHTS[k] for k in rubric.components):
            raise ValueError(f"netlogs-env v1 weighs components as {_WEIGHTS}; this rubric weighs them {weights}")
        # Cached: the six reward functions of one rollout score its conversation once.
        s = scored(conversation(trace), self.data.answer, rubric, self.data.prompt)
        return s.metrics, s.tool_use

    async def setup(self, trace: vf.Trace, runtime: Any = None) -> None:
        # Where this rollout's tools look: the judged flow's own time and capture.
        info = self.data.info
        trace.state.ts = info.get("ts")
        trace.state.capture = info.get("capture")

    @vf.stop
    async def out_of_turns(self, request: vf.Request, trace: vf.Trace) -> bool:
        # A request stop: when it fires, verifiers keeps the request's messages (the last
        # turn's tool results) on the trace, and the rollout ends on them, as in eval.
        # verifiers also runs it on a probe before each new tool call is executed (an empty
        # result, `session.gate_tool_calls`); the last turn's calls must still run, so a probe
        # stops nothing until the turns are exceeded. netlogs' tool results are never empty.
        limit = self.config.max_turns if self.config.mode == "lookup" else 1
        last = request.messages[-1] if request.messages else None
        probe = isinstance(last, vf.ToolMessage) and last.content == ""
        return trace.num_turns > limit or (trace.num_turns == limit and not probe)

    @vf.reward(weight=_WEIGHTS["accuracy"])
    async def accuracy(self, trace: vf.Trace) -> float:
        return self._score(trace)[0]["accuracy"]

    @vf.reward(weight=_WEIGHTS["format"])
    async def format(self, trace: vf.Trace) -> float:
        return self._score(trace)[0]["format"]

    @vf.reward(weight=_WEIGHTS["calibration"])
    async def calibration(self, trace: vf.Trace) -> float:
        return self._score(trace)[0]["calibration"]

    @vf.reward(weight=_WEIGHTS["cost"])
    async def cost(self, trace: vf.Trace) -> float:
        return self._score(trace)[0]["cost"]

    @vf.reward(weight=_WEIGHTS["grounding"])
    async def grounding(self, trace: vf.Trace) -> float:
        return self._score(trace)[0].get("grounding", 0.0)

    @vf.reward(weight=1.0)
    async def tool_use(self, trace: vf.Trace) -> float:
        return self._score(trace)[1]


class NetlogsConfig(vf.TasksetConfig):
    dataset_name: str | None = None
    """A data file or built dataset (default: the fetched dataset, else the bundled set)."""
    max_examples: int = 1000
    split: str | None = None
    template: str = "zeek"
    seed: int = 42
    context: int | None = None
    """Up to this many earlier flows of the same host under each flow (raw flows only)."""
    context_window: float = 60.0
    task: NetlogsTaskConfig = NetlogsTaskConfig()
    tools: vf.SharedToolsetConfig = vf.SharedToolsetConfig()
    """Where the lookup tool server runs (task.mode = "lookup")."""


class NetlogsTaskset(vf.Taskset[NetlogsTask, NetlogsConfig]):
    @classmethod
    def toolsets(cls, config: NetlogsConfig) -> list[vf.Toolset]:
        if config.task.mode != "lookup":
            return []
        data = [config.dataset_name] if config.dataset_name else None
        return [LookupToolset(LookupToolsetConfig(**dict(config.tools), data=data))]

    def load(self) -> list[NetlogsTask]:
        c = self.config
        rows = examples(
            c.dataset_name,
            c.max_examples,
            c.split,
            c.template,
            c.seed,
            context=c.context,
            context_window=c.context_window,
        )
        if c.task.mode == "lookup":
            missing = [r["example_id"] for r in rows if r["info"].get("ts") is None]
            if missing:
                raise ValueError(
                    f"task.mode = 'lookup' needs raw flows with timestamps; {len(missing)} examples of "
                    f"dataset_name={c.dataset_name!r} have none (first: {missing[0]})"
                )
        return [
            NetlogsTask(
                NetlogsData(
                    idx=i,
                    id=r["example_id"],
                    prompt=r["prompt"][-1]["content"],
                    system_prompt=r["prompt"][0]["content"],
                    answer=r["answer"],
                    info=r["info"],
                ),
                c.task,
            )
            for i, r in enumerate(rows)
        ]
