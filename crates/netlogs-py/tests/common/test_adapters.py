"""The trainer adapters, called with the argument shapes the trainers use (checked in their
sources: TRL's GRPOTrainer._calculate_rewards, verl's default reward manager, OpenRLHF's
reward_func file contract)."""

import asyncio
import importlib

import pytest

import netlogs
import netlogs.openrlhf
import netlogs.trl
import netlogs.verl

MAL = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'
BEN = '{"label": "Benign", "confidence": 0.7, "rationale": "dns"}'


def test_trl_standard_and_conversational():
    want = netlogs.rewards([MAL, BEN], ["Malicious", "Malicious"])
    # TRL passes keywords: prompts, completions, completion_ids, every other dataset column,
    # and trainer_state.
    got = netlogs.trl.reward_func(
        prompts=["flow 1", "flow 2"],
        completions=[MAL, BEN],
        completion_ids=[[1, 2], [3]],
        answer=["Malicious", "Malicious"],
        info=[{}, {}],
        trainer_state=object(),
    )
    assert got == want
    conversational = [[{"role": "assistant", "content": MAL}], [{"role": "assistant", "content": BEN}]]
    prompts = [[{"role": "user", "content": "flow"}]] * 2
    assert netlogs.trl.reward_func(prompts=prompts, completions=conversational, answer=["Malicious", "Malicious"]) == want
    legacy = netlogs.trl.make_reward_func(preset="legacy")
    assert legacy(prompts=prompts, completions=conversational, answer=["Malicious", "Malicious"]) == netlogs.rewards([MAL, BEN], ["Malicious"] * 2, preset="legacy")


def test_verl_compute_score():
    out = netlogs.verl.compute_score("netlogs/iot23", MAL, "Malicious", extra_info={"index": 3})
    (s,) = netlogs.score([MAL], ["Malicious"])
    assert out == {"score": s["reward"], **s["metrics"], "tool_calls": 0}
    assert netlogs.verl.compute_score(data_source="x", solution_str="garbage", ground_truth="benign")["format"] == 0.0


def test_openrlhf_reward_func():
    prompt = "<|im_start|>user\nflow<|im_end|>\n<|im_start|>assistant\n"
    queries = [prompt + MAL + "<|im_end|>", prompt + BEN + "<|im_end|>"]
    labels = ["malicious", '{"answer": "Benign", "info": {"capture": "CTU-IoT-Malware-Capture-34-1"}}']
    out = netlogs.openrlhf.reward_func(queries, [prompt, prompt], labels)
    want = netlogs.rewards([MAL, BEN], ["Malicious", "Benign"])
    as_list = lambda x: x.tolist() if hasattr(x, "tolist") else list(x)  # noqa: E731
    assert as_list(out["rewards"]) == as_list(out["scores"])
    assert as_list(out["rewards"]) == want or all(abs(a - b) < 1e-6 for a, b in zip(as_list(out["rewards"]), want))
    assert set(out["extra_logs"]) == {"accuracy", "format", "calibration", "cost"}
    # Without prompts: the assistant marker finds the response.
    out = netlogs.openrlhf.reward_func(queries, None, labels)
    assert len(as_list(out["rewards"])) == 2


def test_hf_dataset_when_datasets_is_installed():
    try:
        import datasets  # noqa: F401
    except ImportError:
        # `to_hf_dataset` then raises a clear ImportError naming the package.
        try:
            netlogs.to_hf_dataset(n=4)
        except ImportError as e:
            assert "datasets" in str(e)
        return
    ds = netlogs.to_hf_dataset(n=10)
    assert ds.num_rows == 10 and set(ds.column_names) >= {"prompt", "answer", "info"}


# --preset grounded through each adapter: the prompt reaches the scorer, so citations of the
# flow it showed count and citations of anything else do not.
FLOW = "Zeek conn record: ts=1545404476.0 id.orig_h=192.168.1.195 id.resp_p=23 proto=tcp conn_state=S0 history=S"
CITED = '{"label": "Malicious", "confidence": 0.9, "rationale": "telnet scan", "evidence": [{"field": "id.resp_p", "value": "23"}]}'
MISCITED = '{"label": "Malicious", "confidence": 0.9, "rationale": "telnet scan", "evidence": [{"field": "id.resp_p", "value": "80"}]}'


def grounded_want():
    got = netlogs.score([CITED, MISCITED], ["Malicious"] * 2, preset="grounded", prompts=[FLOW] * 2)
    assert [g["metrics"]["grounding"] for g in got] == [1.0, 0.0]
    return got


