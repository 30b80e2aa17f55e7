"""The wire types of netlogs' OpenEnv environments (pydantic models OpenEnv serialises)."""

from __future__ import annotations

from typing import Any, Optional

from openenv.core.env_server.types import Action, Observation, State
from pydantic import Field


class NetlogsAction(Action):
    """The single-flow episode's one action: what the model wrote, scored as ``netlogs score`` does."""

    answer: str = Field(description='The model\'s reply, e.g. {"label": "Malicious", "confidence": 0.8, "rationale": "..."}')


class NetlogsObservation(Observation):
    """What an episode shows: the chat prompt (system and user messages) and the example's id,
    never its label. After the answer, ``done`` is true, ``reward`` is netlogs' reward and
    ``metadata`` holds the outcome and the reward's components; a rejected request has
    ``metadata["error"]``."""

    prompt: list[dict[str, Any]] = Field(default_factory=list, description="The chat messages the model reads")
    example_id: Optional[str] = Field(default=None, description="The example's id in its dataset")


class NetlogsState(State):
    """An episode's state: which example, how many turns, whether it is over and its reward."""

    example_id: Optional[str] = Field(default=None, description="The example's id")
    dataset: Optional[str] = Field(default=None, description="The served dataset the example comes from")
    split: Optional[str] = Field(default=None, description="The split the example comes from")
    turns: int = Field(default=0, ge=0, description="Model turns taken (each tool call or answer is one)")
    max_turns: Optional[int] = Field(default=None, description="Turns allowed (lookup episodes)")
    done: bool = Field(default=False, description="Whether the episode is over")
    reward: Optional[float] = Field(default=None, description="The episode's reward, once over")
