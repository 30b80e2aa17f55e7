"""netlogs: rewards and evaluation for network-intrusion detection by language models.

The scoring, data loading and prompt rendering run in Rust (``netlogs._netlogs``), through the
same code as the ``netlogs`` command line: ``netlogs.score`` gives exactly the rewards of
``netlogs score``. Trainer adapters: ``netlogs.trl``, ``netlogs.verl`` (and
``netlogs.verl_tools``), ``netlogs.openrlhf`` (and ``netlogs.openrlhf_agent``); the lookup tools
they share are ``netlogs.lookup``. The verifiers environment is the ``netlogs_env`` module
(id ``netlogs-env``); the OpenEnv environments are ``netlogs.openenv`` (``netlogs[openenv]``).
"""

from netlogs._netlogs import (
    COMPONENTS,
    LookupTools,
    Rubric,
    __version__,
    default_system_prompt,
    load_examples,
    parse_label,
    response_in_query,
    rewards,
    score,
)

__all__ = [
    "COMPONENTS",
    "LookupTools",
    "Rubric",
    "__version__",
    "default_system_prompt",
    "load_examples",
    "parse_label",
    "response_in_query",
    "rewards",
    "score",
    "to_hf_dataset",
]


def to_hf_dataset(data=None, split=None, template="zeek", n=None, seed=42, **kwargs):
    """The examples of :func:`load_examples` as a Hugging Face ``datasets.Dataset``
    (columns ``example_id``, ``prompt``, ``answer``, ``info``)."""
    try:
        import datasets
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "netlogs.to_hf_dataset needs the `datasets` package: pip install datasets"
        ) from e
    rows = load_examples(data=data, split=split, template=template, n=n, seed=seed, **kwargs)
    return datasets.Dataset.from_list(rows)
