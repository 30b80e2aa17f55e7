"""netlogs on OpenEnv (``pip install netlogs[openenv]``, openenv 0.10.0).

Two episode kinds, served by ``python -m netlogs.openenv --port 8000 [--mode lookup]`` on
127.0.0.1:

- the single-flow episode (:class:`FlowEnvironment`; client :class:`NetlogsEnv`): reset shows
  one flow's prompt, the action ``{"answer": "<what the model wrote>"}`` is scored and ends it;
- the lookup episode (:class:`LookupEnvironment`, an ``MCPEnvironment``; client
  :class:`NetlogsLookupEnv` or OpenEnv's ``MCPToolClient``): netlogs' three lookup tools, then
  ``submit_answer``, within ``max_turns``.

Rewards are ``netlogs.score``'s (the Rust core) of the episode's conversation.
:class:`NetlogsToolEnv` is the TRL ``environment_factory`` over a lookup server.
"""

try:
    import openenv.core  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("netlogs.openenv needs openenv 0.10.0: pip install 'netlogs[openenv]'") from e

from .client import NetlogsEnv, NetlogsLookupEnv
from .environment import SUBMIT_ANSWER, FlowEnvironment, LookupEnvironment
from .episodes import BadRequest, Settings
from .models import NetlogsAction, NetlogsObservation, NetlogsState
from .server import MODES, build_app
from .tool_env import NetlogsToolEnv

__all__ = [
    "MODES",
    "SUBMIT_ANSWER",
    "BadRequest",
    "FlowEnvironment",
    "LookupEnvironment",
    "NetlogsAction",
    "NetlogsEnv",
    "NetlogsLookupEnv",
    "NetlogsObservation",
    "NetlogsState",
    "NetlogsToolEnv",
    "Settings",
    "build_app",
]
