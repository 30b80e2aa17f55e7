"""verifiers v0 (<= 0.3.1): ``vf.load_environment("netlogs-env", **kwargs)``."""

import verifiers as vf
from datasets import Dataset

import netlogs
from netlogs_env._common import examples, scored


def _reward_funcs(rubric):
    """One reward function per component the rubric scores, named after it (verifiers saves
    each as a column), and their weights. Each scores the rollout with its prompt, which a
    rubric that weighs grounding checks citations against."""

    def make(name):
        def component(completion, answer, prompt=None, **kwargs):
            return scored(completion, answer, rubric, prompt).metrics[name]

        component.__name__ = name
        return component

    w = rubric.config["weights"]
    return [make(name) for name in rubric.components], [w[name] for name in rubric.components]


def load_environment(
    dataset_name=None,
    max_examples=1000,
    preset=None,
    template="zeek",
    split=None,
    seed=42,
    system_prompt=None,
    context=None,
    context_window=60.0,
    mode="single",
    max_turns=6,
    **rubric_overrides,
):
    """The netlogs environment. ``dataset_name``: a data file or built dataset in any format
    netlogs reads (default: the fetched dataset if present, else the bundled real IoT-23 set);
    ``max_examples``: a class-balanced seeded sample of that many; ``preset``: ``proper``
    (default), ``legacy`` or ``grounded`` (citations checked against each prompt's flow); ``mode="lookup"``: a multi-turn tool environment (netlogs'
    lookup tools, at most ``max_turns`` model turns, ``tool_cost`` per call); ``context``: up to that many earlier flows of the same host under
    each flow, from ``context_window`` seconds before; other keywords (``fn_cost``, ``weights``, …) override the rubric."""
    rubric = netlogs.Rubric(preset, **rubric_overrides)
    system = system_prompt or netlogs.default_system_prompt()
    rows = examples(dataset_name, max_examples, split, template, seed, system, context, context_window)
    dataset = Dataset.from_list(
        [
            {"question": r["prompt"][-1]["content"], "answer": r["answer"], "info": r["info"]}
            for r in rows
        ]
    )
    if mode == "lookup":
        return _lookup_environment(dataset, system, rubric, dataset_name, max_turns)
    if mode != "single":
        raise ValueError(f"mode: 'single' or 'lookup', got {mode!r}")
    funcs, weights = _reward_funcs(rubric)
    vf_rubric = vf.Rubric(funcs=funcs, weights=weights)
    return vf.SingleTurnEnv(
        dataset=dataset,
        eval_dataset=dataset,
        system_prompt=system,
        rubric=vf_rubric,
        parser=vf.Parser(),
    )


def _lookup_environment(dataset, system, rubric, dataset_name, max_turns):
    """The multi-turn tool variant (``mode="lookup"``): netlogs' lookup tools over the same
    raw flows, each call costing ``tool_cost``."""
    from netlogs_env._lookup import NetlogsLookupEnv, tool_use_penalty

    funcs, weights = _reward_funcs(rubric)
    vf_rubric = vf.Rubric(funcs=funcs + [tool_use_penalty(rubric)], weights=weights + [1.0])
    return NetlogsLookupEnv(
        netlogs.LookupTools(data=dataset_name),
        max_turns=max_turns,
        dataset=dataset,
        eval_dataset=dataset,
        system_prompt=system,
        rubric=vf_rubric,
        parser=vf.Parser(),
    )
