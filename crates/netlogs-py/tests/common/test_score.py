"""netlogs.score gives exactly the rewards of `netlogs score`."""

import json
import subprocess

import pytest

import netlogs
from conftest import read_jsonl


def eval_rows(netlogs_bin, tmp_path, n):
    subprocess.run(
        [netlogs_bin, "eval", "-n", str(n), "-s", str(tmp_path / "runs")],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    (results,) = (tmp_path / "runs").rglob("results.jsonl")
    return results


@pytest.mark.parametrize("preset", ["proper", "legacy"])
def test_equals_netlogs_score_on_bundled_rows(netlogs_bin, netlogs_score, tmp_path, preset):
    path = eval_rows(netlogs_bin, tmp_path, 300)
    rows = read_jsonl(path)
    want = netlogs_score(path, "--preset", preset)
    got = netlogs.score([r["completion"] for r in rows], [r["answer"] for r in rows], [r["info"] for r in rows], preset=preset)
    assert [g["reward"] for g in got] == [w["reward"] for w in want]
    assert [g["metrics"] for g in got] == [w["metrics"] for w in want]
    assert [g["parsed"] for g in got] == [w["parsed"] for w in want]


@pytest.mark.parametrize("corpus", ["golden/score_input.jsonl", "golden/bad_completions.jsonl"])
def test_equals_netlogs_score_on_bad_completions(fixtures, netlogs_score, corpus):
    rows = read_jsonl(fixtures / corpus)
    scored = netlogs_score(fixtures / corpus)
    # Rows that record a failed request (`error`) are not answers: `netlogs score` leaves them
    # unscored, and the Python API takes completions only.
    keep = [i for i, r in enumerate(rows) if not r.get("error")]
    assert len(keep) >= len(rows) - 1
    rows = [rows[i] for i in keep]
    want = [scored[i]["reward"] for i in keep]
    got = netlogs.score([r["completion"] for r in rows], [r["answer"] for r in rows])
    assert [g["reward"] for g in got] == want
    assert netlogs.rewards([r["completion"] for r in rows], [r["answer"] for r in rows]) == want


def test_rubric_object_file_and_overrides(tmp_path):
    text = '{"label": "Benign", "confidence": 0.8}'
    base = netlogs.score([text], ["Malicious"])[0]
    harsher = netlogs.Rubric(fn_cost=2.0)
    assert harsher.score([text], ["Malicious"])[0]["reward"] == pytest.approx(base["reward"] - 0.5)
    toml = tmp_path / "rubric.toml"
    toml.write_text("fn_cost = 2.0\n")
    assert netlogs.score([text], ["Malicious"], rubric=str(toml)) == harsher.score([text], ["Malicious"])
    assert netlogs.score([text], ["Malicious"], rubric={"fn_cost": 2.0}) == harsher.score([text], ["Malicious"])
    assert netlogs.score([text], ["Malicious"], rubric=harsher) == harsher.score([text], ["Malicious"])
    assert netlogs.Rubric("seed").preset == "proper"
    assert netlogs.Rubric(weights=[1, 0, 0, 0]).config["weights"]["format"] == 0.0


def test_audit_matches_the_cli(netlogs_bin):
    out = subprocess.run([netlogs_bin, "audit", "--json", "--preset", "legacy"], check=True, capture_output=True, text=True)
    assert netlogs.Rubric("legacy").audit() == json.loads(out.stdout)


def test_the_gil_is_released_while_scoring():
    import threading

    texts = ['{"label": "Malicious", "confidence": 0.9}'] * 200_000
    answers = ["Malicious"] * 200_000
    ticks = []
    started = threading.Event()
    done = threading.Event()

    def ticker():
        started.set()
        while not done.is_set():
            ticks.append(1)

    import sys

    interval = sys.getswitchinterval()
    t = threading.Thread(target=ticker)
    t.start()
    started.wait()
    # With forced switches this rare, the ticker runs during the call only if it releases the GIL.
    sys.setswitchinterval(0.5)
    try:
        before = len(ticks)
        netlogs.rewards(texts, answers)
        during = len(ticks) - before
    finally:
        sys.setswitchinterval(interval)
        done.set()
        t.join()
    # Holding the GIL through the call would leave the ticker (pure Python) almost no turns.
    assert during > 1000, during


def test_score_leaves_the_garbage_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    netlogs.score(['{"label": "Benign", "confidence": 0.5}'] * 10, ["Benign"] * 10)
    assert gc.isenabled()
    gc.disable()
    try:
        netlogs.score(['{"label": "Benign", "confidence": 0.5}'], ["Benign"])
        assert not gc.isenabled()
    finally:
        gc.enable()
