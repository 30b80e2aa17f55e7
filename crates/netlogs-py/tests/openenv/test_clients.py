"""OpenEnv's own clients against a uvicorn server on a free loopback port: the typed
NetlogsEnv, GenericEnvClient and MCPToolClient play both episode kinds, and the rewards are
netlogs.score's of the conversations played."""

import json
import re

import pytest
from openenv.core import GenericEnvClient, MCPToolClient
from openenv.core.env_server.mcp_types import CallToolAction

import netlogs
from netlogs.openenv import NetlogsAction, NetlogsEnv, NetlogsLookupEnv, NetlogsState

from conftest import ANSWERS, RUBRIC, conversation


def host_of(row):
    return re.search(r"id\.orig_h=(\S+)", row["prompt"][1]["content"]).group(1)


def test_typed_client_plays_the_single_flow_episode(single_url, by_id):
    with NetlogsEnv(base_url=single_url).sync() as env:
        first = env.reset(seed=42)
        assert first.observation.example_id == env.reset(seed=42).observation.example_id
        row = by_id[first.observation.example_id]
        assert first.observation.prompt == row["prompt"] and not first.done
        result = env.step(NetlogsAction(answer=ANSWERS["Malicious"]))
        want = netlogs.score([ANSWERS["Malicious"]], [row["answer"]], rubric=RUBRIC)[0]
        assert result.done and result.reward == want["reward"]
        assert result.observation.metadata["outcome"] == want["parsed"]["outcome"]
        state = env.state()
        assert isinstance(state, NetlogsState) and state.done and state.reward == want["reward"]
        again = env.step(NetlogsAction(answer=ANSWERS["Benign"]))
        assert again.reward is None and "the episode is over" in again.observation.metadata["error"]
        with pytest.raises(RuntimeError, match="split 'nosuchsplit'"):
            env.reset(split="nosuchsplit")
        # The session survives the bad reset.
        assert env.reset(index=0).observation.example_id


def test_generic_client_plays_the_single_flow_episode(single_url, by_id):
    with GenericEnvClient(base_url=single_url).sync() as env:
        obs = env.reset(index=2).observation
        row = by_id[obs["example_id"]]
        result = env.step({"answer": ANSWERS["Benign"]})
        assert result.done and result.reward == netlogs.score([ANSWERS["Benign"]], [row["answer"]], rubric=RUBRIC)[0]["reward"]
        with pytest.raises(RuntimeError, match="VALIDATION_ERROR"):
            env.step({"answr": "typo"})


def test_mcp_tool_client_plays_the_lookup_episode(lookup_url, rows):
    row = next(r for r in rows if r["info"].get("ts") is not None)
    host, info = host_of(row), row["info"]
    direct = netlogs.LookupTools()
    with MCPToolClient(base_url=lookup_url).sync() as env:
        names = {t.name for t in env.list_tools()}
        assert names == set(netlogs.lookup.TOOL_NAMES) | {"submit_answer"}
        env.reset(example_id=row["example_id"])
        # call_tool goes over MCP (/mcp tools/call) to the session's episode.
        got = env.call_tool("flows_for_host", host=host, before_s=30.0, limit=2)
        assert got == direct.call("flows_for_host", json.dumps({"host": host, "before_s": 30.0, "limit": 2}), ts=info["ts"], capture=info.get("capture"))
        bad = env.call_tool("flows_to_port", port="twenty-three")
        assert "error" in json.loads(bad), "a malformed call reaches netlogs' tool and reads its error, as in eval"
        with pytest.raises(RuntimeError, match="Unknown tool"):
            env.call_tool("no_such_tool")
        scored = json.loads(env.call_tool("submit_answer", answer=ANSWERS["Malicious"]))
        completion = conversation(
            [("flows_for_host", {"host": host, "before_s": 30.0, "limit": 2}, got), ("flows_to_port", {"port": "twenty-three"}, bad)],
            ANSWERS["Malicious"],
        )
        want = netlogs.score([completion], [row["answer"]], rubric=RUBRIC)[0]
        assert scored["reward"] == want["reward"] and scored["outcome"] == want["parsed"]["outcome"]
        assert scored["components"]["cost"] == pytest.approx(want["metrics"]["cost"])
        with pytest.raises(RuntimeError, match="the episode is over"):
            env.call_tool("host_summary", host=host)


def test_out_of_turns_scores_as_invalid(lookup_url, rows):
    row = next(r for r in rows if r["info"].get("ts") is not None)
    host = host_of(row)
    with NetlogsLookupEnv(base_url=lookup_url).sync() as env:
        env.reset(example_id=row["example_id"], max_turns=2)
        one = env.step(CallToolAction(tool_name="host_summary", arguments={"host": host}))
        assert not one.done and one.reward is None
        two = env.step(CallToolAction(tool_name="host_summary", arguments={"host": host, "window_s": 60}))
        assert two.done and two.observation.metadata["outcome"] == "invalid"
        completion = conversation([("host_summary", args, obs.observation.result["data"]) for args, obs in [({"host": host}, one), ({"host": host, "window_s": 60}, two)]])
        want = netlogs.score([completion], [row["answer"]], rubric=RUBRIC)[0]
        assert want["parsed"]["outcome"] == "invalid" and two.reward == want["reward"]
        state = env.state()
        assert isinstance(state, NetlogsState) and state.done and state.turns == 2 and state.max_turns == 2
        late = env.step(CallToolAction(tool_name="submit_answer", arguments={"answer": ANSWERS["Benign"]}))
        assert late.done and late.reward is None and "the episode is over" in late.observation.error.message


def test_the_command_serves_on_loopback_and_passes_openenv_validate(tmp_path):
    import subprocess
    import sys
    import urllib.request

    import serving

    bin_dir = __import__("pathlib").Path(sys.executable).parent
    for mode in ("single", "lookup"):
        with serving.subprocess_server("--mode", mode, "--tool-cost", "0.05", "--max-sessions", "8") as url:
            assert url.startswith("http://127.0.0.1:")
            meta = json.loads(urllib.request.urlopen(url + "/metadata").read())
            assert meta["name"] == f"netlogs-{mode}"
            done = subprocess.run([str(bin_dir / "openenv"), "validate", "--url", url, "--json"], capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
            report = json.loads(done.stdout)
            assert report["passed"] is True, report


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--data", "/nonexistent/flows.csv"], "/nonexistent/flows.csv"),
        (["--data", "x="], "expected PATH or NAME=PATH"),
        (["--split", "nosuchsplit"], "nosuchsplit"),
        (["--preset", "shiny"], "unknown preset"),
        (["--max-turns", "0"], "max_turns"),
        (["--rubric", "/nonexistent.toml", "--tool-cost", "0.1"], "--rubric"),
    ],
)
def test_the_command_rejects_bad_settings_before_listening(args, needle):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "netlogs.openenv", "--port", "1", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert needle in done.stderr


def test_the_command_has_no_host_flag():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "netlogs.openenv", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unrecognized arguments: --host" in done.stderr
