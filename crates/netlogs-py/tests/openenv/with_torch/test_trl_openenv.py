"""TRL 1.16 through OpenEnv: GRPOTrainer with ``environment_factory=NetlogsToolEnv`` (a sync
OpenEnv client to netlogs' lookup server on a loopback port, tools as methods,
``get_reward()``), on a tiny random Qwen2 whose turns are scripted (tests/tiny_qwen.py), so
TRL's own tool loop parses the calls, runs them on the server and asks again. The reward TRL
receives is the server's, which is netlogs.score of the conversation TRL built.

Runs in the openenv venv with the torch venv's packages reachable (scripts/test's .pth)."""

import functools
import json
import re

import datasets
import pytest
from transformers.utils import get_json_schema
from trl import GRPOConfig, GRPOTrainer

import netlogs
import netlogs.lookup
import serving
import tiny_qwen
from netlogs.openenv import Settings, build_app
from netlogs.openenv.tool_env import NetlogsToolEnv

from conftest import RUBRIC, conversation

MAX_TURNS = 2  # the server's turns; TRL's max_tool_calling_iterations matches it


def port_of(text):
    return int(re.search(r"id\.orig_p=(\d+)", text).group(1))


def script(context: str) -> str:
    """Look the originator up, then submit_answer; a flow whose originator port is odd keeps
    looking (it runs out of turns on the server); after the answer, a closing remark."""
    user = context[context.rfind("Zeek conn record:"):]
    host = re.search(r"id\.orig_h=(\S+)", user).group(1)
    rounds = context.count("<tool_response>")
    if port_of(user) % 2 == 1 or rounds == 0:
        call = {"name": "host_summary", "arguments": {"host": host, "window_s": 60.0 * (rounds + 1)}}
    elif rounds == 1:
        call = {"name": "submit_answer", "arguments": {"answer": tiny_qwen.answer_for(user)}}
    else:
        return "done"
    return "<tool_call>\n" + json.dumps(call) + "\n</tool_call>"


@pytest.fixture(scope="module")
def url():
    settings = Settings(rubric=netlogs.Rubric(**RUBRIC), max_turns=MAX_TURNS)
    with serving.in_thread(build_app("lookup", settings, max_concurrent_envs=16)) as url:
        yield url


def test_tool_env_describes_netlogs_tools():
    env = NetlogsToolEnv()
    for d in netlogs.lookup.definitions():
        want = d["function"]
        got = get_json_schema(getattr(env, want["name"]))["function"]
        assert got["description"] == want["description"]
        assert got["parameters"]["required"] == want["parameters"]["required"]
    submit = get_json_schema(env.submit_answer)["function"]
    assert submit["parameters"]["required"] == ["answer"]
    with pytest.raises(ValueError, match="example_id"):
        env.reset(prompt=[], answer="Benign")


def dataset():
    rows = netlogs.load_examples(n=40, seed=3)
    even = next(r for r in rows if port_of(r["prompt"][1]["content"]) % 2 == 0 and r["info"].get("ts") is not None)
    odd = next(r for r in rows if port_of(r["prompt"][1]["content"]) % 2 == 1 and r["info"].get("ts") is not None)
    return datasets.Dataset.from_list([{"prompt": r["prompt"], "answer": r["answer"], "example_id": r["example_id"]} for r in (even, odd)])


def played(completion):
    """The conversation the server recorded, from TRL's view of the rollout: each executed
    call (one with a tool message) a turn, submit_answer's argument the answer."""
    calls = [c for m in completion if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    results = [m["content"] for m in completion if m["role"] == "tool"]
    done, answer = [], None
    for c, text in zip(calls, results):
        fn = c["function"]
        args = fn["arguments"] if isinstance(fn["arguments"], dict) else json.loads(fn["arguments"])
        if fn["name"] == "submit_answer":
            answer = args["answer"]
            break
        done.append((fn["name"], args, text))
    return done, answer


def test_grpo_trainer_trains_on_the_openenv_lookup_episode(url, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    monkeypatch.setattr(tiny_qwen, "script", script)
    seen = []

    def spy(prompts, completions, answer, environments, **kwargs):
        seen.append({"completions": completions, "answer": answer, "environments": list(environments)})
        return [0.0] * len(completions)

    tok = tiny_qwen.tokenizer()
    model = tiny_qwen.scripted_model(tok)
    args = GRPOConfig(
        output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, num_generations=2,
        max_completion_length=512, max_tool_calling_iterations=MAX_TURNS, logging_steps=1, report_to=[],
        save_strategy="no", use_cpu=True, bf16=False, learning_rate=1e-4, seed=0,
    )
    trainer = GRPOTrainer(
        model=model, reward_funcs=[spy], args=args, train_dataset=dataset(), processing_class=tok,
        environment_factory=functools.partial(NetlogsToolEnv, base_url=url),
    )
    assert sorted(t.__name__ for t in trainer.tools) == sorted(netlogs.lookup.TOOL_NAMES + ("submit_answer",))
    trainer.train()

    (batch,) = seen
    direct = netlogs.LookupTools()
    rows = {r["example_id"]: r for r in netlogs.load_examples()}
    convs, outcomes = [], set()
    for completion, answer, env in zip(batch["completions"], batch["answer"], batch["environments"]):
        calls, submitted = played(completion)
        assert calls, completion
        info = rows[env._client.state().example_id]["info"]
        for name, a, text in calls:
            assert text == direct.call(name, json.dumps(a), ts=info["ts"], capture=info.get("capture"))
        convs.append(conversation(calls, submitted))
        want = netlogs.score([convs[-1]], [answer], rubric=RUBRIC)[0]
        assert env.done and env.get_reward() == want["reward"], completion
        assert env.outcome == want["parsed"]["outcome"]
        outcomes.add(want["parsed"]["outcome"])
    assert "invalid" in outcomes and outcomes - {"invalid"}, outcomes
    want = netlogs.score(convs, batch["answer"], rubric=RUBRIC)
    (logged,) = [h for h in trainer.state.log_history if "reward" in h]
    assert logged["reward"] == pytest.approx(sum(w["reward"] for w in want) / len(want))
    assert logged["rewards/NetlogsToolEnv/mean"] == pytest.approx(logged["reward"])
