#!/usr/bin/env python3
"""One held-out setting, every row of the training page's table: trained checkpoints (greedy,
answer prefix, the training system prompt) and netlogs' builtin policies (the three constants,
`builtin:heuristic`, `builtin:learned`), all on the same class-balanced flows of one split, each
a netlogs run directory under --output; then the best constant for that set's class balance,
`netlogs compare` of every model against it (paired bootstrap 95% intervals), of each model
against the one before it, and each model's answers as label × confidence bins.

    python examples/train/heldout.py --data D --split test -n 200 --setting in-capture \\
        --model base=~/.cache/netlogs-py/models/SmolLM2-135M-Instruct.Q4_1 \\
        --model warm=outputs/train/compact/warm-model --model trained=outputs/train/compact/checkpoint \\
        --baseline outputs/train/compact/learned.json --output docs/training-runs/in-capture

Writes `table.md` and `table.json` beside the run directories.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CONSTANTS = ("builtin:abstain", "builtin:always-benign", "builtin:always-malicious")
# Confidence bins of the answer distribution (right-closed, the first also holds 0).
BINS = (0.0, 0.5, 0.7, 0.9, 1.0)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=pathlib.Path, required=True)
    p.add_argument("--split", default="test")
    p.add_argument("-n", type=int, default=200)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--setting", required=True, help="the setting's name, for the tables")
    p.add_argument("--model", action="append", default=[], metavar="NAME=PATH",
                   help="a checkpoint to evaluate, in order (each is compared with the one before it)")
    p.add_argument("--baseline", type=pathlib.Path, required=True, help="builtin:learned's model file")
    p.add_argument("--system-prompt", default="compact", help="as grpo_trl.py's --system-prompt")
    p.add_argument("--answer-prefix", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--max-new-tokens", type=int, default=16)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--preset", default="proper")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reuse", action="store_true",
                   help="reuse a model's run directory when it already holds a summary.json")
    p.add_argument("--models-only", action="store_true",
                   help="evaluate the models and stop (no builtins, compares or tables; a later --reuse run adds them)")
    p.add_argument("--output", type=pathlib.Path, required=True)
    args = p.parse_args(argv)
    for m in args.model:
        if "=" not in m:
            p.error(f"--model {m!r}: expected NAME=PATH")
    return args


def builtin_run(policy: str, args, system: str, extra: list[str]) -> pathlib.Path:
    """`netlogs eval -m POLICY` on the same flows, moved to OUTPUT/<policy name>."""
    from netlogs_train.evaluate import run_cli

    name = policy.split(":", 1)[1]
    dest = args.output / name
    tmp = args.output / f".{name}.tmp"
    for d in (dest, tmp):
        if d.exists():
            shutil.rmtree(d)
    run_cli("eval", "-m", policy, *extra, "--data", str(args.data), "--split", args.split, "-n", str(args.n),
            "--seed", str(args.seed), "--system-prompt", system, "--preset", args.preset, "-s", str(tmp),
            "--no-cache")
    runs = [p.parent for p in tmp.rglob("summary.json")]
    if len(runs) != 1:
        raise SystemExit(f"netlogs eval -m {policy}: expected one run under {tmp}, found {len(runs)}")
    shutil.move(str(runs[0]), dest)
    shutil.rmtree(tmp)
    return dest


def answer_distribution(run: pathlib.Path) -> dict[str, dict[str, int]]:
    """label → confidence bin → count, over the run's answers (`invalid` for no answer)."""
    out: dict[str, dict[str, int]] = {}
    for line in (run / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        parsed = row.get("parsed") or {}
        label = parsed.get("label") if parsed.get("outcome") != "invalid" else None
        label = label or "invalid"
        conf = parsed.get("confidence")
        if label == "invalid" or conf is None:
            b = "-"
        else:
            i = next(i for i in range(1, len(BINS)) if conf <= BINS[i] or i == len(BINS) - 1)
            b = f"{'[' if i == 1 else '('}{BINS[i - 1]}, {BINS[i]}]"
        out.setdefault(label, {}).setdefault(b, 0)
        out[label][b] += 1
    return out


REWARD_ROW = re.compile(r"^\| reward \| (\S+) \| (\S+) \| (\S+) \| \[(\S+), (\S+)\] \|", re.M)
PAIRED = re.compile(r"\*\*Paired rows:\*\* (\d+)")


def compare(a: pathlib.Path, b: pathlib.Path, out_md: pathlib.Path) -> dict:
    """`netlogs compare A B` into `out_md`: B − A in mean reward with its paired 95% interval."""
    from netlogs_train.evaluate import run_cli

    run_cli("compare", str(a), str(b), "--output", str(out_md))
    text = out_md.read_text()
    m = REWARD_ROW.search(text)
    paired = PAIRED.search(text)
    if not m or not paired:
        raise SystemExit(f"{out_md}: no reward row or paired count in netlogs compare's output")
    return {"a": a.name, "b": b.name, "paired": int(paired.group(1)), "delta": float(m.group(3)),
            "ci95": [float(m.group(4)), float(m.group(5))], "file": out_md.name}


def row_of(name: str, summary: dict) -> dict:
    det = summary.get("detection") or {}
    reward = summary.get("reward") or {}
    tpr, fpr = det.get("tpr"), det.get("fpr")
    return {
        "model": name,
        "n": summary.get("n"),
        "mean_reward": summary.get("mean_reward"),
        "reward_ci95": reward.get("mean_reward_ci95"),
        "accuracy": summary.get("accuracy"),
        "tpr": tpr,
        "fpr": fpr,
        "tpr_minus_fpr": None if tpr is None or fpr is None else tpr - fpr,
        "ece": (summary.get("calibration") or {}).get("ece"),
        "format_rate": summary.get("format_rate"),
        "abstain_rate": summary.get("abstain_rate"),
        "invalid_rate": summary.get("invalid_rate"),
    }


def fmt(v, d=3):
    if v is None:
        return "—"
    if isinstance(v, dict):  # summary.json's interval
        v = [v["lo"], v["hi"]]
    if isinstance(v, list):
        return f"[{v[0]:+.3f}, {v[1]:+.3f}]"
    return f"{v:.{d}f}"


def main(argv=None) -> dict:
    args = parse_args(argv)
    import netlogs
    import torch

    from netlogs_train import evaluate, models, prompts

    torch.set_num_threads(args.threads)
    args.output.mkdir(parents=True, exist_ok=True)
    system = prompts.system_prompt(args.system_prompt)
    prefix = prompts.ANSWER_PREFIX if args.answer_prefix else ""
    examples = netlogs.load_examples(data=str(args.data), split=args.split, n=args.n, seed=args.seed,
                                     system_prompt=system)
    if not examples:
        raise SystemExit(f"{args.data}: split {args.split} is empty")
    runs: dict[str, pathlib.Path] = {}
    for spec in args.model:
        name, path = spec.split("=", 1)
        run = args.output / name
        if not (args.reuse and (run / "summary.json").is_file()):
            model, tok = models.load(path)
            evaluate.evaluate(model, tok, examples, prefix=prefix, run_dir=run, max_new_tokens=args.max_new_tokens,
                              batch_size=args.batch, preset=args.preset)
            del model
        runs[name] = run
        print(f"== {name}: {json.dumps(evaluate.headline(json.loads((run / 'summary.json').read_text())))}", flush=True)
    if args.models_only:
        return {}
    builtins = {}
    for policy in (*CONSTANTS, "builtin:heuristic"):
        builtins[policy] = builtin_run(policy, args, system, [])
    builtins["builtin:learned"] = builtin_run("builtin:learned", args, system, ["--baseline", str(args.baseline)])

    summaries = {name: json.loads((run / "summary.json").read_text())
                 for name, run in [*runs.items(), *builtins.items()]}
    ids = {name: [json.loads(l)["example_id"] for l in (run / "results.jsonl").read_text().splitlines()]
           for name, run in [*runs.items(), *builtins.items()]}
    first = sorted(next(iter(ids.values())))
    for name, got in ids.items():
        if sorted(got) != first:
            raise SystemExit(f"{name}: its flows differ from the others' (the table would not be paired)")
    best = max(CONSTANTS, key=lambda c: summaries[c]["mean_reward"])
    comparisons = []
    names = list(runs)
    for name in names:
        comparisons.append(compare(builtins[best], runs[name], args.output / f"compare-{name}-vs-best-constant.md"))
    for a, b in zip(names, names[1:]):
        comparisons.append(compare(runs[a], runs[b], args.output / f"compare-{b}-vs-{a}.md"))
    rows = [row_of(n, summaries[n]) for n in [*names, *builtins]]
    benign = sum(1 for e in examples if e["answer"] == "Benign")
    table = {
        "setting": args.setting,
        "data": str(args.data),
        "split": args.split,
        "n": len(examples),
        "benign": benign,
        "malicious": len(examples) - benign,
        "system_prompt": args.system_prompt,
        "answer_prefix": prefix,
        "best_constant": best,
        "rows": rows,
        "comparisons": comparisons,
        "answers": {n: answer_distribution(runs[n]) for n in names},
    }
    (args.output / "table.json").write_text(json.dumps(table, indent=2) + "\n")
    md = [f"# {args.setting}: {len(examples)} flows of {args.data.name} split {args.split} "
          f"({benign} benign, {len(examples) - benign} malicious), seed {args.seed}", "",
          "| model | mean reward [95% CI] | accuracy | TPR | FPR | TPR − FPR | ECE | abstain | invalid |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        star = " (best constant)" if r["model"] == best else ""
        md.append(f"| {r['model']}{star} | {fmt(r['mean_reward'])} {fmt(r['reward_ci95'])} | {fmt(r['accuracy'])} | "
                  f"{fmt(r['tpr'])} | {fmt(r['fpr'])} | {fmt(r['tpr_minus_fpr'])} | {fmt(r['ece'])} | "
                  f"{fmt(r['abstain_rate'])} | {fmt(r['invalid_rate'])} |")
    md += ["", "| B − A (`netlogs compare A B`) | paired rows | mean reward difference | 95% CI |", "|---|---|---|---|"]
    for c in comparisons:
        md.append(f"| {c['b']} − {c['a']} | {c['paired']} | {c['delta']:+.3f} | {fmt(c['ci95'])} |")
    md += ["", "Answers (label × confidence bin):", ""]
    for n, dist in table["answers"].items():
        md.append(f"- {n}: " + "; ".join(f"{label} " + ", ".join(f"{b} {k}" for b, k in sorted(bins.items()))
                                          for label, bins in sorted(dist.items())))
    (args.output / "table.md").write_text("\n".join(md) + "\n")
    print("\n".join(md), flush=True)
    return table


if __name__ == "__main__":
    main()
