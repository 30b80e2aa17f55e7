"""Fixtures of the OpenEnv suite: apps, loopback servers, and the examples they serve."""

import json
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import netlogs  # noqa: E402
from netlogs.openenv import Settings, build_app  # noqa: E402

import serving  # noqa: E402

RUBRIC = {"tool_cost": 0.05}
ANSWERS = {
    "Malicious": json.dumps({"label": "Malicious", "confidence": 0.8, "rationale": "scan"}),
    "Benign": json.dumps({"label": "Benign", "confidence": 0.7, "rationale": "dns"}),
}


@pytest.fixture(scope="session")
def settings():
    return Settings(rubric=netlogs.Rubric(**RUBRIC))


@pytest.fixture(scope="session")
def rows():
    """The bundled set, as the server loads it (same order)."""
    return netlogs.load_examples()


@pytest.fixture(scope="session")
def by_id(rows):
    return {r["example_id"]: r for r in rows}


@pytest.fixture(scope="session")
def single_url(settings):
    with serving.in_thread(build_app("single", settings, max_concurrent_envs=300)) as url:
        yield url


@pytest.fixture(scope="session")
def lookup_url(settings):
    with serving.in_thread(build_app("lookup", settings, max_concurrent_envs=300)) as url:
        yield url


def conversation(calls, answer=None):
    """The conversation a lookup episode records: one assistant turn per tool call
    ``(name, arguments, result text)``, then the answer, if any."""
    out = []
    for i, (name, args, text) in enumerate(calls, 1):
        out.append({"role": "assistant", "content": "", "tool_calls": [
            {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]})
        out.append({"role": "tool", "tool_call_id": f"call_{i}", "name": name, "content": text})
    if answer is not None:
        out.append({"role": "assistant", "content": answer})
    return out
