"""The compact recipe's parts: the step log's exploration fields and its collapse warning, the
learned teacher's answers, the compact template through Python, the held-out table's bins."""

import json
import math
import types

import netlogs
import pytest

from netlogs_train import prompts, reward, steplog, warmup

PREFIX = prompts.ANSWER_PREFIX


def test_exploration_counts_labels_groups_with_both_and_tied_groups():
    # Two groups of four: the first holds both labels with differing rewards, the second is
    # all invalid (every reward ties).
    completions = ['Benign", "confidence": 0.9}', 'Malicious", "confidence": 0.8}',
                   'Benign", "confidence": 0.6}', 'Benign", "confidence": 0.7}',
                   "x", "y", "z", "w"]
    full = [PREFIX + c for c in completions]
    answers = ["Benign"] * 4 + ["Malicious"] * 4
    ids = ["a"] * 4 + ["b"] * 4
    scored = netlogs.score(full, answers)
    rewards = netlogs.rewards(full, answers)
    got = reward.exploration(scored, rewards, ids)
    # Labels: Benign 3, Malicious 1, invalid 4 of 8.
    want = -(3 / 8 * math.log2(3 / 8) + 1 / 8 * math.log2(1 / 8) + 4 / 8 * math.log2(4 / 8))
    assert got["label_entropy"] == pytest.approx(want)
    assert got["both_labels_group_share"] == 0.5
    assert got["zero_std_group_share"] == 0.5
    one = reward.exploration(scored[:1], rewards[:1], ids[:1])
    assert one == {"label_entropy": 0.0, "both_labels_group_share": 0.0, "zero_std_group_share": 1.0}


def test_the_reward_logs_the_exploration_fields():
    logged = {}
    f = reward.make_reward(PREFIX)
    completions = ['Benign", "confidence": 0.9}', 'Malicious", "confidence": 0.9}']
    f(prompts=["p", "p"], completions=completions, answer=["Benign", "Benign"], example_id=["e", "e"],
      log_metric=lambda k, v: logged.__setitem__(k, v))
    assert logged["netlogs/label_entropy"] == pytest.approx(1.0)
    assert logged["netlogs/both_labels_group_share"] == 1.0
    assert logged["netlogs/zero_std_group_share"] == 0.0


def test_step_log_warns_after_ten_steps_of_a_rare_label(tmp_path, capsys):
    log = steplog.StepLog(tmp_path / "steps.jsonl")
    state = types.SimpleNamespace(global_step=0)
    control = types.SimpleNamespace(should_training_stop=False)

    def step(malicious):
        state.global_step += 1
        log.on_log(None, state, control, logs={"reward": 1.0, "netlogs/malicious_rate": malicious,
                                               "netlogs/benign_rate": 1.0 - malicious,
                                               "netlogs/label_entropy": 0.1})

    for _ in range(9):
        step(0.01)
    assert log.warnings == []
    step(0.0)
    assert len(log.warnings) == 1 and "for 10 steps" in log.warnings[0]
    assert "WARNING step 10" in capsys.readouterr().out
    step(0.5)  # both labels again: the count restarts
    rows = steplog.read(log.path)
    assert [r["rare_label_steps"] for r in rows] == [*range(1, 11), 0]
    assert all(set(r) == set(steplog.KEYS) for r in rows)
    assert rows[0]["label_entropy"] == pytest.approx(0.1)
    assert rows[0]["both_labels_group_share"] is None  # absent from TRL's log: null, not missing


def test_learned_teacher_answers_gold_labels_at_its_probability_of_them():
    row = {"answer": "Malicious", "parsed": {"label": "Malicious", "confidence": 0.934}}
    assert warmup.gold_answer(row) == {"label": "Malicious", "confidence": 0.93}
    # The teacher disagrees: the gold label at 1 − its confidence, floored at 0.5.
    row = {"answer": "Benign", "parsed": {"label": "Malicious", "confidence": 0.6}}
    assert warmup.gold_answer(row) == {"label": "Benign", "confidence": 0.5}
    row = {"answer": "Benign", "parsed": {"label": "Malicious", "confidence": 0.3}}
    assert warmup.gold_answer(row) == {"label": "Benign", "confidence": 0.7}
    target = warmup.target({"teacher_target": {"label": "Benign", "confidence": 0.7}}, PREFIX)
    assert target == 'Benign", "confidence": 0.7}'
    assert netlogs.rewards([PREFIX + target], ["Benign"])[0] > 1.5


def test_compact_template_through_python(fixtures):
    csv = fixtures / "iot23" / "iot23_multicapture_pool_subset.csv"
    rows = netlogs.load_examples(data=str(csv), template="compact", n=20, seed=1,
                                 system_prompt=prompts.system_prompt("compact"))
    assert len(rows) == 20
    for r in rows:
        assert r["prompt"][0]["content"] == prompts.COMPACT_SYSTEM
        user = r["prompt"][1]["content"]
        head, *pairs = user.split(" ")
        assert head == "Flow:"
        assert [kv.split("=", 1)[0] for kv in pairs] == [
            "proto", "service", "id.resp_p", "duration", "orig_bytes", "resp_bytes", "conn_state", "history",
            "orig_pkts", "resp_pkts"]
    with pytest.raises(Exception, match="compakt"):
        netlogs.load_examples(data=str(csv), template="compakt")


def test_answer_distribution_bins_labels_and_confidences(tmp_path):
    import heldout

    rows = [{"parsed": {"label": "Malicious", "confidence": 0.95, "outcome": "true_positive"}},
            {"parsed": {"label": "Malicious", "confidence": 0.5, "outcome": "false_positive"}},
            {"parsed": {"label": "Benign", "confidence": 0.0, "outcome": "true_negative"}},
            {"parsed": {"label": None, "confidence": None, "outcome": "invalid"}}]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert heldout.answer_distribution(tmp_path) == {
        "Malicious": {"(0.9, 1.0]": 1, "[0.0, 0.5]": 1},
        "Benign": {"[0.0, 0.5]": 1},
        "invalid": {"-": 1},
    }


def test_step_summary_gives_seconds_a_step_and_block_means(tmp_path, capsys):
    import step_summary

    log = tmp_path / "steps.jsonl"
    rows = [{"elapsed_s": e, "peak_rss_mb": rss, "label_entropy": h, "reward": None}
            for e, rss, h in [(10.0, 100, 1.0), (25.0, 300, 0.5), (45.0, 200, 0.0)]]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    step_summary.main([str(log), "--block", "2"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("steps 3; seconds a step: first 10.0, median 15.0, min 10.0, max 20.0; "
                        "peak RSS 300 MB")
    assert lines[1] == "steps 1-2: label_entropy 0.750"
    assert lines[2] == "steps 3-3: label_entropy 0.000"
