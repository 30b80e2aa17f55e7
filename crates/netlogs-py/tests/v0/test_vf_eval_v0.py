"""verifiers v0 (0.1.9.post3, the reference's pin): `vf-eval netlogs-env` against a loopback
stub; every saved reward equals what `netlogs score` gives for the same completions."""

import json
import os
import pathlib
import subprocess
import sys

import verifiers as vf

import netlogs
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
