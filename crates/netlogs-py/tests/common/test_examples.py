"""load_examples goes through the engine's loaders, leak-free."""

import netlogs


def test_bundled_sample_is_balanced_seeded_and_leak_free():
    rows = netlogs.load_examples(n=40, seed=7)
    assert len(rows) == 40
    assert sorted({r["answer"] for r in rows}) == ["Benign", "Malicious"]
    assert sum(r["answer"] == "Malicious" for r in rows) == 20
    assert rows == netlogs.load_examples(n=40, seed=7)
    for r in rows:
        system, user = r["prompt"]
        assert system["role"] == "system" and user["role"] == "user"
        assert system["content"] == netlogs.default_system_prompt()
        for leak in ("Malicious", "Benign", r["info"].get("family") or "\x00", r["info"].get("capture") or "\x00"):
            assert leak not in user["content"]


def test_files_templates_and_built_datasets(fixtures, netlogs_bin, tmp_path):
    import subprocess

    csv = fixtures / "iot23" / "iot23_multicapture_pool_subset.csv"
    rows = netlogs.load_examples(data=str(csv), template="logentry")
    assert rows and all(r["prompt"][1]["content"].startswith("Log Entry: ") for r in rows)
    built = tmp_path / "built.jsonl"
    subprocess.run([netlogs_bin, "data", "build", str(csv), "--output", str(built)], check=True, stdout=subprocess.DEVNULL)
    test = netlogs.load_examples(data=str(built), split="test")
    assert test and all(r["info"]["split"] == "test" for r in test)


def test_context_under_each_flow_and_clear_errors(fixtures):
    rows = netlogs.load_examples(n=20, seed=3, context=4, context_window=120)
    assert len(rows) == 20
    for r in rows:
        user = r["prompt"][1]["content"]
        assert "Earlier flows of the same host" in user
        assert "Malicious" not in user and "Benign" not in user
    unsw = fixtures / "unsw_nb15" / "UNSW_NB15_testing-set_excerpt.shared_half.csv"
    try:
        netlogs.load_examples(data=str(unsw), n=5, context=3)
    except ValueError as e:
        assert "timestamp" in str(e) and "UNSW_NB15" in str(e)
    else:
        raise AssertionError("context on a set without timestamps must fail")
    try:
        netlogs.load_examples(n=5, context=3, context_window=-1)
    except ValueError as e:
        assert "context_window" in str(e)
    else:
        raise AssertionError("a negative window must fail")


def test_lookup_tools_and_tool_cost():
    import json

    rows = netlogs.load_examples(n=4, seed=5)
    tools = netlogs.LookupTools()
    defs = json.loads(netlogs.LookupTools.definitions_json())
    assert [d["function"]["name"] for d in defs] == ["flows_for_host", "flows_to_port", "host_summary"]
    r = rows[0]
    host = r["prompt"][1]["content"].split("id.orig_h=")[1].split()[0]
    out = json.loads(tools.call("flows_for_host", json.dumps({"host": host, "limit": 2}), ts=r["info"]["ts"], capture=r["info"]["capture"]))
    assert out["shown"] <= 2 and all("label" not in f for f in out["flows"])
    err = json.loads(tools.call("nope", "{}", ts=r["info"]["ts"]))
    assert "unknown tool" in err["error"]
    # Each tool result in a completion costs tool_cost.
    answer = '{"label": "Malicious", "confidence": 0.9, "rationale": "scan"}'
    talk = [
        {"role": "assistant", "content": "", "tool_calls": []},
        {"role": "tool", "content": "{}"},
        {"role": "tool", "content": "{}"},
        {"role": "assistant", "content": answer},
    ]
    free, costly = netlogs.rewards([talk, talk], ["Malicious", "Malicious"], rubric=None), netlogs.rewards([talk], ["Malicious"], rubric={"tool_cost": 0.1})
    assert abs(free[0] - costly[0] - 0.2) < 1e-9
