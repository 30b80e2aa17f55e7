"""verl 0.9.1: netlogs' reward through `reward.custom_reward_function` (sync and async, loaded
by verl's own `load_reward_manager` and called by its naive reward manager), and the lookup
tools as `BaseTool` tools under verl's real `ToolAgentLoop`, from a dataset verl's own
`RLHFDataset` reads."""

import asyncio
import json

import datasets
import pytest
from omegaconf import OmegaConf
from verl.tools.tool_registry import initialize_tools_from_config
from verl.utils.dataset.rl_dataset import RLHFDataset

import netlogs
import netlogs.lookup
import netlogs.verl
import tiny_qwen
import verl_harness as vh
from netlogs.verl_tools import LookupTool

MAL = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'


@pytest.fixture(scope="module")
def tok():
    return tiny_qwen.tokenizer()


def test_tool_config_gives_netlogs_tools():
    tools = initialize_tools_from_config(str(vh.TOOL_CONFIG))
    assert [t.name for t in tools] == list(netlogs.lookup.TOOL_NAMES)
    for tool, want in zip(tools, netlogs.lookup.definitions()):
        assert isinstance(tool, LookupTool)
        schema = tool.tool_schema.model_dump(exclude_none=True)
        assert schema["function"]["description"] == want["function"]["description"]
        assert schema["function"]["parameters"]["required"] == want["function"]["parameters"]["required"]
        for name, spec in want["function"]["parameters"]["properties"].items():
            got = schema["function"]["parameters"]["properties"][name]
            assert {k: got[k] for k in spec} == spec
    with pytest.raises(ValueError, match="name must be one of"):
        LookupTool({"type": "native", "name": "flows_of_host"}, None)
    with pytest.raises(ValueError, match="unknown keys"):
        LookupTool({"type": "native", "name": "host_summary", "dta": "x.log"}, None)


def test_a_tool_answers_for_the_flow_its_instance_was_created_with():
    (ex,) = netlogs.load_examples(n=1, seed=11)
    info = ex["info"]
    host = ex["prompt"][1]["content"].split("id.orig_h=")[1].split()[0]
    tool = LookupTool({"type": "native", "name": "host_summary", "data": None})

    async def run():
        iid, _ = await tool.create(create_kwargs={"ts": info["ts"], "capture": info["capture"]})
        response, reward, metrics = await tool.execute(iid, {"host": host, "window_s": 120})
        await tool.release(iid)
        bare, _ = await tool.create()
        nowhere, _, _ = await tool.execute(bare, {"host": host})
        return response, reward, nowhere

    response, reward, nowhere = asyncio.run(run())
    want = netlogs.LookupTools().call("host_summary", json.dumps({"host": host, "window_s": 120}), ts=info["ts"], capture=info["capture"])
    assert response.text == want and json.loads(want)["flows"] >= 1 and reward == 0.0
    assert "error" in json.loads(nowhere.text)


def test_single_turn_reward_through_verls_reward_manager(tok):
    (ex,) = netlogs.load_examples(n=1, seed=4)
    (row,) = netlogs.verl.rows([ex])
    assert row["reward_model"] == {"style": "rule", "ground_truth": ex["answer"]} and "agent_name" not in row
    for response in (MAL, "no idea", "<think>hm</think>" + MAL):
        want = netlogs.score([response], [ex["answer"]], preset="legacy")[0]
        for name in ("compute_score", "compute_score_async"):
            got = vh.score(tok, vh.single_turn_data(row, tok, response), name, preset="legacy")
            assert got["reward_score"] == pytest.approx(want["reward"], abs=1e-12)
            assert got["reward_extra_info"] == {"score": want["reward"], **want["metrics"], "tool_calls": 0}


def test_grounded_preset_through_verls_reward_manager(tok):
    (ex,) = netlogs.load_examples(n=1, seed=4)
    (row,) = netlogs.verl.rows([ex])
    user = ex["prompt"][-1]["content"]
    port = user.split("id.resp_p=")[1].split()[0]
    for value, grounding in ((port, 1.0), (port + "1", 0.0)):
        response = json.dumps({"label": "Malicious", "confidence": 0.9, "rationale": "r",
                               "evidence": [{"field": "id.resp_p", "value": value}]})
        want = netlogs.score([response], [ex["answer"]], preset="grounded", prompts=[ex["prompt"]])[0]
        assert want["metrics"]["grounding"] == grounding
        for name in ("compute_score", "compute_score_async"):
            got = vh.score(tok, vh.single_turn_data(row, tok, response), name, preset="grounded")
            assert got["reward_score"] == pytest.approx(want["reward"], abs=1e-12)
            assert got["reward_extra_info"]["grounding"] == grounding


def test_a_bad_rubric_option_is_an_error_naming_it(tok):
    (ex,) = netlogs.load_examples(n=1, seed=4)
    (row,) = netlogs.verl.rows([ex])
    with pytest.raises(Exception, match="tool_costs"):
        vh.score(tok, vh.single_turn_data(row, tok, MAL), tool_costs=0.1)


