"""Fixtures of the torch suite: the training example on sys.path, and a tiny randomly
initialised Llama with its own byte-level tokenizer (no weights file, no network)."""

import pathlib
import sys

import pytest
import torch

REPO = pathlib.Path(__file__).resolve().parents[4]
TRAIN = REPO / "examples" / "train"
sys.path.insert(0, str(TRAIN))

from netlogs_train import models  # noqa: E402

torch.set_num_threads(2)

TOKENIZER_TEXTS = [
    "Zeek conn record: ts=1545466964.431147 id.orig_h=192.168.1.195 id.orig_p=65279 "
    "id.resp_h=123.59.209.185 id.resp_p=80 proto=tcp service=- duration=- conn_state=OTH",
    '{"label": "Benign", "confidence": 0.9, "rationale": "DNS lookup to the local resolver."}',
    '{"label": "Malicious", "confidence": 0.8, "rationale": "Telnet scan."}',
    '{"label": "Abstain", "confidence": 0.5}',
]


@pytest.fixture(scope="session")
def train_script():
    """examples/train/grpo_trl.py."""
    return TRAIN / "grpo_trl.py"


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return models.tiny_tokenizer(TOKENIZER_TEXTS)


@pytest.fixture
def tiny_llama(tiny_tokenizer):
    """A fresh 2-layer random Llama for `tiny_tokenizer` (seeded)."""
    return models.tiny_llama(tiny_tokenizer, seed=0)
