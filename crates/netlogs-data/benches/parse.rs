//! Zeek conn.log parsing throughput on the real 3 MB capture 34-1 file
//! (`cargo bench -p netlogs-data --bench parse`). Target: ≥ 100 MB/s.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netlogs_data::{parse_zeek, render_prompt, Template, BUNDLED_IOT23};

fn bench(c: &mut Criterion) {
    let file = BUNDLED_IOT23[0];
    let mut g = c.benchmark_group("zeek");
    g.throughput(Throughput::Bytes(file.bytes.len() as u64));
    g.bench_function("parse 34-1 conn.log.labeled", |b| {
        b.iter(|| {
            parse_zeek(
                Path::new(file.name),
                std::hint::black_box(file.bytes),
                "iot23",
                None,
            )
            .map(|f| f.len())
        })
    });
    let flows = parse_zeek(Path::new(file.name), file.bytes, "iot23", None).unwrap_or_default();
    g.throughput(Throughput::Elements(flows.len() as u64));
    g.bench_function("render 34-1 prompts (zeek template)", |b| {
        b.iter(|| {
            flows
                .iter()
                .map(|f| render_prompt(f, Template::Zeek).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
