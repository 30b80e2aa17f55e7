"""verifiers v0 (0.1.9.post3, the reference's pin): `vf-eval netlogs-env` against a loopback
stub; every saved reward equals what `netlogs score` gives for the same completions."""

import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer

import pytest
import verifiers as vf

import netlogs
import stub_openai
from conftest import read_jsonl


def test_load_environment_builds_a_single_turn_env():
    env = vf.load_environment("netlogs-env", max_examples=12, preset="legacy")
    assert isinstance(env, vf.SingleTurnEnv)
    assert len(env.eval_dataset) == 12
    # verifiers may wrap the rubric in a RubricGroup (it adds its own metrics).
    rubrics = getattr(env.rubric, "rubrics", [env.rubric])
    (ours,) = [r for r in rubrics if [f.__name__ for f in r.funcs] == ["accuracy", "format", "calibration", "cost"]]
    assert ours.weights == [1.0, 0.1, 0.2, 0.5]
    row = env.eval_dataset[0]
    assert row["prompt"][0]["content"] == netlogs.default_system_prompt()
    assert row["answer"] in ("Benign", "Malicious")


def test_vf_eval_rewards_equal_netlogs_score(stub_url, netlogs_score, tmp_path):
    vf_eval = pathlib.Path(sys.executable).with_name("vf-eval")
    env = {**os.environ, "STUB_KEY": "stub-key-not-a-secret"}
    subprocess.run(
        [str(vf_eval), "netlogs-env", "-a", json.dumps({"max_examples": 40}), "-m", "stub", "-b", stub_url,
         "-k", "STUB_KEY", "-n", "20", "-r", "2", "-s"],
        check=True, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    (results,) = tmp_path.rglob("results.jsonl")
    rows = read_jsonl(results)
    assert len(rows) == 40
    scored = netlogs_score(results)
    # verifiers saves through pandas' to_json, which keeps 10 significant digits.
    for vf_row, ours in zip(rows, scored):
        assert abs(vf_row["reward"] - ours["reward"]) < 1e-9, (vf_row["completion"], vf_row["reward"], ours["reward"])
        for k in ("accuracy", "format", "calibration", "cost"):
            assert abs(vf_row[k] - ours["metrics"][k]) < 1e-9
    kinds = {r["completion"][-1]["content"][:7] for r in rows}
    assert len(kinds) > 2, "the stub's answers should vary"


class CitingHandler(stub_openai.Handler):
    """The stub, answering Malicious with one citation of the flow's port: its own value for
    half of the flows (by a hash of the prompt), a wrong one for the rest."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        port = re.search(r"id\.resp_p=(\d+)", user).group(1)
        if hashlib.sha256(user.encode()).digest()[0] % 2:
            port = str(int(port) + 1)
        text = json.dumps({"label": "Malicious", "confidence": 0.9, "rationale": "r",
                           "evidence": [{"field": "id.resp_p", "value": port}]})
        out = json.dumps({"id": "stub", "object": "chat.completion", "created": 0, "model": "stub",
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                          "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture
def citing_stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), CitingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_vf_eval_grounded_scores_each_prompts_citations(citing_stub, netlogs_score, tmp_path):
    env = vf.load_environment("netlogs-env", max_examples=4, preset="grounded")
    rubrics = getattr(env.rubric, "rubrics", [env.rubric])
    (ours,) = [r for r in rubrics if "grounding" in [f.__name__ for f in r.funcs]]
    assert [f.__name__ for f in ours.funcs] == [*netlogs.COMPONENTS, "grounding"]
    assert ours.weights == [1.0, 0.1, 0.2, 0.5, 0.3]
    vf_eval = pathlib.Path(sys.executable).with_name("vf-eval")
    subprocess.run(
        [str(vf_eval), "netlogs-env", "-a", json.dumps({"max_examples": 20, "preset": "grounded"}), "-m", "stub",
         "-b", citing_stub, "-k", "STUB_KEY", "-n", "20", "-r", "1", "-s"],
        check=True, cwd=tmp_path, env={**os.environ, "STUB_KEY": "stub-key-not-a-secret"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    (results,) = tmp_path.rglob("results.jsonl")
    rows = read_jsonl(results)
    assert len(rows) == 20
    scored = netlogs_score(results, "--preset", "grounded")
    for vf_row, ours in zip(rows, scored):
        assert abs(vf_row["reward"] - ours["reward"]) < 1e-9
        assert vf_row["grounding"] == ours["metrics"]["grounding"]
    assert {r["grounding"] for r in rows} == {0.0, 1.0}
