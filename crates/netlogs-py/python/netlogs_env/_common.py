"""What both verifiers APIs share: the examples and the cached reward components."""

import functools
import json
import random

import netlogs

ENV_ID = "netlogs-env"
COMPONENTS = ("accuracy", "format", "calibration", "cost")


def examples(dataset_name=None, max_examples=1000, split=None, template="zeek", seed=42, system_prompt=None, context=None, context_window=60.0):
    """Rows from netlogs' own loaders (bundled set, a data file or a built dataset), shuffled
    with ``seed`` so a first-n slice is class-mixed. ``context``: up to that many earlier flows
    of the same host under each flow (raw flows only)."""
    rows = netlogs.load_examples(
        data=dataset_name,
        split=split,
        template=template,
        n=max_examples,
        seed=seed,
        system_prompt=system_prompt,
        context=context,
        context_window=context_window,
    )
    random.Random(seed).shuffle(rows)
    return rows


@functools.lru_cache(maxsize=64)
def _rubric(config_json):
    return netlogs.Rubric(**json.loads(config_json))


# A rollout's reward functions ask in a row; a small cache is enough, and completions can be
# long.
@functools.lru_cache(maxsize=1024)
def _scored(kind, payload, answer, config_json):
    completion = payload if kind == "text" else json.loads(payload)
    (s,) = _rubric(config_json).score([completion], [answer])
    return s["metrics"], s["reward"]


def scored_components(completion, answer, rubric):
    """The components and the reward of one completion under ``rubric`` (a
    ``netlogs.Rubric``); cached, so the reward functions of one rollout score it once."""
    if isinstance(completion, str):
        kind, payload = "text", completion
    else:
        kind, payload = "messages", json.dumps(completion, sort_keys=True)
    config_json = json.dumps(rubric.config, sort_keys=True)
    return _scored(kind, payload, str(answer), config_json)


def reward_components(completion, answer, rubric):
    """The four components of one completion under ``rubric``; cached (see
    :func:`scored_components`)."""
    return scored_components(completion, answer, rubric)[0]
