//! `cargo xtask bench-eval`: is the harness ever the bottleneck?
//!
//! The stub server, a bare reqwest loop (its raw capacity) and `netlogs eval` run as separate
//! processes, in rounds that alternate raw and netlogs so both see the same machine state. Two
//! placements: `shared` (all processes on both cores, competing for CPU) and `pinned` (the
//! stub on CPU 0, the client on CPU 1, as when the model server is another machine). Runs use
//! `--no-cache` except one, which runs with the (default) response cache on, every request a
//! miss that is then stored.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use futures::StreamExt;
use serde_json::json;

use crate::proc_stats::{watch, ProcStats};
use netlogs_runlog::{find_runs, Metadata};

use crate::util::{command, release_netlogs};

#[derive(clap::Args)]
pub struct Args {
    /// Examples for the remote run.
    #[arg(short, long, default_value_t = 5000)]
    n: usize,
    /// Requests in flight.
    #[arg(short, long, default_value_t = 64)]
    concurrency: usize,
    /// Rounds (raw loop, then netlogs) per placement; medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Rollouts per example of the long run (shared placement), where start-up and summary
    /// weigh little.
    #[arg(long, default_value_t = 8)]
    long_rollouts: u32,
    /// `-n` of the builtin memory run (`-r 3` multiplies rows).
    #[arg(long, default_value_t = 100_000)]
    builtin_n: usize,
}

