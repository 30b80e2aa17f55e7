"""The SFT warm-up before GRPO (TRL's `SFTTrainer`, loss on the answer only), on flows of the
train split. Two teachers:

- `learned` (the compact recipe): the gold label of each flow, with the confidence
  `builtin:learned` gives that label (its isotonic-calibrated probability, calibrated on the
  dev split; the test split never reaches it), floored at 0.5 since the label is the truth.
  The answer is `{"label": …, "confidence": …}` (no rationale: the completion stays short).
- `heuristic` (the first recipe): `builtin:heuristic`'s answers. It fixes the format, and
  teaches the heuristic's mistakes with it."""

from __future__ import annotations

import json
import pathlib
import time

from datasets import Dataset
from transformers import TrainerCallback

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


def learned_answers(dataset: pathlib.Path, baseline: pathlib.Path, n: int, seed: int, out: pathlib.Path) -> list[dict]:
    """`netlogs eval -m builtin:learned --baseline FILE` on `n` train-split flows: its results
    rows, each turned into the gold-label answer (`teacher_target` holds it)."""
    run_cli(
        "eval", "-m", "builtin:learned", "--baseline", str(baseline), "--data", str(dataset), "--split", "train",
        "-n", str(n), "--seed", str(seed), "-s", str(out), "--no-cache",
    )
    results = sorted(out.rglob("results.jsonl"))
    if not results:
        raise SystemExit(f"netlogs eval wrote no results.jsonl under {out}")
    rows = []
    with results[-1].open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                row["teacher_target"] = gold_answer(row)
                rows.append(row)
    return rows


def gold_answer(row: dict) -> dict:
    """The gold label, at the learned model's calibrated probability of that label (≥ 0.5)."""
    gold = row["answer"]
    parsed = row["parsed"]
    conf = parsed.get("confidence")
    if conf is None or parsed.get("label") not in ("Benign", "Malicious"):
        p_gold = 0.5
    else:
        p_gold = conf if parsed["label"] == gold else 1.0 - conf
    return {"label": gold, "confidence": round(max(0.5, min(1.0, p_gold)), 2)}


def train_baseline(dataset: pathlib.Path, out: pathlib.Path, seed: int) -> pathlib.Path:
    """`netlogs baseline train --data D --split train --calibrate-on dev`: the teacher's file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    run_cli("baseline", "train", "--data", str(dataset), "--split", "train", "--calibrate-on", "dev",
            "--output", str(out), "--seed", str(seed))
    return out


def target(row: dict, prefix: str) -> str:
    """The answer to learn, as `{"label": …, "confidence": …, "rationale": …}` (the order the
    answer prefix starts), without the prefix itself."""
    if "teacher_target" in row:
        answer = json.dumps(row["teacher_target"])
        if not answer.startswith(prefix):
            raise ValueError(f"answer {answer!r} does not start with the prefix {prefix!r}")
        return answer[len(prefix) :]
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


class SaveAndStop(TrainerCallback):
    """Saves the model (and tokenizer) to `path` every `every` steps, so a run cut short keeps
    its last weights, and stops training once `budget_s` seconds have passed (0: no limit)."""

    def __init__(self, path: pathlib.Path | None, every: int, budget_s: float, tok):
        self.path, self.every, self.budget_s, self.tok = path, every, budget_s, tok
        self.start = time.monotonic()

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self.budget_s and time.monotonic() - self.start >= self.budget_s:
            print(f"warm-up time budget reached: stopping after step {state.global_step}", flush=True)
            control.should_training_stop = True
        if self.path is not None and model is not None and state.global_step % self.every == 0:
            model.save_pretrained(self.path)
            self.tok.save_pretrained(self.path)
        return control


def sft_warmup(model, tok, rows: list[dict], prefix: str, system: str, args, out_dir: pathlib.Path,
               save_to: pathlib.Path | None = None):
    """Fine-tune `model` in place on the teacher's answers; the training log history."""
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
    stop = SaveAndStop(save_to, max(1, args.warmup_save_every), 60 * args.warmup_budget_min, tok)
    trainer = SFTTrainer(model=model, args=cfg, train_dataset=Dataset.from_list(examples), processing_class=tok,
                         callbacks=[stop])
    trainer.train()
    return trainer.state.log_history
