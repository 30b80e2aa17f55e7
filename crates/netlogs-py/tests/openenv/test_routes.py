"""OpenEnv's routes over netlogs' environments, through Starlette's TestClient: the stateless
HTTP routes, the schema, MCP over HTTP, episodes on /ws, and bad requests answered with a
4xx or an error naming the problem, never a 5xx."""

import json

import pytest
from fastapi.testclient import TestClient

import netlogs
from netlogs.openenv import build_app

from conftest import ANSWERS, RUBRIC, conversation


@pytest.fixture(scope="module")
def single(settings):
    with TestClient(build_app("single", settings, max_concurrent_envs=4)) as c:
        yield c


@pytest.fixture(scope="module")
def lookup(settings):
    with TestClient(build_app("lookup", settings, max_concurrent_envs=4)) as c:
        yield c


def test_health_metadata_schema(single, lookup):
    for client, name in ((single, "netlogs-single"), (lookup, "netlogs-lookup")):
        assert client.get("/health").json()["status"] == "healthy"
        meta = client.get("/metadata").json()
        assert meta["name"] == name and meta["version"] == netlogs.__version__
        schema = client.get("/schema").json()
        assert {"action", "observation", "state"} <= set(schema)
        assert "example_id" in schema["state"]["properties"]
    assert single.get("/schema").json()["action"]["required"] == ["answer"]
    assert "tool_name" in lookup.get("/schema").json()["action"]["properties"]


def test_http_reset_shows_the_prompt_and_never_the_label(single, rows):
    got = single.post("/reset", json={"seed": 11}).json()
    again = single.post("/reset", json={"seed": 11}).json()
    assert got == again, "a seed gives the same flow every time"
    obs = got["observation"]
    row = next(r for r in rows if r["example_id"] == obs["example_id"])
    assert obs["prompt"] == row["prompt"] and got["done"] is False and got["reward"] is None
    assert set(obs) == {"prompt", "example_id", "metadata"} and not got.get("metadata")
    assert row["answer"] not in obs["prompt"][1]["content"]
    by_index = single.post("/reset", json={"index": 3}).json()["observation"]
    assert by_index["example_id"] == rows[3]["example_id"]
    by_id = single.post("/reset", json={"example_id": rows[5]["example_id"]}).json()["observation"]
    assert by_id["prompt"] == rows[5]["prompt"]


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"split": "nosuchsplit"}, "split 'nosuchsplit'"),
        ({"split": 3}, "split must be a string"),
        ({"dataset": "other"}, "dataset 'other' is not served"),
        ({"index": 10**9}, "index must be an integer in 0.."),
        ({"index": "3"}, "index must be an integer"),
        ({"example_id": "nope"}, "example_id 'nope' is not in dataset"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"max_turns": 3}, "unknown field(s) max_turns"),
    ],
)
def test_a_bad_reset_is_a_400_naming_the_problem(single, body, needle):
    r = single.post("/reset", json=body)
    assert r.status_code == 400, r.text
    assert needle in r.json()["detail"]


def test_lookup_reset_checks_max_turns(lookup):
    assert lookup.post("/reset", json={"max_turns": 0}).status_code == 400
    assert "max_turns must be a positive integer" in lookup.post("/reset", json={"max_turns": "x"}).json()["detail"]
    assert lookup.post("/reset", json={"max_turns": 2}).json()["observation"]["metadata"]["max_turns"] == 2


def test_http_step_is_stateless_and_says_so(single):
    r = single.post("/step", json={"action": {"answer": ANSWERS["Benign"]}})
    assert r.status_code == 200
    body = r.json()
    assert body["done"] is True and body["reward"] is None
    assert "reset first" in body["observation"]["metadata"]["error"]


@pytest.mark.parametrize("action", [{}, {"answer": 3}, {"answer": "x", "label": "Benign"}])
def test_a_malformed_action_is_a_422(single, action):
    r = single.post("/step", json={"action": action})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_single_flow_episode_on_a_websocket(single, rows):
    with single.websocket_connect("/ws") as ws:
        ws.send_json({"type": "reset", "data": {"index": 7}})
        obs = ws.receive_json()["data"]
        assert obs["observation"]["example_id"] == rows[7]["example_id"]
        answer = ANSWERS["Malicious"]
        ws.send_json({"type": "step", "data": {"answer": answer}})
        got = ws.receive_json()["data"]
        want = netlogs.score([answer], [rows[7]["answer"]], rubric=RUBRIC)[0]
        assert got["done"] is True and got["reward"] == want["reward"]
        assert got["metadata"]["outcome"] == want["parsed"]["outcome"]
        assert got["metadata"]["components"] == want["metrics"]
        ws.send_json({"type": "state"})
        state = ws.receive_json()["data"]
        assert state["done"] is True and state["reward"] == want["reward"] and state["example_id"] == rows[7]["example_id"]
        # An answer after done: an error observation, and the session lives on.
        ws.send_json({"type": "step", "data": {"answer": answer}})
        again = ws.receive_json()["data"]
        assert "the episode is over" in again["metadata"]["error"] and again["reward"] is None
        ws.send_json({"type": "step", "data": {"answer": 5}})
        bad = ws.receive_json()
        assert bad["type"] == "error" and bad["data"]["code"] == "VALIDATION_ERROR"
        ws.send_json({"type": "reset", "data": {"split": "nosuchsplit"}})
        err = ws.receive_json()
        assert err["type"] == "error" and "split 'nosuchsplit'" in err["data"]["message"]
        ws.send_json({"type": "reset", "data": {"seed": "one"}})
        err = ws.receive_json()
        assert err["type"] == "error" and "seed must be an integer, got 'one'" in err["data"]["message"]
        ws.send_json({"type": "reset", "data": {"seed": 1}})
        assert ws.receive_json()["type"] == "observation"


