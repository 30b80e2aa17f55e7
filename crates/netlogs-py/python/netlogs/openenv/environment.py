"""netlogs' two episode kinds as OpenEnv environments.

- :class:`FlowEnvironment`, the single-flow episode: ``reset`` shows one flow's prompt,
  ``step(NetlogsAction(answer=...))`` scores what the model wrote and ends the episode.
- :class:`LookupEnvironment`, the lookup episode (an ``MCPEnvironment``): the model may call
  netlogs' three lookup tools (``flows_for_host``, ``flows_to_port``, ``host_summary``,
  answering from the same index as ``netlogs eval --mode lookup``) before ``submit_answer``
  ends the episode. Each tool call or answer is one turn; the call that uses the last of
  ``max_turns`` ends the episode without an answer, which scores as invalid, as in eval.

Both score the episode's conversation with ``netlogs.score`` (the Rust core), under the
server's rubric; tool calls cost the rubric's ``tool_cost`` each.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from typing import Any, Callable, Optional

from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.tools.base import Tool, ToolResult
from fastmcp.client.client import CallToolResult
from mcp.types import TextContent
from openenv.core.env_server.interfaces import Environment, EnvironmentMetadata
from openenv.core.env_server.mcp_environment import MCPEnvironment
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation, ToolErrorType
from openenv.core.env_server.mcp_types import ToolError as OpenEnvToolError
from openenv.core.env_server.types import Action, Observation
from pydantic import PrivateAttr

import netlogs
from netlogs.lookup import Anchor, call, definitions, tools_for

from .episodes import Episode, Settings, draw, new_rng, result_metadata, score
from .models import NetlogsAction, NetlogsObservation, NetlogsState

SUBMIT_ANSWER = "submit_answer"
SUBMIT_DEFINITION = {
    "name": SUBMIT_ANSWER,
    "description": "Give your final answer and end the episode: the JSON object the task asks for, as text.",
    "parameters": {
        "type": "object",
        "properties": {
            "answer": {
                "type": "string",
                "description": 'Your answer, e.g. {"label": "Malicious", "confidence": 0.8, "rationale": "..."}',
            }
        },
        "required": ["answer"],
    },
}
_TEXT_OUTPUT = {
    "type": "object",
    "properties": {"result": {"type": "string"}},
    "required": ["result"],
    "x-fastmcp-wrap-result": True,
}


def _metadata(kind: str) -> EnvironmentMetadata:
    return EnvironmentMetadata(
        name=f"netlogs-{kind}",
        description=(
            "netlogs: network-intrusion detection on real captures (IoT-23, CIC-IDS-2017, UNSW-NB15). "
            + (
                "One flow per episode; answer with a JSON label, scored by netlogs' rubric."
                if kind == "single"
                else "One flow per episode, with lookup tools over the capture before submit_answer; scored by netlogs' rubric."
            )
        ),
        version=netlogs.__version__,
        author="netlogs",
    )


def _error(observation: Observation, message: str) -> Observation:
    observation.metadata = {"error": message}
    return observation


class FlowEnvironment(Environment[NetlogsAction, NetlogsObservation, NetlogsState]):
    """The single-flow episode: one prompt, one answer, netlogs' reward."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self, settings: Optional[Settings] = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self._rng = new_rng()
        self._episode: Optional[Episode] = None
        self._state = NetlogsState()

    def reset(self, seed: Optional[int] = None, episode_id: Optional[str] = None, **kwargs: Any) -> NetlogsObservation:
        self._episode = draw(self.settings, seed, kwargs, self._rng, lookup=False)
        self._state = NetlogsState(
            episode_id=episode_id or str(uuid.uuid4()),
            example_id=self._episode.example_id,
            dataset=self._episode.dataset,
            split=self._episode.split,
        )
        return NetlogsObservation(prompt=self._episode.prompt, example_id=self._episode.example_id)

    def step(self, action: NetlogsAction, timeout_s: Optional[float] = None, **kwargs: Any) -> NetlogsObservation:
        ep = self._episode
        if ep is None:
            return _error(
                NetlogsObservation(done=True),
                "no episode: reset first (HTTP /step is stateless; play an episode on a /ws session, e.g. NetlogsEnv(...).sync())",
            )
        if ep.done:
            return _error(
                NetlogsObservation(done=True, example_id=ep.example_id),
                f"the episode is over (reward {ep.scored['reward']}): reset for another",
            )
        if not isinstance(action, NetlogsAction):
            return _error(NetlogsObservation(example_id=ep.example_id), f"expected a NetlogsAction, got {type(action).__name__}")
        ep.conversation = [{"role": "assistant", "content": action.answer}]
        ep.scored = score(self.settings, ep, action.answer)
        ep.done, ep.turns = True, 1
        self._state.step_count, self._state.turns = 1, 1
        self._state.done, self._state.reward = True, ep.scored["reward"]
        return NetlogsObservation(
            example_id=ep.example_id, done=True, reward=ep.scored["reward"], metadata=result_metadata(ep)
        )

    @property
    def state(self) -> NetlogsState:
        return self._state

    def get_metadata(self) -> EnvironmentMetadata:
        return _metadata("single")


