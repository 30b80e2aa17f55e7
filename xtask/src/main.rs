//! Developer tasks: `cargo xtask <command>`.

mod bench_data;
mod bench_eval;
mod bench_lookup;
mod bench_scale;
mod bench_serve;
mod bench_table;
mod fetch;
mod proc_stats;
mod screenshots;
mod stratosphere;
mod util;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Throughput of `netlogs eval` against a local instant stub server, beside the stub's raw
    /// capacity; and peak memory of a 100k-row builtin run.
    BenchEval(bench_eval::Args),
    /// `netlogs serve` under load: batched throughput (shared and pinned), single-item latency
    /// at 1,000 req/s, and a soak with RSS at its start and end.
    BenchServe(bench_serve::Args),
    /// (internal) The load generator of bench-serve: print a JSON report.
    #[command(hide = true)]
    ServeLoad(bench_serve::LoadArgs),
    /// Render README's Performance Benchmarks table from run summaries.
    BenchTable(bench_table::Args),
    /// Download IoT-23 (the Hugging Face parquet, or per-capture logs from the Stratosphere
    /// Lab), verify it and build data/ (train/dev/test).
    FetchData(fetch::Args),
    /// Load an 819,024-row parquet (iot-23-preprocessed schema, resampled from real rows) and
    /// render every prompt; time and peak memory.
    BenchData(bench_data::Args),
    /// Zeek logs of 0.5 and 5 GB (real rows, fresh uids) through `data build --per-capture`
    /// (plain and gzip'd) and `eval --data -n 1000`: MB/s and peak RSS, one core.
    BenchScale(bench_scale::Args),
    /// Lookup mode over whole captures: `netlogs data index` on 5M and 50M replicated real
    /// flows (build MB/s, peak RSS), then tool-call latency and RSS while answering.
    BenchLookup(bench_lookup::Args),
    /// (internal) Answer an anchor file's tool calls against an index; print a JSON report.
    #[command(hide = true)]
    LookupProbe(bench_lookup::ProbeArgs),
    /// (internal) Load FILE and render all prompts, in a child process the bench measures.
    #[command(hide = true)]
    LoadRender { file: std::path::PathBuf },
    /// (internal) The bare reqwest loop: print the raw rate of the server at BASE.
    #[command(hide = true)]
    RawLoad {
        base: String,
        n: usize,
        concurrency: usize,
    },
    /// Run the OpenAI-compatible stub server on 127.0.0.1 until interrupted (manual testing).
    Stub,
    /// The README pictures (docs/img): report.html, a comparison and the viewer, in Chromium.
    Screenshots,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::BenchEval(a) => bench_eval::run(a),
        Cmd::BenchData(a) => bench_data::run(a),
        Cmd::BenchScale(a) => bench_scale::run(a),
        Cmd::BenchLookup(a) => bench_lookup::run(a),
        Cmd::LookupProbe(a) => bench_lookup::probe(&a),
        Cmd::FetchData(a) => fetch::run(a),
        Cmd::BenchTable(a) => bench_table::run(a),
        Cmd::BenchServe(a) => bench_serve::run(a),
        Cmd::ServeLoad(a) => bench_serve::load(a),
        Cmd::LoadRender { file } => bench_data::load_render(&file),
        Cmd::RawLoad {
            base,
            n,
            concurrency,
        } => {
            bench_eval::raw_rate(&base, n.min(500), concurrency)?;
            println!("{}", bench_eval::raw_rate(&base, n, concurrency)?);
            Ok(())
        }
        Cmd::Screenshots => screenshots::run(),
        Cmd::Stub => {
            let stub = netlogs_eval::stub::StubServer::start(Default::default())?;
            println!("{}", stub.base_url());
            loop {
                std::thread::park();
            }
        }
    }
}
