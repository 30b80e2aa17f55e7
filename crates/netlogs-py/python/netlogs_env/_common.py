"""What both verifiers APIs share: the examples and the cached score of a rollout."""

import functools
import json
import random
from typing import NamedTuple

import netlogs

ENV_ID = "netlogs-env"


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


class Scored(NamedTuple):
    """One rollout as netlogs scored it."""

    metrics: dict
    """The components the rubric scores (``rubric.components``)."""
    reward: float
    tool_use: float
    """What the tool calls cost: the reward less its weighted components (``-tool_cost`` per
    call)."""


@functools.lru_cache(maxsize=64)
def _rubric(config_json):
    return netlogs.Rubric(**json.loads(config_json))


# A rollout's reward functions ask in a row; a small cache is enough, and completions can be
# long.
@functools.lru_cache(maxsize=1024)
def _scored(completion_json, answer, prompt_json, config_json):
    rubric = _rubric(config_json)
    completion = json.loads(completion_json)
    prompts = None if prompt_json is None else [json.loads(prompt_json)]
    (s,) = rubric.score([completion], [answer], prompts=prompts)
    w = rubric.config["weights"]
    weighted = sum(w[k] * s["metrics"][k] for k in rubric.components)
    return Scored(s["metrics"], s["reward"], s["reward"] - weighted)


def scored(completion, answer, rubric, prompt=None):
    """One completion under ``rubric`` (a ``netlogs.Rubric``), scored with its ``prompt`` (the
    user message or the prompt's messages, which a rubric that weighs grounding needs); cached,
    so the reward functions of one rollout score it once."""
    config_json = json.dumps(rubric.config, sort_keys=True)
    prompt_json = None if prompt is None else json.dumps(prompt, sort_keys=True)
    return _scored(json.dumps(completion, sort_keys=True), str(answer), prompt_json, config_json)
