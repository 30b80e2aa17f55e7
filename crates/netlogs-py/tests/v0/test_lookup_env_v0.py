"""The multi-turn lookup variant on verifiers v0: a StatefulToolEnv with netlogs' three
tools; a tool call the model makes is answered by netlogs' own lookup over the same flows,
with the flow's time and capture filled in from the example's info."""

import asyncio
import json

import verifiers as vf

import netlogs


def test_lookup_env_answers_tool_calls_from_the_examples_own_capture():
    env = vf.load_environment("netlogs-env", max_examples=8, mode="lookup", max_turns=4, tool_cost=0.05)
    assert isinstance(env, vf.StatefulToolEnv)
    names = [t["function"]["name"] for t in env.oai_tools]
    assert names == ["flows_for_host", "flows_to_port", "host_summary"]
    for t in env.oai_tools:
        assert "ts" not in t["function"]["parameters"]["properties"]
    row = env.eval_dataset[0]
    info = row["info"]
    assert info["ts"] is not None
    host = row["prompt"][-1]["content"].split("id.orig_h=")[1].split()[0]
    call = {"id": "c1", "type": "function", "function": {"name": "host_summary", "arguments": json.dumps({"host": host, "window_s": 600})}}
    bad = {"id": "c2", "type": "function", "function": {"name": "flows_to_port", "arguments": json.dumps({"port": "x"})}}
    messages = [{"role": "assistant", "content": "", "tool_calls": [call, bad]}]
    replies = asyncio.run(env.env_response(messages, {"info": info}))
    summary = json.loads(replies[0]["content"])
    assert summary["host"] == host and summary["flows"] >= 1, summary
    direct = netlogs.LookupTools().call("host_summary", json.dumps({"host": host, "window_s": 600}), ts=info["ts"], capture=info["capture"])
    assert json.loads(direct) == summary
    assert "Malicious" not in replies[0]["content"] and "Benign" not in replies[0]["content"]
    # A malformed argument is the model's problem to fix, not a crash: it reads an error.
    assert replies[1]["role"] == "tool"
    assert "error" in json.loads(replies[1]["content"]), replies[1]

    rubrics = getattr(env.rubric, "rubrics", [env.rubric])
    (ours,) = [r for r in rubrics if "tool_use" in [f.__name__ for f in r.funcs]]
    penalty = ours.funcs[-1]
    assert abs(penalty(completion=[{"role": "tool", "content": "{}"}] * 3) + 0.15) < 1e-12
    assert penalty(completion="a plain answer") == 0.0
