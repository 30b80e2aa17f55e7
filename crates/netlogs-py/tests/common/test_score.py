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


ANSWER = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'


def _talk(calls):
    """A conversation that makes `calls` tool calls (one per turn), then answers."""
    out = []
    for i in range(calls):
        out.append({"role": "assistant", "content": "", "tool_calls": [
            {"id": f"c{i}", "type": "function", "function": {"name": "host_summary", "arguments": "{}"}}]})
        out.append({"role": "tool", "tool_call_id": f"c{i}", "content": "{}"})
    return out + [{"role": "assistant", "content": ANSWER}]


def test_score_dicts_count_the_tool_calls():
    completions = [ANSWER, _talk(0), _talk(1), _talk(3), None, _talk(2)[:-1]]
    got = netlogs.score(completions, ["Malicious"] * 6, rubric={"tool_cost": 0.1})
    assert [g["tool_calls"] for g in got] == [0, 0, 1, 3, 0, 2]
    # Each counted call is what the reward lost.
    for g in got[1:4]:
        assert g["reward"] == pytest.approx(got[0]["reward"] - 0.1 * g["tool_calls"])
    assert netlogs.Rubric(tool_cost=0.1).score([_talk(2)], ["Benign"])[0]["tool_calls"] == 2
    assert set(got[0]) == {"reward", "metrics", "parsed", "tool_calls"}


def test_components_have_one_home_the_score_dicts_keys():
    (s,) = netlogs.score([ANSWER], ["Malicious"])
    assert netlogs.COMPONENTS == ("accuracy", "format", "calibration", "cost")
    assert tuple(s["metrics"]) == netlogs.COMPONENTS
    assert netlogs.Rubric().components == netlogs.COMPONENTS
    assert netlogs.Rubric("legacy").components == netlogs.COMPONENTS
    assert netlogs.Rubric("grounded").components == (*netlogs.COMPONENTS, "grounding")
    assert netlogs.Rubric(weights=[1, 0.1, 0.2, 0.5, 0.4]).components[-1] == "grounding"


def test_no_python_module_spells_the_components_out():
    import pathlib

    import netlogs_env

    roots = [pathlib.Path(netlogs.__file__).parent, pathlib.Path(netlogs_env.__file__).parent]
    spelled = [str(p) for root in roots for p in root.glob("*.py")
               if '("accuracy", "format"' in p.read_text(encoding="utf-8")]
    assert spelled == []


def test_rubric_load_reads_a_file_once(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text('preset = "grounded"\ntool_cost = 0.25\n')
    loaded = netlogs.Rubric.load(str(path))
    path.unlink()
    assert loaded.preset == "grounded" and loaded.config["tool_cost"] == 0.25
    assert loaded.components[-1] == "grounding"
    # The preset is laid over the file, as `score(preset=, rubric=)` lays it.
    path.write_text("tool_cost = 0.25\n")
    assert netlogs.Rubric.load(path, preset="legacy").preset == "legacy"
    assert netlogs.Rubric.load({"fn_cost": 2.0}).config["fn_cost"] == 2.0
    assert netlogs.Rubric.load().config == netlogs.Rubric().config
    same = netlogs.Rubric("legacy")
    assert netlogs.Rubric.load(same).config == same.config
    with pytest.raises(ValueError, match="cannot read rubric file"):
        netlogs.Rubric.load(str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="unknown preset"):
        netlogs.Rubric.load(None, "strict")
