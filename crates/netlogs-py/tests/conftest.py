"""Shared fixtures: the `netlogs` binary, the repository's fixtures, a loopback stub server."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))

import stub_openai  # noqa: E402


@pytest.fixture(scope="session")
def netlogs_bin():
    path = os.environ.get("NETLOGS_BIN")
    if not path:
        raise RuntimeError("set NETLOGS_BIN to the netlogs binary (scripts/test does)")
    return path


@pytest.fixture(scope="session")
def fixtures():
    return REPO / "fixtures"


@pytest.fixture(scope="session")
def stub_url():
    server, url = stub_openai.start()
    yield url
    server.shutdown()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def netlogs_score(netlogs_bin, tmp_path):
    """Run `netlogs score` on a JSONL file; the scored rows."""

    def run(path, *args):
        out = tmp_path / f"scored-{pathlib.Path(path).stem}"
        subprocess.run(
            [netlogs_bin, "score", "--input", str(path), "--output", str(out), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return read_jsonl(out / "results.jsonl")

    return run