/// A bare reqwest loop at `concurrency`: the server's raw capacity in requests/s.
pub fn raw_rate(base: &str, n: usize, concurrency: usize) -> Result<f64> {
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
                {"role": "system", "content": netlogs_rubric::default_system_prompt()},
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

/// Where the processes run.
#[derive(Clone, Copy)]
struct Placement {
    name: &'static str,
    /// CPU lists for `taskset -c`: (stub, client).
    cpus: Option<(&'static str, &'static str)>,
}

const PLACEMENTS: [Placement; 2] = [
    Placement {
        name: "shared",
        cpus: None,
    },
    Placement {
        name: "pinned",
        cpus: Some(("0", "1")),
    },
];

struct Round {
    raw: f64,
    end_to_end: f64,
    request_phase: f64,
    stats: ProcStats,
    /// Seconds in netlogs' fixed phases (its metadata.json `timings_s`): load (reading and
    /// sampling, one pass) and summary.
    fixed: [f64; 2],
}

/// The fixed phases of the one run under `save`, from its metadata.json.
fn fixed_phases(save: &Path) -> Result<[f64; 2]> {
    let run = find_runs(save)
        .runs
        .pop()
        .context("netlogs wrote no run directory")?;
    let t = Metadata::read(&run)?
        .timings_s
        .context("the run recorded no timings")?;
    Ok([t.load, t.summary])
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The request-phase rate from netlogs' last progress line (first request to last row).
fn request_phase_rate(stderr: &str) -> f64 {
    stderr
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
        .unwrap_or(f64::NAN)
}

/// One configuration of the bench: where processes run, rollouts per example, and whether the
/// response cache is on (a fresh cache directory per round: every request misses and is
/// written).
#[derive(Clone, Copy)]
struct Run {
    placement: Placement,
    rollouts: u32,
    cache: bool,
}

fn run_placement(run: Run, a: &Args, bin: &Path, tmp: &Path) -> Result<Vec<Round>> {
    let Run {
        placement: p,
        rollouts,
        cache,
    } = run;
    let requests = a.n * rollouts as usize;
    let xtask = std::env::current_exe()?;
    let (stub_cpu, client_cpu) = p.cpus.map_or((None, None), |(s, c)| (Some(s), Some(c)));
    let mut stub = command(&xtask, stub_cpu)
        .arg("stub")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the stub server (pinned placement needs `taskset`, util-linux)")?;
    let base = {
        use std::io::BufRead;
        let out = stub.stdout.take().context("stub stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line)?;
        line.trim().to_string()
    };
    let result = (|| {
        let mut rounds = Vec::new();
        for r in 0..a.rounds {
            let out = command(&xtask, client_cpu)
                .args([
                    "raw-load",
                    &base,
                    &a.n.to_string(),
                    &a.concurrency.to_string(),
                ])
                .output()
                .context("raw load generator")?;
            if !out.status.success() {
                bail!("raw loop failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            let raw: f64 = String::from_utf8_lossy(&out.stdout).trim().parse()?;
            let out_dir = tmp.join(format!("{}-{rollouts}-{cache}-{r}", p.name));
            let mut cmd = command(bin, client_cpu);
            cmd.args(["eval", "-m", "stub-model", "-b", &base]);
            if cache {
                cmd.arg("--cache-dir").arg(out_dir.join("cache"));
            } else {
                cmd.arg("--no-cache");
            }
            let child = cmd
                .args(["-n", &a.n.to_string(), "-c", &a.concurrency.to_string()])
                .args(["-r", &rollouts.to_string(), "-s"])
                .arg(&out_dir)
                .env("OPENAI_API_KEY", "bench-key")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()?;
            let (st, stats, stderr) = watch(child, Instant::now())?;
            if !st.success() {
                bail!("netlogs eval against the stub failed: {stderr}");
            }
            rounds.push(Round {
                raw,
                end_to_end: requests as f64 / stats.wall.as_secs_f64(),
                request_phase: request_phase_rate(&stderr),
                stats,
                fixed: fixed_phases(&out_dir)?,
            });
        }
        Ok(rounds)
    })();
    let _ = stub.kill();
    let _ = stub.wait();
    result
}

pub fn run(a: Args) -> Result<()> {
    let bin = release_netlogs()?;
    let tmp = std::env::temp_dir().join(format!("netlogs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;

    println!(
        "`netlogs eval -c {}` against the instant stub; medians of {} rounds\n",
        a.concurrency, a.rounds
    );
    println!("| placement, run | raw loop | netlogs, request phase | netlogs, end to end | request phase / raw | end to end / raw | harness CPU per request | peak RSS | netlogs load / summary |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let run = |placement, rollouts, cache| Run {
        placement,
        rollouts,
        cache,
    };
    let runs = [
        run(PLACEMENTS[0], 1, false),
        run(PLACEMENTS[1], 1, false),
        run(PLACEMENTS[0], 1, true),
        run(PLACEMENTS[0], a.long_rollouts, false),
    ];
    for r in runs {
        let rounds = run_placement(r, &a, &bin, &tmp)?;
        let requests = a.n * r.rollouts as usize;
        let m = |f: &dyn Fn(&Round) -> f64| median(rounds.iter().map(f).collect());
        println!(
            "| {}, -n {} -r {} ({requests} requests){} | {:.0} req/s | {:.0} req/s | {:.0} req/s ({:.2} s) | {:.0}% | {:.0}% | {:.0} µs | {:.0} MB | {:.0} / {:.0} ms |",
            r.placement.name,
            a.n,
            r.rollouts,
            if r.cache { ", cache on" } else { "" },
            m(&|r| r.raw),
            m(&|r| r.request_phase),
            m(&|r| r.end_to_end),
            m(&|r| r.stats.wall.as_secs_f64()),
            100.0 * m(&|r| r.request_phase / r.raw),
            100.0 * m(&|r| r.end_to_end / r.raw),
            m(&|r| r.stats.cpu.as_secs_f64() * 1e6 / requests as f64),
            m(&|r| r.stats.peak_rss_kb as f64 / 1024.0),
            m(&|r| r.fixed[0] * 1e3),
            m(&|r| r.fixed[1] * 1e3),
        );
    }

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
    let builtin_rows = find_runs(&tmp.join("builtin"))
        .runs
        .iter()
        .map(|run| {
            std::fs::read_to_string(run.join("results.jsonl"))
                .map(|t| t.lines().count())
                .unwrap_or(0)
        })
        .sum::<usize>();
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "\nbuiltin eval -n {} -r 3 ({builtin_rows} rows): {:.2} s wall, peak RSS {:.1} MB",
        a.builtin_n,
        builtin.wall.as_secs_f64(),
        builtin.peak_rss_kb as f64 / 1024.0
    );
    Ok(())
}
