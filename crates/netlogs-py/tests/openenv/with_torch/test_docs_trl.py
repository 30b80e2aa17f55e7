"""docs/OPENENV.md's TRL snippet, run as written at TRL 1.16 against a lookup server on a
loopback port (its documented URL rewritten to the server's), with `model` bound to the tiny
scripted Qwen2; the wrappers around GRPOConfig and GRPOTrainer add only what a CPU smoke
needs. The reward TRL trains on is the server's for each episode."""

import pathlib

import pytest
import trl

import netlogs
import readme_snippets
import serving
import tiny_qwen
from netlogs.openenv import NetlogsToolEnv, Settings, build_app

import test_trl_openenv

DOC = pathlib.Path(__file__).resolve().parents[5] / "docs" / "OPENENV.md"
SMOKE = dict(max_steps=1, per_device_train_batch_size=4, num_generations=2, max_completion_length=512,
             report_to=[], save_strategy="no", use_cpu=True, bf16=False, logging_steps=1, seed=0)


def test_trl_snippet(monkeypatch, tmp_path):
    monkeypatch.setattr(readme_snippets, "README", DOC)
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    monkeypatch.setattr(tiny_qwen, "script", test_trl_openenv.script)
    tok = tiny_qwen.tokenizer()
    real_config, real_trainer, made = trl.GRPOConfig, trl.GRPOTrainer, []
    monkeypatch.setattr(trl, "GRPOConfig", lambda **kw: real_config(**{**kw, **SMOKE, "output_dir": str(tmp_path / kw["output_dir"])}))
    monkeypatch.setattr(trl, "GRPOTrainer", lambda **kw: made.append(real_trainer(**kw, processing_class=tok)) or made[-1])
    paid = []
    real_get_reward = NetlogsToolEnv.get_reward

    def get_reward(self):
        r = real_get_reward(self)
        paid.append((r, self._client.state()))
        return r

    monkeypatch.setattr(NetlogsToolEnv, "get_reward", get_reward)
    code = readme_snippets.snippet("openenv-trl")
    with serving.in_thread(build_app("lookup", Settings(), max_concurrent_envs=16)) as url:
        code = code.replace("http://127.0.0.1:8001", url)
        assert url in code
        scope = {"model": tiny_qwen.scripted_model(tok)}
        exec(code, scope)
        (trainer,) = made
        assert scope["trainer"] is trainer
        trainer.train()
    assert len(paid) == SMOKE["per_device_train_batch_size"]
    for reward, state in paid:
        assert state.done and reward == state.reward
    (logged,) = [h for h in trainer.state.log_history if "reward" in h]
    assert logged["reward"] == pytest.approx(sum(r for r, _ in paid) / len(paid))
    assert any(s.turns < s.max_turns for _, s in paid), "some rollout answered with submit_answer"
    assert netlogs.__version__
