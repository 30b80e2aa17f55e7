"""Every Python path that scores a lookup conversation, each run in the venv that has its
trainer: `python paths.py NAME` prints, for each conversation of
tests/fixtures/conversations.jsonl, the reward that path gives it and the tool results that
path's own tools give for its calls (None where the path runs no tools).

- ``score``: ``netlogs.score`` (any venv);
- ``v0``: the verifiers 0.1.9 lookup environment (its tools, its rubric's weighted sum);
- ``v1``: the verifiers 0.4.0 taskset (its MCP toolset's methods, ``Task.score``);
- ``trl``: TRL 1.16's view: ``LookupEnv``'s tools, and the async reward function on the
  conversation as TRL builds it (tool calls with decoded arguments, tool messages by name);
- ``verl``: verl 0.9.1's ToolAgentLoop running the turns with netlogs' tools, then its reward
  manager with ``compute_score_async``;
- ``openrlhf``: OpenRLHF 0.11.2's MultiTurnAgentExecutor running the turns through
  ``LookupAgent``; the reward is the sum OpenRLHF keeps.
- ``openenv``: OpenEnv 0.10.0: netlogs' lookup server (``netlogs.openenv``) on a loopback
  port, the turns played by OpenEnv's own ``MCPToolClient`` (each tool call a step, the
  answer ``submit_answer``); the reward is the last observation's.
"""

import asyncio
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent
FIXTURES = TESTS / "fixtures" / "conversations.jsonl"
sys.path[:0] = [str(TESTS), str(TESTS / "rl"), str(TESTS / "v1")]


def cases():
    return [json.loads(line) for line in FIXTURES.open(encoding="utf-8")]


def tool_calls(case):
    """(assistant turn, its tool calls) for each turn of the conversation."""
    return [(m, m.get("tool_calls") or []) for m in case["completion"] if m["role"] == "assistant"]


def path_score():
    import netlogs

    return {c["id"]: {"reward": netlogs.score([c["completion"]], [c["answer"]], rubric=c["rubric"])[0]["reward"],
                      "tool_results": None} for c in cases()}


def path_v0():
    import verifiers as vf

    out = {}
    for c in cases():
        env = vf.load_environment("netlogs-env", max_examples=1, mode="lookup", max_turns=c["max_turns"], **c["rubric"])
        results = []
        for turn, calls in tool_calls(c):
            if calls:
                replies = asyncio.run(env.env_response([turn], {"info": c["info"]}))
                results += [r["content"] for r in replies]
        state = {"prompt": c["prompt"], "completion": c["completion"], "answer": c["answer"], "info": c["info"],
                 "task": "default", "timing": {"scoring_ms": 0.0, "total_ms": 0.0}}
        asyncio.run(env.rubric.score_rollout(state, score_sem=asyncio.Semaphore(1)))
        out[c["id"]] = {"reward": state["reward"], "tool_results": results}
    return out


def path_v1():
    from v1_trace import trace_of
    from verifiers.v1.mcp.server import _call_state

    from netlogs_env._lookup_v1 import LookupState, LookupToolset, LookupToolsetConfig
    from netlogs_env._v1 import NetlogsData, NetlogsTask, NetlogsTaskConfig

    toolset = LookupToolset(LookupToolsetConfig())
    asyncio.run(toolset.setup())
    out = {}
    for c in cases():
        config = NetlogsTaskConfig(mode="lookup", max_turns=c["max_turns"], **c["rubric"])
        data = NetlogsData(prompt=c["prompt"][-1]["content"], system_prompt=c["prompt"][0]["content"],
                           answer=c["answer"], info=c["info"])
        task = NetlogsTask(data, config)
        trace = trace_of(task, c["completion"])
        asyncio.run(task.setup(trace))
        token = _call_state.set(trace.state)
        try:
            # The tools are coroutines (they run off the MCP server's event loop).
            results = [asyncio.run(getattr(toolset, call["function"]["name"])(**json.loads(call["function"]["arguments"])))
                       for _, calls in tool_calls(c) for call in calls]
        finally:
            _call_state.reset(token)
        asyncio.run(task.score(trace))
        out[c["id"]] = {"reward": trace.reward, "tool_results": results}
    return out


def trl_view(completion):
    """The conversation as TRL 1.16 builds it: tool calls with decoded arguments and no id,
    tool messages carrying the tool's name."""
    names = {call["id"]: call["function"]["name"] for m in completion for call in m.get("tool_calls") or []}
    view = []
    for m in completion:
        if m["role"] == "assistant":
            calls = [{"type": "function", "function": {"name": call["function"]["name"], "arguments": json.loads(call["function"]["arguments"])}}
                     for call in m.get("tool_calls") or []]
            view.append({"role": "assistant", "content": m["content"], **({"tool_calls": calls} if calls else {})})
        else:
            view.append({"role": "tool", "name": names[m["tool_call_id"]], "content": m["content"]})
    return view


