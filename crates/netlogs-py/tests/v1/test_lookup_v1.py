"""verifiers v1 (0.4.0) lookup mode: the taskset through verifiers' own loader, its shared MCP
toolset, and `vf-eval netlogs-env --env.taskset.task.mode lookup` against a loopback stub that
calls the tools. The rewards vf-eval saves equal `netlogs score` of the saved conversations."""

import asyncio
import json
import os
import pathlib
import subprocess
import sys

import pytest
import verifiers.v1 as vf
from verifiers.v1.mcp.server import _call_state
from verifiers.v1.state import state_cls
from verifiers.v1.types import ToolMessage
from verifiers.v1.utils.loaders import load_taskset, taskset_class

import netlogs
import netlogs.lookup
import readme_snippets as readme
import stub_lookup
from conftest import read_jsonl
from netlogs_env._lookup_v1 import LookupState, LookupToolset, LookupToolsetConfig
from netlogs_env._v1 import NetlogsConfig, NetlogsTask
from v1_trace import trace_of

LOOKUP = {"mode": "lookup", "max_turns": 3, "tool_cost": 0.05}


def test_loader_builds_a_lookup_taskset_with_netlogs_tools():
    config = NetlogsConfig(id="netlogs-env", max_examples=6, task=LOOKUP)
    cls = taskset_class("netlogs-env")
    tasks = list(load_taskset(config))
    assert len(tasks) == 6 and all(isinstance(t, NetlogsTask) for t in tasks)
    assert state_cls(type(tasks[0])) is LookupState
    assert all(t.data.info["ts"] is not None for t in tasks)
    (toolset,) = cls.toolsets(config)
    assert isinstance(toolset, LookupToolset) and toolset.server_name == ""
    assert toolset.config.data is None
    (named,) = cls.toolsets(NetlogsConfig(id="netlogs-env", dataset_name="some.log", task=LOOKUP))
    assert named.config.data == ["some.log"]
    assert cls.toolsets(NetlogsConfig(id="netlogs-env")) == []


def test_toolset_schemas_are_netlogs_definitions():
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("netlogs")
    LookupToolset(LookupToolsetConfig()).register(server)
    listed = {t.name: t for t in asyncio.run(server.list_tools())}
    for d in netlogs.lookup.definitions():
        fn = d["function"]
        tool = listed.pop(fn["name"])
        assert tool.description == fn["description"]
        props = tool.input_schema["properties"]
        assert set(props) == set(fn["parameters"]["properties"])
        for name, spec in fn["parameters"]["properties"].items():
            assert {k: props[name][k] for k in spec} == spec, (fn["name"], name)
        assert sorted(tool.input_schema.get("required", [])) == sorted(fn["parameters"]["required"])
    assert listed == {}


def test_tools_answer_from_the_rollouts_state_as_eval_does():
    (task,) = list(load_taskset(NetlogsConfig(id="netlogs-env", max_examples=1, task=LOOKUP)))
    info = task.data.info
    trace = vf.Trace(agent=vf.AgentInfo(config=vf.AgentConfig()), task=vf.TraceTask(type="NetlogsTask", data=task.data),
                     state=LookupState())
    asyncio.run(task.setup(trace))
    assert (trace.state.ts, trace.state.capture) == (info["ts"], info["capture"])
    toolset = LookupToolset(LookupToolsetConfig())
    asyncio.run(toolset.setup())
    host = task.data.prompt.split("id.orig_h=")[1].split()[0]
    direct = netlogs.LookupTools()
    token = _call_state.set(trace.state)
    try:
        got = asyncio.run(toolset.host_summary(host=host, window_s=600))
        assert got == direct.call("host_summary", json.dumps({"host": host, "window_s": 600}), ts=info["ts"], capture=info["capture"])
        assert json.loads(got)["flows"] >= 1
        # Bad arguments reach netlogs unconverted and read its own error, as in eval.
        bad = asyncio.run(toolset.flows_to_port(port="23"))
        assert bad == direct.call("flows_to_port", '{"port": "23"}', ts=info["ts"], capture=info["capture"])
        assert "error" in json.loads(bad)
    finally:
        _call_state.reset(token)
    # Without the rollout's state there is nowhere to look, and the model is told so.
    assert "error" in json.loads(asyncio.run(toolset.host_summary(host=host)))


def test_tool_calls_leave_the_event_loop_free(monkeypatch):
    """Concurrent calls on one server overlap, each with its own rollout's state, and the loop
    keeps running meanwhile (a synchronous tool would hold it for every call in turn)."""
    import threading
    import time

    import netlogs_env._lookup_v1 as lookup_v1

    seen = []

    def slow_call(tools, name, arguments, anchor):
        seen.append((threading.current_thread() is threading.main_thread(), anchor.ts))
        time.sleep(0.2)
        return json.dumps({"ts": anchor.ts})

    monkeypatch.setattr(lookup_v1, "call", slow_call)
    toolset = LookupToolset(LookupToolsetConfig())
    toolset.tools = None

    async def one(ts):
        token = _call_state.set(LookupState(ts=ts, capture="c"))
        try:
            return await toolset.host_summary(host="192.0.2.1")
        finally:
            _call_state.reset(token)

    async def run():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        tick = asyncio.create_task(ticker())
        start = time.perf_counter()
        got = await asyncio.gather(*(one(float(i)) for i in range(4)))
        elapsed = time.perf_counter() - start
        tick.cancel()
        return got, elapsed, ticks

    got, elapsed, ticks = asyncio.run(run())
    assert [json.loads(g)["ts"] for g in got] == [0.0, 1.0, 2.0, 3.0]
    assert sorted(ts for _, ts in seen) == [0.0, 1.0, 2.0, 3.0]
    assert not any(on_main for on_main, _ in seen), "a tool call ran on the event loop's thread"
    assert elapsed < 0.6, f"4 calls of 0.2 s took {elapsed:.2f} s: they ran one after another"
    assert ticks >= 10, f"the event loop ticked {ticks} times in {elapsed:.2f} s"


