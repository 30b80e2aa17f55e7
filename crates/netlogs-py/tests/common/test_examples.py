"""load_examples goes through the engine's loaders, leak-free."""

import netlogs


def test_bundled_sample_is_balanced_seeded_and_leak_free():
    rows = netlogs.load_examples(n=40, seed=7)
    assert len(rows) == 40
    assert sorted({r["answer"] for r in rows}) == ["Benign", "Malicious"]
    assert sum(r["answer"] == "Malicious" for r in rows) == 20
    assert rows == netlogs.load_examples(n=40, seed=7)
    for r in rows:
        system, user = r["prompt"]
        assert system["role"] == "system" and user["role"] == "user"
        assert system["content"] == netlogs.default_system_prompt()
        for leak in ("Malicious", "Benign", r["info"].get("family") or "\x00", r["info"].get("capture") or "\x00"):
            assert leak not in user["content"]


def test_files_templates_and_built_datasets(fixtures, netlogs_bin, tmp_path):
    import subprocess

    csv = fixtures / "iot23" / "iot23_multicapture_pool_subset.csv"
    rows = netlogs.load_examples(data=str(csv), template="logentry")
    assert rows and all(r["prompt"][1]["content"].startswith("Log Entry: ") for r in rows)
    built = tmp_path / "built.jsonl"
    subprocess.run([netlogs_bin, "data", "build", str(csv), "--output", str(built)], check=True, stdout=subprocess.DEVNULL)
    test = netlogs.load_examples(data=str(built), split="test")
    assert test and all(r["info"]["split"] == "test" for r in test)
