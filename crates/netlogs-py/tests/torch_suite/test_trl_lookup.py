"""TRL 1.16 lookup mode: GRPOTrainer with `environment_factory=netlogs.trl.LookupEnv` and the
async reward on a tiny random Qwen2 whose turns are scripted (tests/tiny_qwen.py), so TRL's
own tool loop parses the calls, runs LookupEnv's tools, renders their results and asks again.
The reward TRL receives and logs is netlogs' reward of the conversation TRL built."""

import asyncio
import functools
import json
import re

import datasets
import pytest
from transformers.utils import get_json_schema
from trl import GRPOConfig, GRPOTrainer

import netlogs
import netlogs.trl
import tiny_qwen

RUBRIC = {"tool_cost": 0.05}
# The trainer run weighs grounding too: TRL's prompts reach the scorer.
GROUNDED = {**RUBRIC, "preset": "grounded"}


def test_lookup_env_tools_are_netlogs_tools_for_the_rows_flow():
    env = netlogs.trl.LookupEnv()
    tools = [getattr(env, d["function"]["name"]) for d in netlogs.lookup.definitions()]
    for tool, d in zip(tools, netlogs.lookup.definitions()):
        schema = get_json_schema(tool)["function"]
        want = d["function"]
        assert schema["name"] == want["name"] and schema["description"] == want["description"]
        assert schema["parameters"]["required"] == want["parameters"]["required"]
        for name, spec in want["parameters"]["properties"].items():
            got = schema["parameters"]["properties"][name]
            assert got["type"] == spec["type"], (want["name"], name)
            assert got["description"] == spec.get("description", name)
    (row,) = netlogs.load_examples(n=1, seed=5)
    info = row["info"]
    host = re.search(r"id\.orig_h=(\S+)", row["prompt"][1]["content"]).group(1)
    env.reset(prompt=row["prompt"], answer=row["answer"], info=info)
    direct = netlogs.LookupTools()
    assert env.host_summary(host=host) == direct.call("host_summary", json.dumps({"host": host}), ts=info["ts"], capture=info["capture"])
    got = env.flows_for_host(host=host, before_s=30.0, limit=2)
    assert got == direct.call("flows_for_host", json.dumps({"host": host, "before_s": 30.0, "limit": 2}), ts=info["ts"], capture=info["capture"])
    assert len(json.loads(got)["flows"]) <= 2
    assert "error" in json.loads(env.flows_to_port(port="x"))
    # A row without a flow time has nowhere to look.
    env.reset(prompt=row["prompt"], answer=row["answer"], info={})
    assert "error" in json.loads(env.host_summary(host=host))