def test_lookup_rows_need_the_flows_time_and_anchors_check_it():
    ok = {"prompt": [], "answer": "Benign", "info": {"ts": 1.0, "capture": "c"}}
    with pytest.raises(ValueError, match=r"examples\[1\]: lookup needs the flow's time"):
        netlogs.verl.rows([ok, {"prompt": [], "answer": "Benign", "info": {}}], lookup=True)
    assert netlogs.lookup.Anchor.from_info('{"ts": 2, "capture": "c"}') == (2.0, "c")
    for info, message in (({"ts": "soon"}, r"info\['ts'\]: expected a timestamp"),
                          ({"ts": float("nan")}, r"info\['ts'\]: expected a finite"), ("[1", r"info: not a JSON")):
        with pytest.raises(ValueError, match=message):
            netlogs.lookup.Anchor.from_info(info)


def test_nested_rubric_options_from_verls_config_are_read():
    W = {"accuracy": 2.0, "format": 0.1, "calibration": 0.2, "cost": 0.5}
    (ex,) = netlogs.load_examples(n=1, seed=4)
    kwargs = OmegaConf.create({"reward_kwargs": {"weights": W, "tool_cost": 0.1}}).reward_kwargs
    got = netlogs.verl.compute_score("netlogs", MAL, ex["answer"], None, **kwargs)
    want = netlogs.score([MAL], [ex["answer"]], rubric={"weights": dict(W), "tool_cost": 0.1})[0]
    assert got["score"] == pytest.approx(want["reward"], abs=1e-12)
    assert want["reward"] != netlogs.score([MAL], [ex["answer"]])[0]["reward"]


def test_lookup_rows_run_verls_tool_agent_loop_and_score_the_conversation(tok, tmp_path):
    fixtures = {r["id"]: r for r in map(json.loads, open(vh.FIXTURES, encoding="utf-8"))}
    cases = [fixtures["parallel_calls_then_answer"], fixtures["out_of_turns"]]
    examples = [{"prompt": c["prompt"], "answer": c["answer"], "info": c["info"], "example_id": c["example_id"]} for c in cases]
    rows = netlogs.verl.rows(examples, lookup=True)
    path = tmp_path / "train.parquet"
    datasets.Dataset.from_list(rows).to_parquet(str(path))
    dataset = RLHFDataset(
        data_files=[str(path)], tokenizer=tok,
        config=OmegaConf.create({"max_prompt_length": 8192, "filter_overlong_prompts": False, "cache_dir": str(tmp_path)}),
    )
    for i, case in enumerate(cases):
        item = dataset[i]
        assert item["agent_name"] == "tool_agent"
        assert item["tools_kwargs"]["host_summary"]["create_kwargs"] == {"ts": case["info"]["ts"], "capture": case["info"]["capture"]}
        row = {k: v for k, v in item.items() if k not in ("dummy_tensor", "raw_prompt", "index", "tools_kwargs", "interaction_kwargs")}
        turns = [vh.hermes(m) for m in case["completion"] if m["role"] == "assistant"]
        output, server = vh.run_tool_agent(tok, row, turns, max_user_turns=case["max_turns"])
        talk = netlogs.verl._completion("", output.extra_fields)
        # verl ran the calls with netlogs' tools: the same results as the fixture (eval's).
        assert [m["content"] for m in talk if m["role"] == "tool"] == [m["content"] for m in case["completion"] if m["role"] == "tool"]
        assert talk[-1]["role"] == case["completion"][-1]["role"]
        want = netlogs.score([case["completion"]], [case["answer"]], rubric=case["rubric"])[0]
        for name in ("compute_score", "compute_score_async"):
            got = vh.score(tok, vh.reward_data(row, output, tok), name, **case["rubric"])
            assert got["reward_score"] == pytest.approx(want["reward"], abs=1e-12), (case["id"], name)
        # Grounded: the prompt the row kept came through parquet and verl's dataset.
        assert row["extra_info"][netlogs.verl.PROMPT] == case["prompt"]
        grounded = {**case["rubric"], "preset": "grounded"}
        want = netlogs.score([case["completion"]], [case["answer"]], rubric=grounded, prompts=[case["prompt"]])[0]
        got = vh.score(tok, vh.reward_data(row, output, tok), "compute_score", **grounded)
        assert got["reward_score"] == pytest.approx(want["reward"], abs=1e-12), case["id"]
        assert got["reward_extra_info"]["grounding"] == want["metrics"]["grounding"]
        assert got["reward_extra_info"]["tool_calls"] == want["tool_calls"] > 0
    # The out-of-turns rollout: verl generated one more turn, refused it at max_user_turns, and
    # the conversation ends on the last tool results.
    assert server.calls == cases[1]["max_turns"] + 1