def test_the_out_of_turns_stop_keeps_the_last_tool_results():
    (task,) = list(load_taskset(NetlogsConfig(id="netlogs-env", max_examples=1, task=LOOKUP)))
    call = {"id": "c", "type": "function", "function": {"name": "host_summary", "arguments": "{}"}}
    turn = [{"role": "assistant", "content": "", "tool_calls": [call]}, {"role": "tool", "tool_call_id": "c", "content": "{}"}]
    def request(messages):
        return vf.Request(messages=[ToolMessage(tool_call_id=m["tool_call_id"], content=m["content"]) for m in messages[-1:]])

    for turns, stops in ((1, False), (2, False), (3, True)):
        talk = turn * turns
        assert asyncio.run(task.out_of_turns(request(talk), trace_of(task, talk))) is stops
    # Before the last turn's calls run, verifiers probes the stops with an empty result:
    # those calls must still run. One turn more is refused even then.
    probe = [{"role": "tool", "tool_call_id": "c", "content": ""}]
    assert asyncio.run(task.out_of_turns(request(probe), trace_of(task, turn * 3))) is False
    assert asyncio.run(task.out_of_turns(request(probe), trace_of(task, turn * 4))) is True
    single = NetlogsTask(task.data)
    assert asyncio.run(single.out_of_turns(request(turn), trace_of(single, turn))) is True


def saved_conversation(trace):
    """The final branch of a saved trace after the prompt, read from the JSON alone."""
    nodes = trace["nodes"]
    path, i = [], len(nodes) - 1
    while i is not None:
        path.append(nodes[i])
        i = nodes[i].get("parent")
    messages = [n["message"] for n in reversed(path)]
    first = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
    out = []
    for m in messages[first:]:
        if m["role"] == "assistant":
            calls = [{"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
                     for c in m.get("tool_calls") or []]
            out.append({"role": "assistant", "content": m.get("content") or "", "tool_calls": calls})
        else:
            out.append({"role": m["role"], "tool_call_id": m.get("tool_call_id"), "content": m["content"]})
    return out


@pytest.fixture(scope="module")
def lookup_stub():
    server, url = stub_lookup.start()
    yield server, url
    server.shutdown()


def test_vf_eval_lookup_calls_the_tools_and_saves_netlogs_rewards(lookup_stub, netlogs_score, tmp_path):
    server, url = lookup_stub
    env = {**os.environ, "STUB_KEY": "stub-key-not-a-secret"}
    n = 12
    # README's command, pointed at the stub, plus this test's size, turns and tool cost.
    (command,) = readme.commands("vf-eval-lookup")
    assert command[0] == "vf-eval"
    fill = {"MODEL": "stub", "URL": url, "KEY_VAR": "STUB_KEY"}
    argv = [str(pathlib.Path(sys.executable).with_name("vf-eval"))] + [fill.get(w, w) for w in command[1:]]
    argv += ["--env.taskset.max-examples", str(n), "--env.taskset.task.max-turns", "3",
             "--env.taskset.task.tool-cost", "0.05", "-r", "1", "--no-push", "-o", str(tmp_path)]
    subprocess.run(argv, check=True, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    (traces,) = tmp_path.rglob("traces.jsonl")
    episodes = read_jsonl(traces)
    assert len(episodes) == n
    rows, saved = [], []
    tools = netlogs.LookupTools()
    kinds = set()
    for ep in episodes:
        (trace,) = ep["traces"]
        data = trace["task"]["data"]
        talk = saved_conversation(trace)
        rows.append({"completion": talk, "answer": data["answer"]})
        saved.append(sum(r["score"] * r["weight"] for r in trace["rewards"].values()))
        # Every tool result is netlogs' own answer for this flow's time and capture.
        calls = {c["id"]: c for m in talk if m["role"] == "assistant" for c in m["tool_calls"]}
        for m in talk:
            if m["role"] == "tool":
                fn = calls[m["tool_call_id"]]["function"]
                want = tools.call(fn["name"], fn["arguments"], ts=data["info"]["ts"], capture=data["info"]["capture"])
                assert m["content"] == want
        if talk[-1]["role"] == "tool":
            kinds.add("out_of_turns")
            assert sum(1 for m in talk if m["role"] == "assistant") == 3
            assert trace["stop_condition"] == "out_of_turns"
        elif len(talk) == 1:
            kinds.add("direct")
        else:
            kinds.add("looked_up")
    assert kinds == {"out_of_turns", "direct", "looked_up"}, kinds
    offered = [b["tools"] for b in server.requests if b.get("tools")]
    assert offered, "the model was never offered the tools"
    want_tools = {d["function"]["name"]: d["function"]["parameters"] for d in netlogs.lookup.definitions()}
    for tool_list in offered:
        got = {t["function"]["name"]: t["function"]["parameters"] for t in tool_list}
        assert set(got) == set(want_tools)
        for name, params in want_tools.items():
            assert set(got[name]["properties"]) == set(params["properties"])
    path = tmp_path / "conversations.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    scored = netlogs_score(path, "--tool-cost", "0.05")
    assert len(scored) == n
    for row, got, ours in zip(rows, saved, scored):
        assert abs(got - ours["reward"]) < 1e-9, (row["completion"], got, ours["reward"])
    assert any(r["completion"][-1]["role"] == "tool" and o["parsed"]["outcome"] == "invalid" for r, o in zip(rows, scored))
