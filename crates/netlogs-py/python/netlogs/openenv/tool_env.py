"""TRL (1.16) over OpenEnv: netlogs' lookup episode as a GRPOTrainer ``environment_factory``.

The pattern TRL's OpenEnv docs give: a class holding a sync OpenEnv client to a running
lookup server (``python -m netlogs.openenv --mode lookup``), whose public methods are the
tools the model may call, and whose ``get_reward()`` is the episode's reward from the server::

    GRPOTrainer(model, environment_factory=functools.partial(NetlogsToolEnv, base_url=URL),
                train_dataset=netlogs.to_hf_dataset(...), args=GRPOConfig(max_tool_calling_iterations=...))

``reset(**row)`` starts the server's episode on the row's ``example_id`` (the column
``netlogs.to_hf_dataset`` writes), so the server's flow is the prompt's. The model answers
by calling ``submit_answer``; the server scores the conversation (``netlogs.score``, the
Rust core) and ``get_reward()`` returns that. A rollout that ends without ``submit_answer``
(a plain-text reply, or TRL's tool rounds ran out first) is ended at ``get_reward()`` with an
empty answer: no answer, invalid, its tool calls costed.
"""

from __future__ import annotations

from typing import Any, Optional

from openenv.core.env_server.mcp_types import CallToolAction

from netlogs.trl import LookupEnv

from .client import NetlogsLookupEnv
from .environment import SUBMIT_ANSWER

DEFAULT_URL = "http://127.0.0.1:8000"
RECORDED = "answer recorded; the episode is over"


class NetlogsToolEnv(LookupEnv):
    """One rollout's view of a lookup episode on a netlogs OpenEnv server (one ``/ws``
    session per instance, opened at the first ``reset``). The three lookup tools are
    ``netlogs.trl.LookupEnv``'s methods (their signatures and docstrings, netlogs' own
    definitions); here they run on the server's episode."""

    def __init__(self, base_url: str = DEFAULT_URL) -> None:  # no local index: the server holds it
        self._url = base_url
        self._client: Any = None
        self.done = False
        self.reward: Optional[float] = None
        self.outcome: Optional[str] = None

    def reset(self, **row: Any) -> None:
        example_id = row.get("example_id")
        if not isinstance(example_id, str):
            raise ValueError(
                "NetlogsToolEnv.reset: the dataset needs an `example_id` column naming the served example "
                f"(netlogs.to_hf_dataset writes it), got {example_id!r}"
            )
        if self._client is None:
            self._client = NetlogsLookupEnv(base_url=self._url).sync()
        self._client.reset(example_id=example_id)
        self.done, self.reward, self.outcome = False, None, None

    def get_reward(self) -> float:
        if not self.done:
            self._call(SUBMIT_ANSWER, answer="")
        return self.reward

    def _call(self, name: str, **arguments: Any) -> str:
        if self._client is None:
            raise ValueError("no episode: reset first")
        result = self._client.step(CallToolAction(tool_name=name, arguments={k: v for k, v in arguments.items() if v is not None}))
        obs = result.observation
        if result.done:
            self.done, self.reward = True, result.reward
            self.outcome = (result.metadata or {}).get("outcome", self.outcome)
        if obs.error is not None:
            # TRL shows the model a tool's exception as its result.
            raise ValueError(obs.error.message)
        return obs.result["data"]

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def submit_answer(self, answer: str) -> str:
        """Give your final answer and end the episode.

        Args:
            answer: the JSON object the task asks for, as text: {"label": ..., "confidence": ..., "rationale": ...}
        """
        self._call(SUBMIT_ANSWER, answer=answer)
        return RECORDED

