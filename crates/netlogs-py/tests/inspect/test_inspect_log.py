"""`netlogs export inspect` read back by inspect_ai itself (inspect-ai 0.3.285): the
`.eval` zip and the `.json` log load through `read_eval_log`, with one sample per results
row, the reward as each sample's score and the run's mean as the headline metric."""

import json
import math
import pathlib
import subprocess

import os

import pytest
from inspect_ai.log import read_eval_log, read_eval_log_sample_summaries

import stub_lookup


def run_dir(save: pathlib.Path) -> pathlib.Path:
    (run,) = [p for p in (save / "evals").glob("*/*") if (p / "metadata.json").is_file()]
    return run


def rows(run: pathlib.Path):
    with open(run / "results.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def runs(netlogs_bin, tmp_path_factory):
    """A plain run (6 examples x 2 rollouts), a grounded one with context lines, and a lookup
    run against the loopback tool-calling stub (tool calls, bad arguments, broken answers,
    conversations out of turns)."""
    tmp = tmp_path_factory.mktemp("inspect")
    server, url = stub_lookup.start()
    env = {**os.environ, "STUB_KEY": "stub-key-not-a-secret"}
    made = {}
    try:
        for name, args in {
            "plain": ["-n", "6", "-r", "2"],
            "grounded": ["-n", "8", "--preset", "grounded", "-m", "builtin:heuristic-context", "--context", "5"],
            "lookup": ["-n", "12", "-m", "stub", "-b", url, "-k", "STUB_KEY", "--no-cache",
                       "--mode", "lookup", "--max-turns", "3"],
        }.items():
            save = tmp / name
            subprocess.run([netlogs_bin, "eval", *args, "-s", str(save)], check=True, capture_output=True, env=env)
            made[name] = run_dir(save)
    finally:
        server.shutdown()
    return tmp, made


def export(netlogs_bin, run, out):
    done = subprocess.run(
        [netlogs_bin, "export", "inspect", str(run), "--output", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "inspect view" in done.stdout
    return out


@pytest.mark.parametrize("suffix", [".eval", ".json"])
@pytest.mark.parametrize("which", ["plain", "grounded", "lookup"])
def test_inspect_reads_the_exported_log(netlogs_bin, runs, suffix, which):
    tmp, made = runs
    run = made[which]
    log = read_eval_log(str(export(netlogs_bin, run, tmp / f"{which}{suffix}")))
    want = rows(run)
    assert log.status == "success"
    assert log.eval.task == "netlogs"
    model = {"plain": "builtin:heuristic", "grounded": "builtin:heuristic-context", "lookup": "stub"}
    assert log.eval.model == model[which]
    assert len(log.samples) == len(want)
    reward = {(r["example_id"], r["rollout"] + 1): r["reward"] for r in want}
    assert {(s.id, s.epoch) for s in log.samples} == set(reward)
    turns = {(r["example_id"], r["rollout"] + 1): r["completion"] for r in want}
    for s in log.samples:
        score = s.scores["netlogs"]
        assert score.value == pytest.approx(reward[(s.id, s.epoch)])
        assert s.target in {"Benign", "Malicious"}
        assert s.input[-1].role == "user" and s.input[-1].text.startswith("Zeek conn record")
        assert set(score.metadata) >= {"accuracy", "format", "calibration", "cost", "outcome"}
        assert ("grounding" in score.metadata) == (which == "grounded")
        # The conversation is kept whole: the input, then every turn of the completion.
        assert len(s.messages) == len(s.input) + len(turns[(s.id, s.epoch)])
        if which != "lookup":
            assert score.answer in {"Benign", "Malicious", "Abstain"}
            assert s.output.completion.startswith("{")
    if which == "lookup":
        calls = [c for s in log.samples for m in s.messages if m.role == "assistant" for c in (m.tool_calls or [])]
        results = [m for s in log.samples for m in s.messages if m.role == "tool"]
        assert calls and len(results) == len(calls)
        assert {c.function for c in calls} <= {"flows_for_host", "flows_to_port", "host_summary"}
        assert any(c.parse_error is None and c.arguments for c in calls)
        assert all(m.tool_call_id for m in results)
    metrics = log.results.scores[0].metrics
    assert metrics["mean"].value == pytest.approx(sum(reward.values()) / len(reward))
    assert log.results.total_samples == len(want)
    assert log.eval.config.epochs == (2 if which == "plain" else 1)
    assert not any("stub-key-not-a-secret" in m.text for s in log.samples for m in s.messages)


def test_the_eval_zip_has_the_summaries_inspect_view_lists(netlogs_bin, runs):
    tmp, made = runs
    out = export(netlogs_bin, made["plain"], tmp / "summaries.eval")
    summaries = read_eval_log_sample_summaries(str(out))
    assert len(summaries) == len(rows(made["plain"]))
    assert all(math.isfinite(s.scores["netlogs"].value) for s in summaries)
    header = read_eval_log(str(out), header_only=True)
    assert header.samples is None and header.results.completed_samples == len(summaries)


def test_a_bad_output_name_is_refused(netlogs_bin, runs):
    tmp, made = runs
    done = subprocess.run(
        [netlogs_bin, "export", "inspect", str(made["plain"]), "--output", str(tmp / "x.txt")],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and ".eval or .json" in done.stderr
