"""A cold start measured against the answer prefix: a short supervised warm-up on the answers of
netlogs' `builtin:heuristic` policy for flows of the train split (TRL's `SFTTrainer`, loss on the
answer only). It fixes the format, and teaches the heuristic's mistakes with it."""

from __future__ import annotations

import json
import pathlib

from datasets import Dataset

from .evaluate import run_cli
from .prompts import render


def heuristic_answers(dataset: pathlib.Path, n: int, seed: int, out: pathlib.Path) -> list[dict]:
    """`netlogs eval -m builtin:heuristic` on `n` train-split flows: its results rows."""
    run_cli(
        "eval", "-m", "builtin:heuristic", "--data", str(dataset), "--split", "train",
        "-n", str(n), "--seed", str(seed), "-s", str(out), "--no-cache",
    )
    results = sorted(out.rglob("results.jsonl"))
    if not results:
        raise SystemExit(f"netlogs eval wrote no results.jsonl under {out}")
    with results[-1].open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def target(row: dict, prefix: str) -> str:
    """The answer to learn, as `{"label": …, "confidence": …, "rationale": …}` (the order the
    answer prefix starts), without the prefix itself."""
    parsed = row["parsed"]
    comp = row["completion"]
    text = comp[-1]["content"] if isinstance(comp, list) else comp
    rationale = json.loads(text).get("rationale", "")
    answer = json.dumps(
        {"label": parsed["label"], "confidence": parsed["confidence"], "rationale": rationale}
    )
    if not answer.startswith(prefix):
        raise ValueError(f"answer {answer!r} does not start with the prefix {prefix!r}")
    return answer[len(prefix) :]


def sft_warmup(model, tok, rows: list[dict], prefix: str, system: str, args, out_dir: pathlib.Path):
    """Fine-tune `model` in place on the heuristic's answers; the training log history."""
    from trl import SFTConfig, SFTTrainer

    examples = []
    for r in rows:
        messages = [{"role": "system", "content": system}, *[m for m in r["prompt"] if m["role"] != "system"]]
        examples.append(
            {"prompt": render(tok, messages, prefix), "completion": target(r, prefix) + tok.eos_token}
        )
    cfg = SFTConfig(
        output_dir=str(out_dir),
        max_steps=args.warmup_steps,
        per_device_train_batch_size=args.warmup_batch,
        learning_rate=args.warmup_lr,
        lr_scheduler_type="constant",
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,
        seed=args.seed,
        disable_tqdm=True,
        completion_only_loss=True,
        max_length=None,
    )
    trainer = SFTTrainer(model=model, args=cfg, train_dataset=Dataset.from_list(examples), processing_class=tok)
    trainer.train()
    return trainer.state.log_history
