"""verl (0.9): netlogs' reward as a custom reward function, sync or async.

    reward.custom_reward_function.path=<this file> reward.custom_reward_function.name=compute_score
    (or name=compute_score_async), reward.reward_manager.name=naive

verl's reward manager calls ``compute_score(data_source=, solution_str=, ground_truth=,
extra_info=)`` for each rollout (``await``-ing it when it is a coroutine function) and
logs every key of the dict it returns beside ``score``. Rubric options come from
``reward.custom_reward_function.reward_kwargs`` (``preset``, ``tool_cost``, ``fn_cost``, …, or
``rubric``: a TOML path); any other keyword is an error.

A lookup-mode rollout (the tools of :mod:`netlogs.verl_tools` under verl's tool agent loop)
leaves its conversation in ``extra_info``, and the reward is netlogs' reward of that
conversation (``tool_cost`` per call; one that ran out of turns ends on tool results and is
an invalid answer). Otherwise ``solution_str`` is the answer.

verl hands the reward function no prompt, so :func:`rows` puts the prompt in ``extra_info``
(under :data:`PROMPT`): a rubric that weighs grounding (``preset: grounded``)
checks each answer's citations against the flow it showed.

:func:`rows` turns ``netlogs.load_examples`` rows into verl's dataset rows.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from typing import Any

from netlogs._netlogs import Rubric, response_in_query

# Where netlogs' verl tools leave the rollout's messages (verl's `AgentData.extra_fields`,
# which reach the reward function inside `extra_info`).
CONVERSATION = "netlogs_messages"

# Where :func:`rows` leaves the prompt (its chat messages) in `extra_info`.
PROMPT = "netlogs_prompt"

# Keywords verl itself adds when a reward router is configured; they are not rubric options.
_VERL_KWARGS = ("reward_router_address", "reward_model_tokenizer")


def _completion(solution_str: str, extra_info: dict | None) -> str | list[dict]:
    """The rollout's conversation after the prompt, when its tools recorded one; else the
    decoded response. verl keeps each turn's raw text, end-of-turn token included; netlogs
    cuts it there, as it reads trainers' decoded turns everywhere."""
    messages = (extra_info or {}).get(CONVERSATION)
    if not messages:
        return solution_str
    messages = list(messages)
    first = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), len(messages))
    out = []
    for m in messages[first:]:
        m = dict(m)
        if m.get("role") == "assistant" and isinstance(m.get("content"), str):
            m["content"] = response_in_query(m["content"])
        out.append(m)
    return out


def _prompt(extra_info: dict | None) -> str | list[dict] | None:
    """The rollout's prompt: the one :func:`rows` kept, else the messages before the first
    model turn of a recorded conversation."""
    extra_info = extra_info or {}
    if extra_info.get(PROMPT) is not None:
        return extra_info[PROMPT]
    messages = list(extra_info.get(CONVERSATION) or [])
    first = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), len(messages))
    return messages[:first] or None


def _plain(value: Any) -> Any:
    """An OmegaConf container as plain dicts and lists; anything else as it is."""
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf
    except ImportError:
        return value
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value


@functools.lru_cache(maxsize=16)
def _rubric_of(preset: str | None, rubric_json: str) -> Rubric:
    """The rubric of one set of ``reward_kwargs``, read (its TOML file too) once per process."""
    return Rubric.load(json.loads(rubric_json), preset)


def _rubric(preset: str | None, rubric: Any) -> Rubric:
    if isinstance(rubric, Rubric):
        return rubric if preset is None else Rubric.load(rubric, preset)
    if isinstance(rubric, os.PathLike):
        rubric = os.fspath(rubric)
    return _rubric_of(preset, json.dumps(rubric, sort_keys=True))


def compute_score(data_source, solution_str, ground_truth, extra_info=None, preset=None, rubric=None, **options):
    """``{"score": reward, "accuracy", "format", "calibration", "cost"[, "grounding"],
    "tool_calls"}`` for one rollout."""
    for k in _VERL_KWARGS:
        options.pop(k, None)
    # verl hands `reward_kwargs` over as they are in its config: nested ones (`weights`) are
    # OmegaConf containers, which the scorer reads as plain dicts and lists.
    options = {k: _plain(v) for k, v in options.items()}
    rubric = _plain(rubric)
    if options and rubric is not None:
        raise ValueError(f"give rubric options either in `rubric` or as keywords, not both: {sorted(options)}")
    chosen = _rubric(preset, rubric or options or None)
    prompt = _prompt(extra_info)
    if prompt is None and "grounding" in chosen.components:
        raise ValueError(
            f"this rubric weighs grounding, which checks citations against the prompt's flow, and "
            f"extra_info has no `{PROMPT}`: write the dataset with netlogs.verl.rows"
        )
    (s,) = chosen.score([_completion(solution_str, extra_info)], [ground_truth], prompts=[prompt])
    return {"score": s["reward"], **s["metrics"], "tool_calls": s["tool_calls"]}


async def compute_score_async(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """:func:`compute_score`, scored off verl's event loop (netlogs releases the GIL)."""
    return await asyncio.to_thread(compute_score, data_source, solution_str, ground_truth, extra_info, **kwargs)


def rows(examples: list[dict], lookup: bool = False, data_source: str = "netlogs") -> list[dict]:
    """verl dataset rows (``data_source``, ``prompt``, ``ability``, ``reward_model``,
    ``extra_info``) for ``netlogs.load_examples`` rows; write them with
    ``datasets.Dataset.from_list(rows).to_parquet(path)``. ``extra_info`` keeps the prompt
    (:data:`PROMPT`) for a rubric that weighs grounding. With ``lookup``, each row
    runs verl's ``tool_agent`` loop and carries its flow's time and capture to the lookup tools
    (``extra_info.tools_kwargs``)."""
    from netlogs.lookup import TOOL_NAMES

    out = []
    for i, ex in enumerate(examples):
        info = ex.get("info") or {}
        extra: dict[str, Any] = {"index": i, "example_id": ex.get("example_id"), "info": info, PROMPT: ex["prompt"]}
        row = {
            "data_source": data_source,
            "prompt": ex["prompt"],
            "ability": "network-intrusion-detection",
            "reward_model": {"style": "rule", "ground_truth": ex["answer"]},
            "extra_info": extra,
        }
        if lookup:
            if info.get("ts") is None:
                raise ValueError(f"examples[{i}]: lookup needs the flow's time (info['ts']); load raw flows, not a built dataset without it")
            anchor = {"ts": info.get("ts"), "capture": info.get("capture")}
            extra["tools_kwargs"] = {name: {"create_kwargs": anchor} for name in TOOL_NAMES}
            extra["need_tools_kwargs"] = True
            row["agent_name"] = "tool_agent"
        out.append(row)
    return out
