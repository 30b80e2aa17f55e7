"""README's TRL snippets, run at TRL 1.16: each is executed as written, with `model` bound to
the tiny scripted Qwen2 (tests/tiny_qwen.py). The test's wrappers around GRPOConfig and
GRPOTrainer add only what a CPU smoke needs (the test's tokenizer, one step, small batches,
no reports); the trainer then trains that step on netlogs' reward."""

import pytest
import trl

import netlogs
import netlogs.trl
import readme_snippets as readme
import tiny_qwen

SMOKE = dict(max_steps=1, per_device_train_batch_size=4, num_generations=2, max_completion_length=512,
             report_to=[], save_strategy="no", use_cpu=True, bf16=False, logging_steps=1, seed=0)


@pytest.fixture
def run_snippet(monkeypatch, tmp_path):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    tok = tiny_qwen.tokenizer()
    real_config, real_trainer = trl.GRPOConfig, trl.GRPOTrainer
    made = []

    def config(**kwargs):
        return real_config(**{**kwargs, **SMOKE, "output_dir": str(tmp_path / kwargs["output_dir"])})

    def trainer(**kwargs):
        made.append(real_trainer(**kwargs, processing_class=tok))
        return made[-1]

    monkeypatch.setattr(trl, "GRPOConfig", config)
    monkeypatch.setattr(trl, "GRPOTrainer", trainer)

    def run(name):
        scope = {"model": tiny_qwen.scripted_model(tok)}
        exec(readme.snippet(name), scope)
        (t,) = made
        assert scope["trainer"] is t
        t.train()
        return t

    return run


def test_trl_single_snippet(run_snippet, monkeypatch):
    seen = []
    real = netlogs.trl.reward_func

    def recording(prompts, completions, answer, **kwargs):
        out = real(prompts, completions, answer, **kwargs)
        seen.append((completions, answer, out))
        return out

    monkeypatch.setattr(netlogs.trl, "reward_func", recording)
    trainer = run_snippet("trl-single")
    ((completions, answer, out),) = seen
    # TRL passed the dataset's gold labels and the model's decoded completions, and trained
    # on the rewards netlogs returned (their mean is the logged reward).
    assert len(out) == len(completions) == len(answer) > 0
    assert set(answer) <= {"Benign", "Malicious"}
    # A chat dataset: each completion is the model's turn as messages.
    assert all(isinstance(c, list) and c[-1]["role"] == "assistant" for c in completions), completions
    (logged,) = [h for h in trainer.state.log_history if "reward" in h]
    assert logged["reward"] == pytest.approx(sum(out) / len(out))


def test_trl_lookup_snippet(run_snippet):
    trainer = run_snippet("trl-lookup")
    assert trainer.args.max_tool_calling_iterations == 5
    assert sorted(t.__name__ for t in trainer.tools) == sorted(netlogs.lookup.TOOL_NAMES)
    (logged,) = [h for h in trainer.state.log_history if "netlogs/accuracy" in h]
    assert {"netlogs/format", "netlogs/calibration", "netlogs/cost"} <= set(logged)
    assert logged["tools/call_frequency"] > 0
