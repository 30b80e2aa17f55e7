#!/usr/bin/env bash
# NOT RUN: no GPU on this project's machines. The CPU recipe of docs/TRAINING.md on one GPU,
# with vLLM generating the rollouts inside the trainer process (TRL's colocate mode), for a
# 1.5B model. Needs `pip install vllm` in the torch venv. A model of this size writes the
# JSON answer on its own; --no-answer-prefix trains and evaluates it without the prefix.
set -euo pipefail
cd "$(dirname "$0")/../../.."
python examples/train/grpo_trl.py \
  --model Qwen/Qwen2.5-1.5B-Instruct --device cuda --vllm \
  --no-answer-prefix --steps 300 --batch 16 --generations 8 --max-completion-length 128 \
  --lr 1e-6 --beta 0.02 --time-budget-min 0 --eval-n 1000 --eval-batch 64 \
  --output outputs/train/grpo-qwen2.5-1.5b "$@"
