"""netlogs.score / netlogs.rewards throughput on 100k completions, on one core.

Run with a release wheel installed:
    maturin build --release -m crates/netlogs-py/Cargo.toml -o dist && pip install dist/netlogs-*.whl
    taskset -c 1 python crates/netlogs-py/bench/bench_score.py
"""

import time

import netlogs

# The rubric bench's typical answers, plus the shapes trainers send.
TYPICAL = [
    '{"label":"Malicious","confidence":0.87,"rationale":"unanswered telnet SYN"}',
    '{"label":"Benign","confidence":0.72,"rationale":"DNS query and answer"}',
    '{"label":"Abstain","confidence":0.1,"rationale":"partial record"}',
    '{"label": "Malicious", "confidence": 0.6}',
]
N = 100_000


def best(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    completions = [TYPICAL[i % 4] for i in range(N)]
    answers = ["Malicious" if i % 2 == 0 else "Benign" for i in range(N)]
    messages = [[{"role": "assistant", "content": c}] for c in completions]
    rows = [
        ("netlogs.rewards, strings", lambda: netlogs.rewards(completions, answers)),
        ("netlogs.score, strings (dicts out)", lambda: netlogs.score(completions, answers)),
        ("netlogs.rewards, chat messages", lambda: netlogs.rewards(messages, answers)),
    ]
    print(f"{N:,} completions, best of 7\n")
    print("| call | seconds | completions/s |\n|---|---|---|")
    for name, fn in rows:
        secs = best(fn)
        print(f"| {name} | {secs:.4f} | {N / secs / 1e6:.2f} M |")


if __name__ == "__main__":
    main()
