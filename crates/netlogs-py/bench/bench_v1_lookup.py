"""Rollouts per second of verifiers v1 lookup-mode rollouts, `--concurrency` at a time (64 by
default), run by `vf-eval netlogs-env` (README's lookup command) against the loopback stub that
calls netlogs' tools (tests/stub_lookup.py). One MCP tool server serves every rollout's calls.

The rate is rollouts / the span from the first rollout's start to the last one's end, read
from the saved traces, so vf-eval's start-up and the tool server's index build are left out.
The best of `--repeat` runs is reported, with each run's figure. `tool_seconds` is the time
the run's tool calls take when replayed one after another through `netlogs.LookupTools` in
this process: what a synchronous tool would hold the server's event loop for.

Run in the v1 venv (verifiers 0.4.0) with the netlogs wheel installed:
    nice -n 10 ~/.cache/netlogs-py/v1/bin/python crates/netlogs-py/bench/bench_v1_lookup.py
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

TESTS = pathlib.Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

import stub_lookup  # noqa: E402


def run_once(rollouts: int, concurrency: int, max_turns: int) -> dict:
    server, url = stub_lookup.start()
    try:
        with tempfile.TemporaryDirectory() as out:
            vf_eval = pathlib.Path(sys.executable).with_name("vf-eval")
            argv = [
                str(vf_eval), "netlogs-env", "-m", "stub", "--client.base-url", url, "--client.api-key-var", "STUB_KEY",
                "--env.taskset.task.mode", "lookup", "--env.agent.harness.id", "null",
                "--env.agent.runtime.type", "subprocess",
                "--env.taskset.max-examples", str(rollouts), "--env.taskset.task.max-turns", str(max_turns),
                "-r", "1", "--max-concurrent", str(concurrency), "--no-push", "-o", out,
            ]
            env = {**os.environ, "STUB_KEY": "stub-key-not-a-secret"}
            subprocess.run(argv, check=True, cwd=out, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            (traces,) = pathlib.Path(out).rglob("traces.jsonl")
            episodes = [json.loads(line) for line in traces.read_text().splitlines() if line.strip()]
    finally:
        server.shutdown()
    spans, calls, errors = [], [], 0
    for ep in episodes:
        for trace in ep["traces"]:
            t = trace["timing"]
            ends = [t[k]["end"] for k in ("boot", "setup", "agent", "finalize", "scoring") if t[k]["end"]]
            spans.append((t["start"], max(ends)))
            info = trace["task"]["data"]["info"]
            for n in trace["nodes"]:
                for c in n["message"].get("tool_calls") or []:
                    calls.append((c["name"], c["arguments"], info["ts"], info["capture"]))
            errors += trace.get("error") is not None
    span = max(e for _, e in spans) - min(s for s, _ in spans)
    return {"rollouts": len(spans), "tool_calls": len(calls), "tool_seconds": round(replay(calls), 4), "errors": errors,
            "seconds": round(span, 2), "rollouts_per_s": round(len(spans) / span, 3)}


def replay(calls) -> float:
    import netlogs

    tools = netlogs.LookupTools()
    start = time.perf_counter()
    for name, arguments, ts, capture in calls:
        tools.call(name, arguments if isinstance(arguments, str) else json.dumps(arguments), ts=ts, capture=capture)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rollouts", type=int, default=256)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--max-turns", type=int, default=3)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    runs = [run_once(a.rollouts, a.concurrency, a.max_turns) for _ in range(a.repeat)]
    for r in runs:
        print(json.dumps(r))
    rates = [r["rollouts_per_s"] for r in runs]
    print(f"{a.rollouts} rollouts, {a.concurrency} concurrent, max {a.max_turns} turns: "
          f"best {max(rates):.1f} rollouts/s, median {statistics.median(rates):.1f} "
          f"({runs[0]['tool_calls']} tool calls a run, {runs[0]['tool_seconds']} s of them replayed one by one)")


if __name__ == "__main__":
    main()
