"""verl (0.9): netlogs' three lookup tools as ``BaseTool`` tools for verl's tool agent loop.

    actor_rollout_ref.rollout.multi_turn.tool_config_path=<netlogs/verl_lookup_tools.yaml>

Each tool is a :class:`LookupTool` named by its config (``name: flows_for_host`` …); its schema
is netlogs' own definition, and it answers with the same JSON as ``netlogs eval --mode
lookup``. verl creates an instance around every call with the row's
``extra_info.tools_kwargs[<tool>].create_kwargs``, which :func:`netlogs.verl.rows` fills with
the judged flow's time and capture, so the model never chooses where to look.

Each call also leaves the rollout's messages in verl's ``AgentData.extra_fields`` (under
``netlogs.verl.CONVERSATION``). verl keeps appending the rollout's turns to that list, and
hands ``extra_fields`` to the reward function inside ``extra_info``, so
:func:`netlogs.verl.compute_score` scores the whole conversation: the tool calls cost
``tool_cost`` each, and a rollout that ran out of turns (verl's
``multi_turn.max_user_turns``) ends on tool results and scores as an invalid answer.
Bound the turns with ``max_user_turns``, which means what ``netlogs eval --max-turns`` means;
verl drops the last generated turn from its messages whenever a limit stops the loop, so
under ``max_assistant_turns`` a rollout that answers on its last allowed turn would score as
out of turns.

Config keys: ``type: native`` (verl's), ``name`` (the tool), ``data`` (the raw flows the tools
look in: a path, a list of paths, or null for the default data).
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from verl.tools.base_tool import BaseTool
from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse

from netlogs.lookup import TOOL_NAMES, Anchor, call, definition, tools_for
from netlogs.verl import CONVERSATION

CONFIG_KEYS = {"type", "name", "data"}


class LookupTool(BaseTool):
    def __init__(self, config: dict, tool_schema: OpenAIFunctionToolSchema | None = None) -> None:
        unknown = set(config) - CONFIG_KEYS
        if unknown:
            raise ValueError(f"netlogs LookupTool config: unknown keys {sorted(unknown)} (known: {sorted(CONFIG_KEYS)})")
        name = config.get("name")
        if name not in TOOL_NAMES:
            raise ValueError(f"netlogs LookupTool config: name must be one of {', '.join(TOOL_NAMES)}, got {name!r}")
        schema = tool_schema or OpenAIFunctionToolSchema.model_validate(definition(name))
        if schema.function.name != name:
            raise ValueError(f"netlogs LookupTool config: tool_schema names {schema.function.name!r}, config names {name!r}")
        super().__init__(config, schema)
        self._tools = tools_for(config.get("data"))
        self._anchors: dict[str, Anchor] = {}

    async def create(self, instance_id: str | None = None, **kwargs: Any) -> tuple[str, ToolResponse]:
        instance_id = instance_id or uuid4().hex
        self._anchors[instance_id] = Anchor.from_info(kwargs.get("create_kwargs"))
        return instance_id, ToolResponse()

    async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs: Any) -> tuple[ToolResponse, float, dict]:
        anchor = self._anchors.get(instance_id, Anchor(None, None))
        text = await asyncio.to_thread(call, self._tools, self.name, parameters, anchor)
        agent_data = kwargs.get("agent_data")
        if agent_data is not None:
            # The live list: the turns verl appends after this call land in it too.
            agent_data.extra_fields[CONVERSATION] = agent_data.messages
        return ToolResponse(text=text), 0.0, {}

    async def release(self, instance_id: str, **kwargs: Any) -> None:
        self._anchors.pop(instance_id, None)