def test_mcp_over_http_lists_netlogs_tools(lookup):
    r = lookup.post("/mcp", json={"jsonrpc": "2.0", "method": "tools/list", "params": {}, "id": 1}).json()
    tools = {t["name"]: t for t in r["result"]["tools"]}
    assert set(tools) == set(netlogs.lookup.TOOL_NAMES) | {"submit_answer"}
    for d in netlogs.lookup.definitions():
        fn = d["function"]
        assert tools[fn["name"]]["description"] == fn["description"]
        assert tools[fn["name"]]["inputSchema"] == fn["parameters"]
    # A stateless call has no episode: the tool says so.
    r = lookup.post("/mcp", json={"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "host_summary", "arguments": {"host": "1.2.3.4"}}, "id": 2}).json()
    assert "no episode: reset first" in r["error"]["message"]
    assert lookup.post("/mcp", content=b"{not json").json()["error"]["code"] == -32700


def test_lookup_episode_on_a_websocket(lookup, by_id, rows):
    row = next(r for r in rows if r["info"].get("ts") is not None)
    host = row["prompt"][1]["content"].split("id.orig_h=")[1].split()[0]
    with lookup.websocket_connect("/ws") as ws:
        ws.send_json({"type": "step", "data": {"type": "list_tools"}})
        listed = {t["name"] for t in ws.receive_json()["data"]["observation"]["tools"]}
        assert listed == set(netlogs.lookup.TOOL_NAMES) | {"submit_answer"}
        ws.send_json({"type": "step", "data": {"type": "call_tool", "tool_name": "host_summary", "arguments": {"host": host}}})
        assert "no episode: reset first" in ws.receive_json()["data"]["observation"]["error"]["message"]
        ws.send_json({"type": "reset", "data": {"example_id": row["example_id"], "max_turns": 3}})
        assert ws.receive_json()["data"]["observation"]["metadata"]["max_turns"] == 3
        ws.send_json({"type": "step", "data": {"type": "call_tool", "tool_name": "host_summary", "arguments": {"host": host}}})
        first = ws.receive_json()["data"]
        direct = netlogs.LookupTools().call("host_summary", json.dumps({"host": host}), ts=row["info"]["ts"], capture=row["info"].get("capture"))
        assert first["observation"]["result"]["data"] == direct and first["done"] is False
        # Unknown tool and malformed submit: error observations that name the problem, no turn used.
        ws.send_json({"type": "step", "data": {"type": "call_tool", "tool_name": "rm_rf", "arguments": {}}})
        err = ws.receive_json()["data"]["observation"]["error"]
        assert err["error_type"] == "tool_not_found" and "unknown tool 'rm_rf'" in err["message"]
        ws.send_json({"type": "step", "data": {"type": "call_tool", "tool_name": "submit_answer", "arguments": {"answer": {"label": "Benign"}}}})
        err = ws.receive_json()["data"]["observation"]["error"]
        assert err["error_type"] == "invalid_args" and "`answer` must be the reply as a string" in err["message"]
        ws.send_json({"type": "step", "data": {"type": "call_tool", "tool_name": "submit_answer", "arguments": {"answer": "x", "why": 1}}})
        assert "unknown argument(s) why" in ws.receive_json()["data"]["observation"]["error"]["message"]
        ws.send_json({"type": "step", "data": {"type": "call_tool", "tool_name": "submit_answer", "arguments": {"answer": ANSWERS["Benign"]}}})
        done = ws.receive_json()["data"]
        completion = conversation([("host_summary", {"host": host}, direct)], ANSWERS["Benign"])
        want = netlogs.score([completion], [row["answer"]], rubric=RUBRIC)[0]
        assert done["done"] is True and done["reward"] == want["reward"] and done["metadata"]["turns"] == 2
        assert json.loads(done["observation"]["result"]["data"])["reward"] == want["reward"]
        ws.send_json({"type": "step", "data": {"type": "call_tool", "tool_name": "host_summary", "arguments": {"host": host}}})
        after = ws.receive_json()["data"]
        assert after["done"] is True and "the episode is over" in after["observation"]["error"]["message"]
        ws.send_json({"type": "step", "data": {"answer": "plain"}})
        bad = ws.receive_json()
        assert bad["type"] == "error" and bad["data"]["code"] == "VALIDATION_ERROR"
