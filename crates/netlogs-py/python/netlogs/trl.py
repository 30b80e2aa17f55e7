"""TRL (1.16): netlogs' reward for ``GRPOTrainer``, single-turn or with the lookup tools.

Single turn::

    GRPOTrainer(model, reward_funcs=[netlogs.trl.reward_func], train_dataset=netlogs.to_hf_dataset(...))

Lookup mode (the model may call netlogs' three lookup tools before it answers)::

    GRPOTrainer(model, reward_funcs=[netlogs.trl.make_async_reward_func(rubric=netlogs.Rubric(tool_cost=0.05))],
                environment_factory=netlogs.trl.LookupEnv, train_dataset=netlogs.to_hf_dataset(...),
                args=GRPOConfig(max_tool_calling_iterations=MAX_TURNS - 1, ...))

TRL calls each reward function as ``f(prompts=..., completions=..., completion_ids=...,
**columns, trainer_state=..., log_extra=..., log_metric=...)`` (plus ``environments=`` with an
``environment_factory``), where ``columns`` are the dataset's other columns (``answer`` and
``info`` here, as :func:`netlogs.to_hf_dataset` names them). A completion is a string, or the
messages after the prompt for a conversational dataset: assistant turns with ``tool_calls``,
the ``tool`` results TRL appended, the final answer. netlogs scores that conversation as
``netlogs score`` does: the tool calls cost ``tool_cost`` each, and one that ends without an
answer is an invalid answer.

``GRPOConfig.max_tool_calling_iterations = K`` lets the model make K rounds of tool calls,
so K + 1 model turns: eval's ``--max-turns K + 1``. TRL does not run the calls of a last turn
that still calls tools; that conversation ends on that call, has no answer, and its
unexecuted calls cost nothing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import Any

from netlogs._netlogs import Rubric
from netlogs._netlogs import rewards as _rewards
from netlogs.lookup import Anchor, call, google_docstring, tools_for


def reward_func(prompts, completions, answer, **kwargs):
    """The netlogs reward (default ``proper`` preset) of each completion."""
    return _rewards(list(completions), list(answer), prompts=list(prompts))


def make_reward_func(preset=None, rubric=None):
    """A TRL reward function under another preset or rubric, e.g. ``preset="legacy"`` or
    ``preset="grounded"`` (which checks each answer's citations against its prompt's flow).
    ``rubric`` (a ``netlogs.Rubric``, a dict of overrides or a TOML path) is read once, here."""
    chosen = Rubric.load(rubric, preset)

    def netlogs_reward(prompts, completions, answer, **kwargs):
        return chosen.rewards(list(completions), list(answer), prompts=list(prompts))

    return netlogs_reward


def make_async_reward_func(preset: str | None = None, rubric: Any = None) -> Callable:
    """An ``async`` TRL reward function: netlogs' reward of each completion, scored off the
    event loop (netlogs releases the GIL), under ``preset`` and ``rubric`` (a
    ``netlogs.Rubric``, a dict of overrides such as ``{"tool_cost": 0.05}``, or a TOML path,
    read once, here). Each completion is scored with its prompt, so ``preset="grounded"``
    checks citations against the flow that prompt showed.

    It logs the batch means of the rubric's components through TRL's ``log_metric``
    (``netlogs/accuracy``, ``netlogs/format``, ``netlogs/calibration``, ``netlogs/cost``, and
    ``netlogs/grounding`` under a rubric that weighs it), and each completion's outcome
    (``true_positive`` … ``invalid``) through ``log_extra``. A row whose ``answer`` is None is
    not netlogs' (a mixed-task dataset): it gets ``None``, which TRL leaves out of that row's
    reward."""
    chosen = Rubric.load(rubric, preset)

    async def netlogs_reward(
        prompts: Sequence[Any],
        completions: Sequence[Any],
        answer: Sequence[Any],
        log_metric: Callable[[str, float], None] | None = None,
        log_extra: Callable[[str, list], None] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        completions, answer, prompts = list(completions), list(answer), list(prompts)
        if len(answer) != len(completions):
            raise ValueError(f"answer has {len(answer)} items but completions has {len(completions)}")
        if len(prompts) != len(completions):
            raise ValueError(f"prompts has {len(prompts)} items but completions has {len(completions)}")
        mine = [i for i, a in enumerate(answer) if a is not None]
        try:
            scored = await asyncio.to_thread(
                chosen.score,
                [completions[i] for i in mine],
                [answer[i] for i in mine],
                prompts=[prompts[i] for i in mine],
            )
        except ValueError as e:
            # The scorer names an index of netlogs' rows; name the batch's own.
            raise ValueError(_batch_index(str(e), mine)) from None
        out: list[float | None] = [None] * len(completions)
        outcomes: list[str | None] = [None] * len(completions)
        for i, s in zip(mine, scored):
            out[i] = s["reward"]
            outcomes[i] = s["parsed"]["outcome"]
        if scored and log_metric is not None:
            for k in chosen.components:
                log_metric(f"netlogs/{k}", sum(s["metrics"][k] for s in scored) / len(scored))
        if log_extra is not None:
            log_extra("netlogs_outcome", outcomes)
        return out

    return netlogs_reward


def _batch_index(message: str, mine: list[int]) -> str:
    """``completions[j]: …`` about the j-th scored row, as ``completions[i]`` of the batch."""
    m = re.match(r"(\w+)\[(\d+)\]", message)
    if m is None or int(m.group(2)) >= len(mine):
        return message
    name = "answer" if m.group(1) == "answers" else m.group(1)
    return f"{name}[{mine[int(m.group(2))]}]{message[m.end():]}"


async_reward_func = make_async_reward_func()
async_reward_func.__doc__ = "The ``async`` netlogs reward (default ``proper`` preset); see :func:`make_async_reward_func`."


class LookupEnv:
    """netlogs' lookup tools as a TRL ``environment_factory`` (one instance per rollout).

    ``reset(**row)`` reads the row's ``info`` (its flow's time and capture), so the tools look
    around the judged flow and the model never chooses where. The public methods are the
    tools; TRL describes them to the model from their signatures and docstrings, which come
    from netlogs' own tool definitions. Each call reads the same JSON as in ``netlogs eval
    --mode lookup``, a bad call ``{"error": …}``.

    The reward is the reward function's (:func:`make_async_reward_func`), which reads the whole
    conversation: TRL calls ``get_reward()`` without arguments, and the model's final answer is
    a plain message that never reaches the environment, so it cannot own the reward.

    The index over the raw flows is built once per process and shared; pass the data with
    ``functools.partial(LookupEnv, data="flows.conn.log.labeled")`` (default: the data
    ``netlogs.load_examples`` reads by default).
    """

    def __init__(self, data: Any = None) -> None:
        self._tools = tools_for(data)
        self._anchor = Anchor(None, None)

    def reset(self, **row: Any) -> None:
        self._anchor = Anchor.from_info(row.get("info"))

    def _call(self, name: str, **arguments: Any) -> str:
        return call(self._tools, name, arguments, self._anchor)

    # A `None` default leaves the argument out, so netlogs' own default applies.
    def flows_for_host(self, host: str, before_s: float = None, after_s: float = None, limit: int = None) -> str:  # type: ignore[assignment]
        return self._call("flows_for_host", host=host, before_s=before_s, after_s=after_s, limit=limit)

    def flows_to_port(self, port: int, before_s: float = None, after_s: float = None, limit: int = None) -> str:  # type: ignore[assignment]
        return self._call("flows_to_port", port=port, before_s=before_s, after_s=after_s, limit=limit)

    def host_summary(self, host: str, window_s: float = None) -> str:  # type: ignore[assignment]
        return self._call("host_summary", host=host, window_s=window_s)


for _name in ("flows_for_host", "flows_to_port", "host_summary"):
    getattr(LookupEnv, _name).__doc__ = google_docstring(_name)
