"""What both episode kinds share: the served datasets, drawing an example at reset, and
scoring a finished conversation with netlogs' own scorer (the Rust core, as ``netlogs score``).

Nothing here scores in Python: a finished episode's conversation goes to ``netlogs.score``.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from fastapi import HTTPException

import netlogs
from netlogs.lookup import _data_key

DEFAULT_DATASET = "default"
DEFAULT_MAX_TURNS = 6  # eval's --max-turns default


class BadRequest(HTTPException):
    """A reset the server cannot honour (unknown split, dataset or example, bad index): HTTP
    400 on ``/reset``, an error frame naming the problem on a ``/ws`` session."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=400, detail=message)

    def __str__(self) -> str:
        return str(self.detail)


@dataclass(frozen=True)
class Settings:
    """What a server serves: its datasets (name -> data paths, None for netlogs' bundled set),
    the default split, the rubric (a ``netlogs.Rubric``; None for the default ``proper``
    preset) and, for lookup episodes, the default turn budget."""

    datasets: Mapping[str, Optional[tuple[str, ...]]] = field(default_factory=lambda: {DEFAULT_DATASET: None})
    split: Optional[str] = None
    rubric: Any = None
    max_turns: int = DEFAULT_MAX_TURNS

    def __post_init__(self) -> None:
        if not self.datasets:
            raise ValueError("datasets: serve at least one")
        if self.max_turns < 1:
            raise ValueError(f"max_turns: at least 1, got {self.max_turns}")

    @classmethod
    def of(cls, data: Any = None, **kwargs: Any) -> Settings:
        """Settings over ``data``: None (the bundled set), a path, a list of paths, or a
        mapping of dataset names to those."""
        if isinstance(data, Mapping):
            datasets = {str(k): _data_key(v) for k, v in data.items()}
        else:
            datasets = {DEFAULT_DATASET: _data_key(data)}
        return cls(datasets=datasets, **kwargs)


class Pool:
    """One dataset split's examples, loaded once per process and shared by every session."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self.by_id: dict[str, int] = {}
        for i, r in enumerate(rows):
            self.by_id.setdefault(r["example_id"], i)


_pools: dict[tuple, Pool] = {}
_pools_lock = threading.Lock()


def pool(data: Optional[tuple[str, ...]], split: Optional[str]) -> Pool:
    key = (data, split)
    with _pools_lock:
        found = _pools.get(key)
        if found is None:
            rows = netlogs.load_examples(data=list(data) if data is not None else None, split=split)
            if not rows:
                raise ValueError(f"no examples in split {split!r}" if split else "no examples in the data")
            found = _pools[key] = Pool(list(rows))
        return found


@dataclass
class Episode:
    """One drawn example and the conversation played on it."""

    row: dict
    dataset: str
    split: Optional[str]
    max_turns: int
    conversation: list[dict] = field(default_factory=list)
    turns: int = 0
    done: bool = False
    scored: Optional[dict] = None

    @property
    def prompt(self) -> list[dict]:
        return self.row["prompt"]

    @property
    def example_id(self) -> str:
        return self.row["example_id"]


RESET_KEYS = ("split", "index", "dataset", "example_id")


def draw(settings: Settings, seed: Optional[int], kwargs: Mapping[str, Any], rng: random.Random, lookup: bool) -> Episode:
    """The example a reset asks for: ``example_id``, else ``index``, else the ``seed``'s draw
    (the same flow every time), else a random one; from ``dataset`` and ``split``."""
    allowed = RESET_KEYS + (("max_turns",) if lookup else ())
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise BadRequest(f"reset: unknown field(s) {', '.join(unknown)}; it takes seed, episode_id, {', '.join(allowed)}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise BadRequest(f"reset: seed must be an integer, got {seed!r}")
    name = kwargs.get("dataset") or DEFAULT_DATASET
    if not isinstance(name, str) or name not in settings.datasets:
        raise BadRequest(f"reset: dataset {name!r} is not served; this server serves {', '.join(sorted(settings.datasets))}")
    split = kwargs.get("split", settings.split)
    if split is not None and not isinstance(split, str):
        raise BadRequest(f"reset: split must be a string, got {type(split).__name__}")
    try:
        examples = pool(settings.datasets[name], split)
    except ValueError as e:
        raise BadRequest(f"reset: split {split!r} of dataset {name!r}: {e}") from None
    max_turns = kwargs.get("max_turns", settings.max_turns)
    if isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1:
        raise BadRequest(f"reset: max_turns must be a positive integer, got {max_turns!r}")
    n = len(examples.rows)
    if kwargs.get("example_id") is not None:
        eid = kwargs["example_id"]
        if not isinstance(eid, str) or eid not in examples.by_id:
            raise BadRequest(f"reset: example_id {eid!r} is not in dataset {name!r}" + (f" split {split!r}" if split else ""))
        i = examples.by_id[eid]
    elif kwargs.get("index") is not None:
        i = kwargs["index"]
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            raise BadRequest(f"reset: index must be an integer in 0..{n - 1}, got {i!r}")
    elif seed is not None:
        i = random.Random(seed).randrange(n)
    else:
        i = rng.randrange(n)
    return Episode(row=examples.rows[i], dataset=name, split=split, max_turns=max_turns)


def score(settings: Settings, episode: Episode, completion: Any) -> dict:
    """netlogs' score of the episode's completion (its answer text, or its conversation):
    ``{reward, metrics, parsed}`` from the Rust scorer."""
    (scored,) = netlogs.score([completion], [episode.row["answer"]], rubric=settings.rubric, prompts=[episode.prompt])
    return scored


def result_metadata(episode: Episode) -> dict:
    """The metadata of an episode's last observation: outcome, parsed answer, components."""
    s = episode.scored or {}
    return {
        "example_id": episode.example_id,
        "outcome": s["parsed"]["outcome"],
        "label": s["parsed"]["label"],
        "confidence": s["parsed"]["confidence"],
        "components": dict(s["metrics"]),
        "turns": episode.turns,
    }


def new_rng() -> random.Random:
    return random.Random(int.from_bytes(os.urandom(8), "little"))

