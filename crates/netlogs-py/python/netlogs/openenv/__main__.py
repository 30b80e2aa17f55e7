"""``python -m netlogs.openenv --port 8000 [--mode lookup]``: serve netlogs' episodes to
OpenEnv clients on 127.0.0.1 (loopback only)."""

from __future__ import annotations

import argparse
import sys

HOST = "127.0.0.1"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m netlogs.openenv", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    p.add_argument("--mode", choices=("single", "lookup"), default="single",
                   help="single: one flow, one answer; lookup: the lookup tools, then submit_answer")
    p.add_argument("--data", action="append", metavar="[NAME=]PATH",
                   help="a data file or folder to draw from (repeatable; NAME= serves it as reset(dataset=NAME)); "
                        "default: netlogs' bundled set, as dataset `default`")
    p.add_argument("--split", help="the split episodes draw from unless reset names one (a built dataset's)")
    p.add_argument("--preset", help="the rubric preset: proper (default), legacy, grounded")
    p.add_argument("--rubric", metavar="TOML", help="a rubric file (the preset, if given, is laid over it)")
    p.add_argument("--tool-cost", type=float, help="the reward's cost per tool call (lookup)")
    p.add_argument("--max-turns", type=int, default=6, help="model turns per lookup episode (default 6, as eval)")
    p.add_argument("--max-sessions", type=int, default=64, help="concurrent /ws sessions (default 64)")
    return p.parse_args(argv)


def datasets(specs):
    if not specs:
        return None
    out: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = "default", spec
        if not name or not path:
            raise ValueError(f"--data {spec!r}: expected PATH or NAME=PATH")
        out.setdefault(name, []).append(path)
    return out


def settings_of(a: argparse.Namespace):
    """The server's settings, checked now: a bad rubric, data file or split stops the
    server before it listens rather than failing its first episode."""
    import netlogs

    from .episodes import Settings, pool

    overrides = {} if a.tool_cost is None else {"tool_cost": a.tool_cost}
    if a.rubric:
        if a.preset or overrides:
            raise ValueError("--rubric: put the preset and tool_cost in the file (--preset and --tool-cost are not read with it)")
        rubric = a.rubric
        netlogs.score(["{}"], ["Benign"], rubric=rubric)
    else:
        rubric = netlogs.Rubric(a.preset, **overrides) if (a.preset or overrides) else None
    settings = Settings.of(datasets(a.data), split=a.split, rubric=rubric, max_turns=a.max_turns)
    for name, data in settings.datasets.items():
        try:
            pool(data, settings.split)
        except ValueError as e:
            where = f"dataset {name!r}" + (f", --split {settings.split!r}" if settings.split else "")
            raise ValueError(f"{where}: {e}") from None
    return settings


def main(argv=None) -> int:
    a = parse_args(argv)
    try:
        settings = settings_of(a)
        from .server import build_app

        app = build_app(a.mode, settings, max_concurrent_envs=a.max_sessions)
    except (ValueError, OSError) as e:
        print(f"python -m netlogs.openenv: {e}", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run(app, host=HOST, port=a.port, log_level="warning", ws_max_size=16 * 1024 * 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
