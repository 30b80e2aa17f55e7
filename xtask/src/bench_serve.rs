//! `cargo xtask bench-serve`: `netlogs serve` under load from a generator in its own process.
//! Batched throughput (batch 256 at concurrency 8), shared and pinned to separate cores;
//! single-item latency at a fixed offered rate (open loop, so a slow answer delays no later
//! request); OpenRLHF 0.11's own load shape (one rollout per request, 256 in flight, a new
//! connection per request); and a soak at steady load, with the server's RSS at its start and
//! end.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use netlogs_data::{bundled_iot23, render_prompt, Template};
use netlogs_eval::BuiltinPolicy;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::util::{command, release_netlogs};

#[derive(clap::Args)]
pub struct Args {
    /// Seconds per throughput run.
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// Seconds of the latency run.
    #[arg(long, default_value_t = 20)]
    latency_secs: u64,
    /// Seconds of the soak (0 skips it).
    #[arg(long, default_value_t = 300)]
    soak_secs: u64,
}

/// What the load generator reports.
#[derive(Debug, Serialize, Deserialize)]
pub struct LoadReport {
    pub requests: u64,
    pub items: u64,
    pub errors: u64,
    pub secs: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    url: String,
    /// Items per request.
    #[arg(long)]
    batch: usize,
    /// Requests in flight (closed loop); ignored with --rate.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Offered requests per second (open loop).
    #[arg(long)]
    rate: Option<f64>,
    #[arg(long)]
    secs: u64,
    /// Open a new connection for every request (OpenRLHF's `requests.post` does).
    #[arg(long)]
    fresh_connections: bool,
}

