"""The trainer adapters, called with the argument shapes the trainers use (checked in their
sources: TRL's GRPOTrainer._calculate_rewards, verl's default reward manager, OpenRLHF's
reward_func file contract)."""

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
    assert out == {"score": s["reward"], **s["metrics"]}
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
