"""The per-step log (JSONL) of a GRPO run, and its picture."""

from __future__ import annotations

import json
import math
import pathlib
import resource
import time

from transformers import TrainerCallback

from .reward import BEHAVIOUR, COMPONENTS, EXPLORATION

# step-log key → TRL's log key.
FROM_TRL = {
    "reward": "reward",
    "reward_std": "reward_std",
    "frac_reward_zero_std": "frac_reward_zero_std",
    "kl": "kl",
    "completion_length": "completions/mean_length",
    "clipped_ratio": "completions/clipped_ratio",
    "entropy": "entropy",
    "loss": "loss",
    "grad_norm": "grad_norm",
    "learning_rate": "learning_rate",
}
KEYS = ("step", "elapsed_s", *FROM_TRL, *COMPONENTS, *BEHAVIOUR, *EXPLORATION, "rare_label_steps", "peak_rss_mb")
# A label under this share of a step's answers, for this many steps in a row, is a collapse
# GRPO cannot undo (it only reweights what it samples): the log warns.
RARE_SHARE = 0.02
RARE_STEPS = 10


def _number(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


class StepLog(TrainerCallback):
    """Writes one JSON line per training step: reward, reward std, the zero-std fraction, KL,
    completion length, each rubric component and the answers' behaviour (label shares,
    confidence mean and spread). Keys a step lacks are null, never absent."""

    def __init__(self, path: pathlib.Path, budget_s: float = 0.0):
        self.path = path
        self.budget_s = budget_s
        self.rare_steps = 0
        self.warnings: list[str] = []
        self.start = time.monotonic()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "reward" not in logs:  # the trainer's closing summary line
            return
        row = {"step": state.global_step, "elapsed_s": round(time.monotonic() - self.start, 1)}
        for key, trl_key in FROM_TRL.items():
            row[key] = _number(logs.get(trl_key))
        for key in (*COMPONENTS, *BEHAVIOUR, *EXPLORATION):
            row[key] = _number(logs.get(f"netlogs/{key}"))
        row["rare_label_steps"] = self.watch_labels(row)
        # The process's peak resident memory so far (Linux reports KiB).
        row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        shown = ("reward", "reward_std", "frac_reward_zero_std", "kl", "format", "malicious_rate",
                 "abstain_rate", "invalid_rate", "label_entropy", "both_labels_group_share", "completion_length")
        print(f"step {row['step']} {row['elapsed_s']} s: "
              + " ".join(f"{k} {'-' if row[k] is None else round(row[k], 3)}" for k in shown), flush=True)
        if self.budget_s and row["elapsed_s"] >= self.budget_s:
            print(f"time budget of {self.budget_s / 60:.0f} min reached: stopping after step {row['step']}", flush=True)
            control.should_training_stop = True


    def watch_labels(self, row: dict) -> int:
        """Steps in a row (this one included) with Benign or Malicious under RARE_SHARE of the
        answers; warns when that reaches RARE_STEPS, and again every RARE_STEPS after."""
        shares = [row.get("malicious_rate"), row.get("benign_rate")]
        rare = any(s is not None and s < RARE_SHARE for s in shares)
        self.rare_steps = self.rare_steps + 1 if rare else 0
        if self.rare_steps and self.rare_steps % RARE_STEPS == 0:
            msg = (f"WARNING step {row['step']}: one label has been under {RARE_SHARE:.0%} of the sampled answers "
                   f"for {self.rare_steps} steps (malicious_rate {shares[0]}, benign_rate {shares[1]}): "
                   "GRPO cannot learn a label it does not sample")
            self.warnings.append(msg)
            print(msg, flush=True)
        return self.rare_steps


def read(path: pathlib.Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def plot(rows: list[dict], png: pathlib.Path, title: str) -> pathlib.Path:
    """Reward (with its within-batch std), each component, the zero-std fraction, label
    shares, KL and completion length, per step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in rows]

    def series(key):
        return [math.nan if r.get(key) is None else r[key] for r in rows]

    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    ax = axes[0][0]
    reward, std = series("reward"), series("reward_std")
    ax.plot(steps, reward, label="reward", color="black")
    ax.fill_between(
        steps, [r - s for r, s in zip(reward, std)], [r + s for r, s in zip(reward, std)],
        color="grey", alpha=0.25, label="± reward std (batch)",
    )
    ax.set_title("reward")
    ax.legend(fontsize=8)
    ax = axes[0][1]
    for key in COMPONENTS:
        ax.plot(steps, series(key), label=key)
    ax.set_title("rubric components (unweighted)")
    ax.legend(fontsize=8)
    ax = axes[1][0]
    for key in ("frac_reward_zero_std", "malicious_rate", "benign_rate", "abstain_rate", "invalid_rate", "confidence_mean",
                "both_labels_group_share"):
        ax.plot(steps, series(key), label=key)
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("signal and behaviour")
    ax.legend(fontsize=7)
    ax = axes[1][1]
    ax.plot(steps, series("completion_length"), label="completion length (tokens)", color="tab:purple")
    ax.set_ylabel("tokens")
    ax2 = ax.twinx()
    ax2.plot(steps, series("kl"), label="KL", color="tab:red")
    ax2.set_ylabel("KL")
    ax.set_title("completion length and KL")
    ax.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="upper right", fontsize=8)
    for a in axes[1]:
        a.set_xlabel("step")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=90)
    plt.close(fig)
    return png
