"""The multi-turn lookup variant on verifiers v0: a StatefulToolEnv with netlogs' three
tools; a tool call the model makes is answered by netlogs' own lookup over the same flows,
with the flow's time and capture filled in from the example's info."""

import asyncio
import json

import pytest
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
    assert abs(penalty(completion=[{"role": "tool", "content": "{}"}] * 3, answer="Benign") + 0.15) < 1e-12
    assert penalty(completion="a plain answer", answer="Benign") == 0.0


def test_lookup_env_grounded_scores_citations_of_the_prompt_and_the_tools():
    env = vf.load_environment("netlogs-env", max_examples=4, mode="lookup", preset="grounded", tool_cost=0.05)
    rubrics = getattr(env.rubric, "rubrics", [env.rubric])
    (ours,) = [r for r in rubrics if "tool_use" in [f.__name__ for f in r.funcs]]
    assert [f.__name__ for f in ours.funcs] == [*netlogs.COMPONENTS, "grounding", "tool_use"]
    assert ours.weights == [1.0, 0.1, 0.2, 0.5, 0.3, 1.0]
    row = env.eval_dataset[0]
    prompt = row["prompt"]
    port = prompt[-1]["content"].split("id.resp_p=")[1].split()[0]
    call = {"id": "c", "type": "function", "function": {"name": "host_summary", "arguments": "{}"}}
    def talk(evidence):
        answer = {"label": "Malicious", "confidence": 0.9, "rationale": "r", "evidence": evidence}
        return [{"role": "assistant", "content": "", "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c", "content": json.dumps({"host": "192.0.2.9", "flows": 7})},
                {"role": "assistant", "content": json.dumps(answer)}]
    cases = {
        "prompt": [{"field": "id.resp_p", "value": port}],
        "tool": [{"field": "tool[0].flows", "value": "7"}],
        "wrong": [{"field": "tool[0].flows", "value": "8"}],
    }
    for name, evidence in cases.items():
        completion = talk(evidence)
        got = {f.__name__: f(prompt=prompt, completion=completion, answer="Malicious") for f in ours.funcs}
        (want,) = netlogs.score([completion], ["Malicious"], rubric={"preset": "grounded", "tool_cost": 0.05}, prompts=[prompt])
        assert got["grounding"] == want["metrics"]["grounding"] == (0.0 if name == "wrong" else 1.0), name
        assert sum(w * got[f.__name__] for f, w in zip(ours.funcs, ours.weights)) == pytest.approx(want["reward"], abs=1e-12)
        assert got["tool_use"] == pytest.approx(-0.05)
