"""The lookup tools as the trainer adapters use them: netlogs' own definitions (the Rust ones
`netlogs eval --mode lookup` sends), one shared index per data source, and one call path that
fills in the flow's time and capture from the example's ``info``, never from the model.

The TRL environment, the verl tools, the OpenRLHF agent and the verifiers v1 toolset all
answer through :func:`call`, so a tool call gets the same JSON text as in ``netlogs eval``.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from netlogs._netlogs import LookupTools

NO_TIMESTAMP = json.dumps({"error": "this example has no timestamp to look around"})


@functools.lru_cache(maxsize=1)
def _definitions() -> tuple[dict, ...]:
    return tuple(json.loads(LookupTools.definitions_json()))


def definitions() -> list[dict]:
    """The three tools as an OpenAI ``tools`` list (a fresh copy)."""
    return copy.deepcopy(list(_definitions()))


def definition(name: str) -> dict:
    """One tool's OpenAI definition (``{"type": "function", "function": {…}}``)."""
    for d in _definitions():
        if d["function"]["name"] == name:
            return copy.deepcopy(d)
    raise ValueError(f"unknown lookup tool {name!r}: one of {', '.join(TOOL_NAMES)}")


TOOL_NAMES: tuple[str, ...] = tuple(d["function"]["name"] for d in _definitions())


def _data_key(data: str | os.PathLike | Sequence[str | os.PathLike] | None) -> tuple[str, ...] | None:
    if data is None:
        return None
    if isinstance(data, (str, os.PathLike)):
        return (os.fspath(data),)
    if isinstance(data, Sequence):
        return tuple(os.fspath(p) for p in data)
    raise ValueError(f"data must be a path, a list of paths or None, got {type(data).__name__}")


@functools.lru_cache(maxsize=8)
def _tools(key: tuple[str, ...] | None) -> LookupTools:
    return LookupTools(data=list(key) if key is not None else None)


def tools_for(data: str | os.PathLike | Sequence[str | os.PathLike] | None = None) -> LookupTools:
    """The index over ``data``'s raw flows (the bundled set when None), built once per process
    and shared by every rollout."""
    return _tools(_data_key(data))


class Anchor(NamedTuple):
    """Where a rollout's tools look: the judged flow's time and capture."""

    ts: float | None
    capture: str | None

    @classmethod
    def from_info(cls, info: Mapping[str, Any] | str | None) -> Anchor:
        """From an example's ``info`` (a mapping, or its JSON text as verifiers stores it)."""
        if isinstance(info, str):
            try:
                info = json.loads(info)
            except json.JSONDecodeError as e:
                raise ValueError(f"info: not a JSON object: {e}") from None
        info = info or {}
        if not isinstance(info, Mapping):
            raise ValueError(f"info: expected a mapping with `ts` and `capture`, got {type(info).__name__}")
        ts = info.get("ts")
        if ts is not None:
            try:
                ts = float(ts)
            except (TypeError, ValueError):
                raise ValueError(f"info['ts']: expected a timestamp in seconds, got {ts!r}") from None
            if not math.isfinite(ts):
                raise ValueError(f"info['ts']: expected a finite timestamp, got {ts!r}")
        return cls(ts, info.get("capture") or None)


def call(tools: LookupTools, name: str, arguments: Mapping[str, Any] | str | None, anchor: Anchor) -> str:
    """Run one tool call for the flow at ``anchor``: the JSON text the model reads. A bad call
    (unknown tool, malformed or out-of-range arguments) reads ``{"error": …}``, as in eval.
    ``arguments`` is the model's JSON text, or its decoded object (``None`` values are left out,
    so the tool's own defaults apply)."""
    if anchor.ts is None:
        return NO_TIMESTAMP
    if arguments is None:
        text = "{}"
    elif isinstance(arguments, str):
        text = arguments
    elif isinstance(arguments, Mapping):
        text = json.dumps({k: v for k, v in arguments.items() if v is not None})
    else:
        # Not an object (a list, a number): the tool answers with its own error, as in eval.
        text = json.dumps(arguments)
    return tools.call(name, text, ts=anchor.ts, capture=anchor.capture)


def google_docstring(name: str) -> str:
    """A Google-style docstring for one tool, from its definition: what TRL (through
    transformers' ``get_json_schema``) reads to describe the tool to the model."""
    fn = definition(name)["function"]
    lines = [fn["description"], "", "Args:"]
    for param, spec in fn["parameters"]["properties"].items():
        lines.append(f"    {param}: {spec.get('description') or param}")
    return "\n".join(lines) + "\n"
