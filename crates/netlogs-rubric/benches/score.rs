//! Scoring throughput on typical short completions (`cargo bench -p netlogs-rubric`).
//! Target: ≥ 1,000,000 completions/s on one core in release.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use netlogs_rubric::{score_completion, Gold, Preset, RubricConfig};

const TYPICAL: [&str; 4] = [
    r#"{"label":"Malicious","confidence":0.87,"rationale":"unanswered telnet SYN"}"#,
    r#"{"label":"Benign","confidence":0.72,"rationale":"DNS query and answer"}"#,
    r#"{"label":"Abstain","confidence":0.1,"rationale":"partial record"}"#,
    r#"{"label": "Malicious", "confidence": 0.6}"#,
];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("score_completion");
    g.throughput(Throughput::Elements(TYPICAL.len() as u64));
    for preset in [Preset::Proper, Preset::Legacy] {
        let cfg = RubricConfig::preset(preset);
        g.bench_with_input(
            BenchmarkId::new("typical", preset.to_string()),
            &cfg,
            |b, cfg| {
                b.iter(|| {
                    let mut total = 0.0;
                    for (i, t) in TYPICAL.iter().enumerate() {
                        let gold = if i % 2 == 0 {
                            Gold::Malicious
                        } else {
                            Gold::Benign
                        };
                        total += score_completion(cfg, std::hint::black_box(t), gold).reward;
                    }
                    total
                })
            },
        );
    }
    let cfg = RubricConfig::default();
    let prose = r#"Looking at the flow, the device never got a reply. {"label":"Malicious","confidence":0.8} That is my answer."#;
    g.throughput(Throughput::Elements(1));
    g.bench_function("prose_wrapped/seed", |b| {
        b.iter(|| score_completion(&cfg, std::hint::black_box(prose), Gold::Malicious).reward)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
