"""verl 0.9's own pieces, driven without GPUs: its tool agent loop (``ToolAgentLoop``) with a
scripted LLM server, its tool loader, and its reward path (``load_reward_manager`` →
``NaiveRewardManager.run_single``) fed the ``DataProto`` that ``AgentLoopWorker._compute_score``
builds. Shared by tests/rl/test_verl.py and the one-reward test."""

import asyncio
import json
import pathlib
from types import SimpleNamespace

import numpy as np
import torch
from omegaconf import OmegaConf
from tensordict import TensorDict
from verl import DataProto
from verl.experimental.agent_loop.agent_loop import DictConfigWrap, ToolListWrap
from verl.experimental.agent_loop.tool_agent_loop import ToolAgentLoop
from verl.tools.tool_registry import initialize_tools_from_config
from verl.trainer.ppo.reward import load_reward_manager
from verl.utils.dataset.rl_dataset import RLHFDataset
from verl.workers.rollout.replica import TokenOutput

import netlogs
import netlogs.verl

TOOL_CONFIG = pathlib.Path(netlogs.__file__).with_name("verl_lookup_tools.yaml")
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "conversations.jsonl"


def hermes(turn: dict) -> str:
    """An assistant turn as a Qwen/Hermes model writes it."""
    text = turn.get("content") or ""
    for c in turn.get("tool_calls") or []:
        fn = c["function"]
        args = json.loads(fn["arguments"]) if isinstance(fn["arguments"], str) else fn["arguments"]
        text += "\n<tool_call>\n" + json.dumps({"name": fn["name"], "arguments": args}) + "\n</tool_call>"
    return text


class ScriptedServer:
    """verl's LLM server client, answering each generate with the next scripted turn."""

    def __init__(self, tok, turns):
        self.tok, self.turns = tok, list(turns)
        self.calls = 0

    async def generate(self, request_id, prompt_ids, sampling_params, **kwargs):
        text = self.turns[self.calls] if self.calls < len(self.turns) else '{"label": "Abstain", "confidence": 0.5}'
        self.calls += 1
        ids = self.tok(text + self.tok.eos_token, add_special_tokens=False)["input_ids"]
        return TokenOutput(token_ids=ids, log_probs=None, num_preempted=0, extra_fields={})


def rollout_config(max_user_turns: int, response_length: int = 8192):
    return OmegaConf.create(
        {
            "actor_rollout_ref": {
                "rollout": {
                    "prompt_length": 4096,
                    "response_length": response_length,
                    "full_determinism": False,
                    "multi_turn": {
                        "max_user_turns": max_user_turns,
                        "max_assistant_turns": None,
                        "max_parallel_calls": 4,
                        "max_tool_response_length": 65536,
                        "tool_response_truncate_side": "middle",
                        "format": "hermes",
                    },
                }
            }
        }
    )


def run_tool_agent(tok, row: dict, turns: list[str], max_user_turns: int):
    """Run verl's ToolAgentLoop on a `netlogs.verl.rows` row with scripted model turns."""
    tools = initialize_tools_from_config(str(TOOL_CONFIG))
    server = ScriptedServer(tok, turns)
    kwargs = {**row, "raw_prompt": row["prompt"], "tools_kwargs": row["extra_info"]["tools_kwargs"]}

    async def run():
        # verl's agent loop binds the running event loop when it is built.
        loop = ToolAgentLoop(
            trainer_config=DictConfigWrap(rollout_config(max_user_turns)),
            server_manager=server,
            tokenizer=tok,
            processor=None,
            dataset_cls=RLHFDataset,
            data_config=DictConfigWrap(OmegaConf.create({})),
            hf_model_type="qwen2",
            tools=ToolListWrap(tools),
        )
        return await loop.run(sampling_params={}, **kwargs)

    return asyncio.run(run()), server


def reward_data(row: dict, output, tok) -> DataProto:
    """The DataProto AgentLoopWorker._compute_score hands the reward worker for one output."""
    prompts = torch.tensor(output.prompt_ids, dtype=torch.int64)
    responses = torch.tensor(output.response_ids, dtype=torch.int64)
    input_ids = torch.cat([prompts, responses])
    batch = TensorDict(
        {
            "prompts": prompts[None],
            "responses": responses[None],
            "attention_mask": torch.ones_like(input_ids)[None],
            "input_ids": input_ids[None],
            "position_ids": torch.arange(len(input_ids))[None],
        },
        batch_size=1,
    )
    kwargs = {**row, "raw_prompt": row["prompt"], "tools_kwargs": row["extra_info"]["tools_kwargs"]}
    non_tensor = {k: np.array([v], dtype=object) for k, v in kwargs.items()}
    non_tensor["__num_turns__"] = np.array([output.num_turns])
    non_tensor["tool_extra_fields"] = np.array([output.extra_fields], dtype=object)
    return DataProto(batch=batch, non_tensor_batch=non_tensor)


def single_turn_data(row: dict, tok, response: str) -> DataProto:
    """The reward DataProto of a single-turn rollout that answered `response`."""
    prompt = tok.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True, return_dict=False)
    output = SimpleNamespace(
        prompt_ids=prompt,
        response_ids=tok(response + tok.eos_token, add_special_tokens=False)["input_ids"],
        num_turns=2,
        extra_fields={},
    )
    return reward_data({**row, "extra_info": {**row["extra_info"], "tools_kwargs": {}}}, output, tok)


def reward_config(name: str = "compute_score", **reward_kwargs):
    return OmegaConf.create(
        {
            "reward": {
                "custom_reward_function": {"path": netlogs.verl.__file__, "name": name, "reward_kwargs": reward_kwargs},
                "reward_manager": {"source": "register", "name": "naive"},
            }
        }
    )


def score(tok, data: DataProto, name: str = "compute_score", **reward_kwargs) -> dict:
    """verl's reward for `data`: the reward manager loaded from config as a trainer loads it
    (``reward.custom_reward_function`` → this netlogs function), then its ``run_single``."""

    async def run():
        manager = load_reward_manager(reward_config(name, **reward_kwargs), tok)
        return await manager.run_single(data)

    return asyncio.run(run())
