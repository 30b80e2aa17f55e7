#!/usr/bin/env python3
"""Write one split of a netlogs dataset in the layout verl or OpenRLHF reads, for the GPU
recipes in docs/TRAINING.md: the rows of `netlogs.verl.rows` (parquet; the reward is
netlogs.verl.compute_score) or `netlogs.openrlhf.rows` (JSONL; with --data.input_key prompt
--data.label_key label --data.apply_chat_template, the reward is netlogs.openrlhf.reward_func).

  python examples/train/export_rl_data.py --dataset DATA.parquet --split train --format verl --output train.parquet
"""

from __future__ import annotations

import argparse
import json
import pathlib

import netlogs
import netlogs.openrlhf
import netlogs.verl


def rows(dataset: pathlib.Path, split: str, n: int | None, seed: int, fmt: str) -> list[dict]:
    examples = netlogs.load_examples(data=str(dataset), split=split, n=n, seed=seed)
    return netlogs.verl.rows(examples) if fmt == "verl" else netlogs.openrlhf.rows(examples)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", type=pathlib.Path, required=True, help="a dataset built by `netlogs data build`")
    p.add_argument("--split", required=True, choices=("train", "dev", "test"))
    p.add_argument("--format", required=True, choices=("verl", "openrlhf"))
    p.add_argument("--output", type=pathlib.Path, required=True, help=".parquet for verl, .jsonl for openrlhf")
    p.add_argument("-n", type=int, default=None, help="a seeded, class-balanced sample (default: every row)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    want = ".parquet" if args.format == "verl" else ".jsonl"
    if args.output.suffix != want:
        p.error(f"--output: {args.format} data goes to a {want} file, got {args.output}")
    data = rows(args.dataset, args.split, args.n, args.seed, args.format)
    if not data:
        raise SystemExit(f"{args.dataset}: split {args.split!r} is empty")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "verl":
        from datasets import Dataset

        Dataset.from_list(data).to_parquet(str(args.output))
    else:
        with args.output.open("w", encoding="utf-8") as f:
            for r in data:
                f.write(json.dumps(r) + "\n")
    print(f"wrote {len(data)} {args.split} rows to {args.output}")


if __name__ == "__main__":
    main()
