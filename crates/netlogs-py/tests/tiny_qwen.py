"""A tiny tokenizer and model shaped like Qwen2.5's, built in the test with no weights file and
no network, for the trainer tests that need tool calling (TRL's tool loop, verl's agent loop).

The tokenizer is a byte-level BPE trained on netlogs' own prompt, tool definitions and answers,
with Qwen's special tokens (``<|im_start|>``, ``<|im_end|>``, ``<tool_call>``, …) and Qwen2.5's
chat template as TRL ships it, which TRL and verl recognise for tool-call parsing (Hermes
format). The model is a 2-layer random Qwen2.

A random model never writes a well-formed tool call, so :class:`ScriptedQwen` writes scripted
turns instead (:func:`script`): it is a real ``Qwen2ForCausalLM`` whose forward pass (the one
the trainer trains) is untouched, and whose ``generate`` writes the turn a lookup-mode policy
would, from what it reads in the context.
"""

import json
import pathlib
import re

import torch
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

import netlogs
import netlogs.lookup

TOOL_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"]


def qwen2_5_template() -> str:
    import trl

    return (pathlib.Path(trl.__file__).parent / "chat_templates" / "qwen2_5.jinja").read_text()


def tokenizer(vocab_size: int = 1200) -> PreTrainedTokenizerFast:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    rows = netlogs.load_examples(n=40, seed=7)
    texts = [r["prompt"][0]["content"] for r in rows[:1]] + [r["prompt"][1]["content"] for r in rows]
    texts += [json.dumps(d) for d in netlogs.lookup.definitions()]
    texts += ['{"label": "Benign", "confidence": 0.8, "rationale": "dns"}', '{"name": "host_summary", "arguments": {}}']
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.add_tokens(TOOL_TOKENS)
    tok.chat_template = qwen2_5_template()
    tok.padding_side = "left"
    return tok


def config(tok: PreTrainedTokenizerFast) -> Qwen2Config:
    return Qwen2Config(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=16384,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )


def answer_for(context: str) -> str:
    """A JSON answer that depends on the flow (so a group's rewards can differ)."""
    label = "Malicious" if "conn_state=S0" in context or "id.resp_p=23 " in context else "Benign"
    return json.dumps({"label": label, "confidence": 0.7, "rationale": "scripted"})


def script(context: str) -> str:
    """The next assistant turn for a rendered conversation: look the originator up once, then
    answer; a flow whose originator port is odd keeps calling tools (it runs out of turns)."""
    user = context[context.rfind("Zeek conn record:"):]
    host = re.search(r"id\.orig_h=(\S+)", user).group(1)
    port = int(re.search(r"id\.orig_p=(\d+)", user).group(1))
    rounds = context.count("<tool_response>")
    if port % 2 == 1 or rounds == 0:
        call = {"name": "host_summary", "arguments": {"host": host, "window_s": 60.0 * (rounds + 1)}}
        return "<tool_call>\n" + json.dumps(call) + "\n</tool_call>"
    return answer_for(user)


class ScriptedQwen(Qwen2ForCausalLM):
    """A random Qwen2 whose ``generate`` writes :func:`script`'s turn for each row."""

    tok: PreTrainedTokenizerFast = None

    def generate(self, input_ids=None, attention_mask=None, generation_config=None, **kwargs):
        rows = []
        for ids, mask in zip(input_ids, attention_mask):
            context = self.tok.decode(ids[mask.bool()].tolist(), skip_special_tokens=False)
            turn = self.tok(script(context) + self.tok.eos_token, add_special_tokens=False)["input_ids"]
            rows.append(turn)
        width = max(len(r) for r in rows)
        pad = self.tok.pad_token_id
        new = torch.tensor([r + [pad] * (width - len(r)) for r in rows], dtype=input_ids.dtype, device=input_ids.device)
        return torch.cat([input_ids, new], dim=1)


def scripted_model(tok: PreTrainedTokenizerFast, seed: int = 0) -> ScriptedQwen:
    torch.manual_seed(seed)
    model = ScriptedQwen(config(tok))
    model.tok = tok
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    return model
