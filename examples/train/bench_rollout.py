#!/usr/bin/env python3
"""What a GRPO rollout costs on this machine: tokens a rollout (system prompt, flow, chat
markup and answer prefix, completion) with the model's own tokenizer, and seconds, tokens and
peak RSS of GRPO steps of `--batch × --generations` rollouts (TRL's GRPOTrainer, the training
script's configuration). A benchmark, not a test: it prints and writes figures, it asserts none.

    ~/.cache/netlogs-py/torch/bin/python examples/train/bench_rollout.py \\
        --dataset data/train/in-capture-compact.jsonl --steps 4 --output outputs/bench-rollout

`--tokens-only` measures the tokens and stops (no training). `--compare NAME=DATASET:SYSTEM`
(repeatable) also counts tokens of another rendering, e.g. the first recipe's
`zeek=data/train/in-capture.jsonl:default`.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import resource
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# What an answer of the compact recipe looks like after the prefix (the teacher's form).
TYPICAL_COMPLETIONS = ('Malicious", "confidence": 0.93}', 'Benign", "confidence": 0.71}')


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", type=pathlib.Path, required=True, help="a dataset built by `netlogs data build`")
    p.add_argument("--system-prompt", default="compact")
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--n", type=int, default=200, help="train flows whose tokens are counted")
    p.add_argument("--steps", type=int, default=4, help="GRPO steps timed (the first is reported apart)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--generations", type=int, default=8)
    p.add_argument("--max-completion-length", type=int, default=16)
    p.add_argument("--beta", type=float, default=0.0)
    p.add_argument("--train-layers", type=int, default=0,
                   help="train only the last K blocks, as grpo_trl.py's --train-layers (0: every layer)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--tokens-only", action="store_true")
    p.add_argument("--compare", action="append", default=[], metavar="NAME=DATASET:SYSTEM")
    p.add_argument("--model-cache", type=pathlib.Path, default=pathlib.Path.home() / ".cache" / "netlogs-py" / "models")
    p.add_argument("--output", type=pathlib.Path, default=pathlib.Path("outputs/bench-rollout"))
    return p.parse_args(argv)


def token_counts(tok, dataset: pathlib.Path, system_name: str, n: int, seed: int) -> dict:
    """Mean tokens a rollout's parts take, over `n` train flows."""
    import netlogs

    from netlogs_train import prompts

    system = prompts.system_prompt(system_name)
    examples = netlogs.load_examples(data=str(dataset), split="train", n=n, seed=seed, system_prompt=system)
    if not examples:
        raise SystemExit(f"{dataset}: no train flows")
    count = lambda s: len(tok(s, add_special_tokens=False)["input_ids"])  # noqa: E731
    sys_t = count(system)
    flows = [count(ex["prompt"][-1]["content"]) for ex in examples]
    rendered = [count(prompts.render(tok, ex["prompt"], prompts.ANSWER_PREFIX)) for ex in examples]
    completion = [count(c) + 1 for c in TYPICAL_COMPLETIONS]  # + the end-of-turn token
    return {
        "dataset": str(dataset),
        "system_prompt": system_name,
        "flows": len(examples),
        "system_tokens": sys_t,
        "flow_tokens_mean": statistics.mean(flows),
        "flow_tokens_max": max(flows),
        "prompt_tokens_mean": statistics.mean(rendered),
        "prompt_tokens_max": max(rendered),
        "markup_and_prefix_tokens_mean": statistics.mean(rendered) - sys_t - statistics.mean(flows),
        "completion_tokens_typical": statistics.mean(completion),
        "rollout_tokens_mean": statistics.mean(rendered) + statistics.mean(completion),
    }


def rss_mb() -> float:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None) -> dict:
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    from netlogs_train import models

    path = models.resolve(args.model, args.model_cache)
    from transformers import AutoTokenizer

    tok = models.prepare_tokenizer(AutoTokenizer.from_pretrained(path))
    out = {"model": args.model, "tokens": token_counts(tok, args.dataset, args.system_prompt, args.n, args.seed)}
    for spec in args.compare:
        name, rest = spec.split("=", 1)
        data, system = rest.rsplit(":", 1)
        out[f"tokens_{name}"] = token_counts(tok, pathlib.Path(data), system, args.n, args.seed)
    print(json.dumps(out, indent=2), flush=True)
    args.output.mkdir(parents=True, exist_ok=True)
    if not args.tokens_only:
        out["steps"] = time_steps(args, path, tok, out["tokens"])
    (args.output / "bench.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out.get("steps"), indent=2), flush=True)
    return out


def time_steps(args, path: str, tok, tokens: dict) -> dict:
    """`--steps` GRPO steps with the training script's configuration; per-step wall time from
    the step log, tokens a step from the prompts and completions TRL logged."""
    import netlogs
    from datasets import Dataset
    from trl import GRPOTrainer

    import grpo_trl
    from netlogs_train import prompts, reward, steplog

    targs = grpo_trl.parse_args([
        "--dataset", str(args.dataset), "--steps", str(args.steps), "--batch", str(args.batch),
        "--generations", str(args.generations), "--max-completion-length", str(args.max_completion_length),
        "--beta", str(args.beta), "--seed", str(args.seed), "--output", str(args.output),
        "--system-prompt", args.system_prompt, "--time-budget-min", "0",
    ])
    system = prompts.system_prompt(args.system_prompt)
    train = netlogs.load_examples(data=str(args.dataset), split="train", n=args.steps * args.batch, seed=args.seed,
                                  system_prompt=system)
    ds = Dataset.from_list([{"prompt": prompts.render(tok, ex["prompt"], prompts.ANSWER_PREFIX),
                             "answer": ex["answer"], "example_id": ex["example_id"]} for ex in train])
    log = steplog.StepLog(args.output / "steps.jsonl")
    rss_before = rss_mb()
    model = path
    if args.train_layers:
        import torch
        from transformers import AutoModelForCausalLM

        from netlogs_train import models

        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        models.train_top_layers(model, args.train_layers)
    trainer = GRPOTrainer(model=model, processing_class=tok, reward_funcs=[reward.make_reward(prompts.ANSWER_PREFIX)],
                          args=grpo_trl.grpo_config(targs), train_dataset=ds, callbacks=[log])
    t0 = time.monotonic()
    trainer.train()
    wall = time.monotonic() - t0
    rows = steplog.read(log.path)
    elapsed = [r["elapsed_s"] for r in rows]
    per_step = [b - a for a, b in zip([0.0, *elapsed], elapsed)]
    rollouts = args.batch * args.generations
    completion = statistics.mean(r["completion_length"] for r in rows)
    steady = per_step[1:] or per_step
    return {
        "steps": len(rows),
        "rollouts_per_step": rollouts,
        "seconds_per_step": [round(s, 1) for s in per_step],
        "seconds_per_step_after_first_median": round(statistics.median(steady), 1),
        "prompt_tokens_per_step": round(tokens["prompt_tokens_mean"] * rollouts),
        "completion_tokens_per_step_mean": round(completion * rollouts),
        "tokens_per_step": round((tokens["prompt_tokens_mean"] + completion) * rollouts),
        "train_wall_s": round(wall, 1),
        "rss_mb_before_trainer": round(rss_before),
        "rss_mb_after": round(rss_mb()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_avg_1min_at_end": round(__import__("os").getloadavg()[0], 2),
        "threads": args.threads,
        "beta": args.beta,
    }


if __name__ == "__main__":
    main()
