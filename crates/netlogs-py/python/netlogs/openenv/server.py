"""The OpenEnv app for an episode kind: ``build_app("single" | "lookup", settings)``.

``app`` is the single-flow app on netlogs' bundled data with the default rubric, for
``openenv.yaml`` and ``uvicorn netlogs.openenv.server:app``; ``python -m netlogs.openenv``
serves either kind with its options.
"""

from __future__ import annotations

import functools
from typing import Optional

from fastapi import FastAPI
from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation

from .environment import FlowEnvironment, LookupEnvironment
from .episodes import Settings
from .models import NetlogsAction, NetlogsObservation, NetlogsState

# Each mode's environment, action, observation and OpenEnv env_name.
KINDS = {
    "single": (FlowEnvironment, NetlogsAction, NetlogsObservation, "netlogs"),
    "lookup": (LookupEnvironment, CallToolAction, CallToolObservation, "netlogs_lookup"),
}
MODES = tuple(KINDS)
DEFAULT_MAX_SESSIONS = 64


def build_app(mode: str = "single", settings: Optional[Settings] = None, max_concurrent_envs: int = DEFAULT_MAX_SESSIONS) -> FastAPI:
    """The FastAPI app serving ``mode``'s episodes, up to ``max_concurrent_envs`` ``/ws``
    sessions at once (each its own environment)."""
    if mode not in KINDS:
        raise ValueError(f"mode: one of {', '.join(MODES)}, got {mode!r}")
    env, action, observation, name = KINDS[mode]
    return create_app(
        functools.partial(env, settings or Settings()),
        action,
        observation,
        env_name=name,
        max_concurrent_envs=max_concurrent_envs,
        state_cls=NetlogsState,
        reset_observation_cls=NetlogsObservation,
    )


def __getattr__(name: str):
    # Built on first use, so importing this module loads no data.
    if name == "app":
        global app
        app = build_app()
        return app
    raise AttributeError(name)
