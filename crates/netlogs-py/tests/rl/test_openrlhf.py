"""OpenRLHF 0.11.2: `--train.agent_func_path netlogs/openrlhf_agent.py` (loaded as OpenRLHF loads
an agent file, run by its own MultiTurnAgentExecutor with a scripted engine), and
`--reward.remote_url` both as the in-process reward file and as `netlogs serve` over HTTP, run
by its own SingleTurnAgentExecutor (one rollout per request)."""

import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest
from openrlhf.utils.agent import AgentInstanceBase, MultiTurnAgentExecutor, SingleTurnAgentExecutor

import netlogs
import netlogs.lookup
import netlogs.openrlhf
import netlogs.openrlhf_agent
import openrlhf_harness as oh
import tiny_qwen
import verl_harness as vh

AGENT_FILE = netlogs.openrlhf_agent.__file__
MAL = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'


@pytest.fixture(scope="module")
def tok():
    return tiny_qwen.tokenizer()


@pytest.fixture(scope="module")
def fixtures():
    return {r["id"]: r for r in map(json.loads, open(vh.FIXTURES, encoding="utf-8"))}


def test_the_agent_file_loads_as_openrlhf_loads_it(monkeypatch):
    executor_cls = oh.load_agent_file(AGENT_FILE)
    executor = executor_cls()
    assert isinstance(executor, MultiTurnAgentExecutor)
    assert issubclass(executor.agent_instance_cls, AgentInstanceBase)
    assert executor.agent_instance_cls.max_turns == 6 and executor.agent_instance_cls.data is None
    monkeypatch.setenv("NETLOGS_MAX_TURNS", "2")
    assert oh.load_agent_file(AGENT_FILE)().agent_instance_cls.max_turns == 2
    monkeypatch.setenv("NETLOGS_MAX_TURNS", "two")
    with pytest.raises(ValueError, match="NETLOGS_MAX_TURNS"):
        oh.load_agent_file(AGENT_FILE)
    monkeypatch.setenv("NETLOGS_MAX_TURNS", "3")
    monkeypatch.setenv("NETLOGS_RUBRIC", "/nonexistent/rubric.toml")
    with pytest.raises(ValueError, match="NETLOGS_RUBRIC"):
        oh.load_agent_file(AGENT_FILE)


def test_lookup_rows_describe_the_tools_and_carry_the_flow(tok):
    (ex,) = netlogs.load_examples(n=1, seed=2)
    (row,) = netlogs.openrlhf.rows([ex], tokenizer=tok, lookup=True)
    for d in netlogs.lookup.definitions():
        assert json.dumps(d, ensure_ascii=False) in row["prompt"]
    assert row["prompt"].endswith("<|im_start|>assistant\n")
    assert json.loads(row["label"]) == {"answer": ex["answer"], "info": ex["info"]}
    (plain,) = netlogs.openrlhf.rows([ex])
    assert plain["prompt"] == ex["prompt"]
    with pytest.raises(ValueError, match="tokenizer"):
        netlogs.openrlhf.rows([ex], lookup=True)


