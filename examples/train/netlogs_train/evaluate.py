"""Held-out evaluation as netlogs run directories: greedy completions of the same examples and
prompts for every model, scored by `netlogs score`, so `netlogs compare BASE TRAINED` pairs
them row by row."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time

import torch

from .prompts import logged_prompt, render


def netlogs_bin() -> str:
    """The netlogs CLI: $NETLOGS_BIN, else `netlogs` on PATH, else the shared debug build."""
    env = os.environ.get("NETLOGS_BIN")
    if env:
        return env
    found = shutil.which("netlogs")
    if found:
        return found
    target = os.environ.get("CARGO_TARGET_DIR", str(pathlib.Path.home() / ".cache/netlogs-target"))
    built = pathlib.Path(target) / "debug" / "netlogs"
    if built.is_file():
        return str(built)
    raise SystemExit(
        "the netlogs CLI was not found: set NETLOGS_BIN, put `netlogs` on PATH, or build it with "
        "`cargo build -p netlogs-cli`"
    )


def run_cli(*args: str, capture: bool = False) -> str:
    """Run a netlogs command; its stdout when `capture`. A failure stops with its stderr."""
    cmd = [netlogs_bin(), *args]
    proc = subprocess.run(cmd, text=True, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr.strip()}")
    if not capture and proc.stderr.strip():
        print(proc.stderr.strip(), flush=True)
    return proc.stdout


@torch.no_grad()
def generate(model, tok, texts: list[str], max_new_tokens: int, batch_size: int) -> list[tuple[str, str]]:
    """Greedy completions of `texts` as (text, finish_reason); prompts are batched by length."""
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[tuple[str, str] | None] = [None] * len(texts)
    eos = tok.eos_token_id
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        enc = tok([texts[i] for i in idx], return_tensors="pt", padding=True).to(model.device)
        gen = model.generate(
            **enc,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tok.pad_token_id,
            eos_token_id=eos,
        )
        new = gen[:, enc["input_ids"].shape[1] :]
        for i, ids in zip(idx, new.tolist()):
            finished = eos in ids
            if finished:
                ids = ids[: ids.index(eos)]
            out[i] = (tok.decode(ids, skip_special_tokens=True), "stop" if finished else "length")
    return out  # type: ignore[return-value]


def evaluate(
    model,
    tok,
    examples: list[dict],
    prefix: str,
    run_dir: pathlib.Path,
    max_new_tokens: int,
    batch_size: int,
    preset: str = "proper",
) -> dict:
    """Score `model` on `examples` into `run_dir` (a netlogs run directory); its summary.

    Each row records the prompt messages with the answer prefix as the assistant turn's start,
    and the completion as the prefix plus what the model wrote."""
    t0 = time.monotonic()
    texts = [render(tok, ex["prompt"], prefix) for ex in examples]
    outs = generate(model, tok, texts, max_new_tokens, batch_size)
    gen_s = time.monotonic() - t0
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    completions = run_dir.parent / f"{run_dir.name}.completions.jsonl"
    with completions.open("w", encoding="utf-8") as f:
        for ex, (text, finish) in zip(examples, outs):
            row = {
                "example_id": ex["example_id"],
                "rollout": 0,
                "prompt": logged_prompt(ex["prompt"], prefix),
                "completion": prefix + text,
                "finish_reason": finish,
                "answer": ex["answer"],
                "info": ex["info"],
            }
            f.write(json.dumps(row) + "\n")
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_cli("score", "--input", str(completions), "--output", str(run_dir), "--preset", preset)
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["generation_s"] = round(gen_s, 1)
    # Cut at the token limit (`netlogs score` does not read finish_reason from its input).
    summary["cut_at_limit"] = sum(finish == "length" for _, finish in outs)
    return summary


def compare(run_dirs: list[pathlib.Path], out_md: pathlib.Path) -> str:
    """`netlogs compare BASE [WARM] TRAINED` (each later run against the first), written to
    `out_md` and to an HTML page beside it."""
    text = run_cli(
        "compare", *map(str, run_dirs), "--output", str(out_md), "--html", str(out_md.with_suffix(".html")),
        capture=True,
    )
    return out_md.read_text() if out_md.is_file() else text


def headline(summary: dict) -> dict:
    """The figures the docs table reports, from a run's summary.json."""
    reward = summary.get("reward") or {}
    cal = summary.get("calibration") or {}
    cost = summary.get("cost") or {}
    det = summary.get("detection") or {}
    return {
        "n": summary.get("n"),
        "mean_reward": summary.get("mean_reward"),
        "reward_ci95": reward.get("mean_reward_ci95"),
        "accuracy": summary.get("accuracy"),
        "format_rate": summary.get("format_rate"),
        "invalid_rate": summary.get("invalid_rate"),
        "abstain_rate": summary.get("abstain_rate"),
        "tpr": det.get("tpr"),
        "fpr": det.get("fpr"),
        "ece": cal.get("ece"),
        "mean_calibration": summary.get("mean_calibration"),
        "mean_cost": summary.get("mean_cost"),
        "cost_per_example": cost.get("cost_per_example"),
        "cut_at_limit": summary.get("cut_at_limit"),
    }
