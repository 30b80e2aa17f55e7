"""One reward per conversation: every conversation of tests/fixtures/conversations.jsonl
(lookup rollouts over real bundled flows, one that ran out of turns and ends on a tool
message among them) gets the same reward from `netlogs score`, `netlogs.score`, the verifiers
v0 and v1 environments, the TRL environment and reward, verl's tool agent loop and reward
manager, OpenRLHF's agent executor, and OpenEnv's MCPToolClient playing netlogs' lookup
server (netlogs.openenv); and each path's own tools give eval's tool results.

Each trainer path runs in the venv that has its trainer (paths.py, one subprocess each), so
this test needs scripts/test's venvs: v0, v1, torch, rl and openenv under $NETLOGS_PY_CACHE."""

import json
import os
import pathlib
import subprocess

import pytest

from conftest import read_jsonl

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "conversations.jsonl"
CACHE = pathlib.Path(os.environ.get("NETLOGS_PY_CACHE", pathlib.Path.home() / ".cache" / "netlogs-py"))
VENVS = {"score": "v1", "v0": "v0", "v1": "v1", "trl": "torch", "verl": "rl", "openrlhf": "rl", "openenv": "openenv"}
MARK = "NETLOGS-ONE-REWARD "


def run_path(name):
    python = CACHE / VENVS[name] / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"the {name} path needs the {VENVS[name]} venv ({python}); scripts/test creates it")
    done = subprocess.run([str(python), str(HERE / "paths.py"), name], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"paths.py {name} failed:\n{done.stderr[-4000:]}")
    (line,) = [x for x in done.stdout.splitlines() if x.startswith(MARK)]
    return json.loads(line[len(MARK):])


@pytest.fixture(scope="module")
def cases():
    return read_jsonl(FIXTURES)


@pytest.fixture(scope="module")
def results(cases, netlogs_bin, tmp_path_factory):
    out = {name: run_path(name) for name in VENVS}
    # `netlogs score` on the fixture itself (every row is scored under the same rubric).
    (rubric,) = {json.dumps(c["rubric"], sort_keys=True) for c in cases}
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in json.loads(rubric).items()]
    dest = tmp_path_factory.mktemp("one-reward")
    subprocess.run([netlogs_bin, "score", "--input", str(FIXTURES), "--output", str(dest), *flags],
                   check=True, stdout=subprocess.DEVNULL)
    rows = read_jsonl(dest / "results.jsonl")
    out["cli score"] = {c["id"]: {"reward": r["reward"], "outcome": r["parsed"]["outcome"], "tool_results": None}
                        for c, r in zip(cases, rows)}
    return out


def test_every_path_gives_each_conversation_one_reward(cases, results):
    assert {c["completion"][-1]["role"] for c in cases} == {"assistant", "tool"}, "the fixture must hold an out-of-turns rollout"
    table, bad = [], []
    for c in cases:
        rewards = {name: results[name][c["id"]]["reward"] for name in results}
        table.append((c["id"], rewards))
        want = rewards["score"]
        bad += [(c["id"], name, got, want) for name, got in rewards.items() if abs(got - want) > 1e-9]
    assert not bad, "rewards that differ from netlogs.score: " + json.dumps(bad, indent=1)
    assert len({round(r["score"], 9) for _, r in table}) > 3, "the fixture's rewards should differ between rows"


def test_every_path_reads_the_answer_and_tool_calls_alike(cases, results):
    for c in cases:
        # A conversation that ends on a tool result has no answer: an invalid one, its calls
        # counted against tool_cost.
        assert results["cli score"][c["id"]]["outcome"] == c["expect"]["outcome"], c["id"]


def test_every_path_answers_the_tool_calls_as_eval_did(cases, results):
    for c in cases:
        want = [m["content"] for m in c["completion"] if m["role"] == "tool"]
        assert len(want) == c["expect"]["tool_calls"]
        for name, by_id in results.items():
            got = by_id[c["id"]]["tool_results"]
            if got is not None:
                assert got == want, (name, c["id"])
