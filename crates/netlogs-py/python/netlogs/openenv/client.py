"""Typed clients: :class:`NetlogsEnv` for the single-flow episode, :class:`NetlogsLookupEnv`
for the lookup episode (OpenEnv's ``MCPToolClient`` reading netlogs' state)."""

from __future__ import annotations

from typing import Any, Dict

from openenv.core.client_types import StepResult
from openenv.core.env_client import EnvClient
from openenv.core.mcp_client import MCPToolClient

from .models import NetlogsAction, NetlogsObservation, NetlogsState


class NetlogsEnv(EnvClient[NetlogsAction, NetlogsObservation, NetlogsState]):
    """The single-flow episode over a ``/ws`` session::

        with NetlogsEnv(base_url="http://127.0.0.1:8000").sync() as env:
            obs = env.reset(seed=7).observation          # obs.prompt: the chat messages
            result = env.step(NetlogsAction(answer=reply))
            result.reward, result.observation.metadata["outcome"]
    """

    def _step_payload(self, action: NetlogsAction) -> Dict[str, Any]:
        return action.model_dump()

    def _parse_result(self, payload: Dict[str, Any]) -> StepResult[NetlogsObservation]:
        obs = dict(payload.get("observation") or {})
        obs.update(done=payload.get("done", False), reward=payload.get("reward"))
        obs.setdefault("metadata", payload.get("metadata") or {})
        observation = NetlogsObservation.model_validate(obs)
        return StepResult(observation=observation, reward=observation.reward, done=observation.done, metadata=observation.metadata)

    def _parse_state(self, payload: Dict[str, Any]) -> NetlogsState:
        return NetlogsState.model_validate(payload)


class NetlogsLookupEnv(MCPToolClient):
    """The lookup episode: ``reset(...)``, then ``call_tool(name, **args)`` for the tools'
    text or ``step(CallToolAction(...))`` for an observation with ``done`` and ``reward``;
    ``state()`` is netlogs' :class:`NetlogsState`."""

    def _parse_state(self, payload: Dict[str, Any]) -> NetlogsState:
        return NetlogsState.model_validate(payload)
