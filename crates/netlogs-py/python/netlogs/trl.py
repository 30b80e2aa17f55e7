"""TRL: ``GRPOTrainer(reward_funcs=[netlogs.trl.reward_func], ...)``.

TRL calls each reward function as ``f(prompts=..., completions=..., completion_ids=...,
**columns)``, where ``columns`` are the dataset's other columns (``answer`` here, as
:func:`netlogs.to_hf_dataset` names it) and ``trainer_state``. Completions are strings, or
lists of ``{"role", "content"}`` messages for conversational datasets. It returns one float
per completion.
"""

from netlogs._netlogs import rewards as _rewards


def reward_func(prompts, completions, answer, **kwargs):
    """The netlogs reward (default ``proper`` preset) of each completion."""
    return _rewards(list(completions), list(answer))


def make_reward_func(preset=None, rubric=None):
    """A TRL reward function under another preset or rubric, e.g. ``preset="legacy"``."""

    def netlogs_reward(prompts, completions, answer, **kwargs):
        return _rewards(list(completions), list(answer), preset=preset, rubric=rubric)

    return netlogs_reward
