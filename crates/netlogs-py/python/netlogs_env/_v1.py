"""verifiers v1 (>= 0.4.0): ``NetlogsTaskset``, loaded by ``vf-eval netlogs-env`` and by
prime-rl's ``env.taskset.id = "netlogs-env"``."""

from typing import Any

import verifiers.v1 as vf

import netlogs
from netlogs_env._common import examples, reward_components

# The rubric's weights (the same for both presets); a TaskConfig can override them.
_WEIGHTS = netlogs.Rubric().config["weights"]


class NetlogsData(vf.TaskData):
    answer: str
    """The gold label, Benign or Malicious."""
    info: dict[str, Any] = {}
    """Source, capture, family and split of the flow (never shown to the model)."""


class NetlogsTaskConfig(vf.TaskConfig):
    preset: str = "proper"
    """Rubric preset: proper (default) or legacy."""


class NetlogsTask(vf.Task[NetlogsData, vf.State, NetlogsTaskConfig]):
    def _components(self, trace: vf.Trace) -> dict:
        return reward_components(trace.last_reply or "", self.data.answer, netlogs.Rubric(self.config.preset))

    @vf.stop
    async def single_turn(self, trace: vf.Trace) -> bool:
        return trace.num_turns >= 1

    @vf.reward(weight=_WEIGHTS["accuracy"])
    async def accuracy(self, trace: vf.Trace) -> float:
        return self._components(trace)["accuracy"]

    @vf.reward(weight=_WEIGHTS["format"])
    async def format(self, trace: vf.Trace) -> float:
        return self._components(trace)["format"]

    @vf.reward(weight=_WEIGHTS["calibration"])
    async def calibration(self, trace: vf.Trace) -> float:
        return self._components(trace)["calibration"]

    @vf.reward(weight=_WEIGHTS["cost"])
    async def cost(self, trace: vf.Trace) -> float:
        return self._components(trace)["cost"]


class NetlogsConfig(vf.TasksetConfig):
    dataset_name: str | None = None
    """A data file or built dataset (default: the fetched dataset, else the bundled set)."""
    max_examples: int = 1000
    split: str | None = None
    template: str = "zeek"
    seed: int = 42
    context: int | None = None
    """Up to this many earlier flows of the same host under each flow (raw flows only)."""
    context_window: float = 60.0
    task: NetlogsTaskConfig = NetlogsTaskConfig()


class NetlogsTaskset(vf.Taskset[NetlogsTask, NetlogsConfig]):
    def load(self) -> list[NetlogsTask]:
        c = self.config
        rows = examples(
            c.dataset_name,
            c.max_examples,
            c.split,
            c.template,
            c.seed,
            context=c.context,
            context_window=c.context_window,
        )
        return [
            NetlogsTask(
                NetlogsData(
                    idx=i,
                    id=r["example_id"],
                    prompt=r["prompt"][-1]["content"],
                    system_prompt=r["prompt"][0]["content"],
                    answer=r["answer"],
                    info=r["info"],
                ),
                c.task,
            )
            for i, r in enumerate(rows)
        ]
