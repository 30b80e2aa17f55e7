"""The docs' snippets (README.md and docs/*.md), for the tests that run or parse them at the
pinned versions.

A page marks each one with ``<!-- snippet: NAME -->`` on the line before its fenced block; a
name is unique across the pages. ``NETLOGS_README`` points at one other file (a draft of a
section) instead.
Shell snippets are read as commands: continuation lines joined, ``$(python3 -c "…")``
substitutions run with this interpreter (so they see this venv's netlogs), words split as
the shell splits them.
"""

import os
import pathlib
import re
import shlex
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[3]
README = pathlib.Path(os.environ.get("NETLOGS_README") or REPO / "README.md")
PAGES = [README] if os.environ.get("NETLOGS_README") else [README, *sorted((REPO / "docs").glob("*.md"))]

_SNIPPET = re.compile(r"<!-- snippet: ([\w-]+) -->\n```(\w*)\n(.*?)\n```", re.DOTALL)
_SUBST = re.compile(r'\$\((python3 -c "(?:[^"\\]|\\.)*")\)')


def snippets() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for page in PAGES:
        for name, lang, body in _SNIPPET.findall(page.read_text(encoding="utf-8")):
            if name in found:
                raise AssertionError(f"snippet {name!r} is marked twice (again in {page})")
            found[name] = (lang, body)
    return found


def snippet(name: str) -> str:
    found = snippets()
    if name not in found:
        raise AssertionError(f"no page of {[str(p) for p in PAGES]} has snippet {name!r} (a `<!-- snippet: {name} -->` line before a fenced block); it has {sorted(found)}")
    return found[name][1]


def _run_python(command: str) -> str:
    words = shlex.split(command)
    assert words[0] == "python3", command
    done = subprocess.run([sys.executable, *words[1:]], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commands(name: str) -> list[list[str]]:
    """The snippet's commands, each as its words, substitutions done."""
    return shell_commands(snippet(name))


def script_commands(path: pathlib.Path, program: str) -> list[list[str]]:
    """The commands of a shell script (a GPU recipe) that run ``python3 -m PROGRAM``."""
    found = [c for c in shell_commands(path.read_text(encoding="utf-8")) if c[:3] == ["python3", "-m", program]]
    assert found, f"{path} runs no `python3 -m {program}`"
    return found


def shell_commands(text: str) -> list[list[str]]:
    """Shell text's commands, each as its words: continuation lines joined, comments left
    out, ``$(python3 -c "…")`` substitutions run."""
    text = text.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = _SUBST.sub(lambda m: shlex.quote(_run_python(m.group(1))), line)
        out.append(shlex.split(line))
    return out


def python_code(command: list[str]) -> str:
    """The program of a ``python3 -c PROGRAM`` command."""
    assert command[:2] == ["python3", "-c"], command
    return command[2]