def test_async_reward_logs_components_and_skips_rows_that_are_not_netlogs():
    metrics, extra = {}, {}
    mal = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'
    talk = [{"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "host_summary", "arguments": {}}}]},
            {"role": "tool", "name": "host_summary", "content": "{}"}, {"role": "assistant", "content": mal}]
    reward = netlogs.trl.make_async_reward_func(rubric=RUBRIC)
    out = asyncio.run(reward(prompts=["p"] * 3, completions=[talk, mal, mal], answer=["Malicious", "Benign", None],
                             log_metric=metrics.__setitem__, log_extra=extra.__setitem__))
    want = netlogs.score([talk, mal], ["Malicious", "Benign"], rubric=RUBRIC)
    assert out == [want[0]["reward"], want[1]["reward"], None]
    assert abs(want[0]["reward"] - netlogs.score([mal], ["Malicious"], rubric=RUBRIC)[0]["reward"] + 0.05) < 1e-12
    assert "netlogs/grounding" not in metrics
    for k in netlogs.COMPONENTS:
        assert metrics[f"netlogs/{k}"] == pytest.approx((want[0]["metrics"][k] + want[1]["metrics"][k]) / 2)
    assert extra["netlogs_outcome"] == ["true_positive", "false_positive", None]


def test_a_bad_answer_is_named_by_its_index_in_the_batch():
    mal = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'
    reward = netlogs.trl.make_async_reward_func()
    with pytest.raises(ValueError, match=r"^answer\[2\]: expected Benign or Malicious"):
        asyncio.run(reward(prompts=["p"] * 3, completions=[mal] * 3, answer=[None, "Benign", "Evil"]))


@pytest.fixture
def spy():
    calls = []
    inner = netlogs.trl.make_async_reward_func(rubric=GROUNDED)

    async def netlogs_reward(prompts, completions, answer, **kwargs):
        out = await inner(prompts, completions, answer, **kwargs)
        calls.append({"prompts": prompts, "completions": completions, "answer": answer, "kwargs": kwargs, "rewards": out})
        return out

    return netlogs_reward, calls


def dataset():
    rows = netlogs.load_examples(n=40, seed=3)
    odd = next(r for r in rows if int(re.search(r"id\.orig_p=(\d+)", r["prompt"][1]["content"]).group(1)) % 2 == 1)
    even = next(r for r in rows if int(re.search(r"id\.orig_p=(\d+)", r["prompt"][1]["content"]).group(1)) % 2 == 0)
    return datasets.Dataset.from_list(
        [{"prompt": r["prompt"], "answer": r["answer"], "info": json.loads(json.dumps(r["info"]))} for r in (even, odd)]
    )


def test_grpo_trainer_runs_the_lookup_env_and_scores_the_conversation(spy, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    reward, calls = spy
    tok = tiny_qwen.tokenizer()
    model = tiny_qwen.scripted_model(tok)
    args = GRPOConfig(
        output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, num_generations=2,
        max_completion_length=512, max_tool_calling_iterations=2, logging_steps=1, report_to=[],
        save_strategy="no", use_cpu=True, bf16=False, learning_rate=1e-4, seed=0,
    )
    train = dataset()
    trainer = GRPOTrainer(
        model=model, reward_funcs=[reward], args=args, train_dataset=train, processing_class=tok,
        environment_factory=functools.partial(netlogs.trl.LookupEnv, data=None),
    )
    trainer.train()

    (call,) = calls
    kw = call["kwargs"]
    assert {"trainer_state", "log_metric", "log_extra", "environments", "info", "completion_ids"} <= set(kw)
    assert all(isinstance(e, netlogs.trl.LookupEnv) for e in kw["environments"])
    # The tools TRL describes to the model are LookupEnv's three.
    assert sorted(t.__name__ for t in trainer.tools) == sorted(netlogs.lookup.TOOL_NAMES)
    direct = netlogs.LookupTools()
    kinds = set()
    for completion, info in zip(call["completions"], kw["info"]):
        assert isinstance(completion, list), completion
        calls_made = [c for m in completion if m["role"] == "assistant" for c in m.get("tool_calls") or []]
        results = [m for m in completion if m["role"] == "tool"]
        assert results, completion
        # Each executed call reads netlogs' answer for the row's own flow.
        for c, m in zip(calls_made, results):
            fn = c["function"]
            assert m["content"] == direct.call(fn["name"], json.dumps(fn["arguments"]), ts=info["ts"], capture=info["capture"])
        kinds.add("answered" if not completion[-1].get("tool_calls") else "out_of_turns")
        if completion[-1].get("tool_calls"):
            # 3 model turns (2 tool rounds, then a call TRL does not run): no answer.
            assert sum(1 for m in completion if m["role"] == "assistant") == 3 and len(results) == 2
    assert kinds == {"answered", "out_of_turns"}, kinds
    want = netlogs.score(call["completions"], call["answer"], rubric=GROUNDED, prompts=call["prompts"])
    assert call["rewards"] == [w["reward"] for w in want]
    assert all(isinstance(p, list) and p[-1]["role"] == "user" for p in call["prompts"])
    outcomes = {w["parsed"]["outcome"] for w in want}
    assert "invalid" in outcomes and outcomes - {"invalid"}
    (logged,) = [h for h in trainer.state.log_history if "netlogs/accuracy" in h]
    for k in (*netlogs.COMPONENTS, "grounding"):
        assert logged[f"netlogs/{k}"] == pytest.approx(sum(w["metrics"][k] for w in want) / len(want))
    assert logged["reward"] == pytest.approx(sum(w["reward"] for w in want) / len(want))