def test_trl_grounded_reads_each_prompt():
    want = [w["reward"] for w in grounded_want()]
    messages = [[{"role": "system", "content": "sys"}, {"role": "user", "content": FLOW}]] * 2
    sync = netlogs.trl.make_reward_func(preset="grounded")
    for prompts in ([FLOW] * 2, messages):
        assert sync(prompts=prompts, completions=[CITED, MISCITED], answer=["Malicious"] * 2) == want
    logged = {}
    reward = netlogs.trl.make_async_reward_func(preset="grounded")
    out = asyncio.run(reward(prompts=messages + [messages[0]], completions=[CITED, MISCITED, CITED],
                             answer=["Malicious", "Malicious", None], log_metric=logged.__setitem__))
    assert out == [*want, None]
    assert logged["netlogs/grounding"] == 0.5
    # A prompt that shows another flow: the same citation no longer matches.
    other = FLOW.replace("id.resp_p=23", "id.resp_p=80")
    assert sync(prompts=[other] * 2, completions=[CITED, MISCITED], answer=["Malicious"] * 2) == want[::-1]


def test_verl_grounded_reads_the_prompt_rows_keep():
    want = grounded_want()
    ex = {"example_id": "x", "prompt": [{"role": "system", "content": "sys"}, {"role": "user", "content": FLOW}],
          "answer": "Malicious", "info": {}}
    (row,) = netlogs.verl.rows([ex])
    assert row["extra_info"][netlogs.verl.PROMPT] == ex["prompt"]
    for text, w in zip((CITED, MISCITED), want):
        out = netlogs.verl.compute_score("netlogs", text, "Malicious", extra_info=row["extra_info"], preset="grounded")
        assert out == {"score": w["reward"], **w["metrics"], "tool_calls": 0}
    # A lookup rollout's recorded conversation carries its prompt too.
    talk = [*ex["prompt"], {"role": "assistant", "content": CITED}]
    out = netlogs.verl.compute_score("netlogs", "", "Malicious", extra_info={netlogs.verl.CONVERSATION: talk},
                                     rubric={"preset": "grounded"})
    assert out["score"] == want[0]["reward"]
    with pytest.raises(ValueError, match=f"extra_info has no `{netlogs.verl.PROMPT}`"):
        netlogs.verl.compute_score("netlogs", CITED, "Malicious", extra_info={"index": 0}, preset="grounded")


def test_verl_reads_a_rubric_file_once(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text("tool_cost = 0.5\n")
    talk = [{"role": "user", "content": FLOW},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "host_summary", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c", "content": "{}"}, {"role": "assistant", "content": MAL}]
    first = netlogs.verl.compute_score("netlogs", "", "Malicious", extra_info={netlogs.verl.CONVERSATION: talk}, rubric=str(path))
    path.unlink()
    again = netlogs.verl.compute_score("netlogs", "", "Malicious", extra_info={netlogs.verl.CONVERSATION: talk}, rubric=str(path))
    assert first == again and first["tool_calls"] == 1
    assert first["score"] == netlogs.score([talk[1:]], ["Malicious"], rubric={"tool_cost": 0.5})[0]["reward"]


def test_openrlhf_grounded_reads_the_rendered_prompts():
    want = grounded_want()
    prompt = f"<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\n{FLOW}<|im_end|>\n<|im_start|>assistant\n"
    queries = [prompt + CITED + "<|im_end|>", prompt + MISCITED + "<|im_end|>"]
    reward_func = netlogs.openrlhf.make_reward_func(preset="grounded")
    out = reward_func(queries, [prompt, prompt], ["Malicious", "Malicious"])
    as_list = lambda x: x.tolist() if hasattr(x, "tolist") else list(x)  # noqa: E731
    assert as_list(out["rewards"]) == [w["reward"] for w in want] or all(
        abs(a - w["reward"]) < 1e-6 for a, w in zip(as_list(out["rewards"]), want))
    assert set(out["extra_logs"]) == {*netlogs.COMPONENTS, "grounding"}
    assert as_list(out["extra_logs"]["grounding"]) == [1.0, 0.0]


def test_openrlhf_reward_file_reads_netlogs_rubric(tmp_path, monkeypatch):
    path = tmp_path / "rubric.toml"
    path.write_text('preset = "grounded"\n')
    monkeypatch.setenv("NETLOGS_RUBRIC", str(path))
    try:
        module = importlib.reload(netlogs.openrlhf)
        path.unlink()  # read once, at load
        prompt = f"<|im_start|>user\n{FLOW}<|im_end|>\n<|im_start|>assistant\n"
        out = module.reward_func([prompt + CITED], [prompt], ["Malicious"])
        assert "grounding" in out["extra_logs"]
        monkeypatch.setenv("NETLOGS_RUBRIC", str(tmp_path / "missing.toml"))
        with pytest.raises(ValueError, match="NETLOGS_RUBRIC"):
            importlib.reload(netlogs.openrlhf)
    finally:
        monkeypatch.delenv("NETLOGS_RUBRIC")
        importlib.reload(netlogs.openrlhf)