/// A `/get_reward` body of `n` items: real bundled prompts in ChatML, the heuristic's answers.
fn reward_body(n: usize) -> Result<Vec<u8>> {
    let flows = bundled_iot23()?;
    let (mut query, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for f in flows.iter().cycle().take(n) {
        let prompt = render_prompt(f, Template::Zeek);
        let answer = BuiltinPolicy::Heuristic.answer_prompt(&prompt).text;
        query.push(format!(
            "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{answer}<|im_end|>"
        ));
        labels.push(f.label.as_str().to_string());
    }
    Ok(serde_json::to_vec(
        &json!({"query": query, "labels": labels}),
    )?)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

async fn post(client: &reqwest::Client, url: &str, body: &[u8]) -> bool {
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await;
    match sent {
        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// The generator: closed loop at `concurrency`, or open loop at `rate`.
pub fn load(a: LoadArgs) -> Result<()> {
    let body: Arc<[u8]> = reward_body(a.batch)?.into();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = rt.block_on(async move {
        let client = if a.fresh_connections {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()?
        } else {
            reqwest::Client::new()
        };
        let deadline = Instant::now() + Duration::from_secs(a.secs);
        let errors = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        match a.rate {
            None => {
                for _ in 0..a.concurrency.max(1) {
                    let (client, body, url, errors) =
                        (client.clone(), body.clone(), a.url.clone(), errors.clone());
                    tasks.push(tokio::spawn(async move {
                        let mut lat = Vec::new();
                        while Instant::now() < deadline {
                            let t0 = Instant::now();
                            if !post(&client, &url, &body).await {
                                errors.fetch_add(1, Ordering::Relaxed);
                            }
                            lat.push(t0.elapsed().as_secs_f64() * 1e3);
                        }
                        lat
                    }));
                }
            }
            Some(rate) => {
                let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                while Instant::now() < deadline {
                    let scheduled = tick.tick().await;
                    let (client, body, url, errors) =
                        (client.clone(), body.clone(), a.url.clone(), errors.clone());
                    tasks.push(tokio::spawn(async move {
                        if !post(&client, &url, &body).await {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        // From the scheduled send time: waiting to send counts as latency.
                        vec![scheduled.elapsed().as_secs_f64() * 1e3]
                    }));
                }
            }
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await.unwrap_or_default());
        }
        let secs = started.elapsed().as_secs_f64();
        lat.sort_by(f64::total_cmp);
        anyhow::Ok(LoadReport {
            requests: lat.len() as u64,
            items: lat.len() as u64 * a.batch as u64,
            errors: errors.load(Ordering::Relaxed),
            secs,
            p50_ms: percentile(&lat, 0.5),
            p99_ms: percentile(&lat, 0.99),
        })
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Start the server (pinned to `cpus` when given) and wait until it answers /health.
fn start_server(bin: &Path, cpus: Option<&str>, extra: &[&str]) -> Result<(Child, String)> {
    let port = free_port()?;
    let child = command(bin, cpus)
        .args(["serve", "--port", &port.to_string(), "--max-batch", "4096"])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting netlogs serve (pinned runs need `taskset`, util-linux)")?;
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok((child, base));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    bail!("netlogs serve did not start on port {port}")
}

fn run_load(cpus: Option<&str>, url: &str, extra: &[String]) -> Result<LoadReport> {
    let me = std::env::current_exe()?;
    let out = command(&me, cpus)
        .args(["serve-load", url])
        .args(extra)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("the load generator failed");
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// How the generator offers load.
#[derive(Clone, Copy)]
enum Offered {
    /// This many requests in flight, each sent when the last one is answered.
    Closed(usize),
    /// This many requests per second, whatever the answers do.
    Open(f64),
}

fn load_args(batch: usize, offered: Offered, secs: u64) -> Vec<String> {
    let mut args = vec!["--batch".to_string(), batch.to_string()];
    match offered {
        Offered::Closed(n) => args.extend(["--concurrency".to_string(), n.to_string()]),
        Offered::Open(rate) => args.extend(["--rate".to_string(), rate.to_string()]),
    }
    args.extend(["--secs".to_string(), secs.to_string()]);
    args
}

/// One row of the results table.
fn table_row(run: &str, load: &str, r: &LoadReport, extra: &str) {
    println!(
        "| {run} | {load} | {:.0} | {:.0} | p50 {:.3} ms · p99 {:.3} ms | {} errors{extra} |",
        r.items as f64 / r.secs,
        r.requests as f64 / r.secs,
        r.p50_ms,
        r.p99_ms,
        r.errors
    );
}

fn throughput(bin: &Path, a: &Args, placement: (&str, Option<&str>, Option<&str>)) -> Result<()> {
    let (name, server_cpus, load_cpus) = placement;
    let (mut server, base) = start_server(bin, server_cpus, &[])?;
    let url = format!("{base}/get_reward");
    // Warm up (connections, allocator), then measure.
    run_load(load_cpus, &url, &load_args(256, Offered::Closed(8), 2))?;
    let r = run_load(load_cpus, &url, &load_args(256, Offered::Closed(8), a.secs))?;
    server.kill()?;
    server.wait()?;
    table_row(
        &format!("throughput, {name}"),
        "batch 256 × concurrency 8",
        &r,
        "",
    );
    Ok(())
}

/// OpenRLHF 0.11's shape: `{"query": [q], "prompts": [p], "labels": [l]}` per rollout, 256
/// rollouts in flight, a new connection each; at the server's default `--concurrency 64` (the
/// excess gets 503, which OpenRLHF retries) and at `--concurrency 256`.
fn openrlhf_shape(bin: &Path, a: &Args) -> Result<()> {
    for concurrency in ["64", "256"] {
        let (mut server, base) = start_server(bin, None, &["--concurrency", concurrency])?;
        let url = format!("{base}/get_reward");
        let mut args = load_args(1, Offered::Closed(256), a.secs);
        args.push("--fresh-connections".into());
        run_load(None, &url, &load_args(1, Offered::Closed(256), 2))?;
        let r = run_load(None, &url, &args)?;
        server.kill()?;
        server.wait()?;
        table_row(
            &format!("OpenRLHF shape, serve --concurrency {concurrency}"),
            "1 rollout per request × 256 in flight, new connection each",
            &r,
            " (503s count as errors)",
        );
    }
    Ok(())
}

/// Steady load for `secs`; the report, and the server's RSS 10 s in and at the end.
fn soak(url: &str, server_pid: u32, secs: u64) -> Result<(LoadReport, u64, u64)> {
    let me = std::env::current_exe()?;
    let mut load = command(&me, None)
        .args(["serve-load", url])
        .args(load_args(32, Offered::Open(1000.0), secs))
        .stdout(Stdio::piped())
        .spawn()?;
    std::thread::sleep(Duration::from_secs(10));
    let start_rss = rss_kb(server_pid);
    let status = load.wait()?;
    let end_rss = rss_kb(server_pid);
    let mut line = String::new();
    if let Some(out) = load.stdout.take() {
        BufReader::new(out).read_line(&mut line)?;
    }
    if !status.success() {
        bail!("the soak's load generator failed");
    }
    let r: LoadReport = serde_json::from_str(&line).context("soak report")?;
    Ok((r, start_rss, end_rss))
}

pub fn run(a: Args) -> Result<()> {
    let bin = release_netlogs()?;
    println!(
        "`netlogs serve` ({}) under a load generator in its own process\n",
        bin.display()
    );
    println!("| run | load | items/s | requests/s | latency | errors |\n|---|---|---|---|---|---|");
    throughput(&bin, &a, ("shared cores", None, None))?;
    throughput(
        &bin,
        &a,
        ("pinned: server CPU 0, load CPU 1", Some("0"), Some("1")),
    )?;
    openrlhf_shape(&bin, &a)?;
    let (mut server, base) = start_server(&bin, None, &[])?;
    let url = format!("{base}/get_reward");
    let r = run_load(
        None,
        &url,
        &load_args(1, Offered::Open(1000.0), a.latency_secs),
    )?;
    let load = format!("1,000 req/s offered, {} s", a.latency_secs);
    table_row("latency, single item", &load, &r, "");
    if a.soak_secs > 0 {
        let (r, start, end) = soak(&url, server.id(), a.soak_secs)?;
        let rss = format!(
            "; RSS {:.1} MB at 10 s, {:.1} MB at the end ({:+.1}%)",
            start as f64 / 1024.0,
            end as f64 / 1024.0,
            100.0 * (end as f64 - start as f64) / start.max(1) as f64
        );
        let load = format!("batch 32 at 1,000 req/s offered, {} s", a.soak_secs);
        table_row("soak", &load, &r, &rss);
    }
    server.kill()?;
    server.wait()?;
    Ok(())
}
