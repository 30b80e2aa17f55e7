#!/usr/bin/env bash
# NOT RUN: no GPU on this project's machines. GRPO (group_norm advantages) with OpenRLHF on one
# GPU for a 1.5B model; the reward is netlogs.openrlhf.reward_func, in process. Every flag parses
# with OpenRLHF 0.11.2's own parser (crates/netlogs-py/tests/rl/test_readme_rl.py checks it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
data=${DATA:-outputs/train/grpo-smollm2/data/iot23-heldout.parquet}
python examples/train/export_rl_data.py --dataset "$data" --split train --format openrlhf --output outputs/openrlhf/train.jsonl
ray start --head --num-gpus 1
python3 -m openrlhf.cli.train_ppo_ray \
  --actor.model_name_or_path Qwen/Qwen2.5-1.5B-Instruct \
  --reward.remote_url $(python3 -c "import netlogs.openrlhf as m; print(m.__file__)") \
  --data.prompt_dataset outputs/openrlhf/train.jsonl --data.input_key prompt --data.label_key label --data.apply_chat_template \
  --algo.advantage.estimator group_norm --rollout.n_samples_per_prompt 8 \
  --rollout.batch_size 64 --rollout.micro_batch_size 8 --train.batch_size 256 --train.micro_batch_size 4 \
  --data.max_len 640 --rollout.max_new_tokens 128 --train.max_epochs 1 \
  --actor.adam.lr 5e-7 --algo.kl.init_coef 0.001 --algo.kl.use_loss \
  --actor.num_nodes 1 --actor.num_gpus_per_node 1 --ref.num_nodes 1 --ref.num_gpus_per_node 1 \
  --vllm.num_engines 1 --vllm.tensor_parallel_size 1 --train.colocate_all --vllm.gpu_memory_utilization 0.5 \
  --ckpt.output_dir outputs/openrlhf/netlogs-qwen2.5-1.5b
