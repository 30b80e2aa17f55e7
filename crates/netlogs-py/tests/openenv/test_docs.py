"""docs/OPENENV.md's snippets, run as written: the serve commands start the servers (on free
ports instead of 8000/8001), and the client snippets play episodes against them; what they
print is netlogs.score's reward of the episode played. (The TRL snippet runs in
tests/openenv/with_torch, with torch.)"""

import ast
import contextlib
import json
import pathlib
import re
import subprocess
import sys
import urllib.request

import pytest

import netlogs
import readme_snippets
import serving

from conftest import conversation

DOC = pathlib.Path(__file__).resolve().parents[4] / "docs" / "OPENENV.md"


@pytest.fixture(scope="module")
def doc(request):
    mp = pytest.MonkeyPatch()
    mp.setattr(readme_snippets, "README", DOC)
    request.addfinalizer(mp.undo)
    return readme_snippets


@pytest.fixture(scope="module")
def servers(doc):
    """The documented serve commands, each on a free port: {documented port: url}."""
    commands = doc.commands("openenv-serve")
    assert [c[:3] for c in commands] == [["python", "-m", "netlogs.openenv"]] * 2
    urls = {}
    with contextlib.ExitStack() as stack:
        for words in commands:
            i = words.index("--port")
            documented, port = words[i + 1], serving.free_port()
            words = [sys.executable, *words[1:i + 1], str(port), *words[i + 2:]]
            proc = subprocess.Popen(words, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            stack.callback(proc.wait, 20)
            stack.callback(proc.terminate)
            url = f"http://127.0.0.1:{port}"
            serving.wait_healthy(url, proc=proc)
            urls[documented] = url
        yield urls


def run(doc, name, servers, capsys):
    code = doc.snippet(name)
    for documented, url in servers.items():
        code = code.replace(f"http://127.0.0.1:{documented}", url)
    assert "127.0.0.1:800" not in code
    exec(compile(code, f"{DOC.name}:{name}", "exec"), {})
    return capsys.readouterr().out.splitlines()


def test_serve_snippet_serves_both_modes(servers):
    names = {port: json.loads(urllib.request.urlopen(url + "/metadata").read())["name"] for port, url in servers.items()}
    assert names == {"8000": "netlogs-single", "8001": "netlogs-lookup"}


def test_client_snippet(doc, servers, capsys):
    (line,) = run(doc, "openenv-client", servers, capsys)
    reward, outcome = line.split()
    row = netlogs.load_examples()
    (first,) = [r for r in row if r["example_id"] == _seeded_id(servers["8000"], 7)]
    want = netlogs.score(['{"label": "Malicious", "confidence": 0.8, "rationale": "scan"}'], [first["answer"]])[0]
    assert float(reward) == want["reward"] and outcome == want["parsed"]["outcome"]


def test_lookup_snippet(doc, servers, capsys):
    tools, looked, scored = run(doc, "openenv-lookup", servers, capsys)
    assert set(ast.literal_eval(tools)) == set(netlogs.lookup.TOOL_NAMES) | {"submit_answer"}
    eid = _seeded_id(servers["8001"], 7)
    row = next(r for r in netlogs.load_examples() if r["example_id"] == eid)
    host = re.search(r"id\.orig_h=(\S+)", row["prompt"][1]["content"]).group(1)
    info = row["info"]
    assert looked == netlogs.LookupTools().call("host_summary", json.dumps({"host": host, "window_s": 300}), ts=info["ts"], capture=info.get("capture"))
    answer = '{"label": "Benign", "confidence": 0.6}'
    want = netlogs.score([conversation([("host_summary", {"host": host, "window_s": 300}, looked)], answer)], [row["answer"]], rubric={"tool_cost": 0.02})[0]
    reward, outcome = scored.split()
    assert float(reward) == want["reward"] and outcome == want["parsed"]["outcome"]


def _seeded_id(url, seed):
    req = urllib.request.Request(url + "/reset", data=json.dumps({"seed": seed}).encode(), headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req).read())["observation"]["example_id"]
