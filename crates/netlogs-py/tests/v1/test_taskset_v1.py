"""verifiers v1 (0.4.0): the taskset through verifiers' own loader and scoring path, and a
`vf-eval netlogs-env` run against a loopback stub."""

import asyncio
import json
import os
import pathlib
import subprocess
import sys

import verifiers.v1 as vf
from verifiers.v1.graph import MessageNode
from verifiers.v1.types import AssistantMessage, UserMessage
from verifiers.v1.utils.loaders import load_taskset, taskset_class

import netlogs
import netlogs_env
from netlogs_env._v1 import NetlogsConfig

REPLIES = [
    '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}',
    '<think>dns</think>{"label": "Benign", "confidence": 0.7, "rationale": "dns"}',
    "no idea",
]


def test_module_exports_one_taskset():
    assert netlogs_env.__all__ == ["NetlogsTaskset"]
    assert taskset_class("netlogs-env") is netlogs_env.NetlogsTaskset
    assert taskset_class("someone/netlogs-env@0.1.0") is netlogs_env.NetlogsTaskset


def trace_for(task, reply):
    return vf.Trace(
        agent=vf.AgentInfo(config=vf.AgentConfig()),
        task=vf.TraceTask(type=type(task).__name__, data=task.data),
        nodes=[
            MessageNode(parent=None, message=UserMessage(content=task.data.prompt), sampled=False),
            MessageNode(parent=0, message=AssistantMessage(content=reply), sampled=True),
        ],
    )


def test_scoring_path_gives_the_netlogs_reward():
    tasks = list(load_taskset(NetlogsConfig(id="netlogs-env", max_examples=6)))
    assert len(tasks) == 6
    for task in tasks:
        json.loads(task.data.model_dump_json())  # TaskData survives JSON
        assert task.data.idx is not None
        for reply in REPLIES:
            trace = trace_for(task, reply)
            asyncio.run(task.score(trace))
            (want,) = netlogs.score([reply], [task.data.answer])
            assert abs(trace.reward - want["reward"]) < 1e-12
            assert {k: r.score for k, r in trace.rewards.items()} == {**want["metrics"], "grounding": 0.0, "tool_use": 0.0}


def test_legacy_preset_through_the_task_config():
    config = NetlogsConfig(id="netlogs-env", max_examples=2, task={"preset": "legacy"})
    task = list(load_taskset(config))[0]
    reply = '{"label": "Malicious", "confidence": 0.9}'
    trace = trace_for(task, reply)
    asyncio.run(task.score(trace))
    assert abs(trace.reward - netlogs.score([reply], [task.data.answer], preset="legacy")[0]["reward"]) < 1e-12


def test_grounded_preset_checks_citations_against_the_tasks_prompt():
    config = NetlogsConfig(id="netlogs-env", max_examples=4, task={"preset": "grounded"})
    tasks = list(load_taskset(config))
    seen = set()
    for task in tasks:
        port = task.data.prompt.split("id.resp_p=")[1].split()[0]
        for value in (port, port + "9"):
            reply = json.dumps({"label": "Malicious", "confidence": 0.9, "rationale": "r",
                                "evidence": [{"field": "id.resp_p", "value": value}]})
            trace = trace_for(task, reply)
            asyncio.run(task.score(trace))
            (want,) = netlogs.score([reply], [task.data.answer], preset="grounded", prompts=[task.data.prompt])
            assert abs(trace.reward - want["reward"]) < 1e-12
            assert trace.rewards["grounding"].score == want["metrics"]["grounding"]
            assert trace.rewards["grounding"].weight == 0.3
            assert abs(trace.rewards["tool_use"].score) < 1e-12
            seen.add(want["metrics"]["grounding"])
    assert seen == {0.0, 1.0}


def test_vf_eval_runs_offline_against_the_stub(stub_url, tmp_path):
    vf_eval = pathlib.Path(sys.executable).with_name("vf-eval")
    env = {**os.environ, "STUB_KEY": "stub-key-not-a-secret"}
    subprocess.run(
        [str(vf_eval), "netlogs-env", "-m", "stub", "--client.base-url", stub_url, "--client.api-key-var", "STUB_KEY",
         "--env.taskset.max-examples", "4", "-r", "1", "--no-push", "-o", str(tmp_path),
         "--env.agent.harness.id", "null", "--env.agent.runtime.type", "subprocess"],
        check=True, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600,
    )
    (traces,) = tmp_path.rglob("traces.jsonl")
    episodes = [json.loads(line) for line in open(traces, encoding="utf-8")]
    assert len(episodes) == 4
    for ep in episodes:
        (trace,) = ep["traces"]
        reply = next(n["message"]["content"] for n in reversed(trace["nodes"]) if n["message"]["role"] == "assistant")
        (want,) = netlogs.score([reply], [trace["task"]["data"]["answer"]])
        got = sum(r["score"] * r["weight"] for r in trace["rewards"].values())
        assert abs(got - want["reward"]) < 1e-9
