"""The lookup tools for verifiers v1 (>= 0.4.0): a shared MCP ``Toolset`` whose three tools
answer through netlogs' own lookup (``netlogs.LookupTools``), with per-rollout state.

One server runs per environment worker (``Taskset.toolsets``) and indexes the flows once. Each
rollout's ``LookupState`` carries the judged flow's time and capture, set by the task before
the model's first turn (``NetlogsTask.setup``), so the model never chooses where to look. The
tools take their parameter schemas from netlogs' definitions and pass the model's arguments
through unvalidated, so every call, good or bad, reads the same JSON as in ``netlogs eval``.

Every call runs in a worker thread (netlogs releases the GIL while it looks), so the server's
event loop keeps serving the other rollouts' calls, and their state, meanwhile.

The server process is started as ``python -m netlogs_env._lookup_v1`` by verifiers.
"""

import asyncio
from typing import Annotated, Any

import verifiers.v1 as vf
from pydantic import WithJsonSchema

from netlogs.lookup import Anchor, call, definition, tools_for


class LookupState(vf.State):
    """Where this rollout's tools look (never shown to, or set by, the model)."""

    ts: float | None = None
    capture: str | None = None


class LookupToolsetConfig(vf.SharedToolsetConfig):
    data: list[str] | None = None
    """The raw flows the tools look in (the taskset's ``dataset_name``; None: the default data)."""


def _schema(tool: str, param: str) -> WithJsonSchema:
    return WithJsonSchema(definition(tool)["function"]["parameters"]["properties"][param])


def _description(tool: str) -> str:
    return definition(tool)["function"]["description"]


class LookupToolset(vf.Toolset[LookupToolsetConfig, LookupState]):
    # The tools keep netlogs' bare names (no `<server>_` prefix), as eval sends them.
    TOOL_PREFIX = None

    async def setup(self) -> None:
        self.tools = tools_for(self.config.data)

    async def _call(self, name: str, **arguments: Any) -> str:
        # The state is this call's (a context variable): read it here, on the loop.
        anchor = Anchor(self.state.ts, self.state.capture)
        return await asyncio.to_thread(call, self.tools, name, arguments, anchor)

    # Parameters are `Any` with netlogs' schema: MCP then passes the model's values through
    # as they are, and netlogs' own parser reads them (errors included), as in eval. A `None`
    # default leaves the argument out, so netlogs' default applies.
    @vf.tool
    async def flows_for_host(
        self,
        host: Annotated[Any, _schema("flows_for_host", "host")],
        before_s: Annotated[Any, _schema("flows_for_host", "before_s")] = None,
        after_s: Annotated[Any, _schema("flows_for_host", "after_s")] = None,
        limit: Annotated[Any, _schema("flows_for_host", "limit")] = None,
    ) -> str:
        return await self._call("flows_for_host", host=host, before_s=before_s, after_s=after_s, limit=limit)

    @vf.tool
    async def flows_to_port(
        self,
        port: Annotated[Any, _schema("flows_to_port", "port")],
        before_s: Annotated[Any, _schema("flows_to_port", "before_s")] = None,
        after_s: Annotated[Any, _schema("flows_to_port", "after_s")] = None,
        limit: Annotated[Any, _schema("flows_to_port", "limit")] = None,
    ) -> str:
        return await self._call("flows_to_port", port=port, before_s=before_s, after_s=after_s, limit=limit)

    @vf.tool
    async def host_summary(
        self,
        host: Annotated[Any, _schema("host_summary", "host")],
        window_s: Annotated[Any, _schema("host_summary", "window_s")] = None,
    ) -> str:
        return await self._call("host_summary", host=host, window_s=window_s)


for _name in ("flows_for_host", "flows_to_port", "host_summary"):
    getattr(LookupToolset, _name).__doc__ = _description(_name)


if __name__ == "__main__":
    LookupToolset.run()
