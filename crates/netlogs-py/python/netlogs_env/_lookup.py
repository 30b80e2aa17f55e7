"""The multi-turn lookup variant for verifiers v0: a ``StatefulToolEnv`` whose tools are
netlogs' own (``netlogs.LookupTools``), so the model may ask for the host's flows, the
port's flows or a host summary before it answers. Each tool call costs the rubric's
``tool_cost`` off the reward."""

import verifiers as vf

from netlogs.lookup import Anchor
from netlogs.lookup import call as lookup_call
from netlogs_env._common import scored


def _tools(lookup):
    """The three tools as Python functions verifiers can describe; ``ts`` and ``capture``
    are filled in from the example's info, never by the model."""

    def call(name, args, ts, capture):
        return lookup_call(lookup, name, args, Anchor(float(ts) if ts is not None else None, capture))

    def flows_for_host(host: str, before_s: float = 60.0, after_s: float = 0.0, limit: int = 20, ts: float = 0.0, capture: str = "") -> str:
        """Flows of one host (as originator or responder) around the flow being judged, in the same capture.

        Args:
            host: an IP address.
            before_s: seconds before the flow to include (at most 3600).
            after_s: seconds after the flow to include (at most 3600).
            limit: flows to return, nearest in time first (at most 100).
        """
        return call("flows_for_host", {"host": host, "before_s": before_s, "after_s": after_s, "limit": limit}, ts, capture or None)

    def flows_to_port(port: int, before_s: float = 60.0, after_s: float = 0.0, limit: int = 20, ts: float = 0.0, capture: str = "") -> str:
        """Flows to one destination port around the flow being judged, in the same capture.

        Args:
            port: the destination port.
            before_s: seconds before the flow to include (at most 3600).
            after_s: seconds after the flow to include (at most 3600).
            limit: flows to return, nearest in time first (at most 100).
        """
        return call("flows_to_port", {"port": port, "before_s": before_s, "after_s": after_s, "limit": limit}, ts, capture or None)

    def host_summary(host: str, window_s: float = 300.0, ts: float = 0.0, capture: str = "") -> str:
        """What one host did in the window before the flow: flows, distinct destinations and ports, connection rate, share of unanswered connections, bytes.

        Args:
            host: an IP address.
            window_s: seconds before the flow (at most 86400).
        """
        return call("host_summary", {"host": host, "window_s": window_s}, ts, capture or None)

    return [flows_for_host, flows_to_port, host_summary]


class NetlogsLookupEnv(vf.StatefulToolEnv):
    """Answer after up to ``max_turns`` model turns, looking things up on the way."""

    def __init__(self, lookup, max_turns=6, **kwargs):
        super().__init__(tools=[], max_turns=max_turns, **kwargs)
        for tool in _tools(lookup):
            self.add_tool(tool, args_to_skip=["ts", "capture"])

    def update_tool_args(self, tool_name, tool_args, messages, state, **kwargs):
        info = state.get("info") or {}
        return {**tool_args, "ts": info.get("ts"), "capture": info.get("capture") or ""}


def tool_use_penalty(rubric):
    """A reward function: what netlogs took off the reward for the rollout's tool calls
    (``-tool_cost`` per call)."""

    def tool_use(completion, answer, prompt=None, **kwargs):
        return scored(completion, answer, rubric, prompt).tool_use

    return tool_use
