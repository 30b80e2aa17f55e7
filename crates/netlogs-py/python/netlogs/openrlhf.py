"""OpenRLHF: ``--remote_rm_url <path to this file>`` (in-process reward function).

OpenRLHF calls ``reward_func(queries, prompts, labels, **kwargs)``: ``queries[i]`` is the
decoded prompt and response (chat template included), ``prompts[i]`` the prompt alone, and
``labels[i]`` the gold label (``Benign``/``Malicious``, or a JSON object string with
``answer`` and ``info``). It returns ``{"rewards", "scores", "extra_logs"}``; as torch
tensors when torch is installed (as OpenRLHF expects), else as lists. ``netlogs serve`` speaks
the same protocol over HTTP.
"""

from netlogs._netlogs import parse_label, response_in_query, score as _score


def _tensor(values):
    try:
        import torch
    except ImportError:
        return values
    return torch.tensor(values, dtype=torch.float)


def reward_func(queries, prompts, labels, **kwargs):
    queries, labels = list(queries), list(labels)
    if len(labels) != len(queries):
        raise ValueError(f"labels has {len(labels)} items but queries has {len(queries)}")
    prompts = list(prompts) if prompts is not None else [None] * len(queries)
    if len(prompts) != len(queries):
        raise ValueError(f"prompts has {len(prompts)} items but queries has {len(queries)}")
    responses, golds = [], []
    for i, (q, p, label) in enumerate(zip(queries, prompts, labels)):
        try:
            gold, _info = parse_label(label)
        except ValueError as e:
            raise ValueError(f"labels[{i}]: {e}") from None
        responses.append(response_in_query(q, p))
        golds.append(gold)
    scored = _score(responses, golds)
    rewards = [s["reward"] for s in scored]
    logs = {k: _tensor([s["metrics"][k] for s in scored]) for k in ("accuracy", "format", "calibration", "cost")}
    return {"rewards": _tensor(rewards), "scores": _tensor(rewards), "extra_logs": logs}
