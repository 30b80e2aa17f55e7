"""README's prime-rl config at verifiers 0.4.0: each training source's `env` table validates
as prime-rl's `EnvConfig` validates it (`verifiers.v1.resolve_env_config`, narrowed by the
taskset id), and verifiers loads that environment: the netlogs taskset in lookup mode with its
MCP toolset. (README's `vf-eval` line is run by test_lookup_v1.py.)"""

import tomllib

import pytest
import verifiers.v1 as vf

import readme_snippets as readme
from netlogs_env._lookup_v1 import LookupToolset
from netlogs_env._v1 import NetlogsConfig, NetlogsTask


def test_prime_rl_config_loads_the_lookup_taskset():
    config = tomllib.loads(readme.snippet("prime-rl-lookup"))
    (source,) = config["orchestrator"]["train"]["source"]
    assert source["name"] and set(source) == {"name", "env"}
    env_config = vf.resolve_env_config(source["env"])
    taskset = env_config.taskset
    assert isinstance(taskset, NetlogsConfig)
    assert (taskset.task.mode, taskset.task.max_turns, taskset.task.tool_cost) == ("lookup", 6, 0.02)
    assert env_config.agent.harness.id == "null" and env_config.agent.runtime.type == "subprocess"
    assert env_config.agent.max_turns is None, "verifiers' own turn limit would drop the last tool results"
    assert config["inference"]["vllm"]["tool_call_parser"] == "hermes"
    small = vf.resolve_env_config({**source["env"], "taskset": {**source["env"]["taskset"], "max_examples": 4}})
    env = vf.load_environment(small)
    tasks = list(env.taskset)
    assert len(tasks) == 4 and all(isinstance(t, NetlogsTask) for t in tasks)
    (toolset,) = type(env.taskset).toolsets(env.taskset.config)
    assert isinstance(toolset, LookupToolset)


def test_a_misspelt_task_option_is_refused():
    config = tomllib.loads(readme.snippet("prime-rl-lookup"))
    (source,) = config["orchestrator"]["train"]["source"]
    env = source["env"]
    bad = {**env, "taskset": {**env["taskset"], "task": {**env["taskset"]["task"], "max_turn": 3}}}
    with pytest.raises(Exception, match="max_turn"):
        vf.resolve_env_config(bad)