def path_trl():
    import netlogs.trl

    out = {}
    for c in cases():
        env = netlogs.trl.LookupEnv()
        env.reset(prompt=c["prompt"], answer=c["answer"], info=c["info"])
        results = [getattr(env, call["function"]["name"])(**json.loads(call["function"]["arguments"]))
                   for _, calls in tool_calls(c) for call in calls]
        reward = netlogs.trl.make_async_reward_func(rubric=c["rubric"])
        (r,) = asyncio.run(reward(prompts=[c["prompt"]], completions=[trl_view(c["completion"])], answer=[c["answer"]],
                                  environments=[env], info=[c["info"]]))
        out[c["id"]] = {"reward": r, "tool_results": results}
    return out


def path_verl():
    import netlogs.verl
    import tiny_qwen
    import verl_harness as vh

    tok = tiny_qwen.tokenizer()
    out = {}
    for c in cases():
        ex = {"prompt": c["prompt"], "answer": c["answer"], "info": c["info"], "example_id": c["example_id"]}
        (row,) = netlogs.verl.rows([ex], lookup=True)
        turns = [vh.hermes(m) for m in c["completion"] if m["role"] == "assistant"]
        output, _ = vh.run_tool_agent(tok, row, turns, max_user_turns=c["max_turns"])
        talk = netlogs.verl._completion("", output.extra_fields)
        results = [m["content"] for m in talk if m["role"] == "tool"] if isinstance(talk, list) else []
        got = vh.score(tok, vh.reward_data(row, output, tok), "compute_score_async", **c["rubric"])
        out[c["id"]] = {"reward": got["reward_score"], "tool_results": results}
    return out


def path_openrlhf():
    import netlogs.openrlhf
    import netlogs.openrlhf_agent
    import openrlhf_harness as oh
    from openrlhf.utils.agent import MultiTurnAgentExecutor
    import tiny_qwen
    import verl_harness as vh

    tok = tiny_qwen.tokenizer()
    out = {}
    for c in cases():
        ex = {"prompt": c["prompt"], "answer": c["answer"], "info": c["info"]}
        (row,) = netlogs.openrlhf.rows([ex], tokenizer=tok, lookup=True)
        agents = []

        class Recording(netlogs.openrlhf_agent.LookupAgent):
            max_turns, rubric = c["max_turns"], c["rubric"]

            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                agents.append(self)

        executor = MultiTurnAgentExecutor(Recording)
        turns = [vh.hermes(m) for m in c["completion"] if m["role"] == "assistant"]
        response, _ = oh.execute(executor, tok, row["prompt"], row["label"], turns)
        (agent,) = agents
        out[c["id"]] = {"reward": response["reward"], "tool_results": [m["content"] for m in agent.messages if m["role"] == "tool"]}
    return out


def path_openenv():
    from openenv.core import MCPToolClient
    from openenv.core.env_server.mcp_types import CallToolAction

    from netlogs.openenv import Settings, build_app

    sys.path.insert(0, str(TESTS / "openenv"))
    import serving

    (rubric,) = {json.dumps(c["rubric"], sort_keys=True) for c in cases()}
    out = {}
    with serving.in_thread(build_app("lookup", Settings(rubric=json.loads(rubric)))) as url:
        for c in cases():
            with MCPToolClient(base_url=url).sync() as env:
                shown = env.reset(example_id=c["example_id"], max_turns=c["max_turns"]).observation
                if shown.prompt != c["prompt"]:
                    raise AssertionError(f"{c['id']}: the server's prompt for {c['example_id']} is not the conversation's")
                results, last = [], None
                for turn, calls in tool_calls(c):
                    for call in calls:
                        last = env.step(CallToolAction(tool_name=call["function"]["name"], arguments=json.loads(call["function"]["arguments"])))
                        results.append(last.observation.result["data"])
                    if not calls:
                        last = env.step(CallToolAction(tool_name="submit_answer", arguments={"answer": turn["content"]}))
                if not last.done:
                    raise AssertionError(f"{c['id']}: the episode is not over after its turns")
                out[c["id"]] = {"reward": last.reward, "tool_results": results}
    return out


PATHS = {"score": path_score, "v0": path_v0, "v1": path_v1, "trl": path_trl, "verl": path_verl, "openrlhf": path_openrlhf, "openenv": path_openenv}

if __name__ == "__main__":
    (name,) = sys.argv[1:]
    result = PATHS[name]()
    sys.stdout.write("\nNETLOGS-ONE-REWARD " + json.dumps(result) + "\n")