class _EpisodeTool(Tool):
    """A FastMCP tool that hands its raw arguments to the environment (so a malformed call
    reaches netlogs' tools and reads their error, as in eval) and returns text."""

    _handler: Any = PrivateAttr(default=None)

    @classmethod
    def of(cls, definition: dict, handler: Callable[[dict], str]) -> _EpisodeTool:
        tool = cls(
            name=definition["name"],
            description=definition["description"],
            parameters=definition["parameters"],
            output_schema=_TEXT_OUTPUT,
        )
        tool._handler = handler
        return tool

    async def run(self, arguments: dict[str, Any]) -> ToolResult:
        text = await asyncio.to_thread(self._handler, arguments)
        return ToolResult(content=text, structured_content={"result": text})


class LookupEnvironment(MCPEnvironment):
    """The lookup episode: netlogs' lookup tools, then ``submit_answer``.

    The tools are reachable both as OpenEnv steps (``CallToolAction``, whose observation
    carries ``done`` and ``reward``) and over MCP (``/mcp`` ``tools/call``, as
    ``MCPToolClient.call_tool`` does); both run the same handlers on the session's episode.
    """

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings()
        self._rng = new_rng()
        self._episode: Optional[Episode] = None
        self._state = NetlogsState()
        self._lookup = None
        # One call at a time per episode, whichever route (/ws step or /mcp) it came by.
        self._lock = threading.Lock()
        self._handlers: dict[str, Callable[[dict], str]] = {}
        mcp = FastMCP("netlogs-lookup")
        for d in definitions():
            fn = d["function"]
            self._handlers[fn["name"]] = self._lookup_handler(fn["name"])
            mcp.add_tool(_EpisodeTool.of(fn, self._handlers[fn["name"]]))
        self._handlers[SUBMIT_ANSWER] = self._submit
        mcp.add_tool(_EpisodeTool.of(SUBMIT_DEFINITION, self._submit))
        super().__init__(mcp)

    # -- episode lifecycle -------------------------------------------------------------

    def reset(self, seed: Optional[int] = None, episode_id: Optional[str] = None, **kwargs: Any) -> NetlogsObservation:
        ep = draw(self.settings, seed, kwargs, self._rng, lookup=True)
        lookup = tools_for(self.settings.datasets[ep.dataset])
        with self._lock:
            self._lookup, self._episode = lookup, ep
            self._state = NetlogsState(
                episode_id=episode_id or str(uuid.uuid4()),
                example_id=ep.example_id,
                dataset=ep.dataset,
                split=ep.split,
                max_turns=ep.max_turns,
            )
        return NetlogsObservation(prompt=ep.prompt, example_id=ep.example_id, metadata={"max_turns": ep.max_turns})

    def _live_episode(self) -> Episode:
        ep = self._episode
        if ep is None:
            raise ToolError("no episode: reset first")
        if ep.done:
            raise ToolError(f"the episode is over (reward {ep.scored['reward']}, {ep.scored['parsed']['outcome']}): reset for another")
        return ep

    def _turn(self, ep: Episode) -> None:
        ep.turns += 1
        self._state.turns = ep.turns
        self._state.step_count = ep.turns

    def _finish(self, ep: Episode) -> None:
        ep.scored = score(self.settings, ep, ep.conversation)
        ep.done = True
        self._state.done, self._state.reward = True, ep.scored["reward"]

    def _lookup_handler(self, name: str) -> Callable[[dict], str]:
        def handler(arguments: dict) -> str:
            with self._lock:
                return lookup_call(arguments)

        def lookup_call(arguments: dict) -> str:
            ep = self._live_episode()
            self._turn(ep)
            text = call(self._lookup, name, arguments, Anchor.from_info(ep.row.get("info")))
            call_id = f"call_{ep.turns}"
            ep.conversation.append(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
                    ],
                }
            )
            ep.conversation.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": text})
            if ep.turns >= ep.max_turns:
                # The turns ran out mid-lookup: the conversation ends on a tool result, which
                # netlogs scores as no answer, as eval does.
                self._finish(ep)
            return text

        return handler

    def _submit(self, arguments: dict) -> str:
        with self._lock:
            return self._submit_locked(arguments)

    def _submit_locked(self, arguments: dict) -> str:
        ep = self._live_episode()
        extra = sorted(set(arguments) - {"answer"})
        if extra:
            raise ToolError(f"submit_answer: unknown argument(s) {', '.join(extra)}; it takes `answer` (the reply text)")
        answer = arguments.get("answer")
        if not isinstance(answer, str):
            got = "nothing" if answer is None else type(answer).__name__
            raise ToolError(f"submit_answer: `answer` must be the reply as a string, got {got}")
        self._turn(ep)
        ep.conversation.append({"role": "assistant", "content": answer})
        self._finish(ep)
        return json.dumps({"reward": ep.scored["reward"], **result_metadata(ep)})

    # -- steps -------------------------------------------------------------------------

    async def _async_handle_call_tool(self, action: CallToolAction, timeout_s: Optional[float] = None) -> CallToolObservation:
        """A tool call as an OpenEnv step: the handler runs directly (no MCP round trip), and
        the observation says whether the episode ended and with what reward."""
        name = action.tool_name
        handler = self._handlers.get(name)
        if handler is None:
            return CallToolObservation(
                tool_name=name,
                error=OpenEnvToolError(
                    error_type=ToolErrorType.TOOL_NOT_FOUND,
                    message=f"unknown tool {name!r}: one of {', '.join(self._handlers)}",
                ),
                done=self._episode is not None and self._episode.done,
            )
        try:
            # netlogs' tools and scorer release the GIL: off the event loop, other sessions go on.
            text = await asyncio.to_thread(handler, dict(action.arguments))
        except ToolError as e:
            live = self._episode is not None and not self._episode.done
            kind = ToolErrorType.INVALID_ARGS if live else ToolErrorType.EXECUTION_ERROR
            return CallToolObservation(
                tool_name=name,
                error=OpenEnvToolError(error_type=kind, message=str(e)),
                done=self._episode is not None and self._episode.done,
            )
        ep = self._episode
        obs = CallToolObservation(
            tool_name=name,
            result=CallToolResult(
                content=[TextContent(type="text", text=text)],
                structured_content={"result": text},
                meta=None,
                data=text,
                is_error=False,
            ),
        )
        if ep is not None and ep.done:
            obs.done, obs.reward, obs.metadata = True, ep.scored["reward"], result_metadata(ep)
        return obs

    def _step_impl(self, action: Action, timeout_s: Optional[float] = None, **kwargs: Any) -> Observation:
        return _error(
            Observation(done=self._episode is not None and self._episode.done),
            f"a lookup episode takes tool calls (call_tool: one of {', '.join(self._handlers)}) or list_tools, got {type(action).__name__}",
        )

    @property
    def state(self) -> NetlogsState:
        return self._state

    def get_metadata(self) -> EnvironmentMetadata:
        return _metadata("lookup")
