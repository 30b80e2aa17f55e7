#!/usr/bin/env bash
# NOT RUN: no GPU on this project's machines. GRPO (group_norm advantages) with OpenRLHF on one
# GPU for a 1.5B model; the reward is netlogs.openrlhf.reward_func, in process. Flag names
# follow OpenRLHF's documentation at the time of writing; check them against your version.
set -euo pipefail
cd "$(dirname "$0")/../../.."
data=${DATA:-outputs/train/grpo-smollm2/data/iot23-heldout.parquet}
python examples/train/export_rl_data.py --dataset "$data" --split train --format openrlhf --output outputs/openrlhf/train.jsonl
ray start --head --num-gpus 1
python3 -m openrlhf.cli.train_ppo_ray \
  --pretrain Qwen/Qwen2.5-1.5B-Instruct \
  --remote_rm_url "$(python -c 'import netlogs.openrlhf as m; print(m.__file__)')" \
  --prompt_data outputs/openrlhf/train.jsonl --input_key prompt --label_key label --apply_chat_template \
  --advantage_estimator group_norm --n_samples_per_prompt 8 \
  --rollout_batch_size 64 --micro_rollout_batch_size 8 --train_batch_size 256 --micro_train_batch_size 4 \
  --prompt_max_len 512 --generate_max_len 128 --max_epochs 1 \
  --actor_learning_rate 5e-7 --init_kl_coef 0.001 --use_kl_loss \
  --actor_num_nodes 1 --actor_num_gpus_per_node 1 --ref_num_nodes 1 --ref_num_gpus_per_node 1 \
  --vllm_num_engines 1 --vllm_tensor_parallel_size 1 --colocate_all_models --vllm_gpu_memory_utilization 0.5 \
  --bf16 --save_path outputs/openrlhf/netlogs-qwen2.5-1.5b
