"""Throughput and step latency of netlogs' OpenEnv server:
``python -m netlogs.openenv.bench --mode single|lookup --sessions N --episodes M``.

Starts ``python -m netlogs.openenv`` on a free loopback port (its own process), opens N
``/ws`` sessions at once with OpenEnv's async clients, and plays M episodes over them
(each session plays its share back to back): a single-flow episode is reset + one answer; a
lookup episode is reset + one ``host_summary`` call + ``submit_answer``. Prints episodes/s
(wall clock, all sessions) and the p50/p99 of one step (a tool call or an answer, from send
to observation) as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ANSWER = json.dumps({"label": "Malicious", "confidence": 0.8, "rationale": "scan"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not up after {timeout}s")


def _percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


async def _session(mode: str, url: str, episodes: int, first_index: int, steps: list[float]) -> None:
    from openenv.core.env_server.mcp_types import CallToolAction

    from .client import NetlogsEnv, NetlogsLookupEnv
    from .models import NetlogsAction

    client = (NetlogsEnv if mode == "single" else NetlogsLookupEnv)(base_url=url, message_timeout_s=600)
    async with client as env:
        for k in range(episodes):
            obs = (await env.reset(index=first_index + k)).observation
            if mode == "single":
                actions = [NetlogsAction(answer=ANSWER)]
            else:
                prompt = obs.prompt[1]["content"]
                host = re.search(r"id\.orig_h=(\S+)", prompt).group(1)
                actions = [
                    CallToolAction(tool_name="host_summary", arguments={"host": host}),
                    CallToolAction(tool_name="submit_answer", arguments={"answer": ANSWER}),
                ]
            for action in actions:
                t0 = time.perf_counter()
                result = await env.step(action)
                steps.append(time.perf_counter() - t0)
            if not result.done or result.reward is None:
                raise RuntimeError(f"episode {first_index + k} did not finish with a reward: {result}")


async def _drive(mode: str, url: str, sessions: int, episodes: int, pool: int) -> dict:
    steps: list[float] = []
    per = [episodes // sessions + (1 if i < episodes % sessions else 0) for i in range(sessions)]
    starts = [sum(per[:i]) % max(1, pool - max(per)) for i in range(sessions)]
    t0 = time.perf_counter()
    await asyncio.gather(*(_session(mode, url, n, s, steps) for n, s in zip(per, starts) if n))
    wall = time.perf_counter() - t0
    return {
        "mode": mode,
        "sessions": sessions,
        "episodes": episodes,
        "wall_s": round(wall, 3),
        "episodes_per_s": round(episodes / wall, 1),
        "steps": len(steps),
        "step_p50_ms": round(1000 * statistics.median(steps), 2),
        "step_p99_ms": round(1000 * _percentile(steps, 0.99), 2),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m netlogs.openenv.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("single", "lookup"), default="single")
    p.add_argument("--sessions", type=int, default=64)
    p.add_argument("--episodes", type=int, default=1024)
    a = p.parse_args(argv)
    if a.sessions < 1 or a.episodes < a.sessions:
        p.error("--sessions must be at least 1 and --episodes at least --sessions")
    import netlogs

    pool = len(netlogs.load_examples())
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "netlogs.openenv", "--port", str(port), "--mode", a.mode, "--max-sessions", str(a.sessions)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(url, proc)
        out = asyncio.run(_drive(a.mode, url, a.sessions, a.episodes, pool))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out["cpus"] = os.cpu_count()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
