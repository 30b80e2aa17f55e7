"""The rubric's golden cases for reasoning models, from Python (the Rust table has them too)."""

import pytest

import netlogs

# name, completion, gold, proper [accuracy, format, calibration, cost], legacy [...]
CASES = [
    ("reasoning block, then the answer", '<think>The host never answered; port 23.</think>\n{"label":"Malicious","confidence":0.9,"rationale":"scan"}', "Malicious", [1.0, 1.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
    ("draft answer inside the reasoning", '<think>Draft: {"label":"Benign","confidence":0.5} no, it scans.</think>{"label":"Malicious","confidence":0.9}', "Malicious", [1.0, 1.0, 0.99, 1.0], [0.0, 1.0, 0.5, -1.0]),
    ("unclosed reasoning block", '<think>Telnet to port 23 {"label":"Malicious","confidence":0.9}', "Malicious", [0.0, 0.0, 0.0, -1.0], [1.0, 1.0, 0.9, 1.0]),
    ("empty reasoning, fenced answer", '<think></think>\n```json\n{"label":"Benign","confidence":0.5}\n```', "Benign", [1.0, 0.0, 0.75, 1.0], [1.0, 1.0, 0.5, 1.0]),
    ("clean answer", '{"label":"Malicious","confidence":0.9,"rationale":"scan"}', "Malicious", [1.0, 1.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
]
NAMES = ("accuracy", "format", "calibration", "cost")
WEIGHTS = (1.0, 0.1, 0.2, 0.5)


@pytest.mark.parametrize("name,completion,gold,proper,legacy", CASES)
def test_golden(name, completion, gold, proper, legacy):
    for preset, want in (("proper", proper), ("legacy", legacy)):
        (s,) = netlogs.score([completion], [gold], preset=preset)
        got = [s["metrics"][k] for k in NAMES]
        assert got == pytest.approx(want, abs=1e-9), (preset, name)
        assert s["reward"] == pytest.approx(sum(w * c for w, c in zip(WEIGHTS, want)), abs=1e-9)
