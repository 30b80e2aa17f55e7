//! `cargo xtask bench-eval`: is the harness ever the bottleneck?

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use futures::StreamExt;
use serde_json::json;

use crate::proc_stats::watch;

#[derive(clap::Args)]
pub struct Args {
    /// Examples for the remote run.
    #[arg(short, long, default_value_t = 5000)]
    n: usize,
    /// Requests in flight.
    #[arg(short, long, default_value_t = 64)]
    concurrency: usize,
    /// `-n` of the builtin memory run (`-r 3` multiplies rows).
    #[arg(long, default_value_t = 100_000)]
    builtin_n: usize,
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A bare reqwest loop at the same concurrency: the stub's raw capacity.
fn raw_rate(base: &str, n: usize, concurrency: usize) -> Result<f64> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let url = format!("{base}/chat/completions");
        // The same system prompt and prompt form netlogs sends, so bodies are alike in size.
        let flows = netlogs_data::bundled_iot23()?;
        let body = json!({
            "model": "stub-model",
            "messages": [
                {"role": "system", "content": netlogs_data::DEFAULT_SYSTEM_PROMPT},
                {"role": "user", "content": netlogs_data::render_prompt(&flows[0], netlogs_data::Template::Zeek)}
            ],
            "seed": 42
        });
        let t0 = Instant::now();
        let ok = futures::stream::iter(0..n)
            .map(|_| {
                let req = client.post(&url).bearer_auth("bench").json(&body).send();
                async move {
                    match req.await {
                        Ok(r) => r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .buffer_unordered(concurrency)
            .filter(|ok| futures::future::ready(*ok))
            .count()
            .await;
        if ok != n {
            bail!("raw loop: only {ok}/{n} requests succeeded");
        }
        Ok(n as f64 / t0.elapsed().as_secs_f64())
    })
}

pub fn run(a: Args) -> Result<()> {
    let root = workspace_root();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "netlogs-cli"])
        .current_dir(&root)
        .status()
        .context("cargo build")?;
    if !status.success() {
        bail!("building netlogs failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("release").join("netlogs");
    let tmp = std::env::temp_dir().join(format!("netlogs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;

    // The stub runs in its own process, so the raw loop and netlogs meet the same server.
    let mut stub = Command::new(std::env::current_exe()?)
        .arg("stub")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the stub server")?;
    let base = {
        use std::io::BufRead;
        let out = stub.stdout.take().context("stub stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line)?;
        line.trim().to_string()
    };
    // Warm-up, then the raw rate.
    raw_rate(&base, 500, a.concurrency)?;
    let raw = raw_rate(&base, a.n, a.concurrency)?;

    let child = Command::new(&bin)
        .args(["eval", "-m", "stub-model", "-b", &base, "--no-cache"])
        .args([
            "-n",
            &a.n.to_string(),
            "-c",
            &a.concurrency.to_string(),
            "-s",
        ])
        .arg(tmp.join("remote"))
        .env("OPENAI_API_KEY", "bench-key")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let (st, remote, stderr) = watch(child, Instant::now())?;
    let _ = stub.kill();
    let _ = stub.wait();
    if !st.success() {
        bail!("netlogs eval against the stub failed: {stderr}");
    }
    let rate = a.n as f64 / remote.wall.as_secs_f64();
    // The last progress line gives the request-phase rate (from the first request on).
    let phase_rate: f64 = stderr
        .lines()
        .rev()
        .find_map(|l| {
            l.split(" rows/s")
                .next()?
                .rsplit("· ")
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(f64::NAN);

    let child = Command::new(&bin)
        .args(["eval", "-n", &a.builtin_n.to_string(), "-r", "3", "-s"])
        .arg(tmp.join("builtin"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let (st, builtin, _) = watch(child, Instant::now())?;
    if !st.success() {
        bail!("builtin eval failed");
    }
    let builtin_rows = std::fs::read_dir(tmp.join("builtin/evals"))?
        .flatten()
        .flat_map(|m| std::fs::read_dir(m.path()).into_iter().flatten().flatten())
        .map(|run| {
            std::fs::read_to_string(run.path().join("results.jsonl"))
                .map(|t| t.lines().count())
                .unwrap_or(0)
        })
        .sum::<usize>();
    let _ = std::fs::remove_dir_all(&tmp);

    println!("| measure | value |\n|---|---|");
    println!(
        "| stub raw capacity (bare reqwest, c={}) | {raw:.0} req/s |",
        a.concurrency
    );
    println!("| netlogs eval -n {} -c {}, end to end | {rate:.0} examples/s ({:.2} s wall: load, requests, summary) |", a.n, a.concurrency, remote.wall.as_secs_f64());
    println!("| netlogs eval, request phase | {phase_rate:.0} examples/s |");
    println!(
        "| netlogs / raw | {:.0}% end to end, {:.0}% request phase |",
        100.0 * rate / raw,
        100.0 * phase_rate / raw
    );
    println!(
        "| harness CPU per request | {:.0} µs ({:.2} s CPU in all) |",
        remote.cpu.as_secs_f64() * 1e6 / a.n as f64,
        remote.cpu.as_secs_f64()
    );
    println!(
        "| peak RSS, remote run | {:.1} MB |",
        remote.peak_rss_kb as f64 / 1024.0
    );
    println!(
        "| builtin eval -n {} -r 3 ({builtin_rows} rows) | {:.2} s wall, peak RSS {:.1} MB |",
        a.builtin_n,
        builtin.wall.as_secs_f64(),
        builtin.peak_rss_kb as f64 / 1024.0
    );
    Ok(())
}
