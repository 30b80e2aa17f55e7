"""The GRPO reward: netlogs' own TRL reward function, on the answer prefix plus the completion,
with the rubric's components and the policy's behaviour logged per step through TRL's
`log_metric`."""

from __future__ import annotations

import math
from typing import Callable

import netlogs
import netlogs.trl

# The rubric's components, as netlogs names them (one home: the Rust core).
COMPONENTS = netlogs.COMPONENTS
# What a step's answers did: a policy that games the rubric shows here first.
BEHAVIOUR = ("malicious_rate", "benign_rate", "abstain_rate", "invalid_rate", "confidence_mean", "confidence_std")
# Whether GRPO can still learn the label: the entropy (bits) of the step's answer labels
# (Benign, Malicious, Abstain, invalid), the share of groups (completions of one prompt) whose
# answers hold both Benign and Malicious, and the share of groups whose rewards all tie (no
# advantage, no gradient).
EXPLORATION = ("label_entropy", "both_labels_group_share", "zero_std_group_share")


def behaviour(scored: list[dict]) -> dict[str, float]:
    """Shares of labels and the spread of stated confidence over a batch of scored answers."""
    n = len(scored)
    labels = [s["parsed"]["label"] for s in scored]
    confs = [s["parsed"]["confidence"] for s in scored if s["parsed"]["confidence"] is not None]
    mean = sum(confs) / len(confs) if confs else math.nan
    var = sum((c - mean) ** 2 for c in confs) / len(confs) if confs else math.nan
    return {
        "malicious_rate": labels.count("Malicious") / n,
        "benign_rate": labels.count("Benign") / n,
        "abstain_rate": labels.count("Abstain") / n,
        "invalid_rate": sum(s["parsed"]["outcome"] == "invalid" for s in scored) / n,
        "confidence_mean": mean,
        "confidence_std": math.sqrt(var) if confs else math.nan,
    }


def groups(example_ids: list) -> list[range]:
    """TRL's groups: runs of consecutive completions of one example."""
    out, start = [], 0
    for i in range(1, len(example_ids) + 1):
        if i == len(example_ids) or example_ids[i] != example_ids[start]:
            out.append(range(start, i))
            start = i
    return out


def exploration(scored: list[dict], rewards: list[float], example_ids: list) -> dict[str, float]:
    """[`EXPLORATION`] of one batch: label entropy, groups holding both labels, tied groups."""
    labels = [s["parsed"]["label"] if s["parsed"]["outcome"] != "invalid" else "invalid" for s in scored]
    n = len(labels)
    entropy = -sum((c / n) * math.log2(c / n) for c in (labels.count(l) for l in set(labels)))
    gs = groups(example_ids)
    both = sum({"Benign", "Malicious"} <= {labels[i] for i in g} for g in gs)
    tied = sum(max(rewards[i] for i in g) - min(rewards[i] for i in g) < 1e-9 for g in gs)
    return {
        "label_entropy": entropy + 0.0,
        "both_labels_group_share": both / len(gs),
        "zero_std_group_share": tied / len(gs),
    }


def make_reward(prefix: str, preset: str | None = None, rubric: str | None = None) -> Callable:
    """A TRL reward function: `netlogs.trl`'s reward of `prefix + completion`.

    TRL calls it as `f(prompts=, completions=, completion_ids=, answer=, example_id=, …,
    trainer_state=, log_extra=, log_metric=)`; everything but the completions goes to
    netlogs' function unchanged."""
    if preset is None and rubric is None:
        inner = netlogs.trl.reward_func
    else:
        inner = netlogs.trl.make_reward_func(preset=preset, rubric=rubric)

    def netlogs_reward(prompts, completions, answer, **kwargs):
        full = [prefix + c for c in completions]
        rewards = inner(prompts=prompts, completions=full, answer=answer, **kwargs)
        log_metric = kwargs.get("log_metric")
        if log_metric is not None:
            scored = netlogs.score(full, list(answer), preset=preset, rubric=rubric)
            for c in COMPONENTS:
                log_metric(f"netlogs/{c}", sum(s["metrics"][c] for s in scored) / len(scored))
            for k, v in behaviour(scored).items():
                log_metric(f"netlogs/{k}", v)
            ids = kwargs.get("example_id") or list(prompts)
            for k, v in exploration(scored, list(rewards), list(ids)).items():
                log_metric(f"netlogs/{k}", v)
        return rewards

    return netlogs_reward
