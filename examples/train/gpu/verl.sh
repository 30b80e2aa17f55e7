#!/usr/bin/env bash
# NOT RUN: no GPU on this project's machines. GRPO with verl on one GPU for a 1.5B model; the
# reward is netlogs.verl.compute_score_async. Every override applies to verl 0.9.1's PPO config
# (crates/netlogs-py/tests/rl/test_readme_rl.py checks it); batch sizes are a starting point.
set -euo pipefail
cd "$(dirname "$0")/../../.."
data=${DATA:-outputs/train/grpo-smollm2/data/iot23-heldout.parquet}   # any `netlogs data build` output
python examples/train/export_rl_data.py --dataset "$data" --split train --format verl --output outputs/verl/train.parquet
python examples/train/export_rl_data.py --dataset "$data" --split test -n 1000 --format verl --output outputs/verl/test.parquet
python3 -m verl.trainer.main_ppo \
  algorithm.adv_estimator=grpo \
  data.train_files=outputs/verl/train.parquet data.val_files=outputs/verl/test.parquet \
  data.train_batch_size=64 data.max_prompt_length=512 data.max_response_length=128 \
  actor_rollout_ref.model.path=Qwen/Qwen2.5-1.5B-Instruct \
  actor_rollout_ref.actor.optim.lr=1e-6 \
  actor_rollout_ref.actor.ppo_mini_batch_size=32 \
  actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8 \
  actor_rollout_ref.actor.use_kl_loss=True actor_rollout_ref.actor.kl_loss_coef=0.001 \
  actor_rollout_ref.rollout.name=vllm actor_rollout_ref.rollout.n=8 \
  actor_rollout_ref.rollout.gpu_memory_utilization=0.5 \
  actor_rollout_ref.rollout.tensor_model_parallel_size=1 \
  actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=8 \
  actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=8 \
  reward.custom_reward_function.path=$(python3 -c "import netlogs.verl as m; print(m.__file__)") \
  reward.custom_reward_function.name=compute_score_async \
  reward.reward_manager.name=naive \
  trainer.n_gpus_per_node=1 trainer.nnodes=1 trainer.total_epochs=1 \
  trainer.logger=console trainer.project_name=netlogs trainer.experiment_name=grpo-qwen2.5-1.5b
