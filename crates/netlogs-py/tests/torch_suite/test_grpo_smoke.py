"""The GRPO example: `grpo_trl.py --smoke` (2 TRL GRPOTrainer steps on a tiny random Llama,
held-out evaluations as netlogs run directories, `netlogs compare`), the reward TRL calls, the
step log and the evaluation rows."""

import json
import math
import subprocess
import sys

import netlogs
import netlogs.trl
import pytest

import grpo_trl
from netlogs_train import evaluate, prompts, reward, steplog

PREFIX = prompts.ANSWER_PREFIX


@pytest.fixture
def spy(monkeypatch):
    """Records every call of netlogs.trl.reward_func (the function the example's reward
    delegates to), then lets it compute the reward."""
    calls = []
    real = netlogs.trl.reward_func

    def recording(prompts, completions, answer, **kwargs):
        out = real(prompts, completions, answer, **kwargs)
        # trainer_state is TRL's live object: keep its step at call time.
        calls.append({"prompts": prompts, "completions": completions, "answer": answer, "kwargs": kwargs,
                      "rewards": out, "global_step": kwargs["trainer_state"].global_step})
        return out

    monkeypatch.setattr(netlogs.trl, "reward_func", recording)
    return calls


@pytest.fixture(scope="module")
def smoke_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("smoke")


