"""OpenRLHF (0.11): netlogs' reward, in process or over HTTP.

- ``--reward.remote_url <path to this file>``: OpenRLHF loads ``reward_func`` from it and calls
  it once per rollout, ``reward_func(queries, prompts, labels)`` with lists of one item:
  ``queries[i]`` is the decoded prompt and response (chat template and special tokens
  included), ``prompts[i]`` the prompt alone, ``labels[i]`` the gold label (``Benign`` /
  ``Malicious``, or ``{"answer": …, "info": {…}}`` as a JSON string). It returns
  ``{"rewards", "scores", "extra_logs"}``, as torch tensors when torch is installed (as
  OpenRLHF expects), else as lists. The rubric is netlogs' default (``proper``), or the TOML
  file ``NETLOGS_RUBRIC`` names (read once, at load); each answer is scored with its prompt,
  so a rubric that weighs grounding (``preset = "grounded"``) checks citations against the
  flow the prompt showed. :func:`make_reward_func` builds one for a file of your own.
- ``--reward.remote_url http://host:8000/get_reward`` (comma-separated for replicas):
  ``netlogs serve`` speaks the same protocol over HTTP.
- Lookup mode: ``--train.agent_func_path`` with :mod:`netlogs.openrlhf_agent`.

:func:`rows` writes the prompt dataset (``--data.input_key prompt --data.label_key label``).
"""

import json
import os

from netlogs._netlogs import Rubric, parse_label, response_in_query


def _tensor(values):
    try:
        import torch
    except ImportError:
        return values
    return torch.tensor(values, dtype=torch.float)


def make_reward_func(preset=None, rubric=None):
    """A ``reward_func`` under ``preset`` and ``rubric`` (a ``netlogs.Rubric``, a dict of
    overrides or a TOML path, read once, here), for an OpenRLHF reward file of your own::

        from netlogs.openrlhf import make_reward_func
        reward_func = make_reward_func(preset="grounded")
    """
    chosen = Rubric.load(rubric, preset)

    def reward_func(queries, prompts, labels, **kwargs):
        queries, labels = list(queries), list(labels)
        if len(labels) != len(queries):
            raise ValueError(f"labels has {len(labels)} items but queries has {len(queries)}")
        given = prompts is not None
        prompts = list(prompts) if given else [None] * len(queries)
        if len(prompts) != len(queries):
            raise ValueError(f"prompts has {len(prompts)} items but queries has {len(queries)}")
        responses, golds = [], []
        for i, (q, p, label) in enumerate(zip(queries, prompts, labels)):
            try:
                gold, _info = parse_label(label)
            except (TypeError, ValueError) as e:
                raise ValueError(f"labels[{i}]: {e}") from None
            responses.append(response_in_query(q, p))
            golds.append(gold)
        scored = chosen.score(responses, golds, prompts=prompts if given else None)
        rewards = [s["reward"] for s in scored]
        logs = {k: _tensor([s["metrics"][k] for s in scored]) for k in chosen.components}
        return {"rewards": _tensor(rewards), "scores": _tensor(rewards), "extra_logs": logs}

    return reward_func


def _rubric_from_environment():
    path = os.environ.get("NETLOGS_RUBRIC") or None
    if path is not None and not os.path.isfile(path):
        raise ValueError(f"NETLOGS_RUBRIC names {path!r}, which is not a file")
    return path


# What OpenRLHF loads from this file (`--reward.remote_url <this file>`).
reward_func = make_reward_func(rubric=_rubric_from_environment())


def rows(examples, tokenizer=None, lookup=False):
    """OpenRLHF prompt-dataset rows ``{"prompt", "label"}`` for ``netlogs.load_examples`` rows.

    The label is ``{"answer", "info"}`` as JSON (the flow's time and capture ride along). Without
    ``tokenizer`` the prompt is the chat messages (train with ``--data.apply_chat_template``).
    With it, the prompt is the text the tokenizer's chat template renders, with netlogs'
    lookup tools when ``lookup`` (train without ``--data.apply_chat_template``)."""
    if lookup and tokenizer is None:
        raise ValueError("rows(lookup=True) needs the tokenizer: the prompt must describe the tools")
    tools = None
    if lookup:
        from netlogs.lookup import definitions

        tools = definitions()
    out = []
    for i, ex in enumerate(examples):
        if lookup and (ex.get("info") or {}).get("ts") is None:
            raise ValueError(f"examples[{i}]: lookup needs the flow's time (info['ts']); load raw flows, not a built dataset without it")
        prompt = ex["prompt"]
        if tokenizer is not None:
            prompt = tokenizer.apply_chat_template(prompt, tools=tools, add_generation_prompt=True, tokenize=False)
        out.append({"prompt": prompt, "label": json.dumps({"answer": ex["answer"], "info": ex.get("info") or {}})})
    return out
