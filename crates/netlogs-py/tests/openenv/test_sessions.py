"""Concurrent sessions: 256 at once, each playing its own episode to the right reward, in
both episode kinds; and the session cap a server is started with."""

import asyncio
import json
import re

import pytest
from openenv.core.env_server.mcp_types import CallToolAction

import netlogs
import serving
from netlogs.openenv import NetlogsAction, NetlogsEnv, NetlogsLookupEnv, build_app

from conftest import ANSWERS, RUBRIC, conversation

SESSIONS = 256


def answer_for(i):
    return ANSWERS["Malicious" if i % 3 else "Benign"]


def test_256_single_flow_sessions_each_get_their_own_reward(single_url, rows):
    async def episode(i):
        async with NetlogsEnv(base_url=single_url, message_timeout_s=300) as env:
            obs = (await env.reset(index=i % len(rows))).observation
            await asyncio.sleep(0.01)  # every session is open before any answers
            result = await env.step(NetlogsAction(answer=answer_for(i)))
            return obs.example_id, result.reward, result.done

    async def main():
        return await asyncio.gather(*(episode(i) for i in range(SESSIONS)))

    got = asyncio.run(main())
    want = netlogs.score([answer_for(i) for i in range(SESSIONS)], [rows[i % len(rows)]["answer"] for i in range(SESSIONS)], rubric=RUBRIC)
    for i, (eid, reward, done) in enumerate(got):
        assert eid == rows[i % len(rows)]["example_id"] and done
        assert reward == want[i]["reward"], i
    assert len({r for _, r, _ in got}) > 1


def test_256_lookup_sessions_each_get_their_own_reward(lookup_url, rows):
    anchored = [r for r in rows if r["info"].get("ts") is not None]

    async def episode(i):
        row = anchored[i % len(anchored)]
        host = re.search(r"id\.orig_h=(\S+)", row["prompt"][1]["content"]).group(1)
        # Every third session runs out of turns instead of answering.
        plan = [{"host": host, "window_s": 60 + i}] + ([{"host": host}, {"host": host, "window_s": 5}] if i % 3 == 0 else [])
        calls = []
        async with NetlogsLookupEnv(base_url=lookup_url, message_timeout_s=300) as env:
            await env.reset(example_id=row["example_id"], max_turns=3)
            for args in plan:
                last = await env.step(CallToolAction(tool_name="host_summary", arguments=args))
                calls.append(("host_summary", args, last.observation.result["data"]))
            answer = None
            if i % 3:
                answer = answer_for(i)
                last = await env.step(CallToolAction(tool_name="submit_answer", arguments={"answer": answer}))
            return row, calls, answer, last

    async def main():
        return await asyncio.gather(*(episode(i) for i in range(SESSIONS)))

    results = asyncio.run(main())
    direct = netlogs.LookupTools()
    want = netlogs.score([conversation(calls, answer) for _, calls, answer, _ in results], [row["answer"] for row, *_ in results], rubric=RUBRIC)
    for i, (row, calls, answer, last) in enumerate(results):
        info = row["info"]
        for name, args, text in calls:
            assert text == direct.call(name, json.dumps(args), ts=info["ts"], capture=info.get("capture"))
        assert last.done and last.reward == want[i]["reward"], i
        assert last.observation.metadata["outcome"] == want[i]["parsed"]["outcome"]
        assert last.observation.metadata["turns"] == (3 if answer is None else 2)
    outcomes = {w["parsed"]["outcome"] for w in want}
    assert "invalid" in outcomes and len(outcomes) > 1


def test_a_server_holds_at_most_max_concurrent_envs_sessions(settings):
    with serving.in_thread(build_app("single", settings, max_concurrent_envs=2)) as url:
        a, b = NetlogsEnv(base_url=url).sync(), NetlogsEnv(base_url=url).sync()
        c = NetlogsEnv(base_url=url).sync()
        try:
            a.reset(index=0)
            b.reset(index=1)
            with pytest.raises(RuntimeError, match="CAPACITY_REACHED"):
                c.reset(index=2)
            a.close()
            assert b.step(NetlogsAction(answer=ANSWERS["Benign"])).done
        finally:
            for x in (a, b, c):
                try:
                    x.close()
                except Exception:
                    pass