def test_smoke_trains_with_the_arguments_trl_passes(spy, smoke_dir):
    result = grpo_trl.main(["--smoke", "--output", str(smoke_dir)])

    # 2 steps × 2 prompts × 4 generations: one reward call per step.
    assert len(spy) == 2
    held = netlogs.load_examples(data=result["dataset"], split="train")
    gold = {ex["example_id"]: ex["answer"] for ex in held}
    for step, call in enumerate(spy):
        kw = call["kwargs"]
        assert {"completion_ids", "example_id", "trainer_state", "log_extra", "log_metric"} <= set(kw)
        n = len(call["completions"])
        assert n == 8
        assert len(call["prompts"]) == len(call["answer"]) == len(kw["completion_ids"]) == len(kw["example_id"]) == n
        # TRL passes the rendered prompt, which ends with the answer prefix; the example's
        # reward scores the prefix plus exactly the tokens TRL sampled.
        assert all(isinstance(p, str) and p.endswith(PREFIX) and "<|im_start|>assistant" in p for p in call["prompts"])
        tok = grpo_trl_tokenizer(smoke_dir)
        for text, ids in zip(call["completions"], kw["completion_ids"]):
            assert text.startswith(PREFIX)
            assert all(isinstance(i, int) for i in ids) and 0 < len(ids) <= 12
            assert tok.decode(ids, skip_special_tokens=True) == text[len(PREFIX):]
        # Each completion comes with its own example's gold label, repeated per generation.
        assert [gold[e] for e in kw["example_id"]] == list(call["answer"])
        assert call["answer"][:4] == [call["answer"][0]] * 4
        assert call["global_step"] == step
        assert call["rewards"] == pytest.approx(netlogs.rewards(call["completions"], call["answer"]))

    rows = steplog.read(smoke_dir / "steps.jsonl")
    assert [r["step"] for r in rows] == [1, 2]
    must = ("reward", "reward_std", "frac_reward_zero_std", "kl", "completion_length", *reward.COMPONENTS,
            "malicious_rate", "benign_rate", "abstain_rate", "invalid_rate")
    for r, call in zip(rows, spy):
        assert set(r) == set(steplog.KEYS)
        for k in must:
            assert r[k] is not None and math.isfinite(r[k]), (k, r)
        # The logged components are the means of netlogs' own scores of that step's answers.
        scored = netlogs.score(call["completions"], call["answer"])
        for c in reward.COMPONENTS:
            assert r[c] == pytest.approx(sum(s["metrics"][c] for s in scored) / len(scored))
        assert r["reward"] == pytest.approx(sum(call["rewards"]) / len(call["rewards"]), abs=1e-5)

    assert (smoke_dir / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (smoke_dir / "checkpoint" / "config.json").is_file()
    for run in ("base", "trained"):
        summary = json.loads((smoke_dir / "runs" / run / "summary.json").read_text())
        assert summary["n"] == 8
        assert result[run]["n"] == 8
    compare = (smoke_dir / "compare.md").read_text()
    assert "**Paired rows:** 8" in compare and "McNemar" in compare
    assert result["held_out_examples"] == 8 and result["steps_logged"] == 2


def grpo_trl_tokenizer(smoke_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smoke_dir / "start-model")


def test_held_out_rows_record_the_prefix_and_only_test_captures(smoke_dir):
    if not (smoke_dir / "runs" / "base.completions.jsonl").is_file():
        pytest.skip("needs the smoke run of the test above")
    base = [json.loads(l) for l in (smoke_dir / "runs" / "base" / "results.jsonl").read_text().splitlines()]
    trained = [json.loads(l) for l in (smoke_dir / "runs" / "trained" / "results.jsonl").read_text().splitlines()]
    assert [r["example_id"] for r in base] == [r["example_id"] for r in trained]
    for r in base:
        assert r["info"]["capture"] == grpo_trl.DEFAULT_TEST_CAPTURES and r["info"]["split"] == "test"
        assert r["prompt"][-1] == {"role": "assistant", "content": PREFIX, "prefill": True}
        assert r["completion"].startswith(PREFIX)
        assert r["finish_reason"] in ("stop", "length")
        assert r["reward"] == pytest.approx(netlogs.rewards([r["completion"]], [r["answer"]])[0])


def test_reward_prepends_the_prefix_and_logs_components():
    logged = {}
    f = reward.make_reward(PREFIX)
    completions = ['Malicious", "confidence": 0.9}', 'Abstain", "confidence": 0.1}', "no idea"]
    answers = ["Malicious", "Benign", "Malicious"]
    out = f(prompts=["p"] * 3, completions=completions, answer=answers, completion_ids=[[1]] * 3,
            log_metric=lambda k, v: logged.setdefault(k, v))
    assert out == pytest.approx(netlogs.rewards([PREFIX + c for c in completions], answers))
    assert out[0] == pytest.approx(1.798)
    assert logged["netlogs/format"] == pytest.approx(2 / 3)
    assert logged["netlogs/abstain_rate"] == pytest.approx(1 / 3)
    assert logged["netlogs/invalid_rate"] == pytest.approx(1 / 3)
    assert logged["netlogs/malicious_rate"] == pytest.approx(1 / 3)
    assert logged["netlogs/confidence_mean"] == pytest.approx(0.5)
    # Under another preset the reward is that preset's.
    legacy = reward.make_reward(PREFIX, preset="legacy")
    assert legacy(prompts=["p"], completions=completions[1:2], answer=["Benign"]) == pytest.approx(
        netlogs.rewards([PREFIX + completions[1]], ["Benign"], preset="legacy"))


def test_generate_is_greedy_and_reports_truncation(tiny_llama, tiny_tokenizer):
    texts = [prompts.render(tiny_tokenizer, [{"role": "user", "content": "proto=tcp"}], PREFIX),
             prompts.render(tiny_tokenizer, [{"role": "user", "content": "proto=udp conn_state=S0"}], PREFIX)]
    a = evaluate.generate(tiny_llama, tiny_tokenizer, texts, max_new_tokens=6, batch_size=2)
    b = evaluate.generate(tiny_llama, tiny_tokenizer, texts[::-1], max_new_tokens=6, batch_size=1)
    assert a == b[::-1]
    assert all(finish in ("stop", "length") for _, finish in a)


def test_bad_arguments_name_the_flag(train_script):
    proc = subprocess.run([sys.executable, str(train_script), "--generations", "1"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--generations must be at least 2" in proc.stderr
    proc = subprocess.run([sys.executable, str(train_script), "--steps", "0"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--steps must be at least 1" in proc.stderr
