"""Grounding from Python (prompts carry the flow the evidence is checked against), equal to
`netlogs eval --preset grounded`; and a `netlogs data select` output read by
`netlogs.load_examples` with its example ids."""

import json
import subprocess

import pytest

import netlogs
from conftest import read_jsonl

PROMPT = "Zeek conn record: ts=1545404476.0 id.orig_h=192.168.1.195 id.resp_p=23 proto=tcp conn_state=S0 history=S"


def answer(evidence):
    return json.dumps({"label": "Malicious", "confidence": 0.9, "rationale": "telnet scan", "evidence": evidence})


def test_grounding_checks_citations_against_each_prompt():
    right = answer([{"field": "id.resp_p", "value": "23"}, {"field": "conn_state", "value": "S0"}])
    wrong = answer([{"field": "id.resp_p", "value": "2323"}])
    uncited = answer([])
    got = netlogs.score([right, wrong, uncited], ["Malicious"] * 3, preset="grounded", prompts=[PROMPT] * 3)
    assert [g["metrics"]["grounding"] for g in got] == [1.0, 0.0, 0.0]
    assert got[0]["reward"] - got[1]["reward"] == pytest.approx(0.3)
    # A prompt as a message list reads the same.
    messages = [{"role": "system", "content": "sys"}, {"role": "user", "content": PROMPT}]
    again = netlogs.score([right], ["Malicious"], preset="grounded", prompts=[messages])
    assert again[0]["reward"] == got[0]["reward"]
    rubric = netlogs.Rubric("grounded", grounding_threshold=0.95)
    assert rubric.rewards([uncited], ["Malicious"], prompts=[PROMPT])[0] > got[2]["reward"]
    # proper never scores grounding, prompts or not.
    proper = netlogs.score([right], ["Malicious"], prompts=[PROMPT])
    assert "grounding" not in proper[0]["metrics"]


def test_grounding_without_prompts_is_refused_by_name():
    with pytest.raises(ValueError, match="prompts"):
        netlogs.score([answer([])], ["Malicious"], preset="grounded")
    with pytest.raises(ValueError, match="prompts"):
        netlogs.rewards([answer([])], ["Malicious"], preset="grounded", prompts=[PROMPT, PROMPT])
    with pytest.raises(ValueError, match=r"prompts\[0\]"):
        netlogs.score([answer([])], ["Malicious"], preset="grounded", prompts=[[{"role": "system", "content": "x"}]])


def test_python_rewards_equal_a_grounded_eval(netlogs_bin, tmp_path):
    subprocess.run(
        [netlogs_bin, "eval", "-n", "40", "--preset", "grounded", "-s", str(tmp_path / "runs")],
        check=True,
        capture_output=True,
    )
    (results,) = (tmp_path / "runs").rglob("results.jsonl")
    rows = read_jsonl(results)
    got = netlogs.score([r["completion"] for r in rows], [r["answer"] for r in rows], preset="grounded",
                        prompts=[r["prompt"] for r in rows])
    assert [g["reward"] for g in got] == [r["reward"] for r in rows]
    assert [g["metrics"]["grounding"] for g in got] == [r["metrics"]["grounding"] for r in rows]


def test_a_selection_loads_with_its_example_ids(netlogs_bin, tmp_path):
    subprocess.run([netlogs_bin, "eval", "-n", "30", "-s", str(tmp_path / "runs")], check=True, capture_output=True)
    (results,) = (tmp_path / "runs").rglob("results.jsonl")
    run = results.parent
    selection = tmp_path / "next.jsonl"
    subprocess.run(
        [netlogs_bin, "data", "select", "--runs", str(run), "--strategy", "uncertainty", "--n", "8", "--output", str(selection)],
        check=True,
        capture_output=True,
    )
    picked = [json.loads(line)["meta"]["example_id"] for line in selection.read_text().splitlines()]
    loaded = netlogs.load_examples(str(selection))
    assert [e["example_id"] for e in loaded] == picked
    prompts = {r["example_id"]: r["prompt"][-1]["content"] for r in read_jsonl(results)}
    assert all(e["prompt"][-1]["content"] == prompts[e["example_id"]] for e in loaded)


@pytest.mark.parametrize(
    "rendered",
    [
        "<|im_start|>system\nsys a=b<|im_end|>\n<|im_start|>user\n{p}<|im_end|>\n<|im_start|>assistant\n",
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nsys<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\n{p}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "<s>[INST] {p} [/INST]",
        "<start_of_turn>user\n{p}<end_of_turn>\n<start_of_turn>model\n",
    ],
    ids=["chatml", "llama3", "mistral", "gemma"],
)
def test_a_rendered_prompt_is_read_by_its_user_turn(rendered):
    # conn_state is the last field: a template's end-of-turn token must not stick to its value.
    right = answer([{"field": "conn_state", "value": "S0"}, {"field": "history", "value": "S"}])
    prompt = rendered.format(p=PROMPT)
    (got,) = netlogs.score([right], ["Malicious"], preset="grounded", prompts=[prompt])
    (plain,) = netlogs.score([right], ["Malicious"], preset="grounded", prompts=[PROMPT])
    assert got["metrics"]["grounding"] == plain["metrics"]["grounding"] == 1.0
    # A field of the system prompt is not a field of the flow.
    (sys_cite,) = netlogs.score([answer([{"field": "a", "value": "b"}])], ["Malicious"], preset="grounded", prompts=[prompt])
    assert sys_cite["metrics"]["grounding"] == 0.0
