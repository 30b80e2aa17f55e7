"""OpenRLHF 0.11's own executors, driven without GPUs: ``MultiTurnAgentExecutor`` (the
``--train.agent_func_path`` path) and ``SingleTurnAgentExecutor`` (``--reward.remote_url``),
with a scripted vLLM engine. Shared by tests/rl/test_openrlhf.py and the one-reward test."""

import asyncio
import importlib.util
from types import SimpleNamespace

from openrlhf.utils.agent import AgentExecutorBase, SingleTurnAgentExecutor  # noqa: F401 (re-exported)


def load_agent_file(path):
    """The AgentExecutor of an agent file, loaded as OpenRLHF 0.11 loads it
    (openrlhf/trainer/ray/vllm_engine.py, `_load_agent_executor`)."""
    assert str(path).endswith(".py"), "Agent path must be a Python file"
    spec = importlib.util.spec_from_file_location("agent_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert hasattr(module, "AgentExecutor"), "Agent module must contain AgentExecutor class"
    assert issubclass(module.AgentExecutor, AgentExecutorBase)
    return module.AgentExecutor


class ScriptedEngine:
    """vLLM's engine as OpenRLHF calls it: each generate returns the next scripted turn, its
    token ids ending with EOS (as vLLM's do) and its text without special tokens."""

    def __init__(self, tok, turns):
        self.tok, self.turns, self.calls = tok, list(turns), 0
        self.prompts = []

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        self.prompts.append(list(prompt_token_ids))
        text = self.turns[self.calls] if self.calls < len(self.turns) else '{"label": "Abstain", "confidence": 0.5}'
        self.calls += 1
        ids = self.tok(text, add_special_tokens=False)["input_ids"] + [self.tok.eos_token_id]
        out = SimpleNamespace(token_ids=ids, text=text, finish_reason="stop", logprobs=None)
        return SimpleNamespace(outputs=[out])


def execute(executor, tok, prompt: str, label: str, turns: list[str], max_length: int = 32768):
    engine = ScriptedEngine(tok, turns)
    params = SimpleNamespace(max_tokens=None, logprobs=None)
    response = asyncio.run(executor.execute(prompt, label, params, max_length, tok, engine))
    return response, engine