def test_the_agent_runs_the_tools_and_pays_netlogs_reward(tok, fixtures):
    for case in (fixtures["parallel_calls_then_answer"], fixtures["out_of_turns"], fixtures["bad_call_then_abstain"]):
        ex = {"prompt": case["prompt"], "answer": case["answer"], "info": case["info"]}
        (row,) = netlogs.openrlhf.rows([ex], tokenizer=tok, lookup=True)
        executor = netlogs.openrlhf_agent.make_executor(max_turns=case["max_turns"], rubric=case["rubric"])()
        turns = [vh.hermes(m) for m in case["completion"] if m["role"] == "assistant"]
        response, engine = oh.execute(executor, tok, row["prompt"], row["label"], turns)
        want = netlogs.score([case["completion"]], [case["answer"]], rubric=case["rubric"])[0]
        assert response["reward"] == pytest.approx(want["reward"], abs=1e-12), case["id"]
        assert float(response["scores"]) == pytest.approx(want["reward"], abs=1e-12)
        assert {k: float(v) for k, v in response["extra_logs"].items()} == pytest.approx({**want["metrics"], "tool_calls": want["tool_calls"]})
        assert engine.calls == len(turns)
        # What the model read after each tool turn it answered: netlogs' results, in a ChatML
        # tool turn (the results of a last, out-of-turns round are scored, not shown).
        text = tok.decode(response["observation_tokens"], skip_special_tokens=False)
        last = max(i for i, m in enumerate(case["completion"]) if m["role"] == "assistant")
        shown = [m for m in case["completion"][:last] if m["role"] == "tool"]
        assert shown
        for m in shown:
            assert f"<tool_response>\n{m['content']}\n</tool_response>" in text
        # Only the model's turns are trained on.
        ranges = response["action_ranges"]
        assert len(ranges) == len(turns)
        for (start, end), turn in zip(ranges, turns):
            assert tok.decode(response["observation_tokens"][start:end], skip_special_tokens=True) == turn


def test_the_agent_reads_its_rubric_file_once(tok, tmp_path, fixtures):
    case = fixtures["parallel_calls_then_answer"]
    path = tmp_path / "rubric.toml"
    path.write_text("tool_cost = 0.125\n")
    executor = netlogs.openrlhf_agent.make_executor(max_turns=case["max_turns"], rubric=str(path))()
    path.unlink()  # every step after this would fail if the agent read the file again
    ex = {"prompt": case["prompt"], "answer": case["answer"], "info": case["info"]}
    (row,) = netlogs.openrlhf.rows([ex], tokenizer=tok, lookup=True)
    turns = [vh.hermes(m) for m in case["completion"] if m["role"] == "assistant"]
    for _ in range(2):
        response, _ = oh.execute(executor, tok, row["prompt"], row["label"], turns)
        want = netlogs.score([case["completion"]], [case["answer"]], rubric={"tool_cost": 0.125})[0]
        assert response["reward"] == pytest.approx(want["reward"], abs=1e-12)


