#!/usr/bin/env python3
"""What a GRPO step log says, in the figures docs/TRAINING.md quotes: seconds a step (first,
median, range), peak RSS, and the exploration fields averaged over blocks of steps.

    python examples/train/step_summary.py docs/training-runs/logs/grpo/steps.jsonl [--block 10]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics

FIELDS = ("reward", "accuracy", "malicious_rate", "label_entropy", "both_labels_group_share",
          "zero_std_group_share", "confidence_std", "entropy")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("steps", type=pathlib.Path)
    p.add_argument("--block", type=int, default=10)
    args = p.parse_args(argv)
    rows = [json.loads(line) for line in args.steps.read_text().splitlines() if line.strip()]
    if not rows:
        raise SystemExit(f"{args.steps}: no steps")
    elapsed = [r["elapsed_s"] for r in rows]
    seconds = [b - a for a, b in zip([0.0, *elapsed[:-1]], elapsed)]
    print(f"steps {len(rows)}; seconds a step: first {seconds[0]:.1f}, median {statistics.median(seconds):.1f}, "
          f"min {min(seconds):.1f}, max {max(seconds):.1f}; peak RSS {max(r.get('peak_rss_mb') or 0 for r in rows):.0f} MB")
    for start in range(0, len(rows), args.block):
        block = rows[start:start + args.block]
        means = {k: statistics.mean(v) for k in FIELDS
                 if (v := [r[k] for r in block if r.get(k) is not None])}
        print(f"steps {start + 1}-{start + len(block)}: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))


if __name__ == "__main__":
    main()
