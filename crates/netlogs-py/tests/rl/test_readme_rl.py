"""README's verl and OpenRLHF lines, at verl 0.9.1 and OpenRLHF 0.11.2: every verl override
applies to verl's full PPO config (struct mode, so a key verl does not have fails) and the
reward manager and tools load from the result; every OpenRLHF flag parses with OpenRLHF's
own argument parser, and the reward file and agent file load as OpenRLHF loads them. The
dataset lines run, and the trainers' own dataset code reads what they write."""

import contextlib
import json
from datetime import datetime
import os
import pathlib
import sys

import pytest
import yaml
from omegaconf import OmegaConf, open_dict
from verl.tools.tool_registry import initialize_tools_from_config
from verl.trainer.ppo.reward import load_reward_manager
from verl.utils.dataset.rl_dataset import RLHFDataset

import netlogs
import netlogs.openrlhf
import netlogs.verl
import openrlhf_harness as oh
import readme_snippets as readme
import tiny_qwen
import verl_harness as vh

MAL = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'


@pytest.fixture(scope="module")
def tok():
    return tiny_qwen.tokenizer()


@contextlib.contextmanager
def cwd(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def verl_config(overrides):
    """verl 0.9.1's full PPO trainer config with Hydra-style `key=value` overrides applied:
    an existing key is set (struct mode: a key verl does not have raises), `+key` is added."""
    import verl

    cfg = OmegaConf.load(pathlib.Path(verl.__file__).parent / "trainer" / "config" / "_generated_ppo_trainer.yaml")
    OmegaConf.set_struct(cfg, True)
    for word in overrides:
        key, value = word.split("=", 1)
        value = yaml.safe_load(value)
        if key.startswith("+"):
            with open_dict(cfg):
                OmegaConf.update(cfg, key[1:], value, force_add=True)
        else:
            OmegaConf.update(cfg, key, value)
    return cfg


def main_ppo_overrides(command):
    assert command[:3] == ["python3", "-m", "verl.trainer.main_ppo"], command
    return command[3:]


def test_verl_reward_lines_load_netlogs_reward_manager(tok):
    (overrides,) = readme.commands("verl-reward")
    cfg = verl_config(overrides)
    assert cfg.reward.custom_reward_function.path == netlogs.verl.__file__

    async def build():
        return load_reward_manager(cfg, tok)

    import asyncio

    manager = asyncio.run(build())
    assert type(manager).__name__ == "NaiveRewardManager" and manager.is_async_reward_score
    (ex,) = netlogs.load_examples(n=1, seed=1)
    (row,) = netlogs.verl.rows([ex])
    got = vh.score(tok, vh.single_turn_data(row, tok, MAL), cfg.reward.custom_reward_function.name,
                   **cfg.reward.custom_reward_function.reward_kwargs)
    assert got["reward_score"] == pytest.approx(netlogs.score([MAL], [ex["answer"]], preset="proper")[0]["reward"], abs=1e-12)


def test_verl_lookup_lines_build_the_dataset_tools_and_reward(tok, tmp_path):
    make_data, train = readme.commands("verl-lookup")
    with cwd(tmp_path):
        exec(readme.python_code(make_data), {})
        cfg = verl_config(main_ppo_overrides(train))
    mt = cfg.actor_rollout_ref.rollout.multi_turn
    assert mt.enable is True and mt.format == "hermes" and mt.max_user_turns == 6
    tools = initialize_tools_from_config(mt.tool_config_path)
    assert [t.name for t in tools] == list(netlogs.lookup.TOOL_NAMES)
    assert cfg.reward.custom_reward_function.reward_kwargs.tool_cost == 0.02
    data = RLHFDataset(
        data_files=[str(tmp_path / cfg.data.train_files)], tokenizer=tok,
        config=OmegaConf.create({"max_prompt_length": 8192, "filter_overlong_prompts": False, "cache_dir": str(tmp_path)}),
    )
    item = data[0]
    assert item["agent_name"] == "tool_agent" and set(item["tools_kwargs"]) == set(netlogs.lookup.TOOL_NAMES)
    assert item["tools_kwargs"]["flows_for_host"]["create_kwargs"]["ts"] == item["extra_info"]["info"]["ts"]


def openrlhf_parser():
    """OpenRLHF 0.11.2's own argument parser: the statements of train_ppo_ray.py's
    `__main__` block from `parser = argparse.ArgumentParser()` to `parser.parse_args()`."""
    import argparse
    import importlib.util

    # The module imports vLLM at the top; only its parser's statements are run.
    path = pathlib.Path(importlib.util.find_spec("openrlhf").origin).parent / "cli" / "train_ppo_ray.py"
    source = path.read_text()
    block = source[source.index('if __name__ == "__main__":'):]
    start = block.index("parser = argparse.ArgumentParser()")
    end = block.index("args = parser.parse_args()")
    lines = block[start:end].splitlines()
    code = "\n".join(line[4:] if line.startswith("    ") else line for line in lines)
    # The module's standard-library imports (the others are the trainer's: ray, vLLM, …).
    scope = {"argparse": argparse, "os": os, "datetime": datetime}
    exec(code, scope)
    return scope["parser"]


def openrlhf_args(command):
    from openrlhf.utils.config import hierarchize

    assert command[:3] == ["python3", "-m", "openrlhf.cli.train_ppo_ray"], command
    return hierarchize(openrlhf_parser().parse_args(command[3:]))


def test_openrlhf_reward_lines_parse_and_load(tok):
    http, local = readme.commands("openrlhf-reward")
    args = openrlhf_args(http)
    urls = args.reward.remote_url.split(",")
    assert urls and all(u.startswith("http://") and u.endswith("/get_reward") for u in urls)
    args = openrlhf_args(local)
    assert args.reward.remote_url == netlogs.openrlhf.__file__ and args.data.apply_chat_template
    executor = oh.SingleTurnAgentExecutor([args.reward.remote_url])
    (ex,) = netlogs.load_examples(n=1, seed=3)
    from openrlhf.datasets.prompts_dataset import preprocess_data

    (row,) = netlogs.openrlhf.rows([ex])
    prompt, label = preprocess_data(row, None, args.data.input_key, args.data.label_key, tok.apply_chat_template)
    response, _ = oh.execute(executor, tok, prompt, label, [MAL])
    assert float(response["reward"]) == pytest.approx(netlogs.score([MAL], [ex["answer"]])[0]["reward"], abs=1e-6)


def test_openrlhf_lookup_lines_parse_and_run_the_agent_file(tok, tmp_path, monkeypatch):
    import transformers

    make_data, train = readme.commands("openrlhf-lookup")
    (tmp_path / "netlogs_agent.py").write_text(readme.snippet("openrlhf-agent-file") + "\n")
    # The dataset line loads the model's tokenizer from the Hub; the test's stands in for it.
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: tok)
    with cwd(tmp_path):
        exec(readme.python_code(make_data), {})
        args = openrlhf_args(train)
        executor_cls = oh.load_agent_file(args.train.agent_func_path)
    assert not args.data.apply_chat_template and args.rollout.n_samples_per_prompt == 8
    from openrlhf.datasets.prompts_dataset import preprocess_data

    row = json.loads((tmp_path / args.data.prompt_dataset).read_text().splitlines()[0])
    prompt, label = preprocess_data(row, None, args.data.input_key, args.data.label_key, None)
    assert json.dumps(netlogs.lookup.definitions()[0], ensure_ascii=False) in prompt
    answer = json.loads(label)["answer"]
    host = prompt[prompt.rfind("id.orig_h="):].split("=", 1)[1].split()[0]
    call = '<tool_call>\n{"name": "host_summary", "arguments": {"host": "%s"}}\n</tool_call>' % host
    response, engine = oh.execute(executor_cls(), tok, prompt, label, [call, MAL])
    assert engine.calls == 2
    summary = netlogs.LookupTools().call("host_summary", json.dumps({"host": host}), ts=json.loads(label)["info"]["ts"],
                                         capture=json.loads(label)["info"]["capture"])
    talk = [{"role": "assistant", "content": "", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "host_summary", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "a", "content": summary}, {"role": "assistant", "content": MAL}]
    want = netlogs.score([talk], [answer], rubric={"tool_cost": 0.02})[0]["reward"]
    assert response["reward"] == pytest.approx(want, abs=1e-12)


def test_the_gpu_recipes_parse_at_the_pinned_versions():
    """examples/train/gpu: verl's overrides apply to its config and name netlogs' reward;
    OpenRLHF's flags parse with its own parser and name netlogs' reward file."""
    gpu = readme.REPO / "examples" / "train" / "gpu"
    (verl_cmd,) = readme.script_commands(gpu / "verl.sh", "verl.trainer.main_ppo")
    cfg = verl_config(main_ppo_overrides(verl_cmd))
    assert cfg.reward.custom_reward_function.path == netlogs.verl.__file__
    assert cfg.reward.custom_reward_function.name == "compute_score_async"
    (openrlhf_cmd,) = readme.script_commands(gpu / "openrlhf.sh", "openrlhf.cli.train_ppo_ray")
    args = openrlhf_args(openrlhf_cmd)
    assert args.reward.remote_url == netlogs.openrlhf.__file__
    assert args.algo.advantage.estimator == "group_norm" and args.data.apply_chat_template