def test_the_agent_scores_grounding_against_its_prompt(tok):
    (ex,) = netlogs.load_examples(n=1, seed=2)
    (row,) = netlogs.openrlhf.rows([ex], tokenizer=tok, lookup=True)
    port = ex["prompt"][-1]["content"].split("id.resp_p=")[1].split()[0]
    executor = netlogs.openrlhf_agent.make_executor(max_turns=3, rubric={"preset": "grounded", "tool_cost": 0.1})()
    seen = set()
    for value in (port, port + "1"):
        answer = json.dumps({"label": "Malicious", "confidence": 0.9, "rationale": "r", "evidence": [{"field": "id.resp_p", "value": value}]})
        call = '<tool_call>\n{"name": "flows_to_port", "arguments": {"port": %s}}\n</tool_call>' % port
        response, _ = oh.execute(executor, tok, row["prompt"], row["label"], [call, answer])
        text = tok.decode(response["observation_tokens"], skip_special_tokens=False)
        result = text.split("<tool_response>\n")[1].split("\n</tool_response>")[0]
        talk = [{"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "flows_to_port", "arguments": json.dumps({"port": int(port)})}}]},
                {"role": "tool", "tool_call_id": "c", "content": result}, {"role": "assistant", "content": answer}]
        want = netlogs.score([talk], [ex["answer"]], rubric={"preset": "grounded", "tool_cost": 0.1}, prompts=[ex["prompt"]])[0]
        assert response["reward"] == pytest.approx(want["reward"], abs=1e-12)
        assert float(response["extra_logs"]["grounding"]) == want["metrics"]["grounding"]
        assert float(response["extra_logs"]["tool_calls"]) == 1
        seen.add(want["metrics"]["grounding"])
    assert seen == {0.0, 1.0}


def test_a_malformed_tool_call_reads_an_error_and_counts(tok):
    (ex,) = netlogs.load_examples(n=1, seed=2)
    (row,) = netlogs.openrlhf.rows([ex], tokenizer=tok, lookup=True)
    executor = netlogs.openrlhf_agent.make_executor(max_turns=3, rubric={"tool_cost": 0.1})()
    agent_turns = ["<tool_call>\n{not json}\n</tool_call>", MAL]
    response, _ = oh.execute(executor, tok, row["prompt"], row["label"], agent_turns)
    text = tok.decode(response["observation_tokens"], skip_special_tokens=False)
    assert '"error": "the tool call is not JSON' in text
    talk = [{"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "", "arguments": "{not json}"}}]},
            {"role": "tool", "tool_call_id": "c", "content": "{}"}, {"role": "assistant", "content": MAL}]
    want = netlogs.score([talk], [ex["answer"]], rubric={"tool_cost": 0.1})[0]["reward"]
    assert response["reward"] == pytest.approx(want, abs=1e-12)


def test_reward_file_through_openrlhfs_single_turn_executor(tok):
    (ex,) = netlogs.load_examples(n=1, seed=9)
    prompt = tok.apply_chat_template(ex["prompt"], add_generation_prompt=True, tokenize=False)
    label = json.dumps({"answer": ex["answer"], "info": ex["info"]})
    executor = SingleTurnAgentExecutor([netlogs.openrlhf.__file__])
    assert executor.reward_func is not None
    response, _ = oh.execute(executor, tok, prompt, label, [MAL])
    want = netlogs.score([MAL], [ex["answer"]])[0]
    assert float(response["reward"]) == pytest.approx(want["reward"], abs=1e-6)
    assert set(response["extra_logs"]) == set(netlogs.COMPONENTS)


def test_reward_file_grounded_through_openrlhfs_single_turn_executor(tok, tmp_path, monkeypatch):
    (ex,) = netlogs.load_examples(n=1, seed=9)
    prompt = tok.apply_chat_template(ex["prompt"], add_generation_prompt=True, tokenize=False)
    port = ex["prompt"][-1]["content"].split("id.resp_p=")[1].split()[0]
    rubric = tmp_path / "grounded.toml"
    rubric.write_text('preset = "grounded"\n')
    monkeypatch.setenv("NETLOGS_RUBRIC", str(rubric))
    executor = SingleTurnAgentExecutor([netlogs.openrlhf.__file__])
    seen = set()
    for value in (port, port + "1"):
        answer = json.dumps({"label": "Malicious", "confidence": 0.9, "rationale": "r", "evidence": [{"field": "id.resp_p", "value": value}]})
        response, _ = oh.execute(executor, tok, prompt, ex["answer"], [answer])
        want = netlogs.score([answer], [ex["answer"]], preset="grounded", prompts=[ex["prompt"]])[0]
        assert float(response["reward"]) == pytest.approx(want["reward"], abs=1e-6)
        assert float(response["extra_logs"]["grounding"]) == want["metrics"]["grounding"]
        seen.add(want["metrics"]["grounding"])
    assert seen == {0.0, 1.0}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(netlogs_bin):
    port = _free_port()
    proc = subprocess.Popen([netlogs_bin, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("netlogs serve did not come up")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_remote_url_against_netlogs_serve_one_rollout_per_request(tok, serve):
    rows = netlogs.load_examples(n=3, seed=9)
    executor = SingleTurnAgentExecutor([serve + "/get_reward", serve + "/get_reward"])
    for ex, answer in zip(rows, [MAL, "nope", '{"label": "Benign", "confidence": 0.6}']):
        prompt = tok.apply_chat_template(ex["prompt"], add_generation_prompt=True, tokenize=False)
        response, _ = oh.execute(executor, tok, prompt, ex["answer"], [answer])
        want = netlogs.score([answer], [ex["answer"]])[0]
        # OpenRLHF keeps the server's `rewards` list for its one query.
        assert response["reward"] == pytest.approx([want["reward"]], abs=1e-12)
        assert response["scores"] == pytest.approx([want["reward"]], abs=1e-12)
        assert {k: v for k, v in response["extra_logs"].items()} == {k: [v] for k, v in want["metrics"].items()}
