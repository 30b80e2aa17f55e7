//! `cargo xtask bench-lookup`: lookup mode over whole captures. For each size, a Zeek log of
//! that many flows is made by replicating the real bundled rows (each copy shifted later in
//! time by the rows' whole span, with fresh uids, so a tool's window sees a real capture's
//! density); `netlogs data index` builds its index (wall time, MB/s of log, peak RSS); then a
//! separate process opens the index and answers tool calls at anchors drawn from the rows
//! (latency percentiles, and its RSS while answering). The files are deleted afterwards.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use netlogs_data::{bundled_iot23, write_zeek};
use netlogs_lookup::{call, Anchor, FlowIndex};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::proc_stats::watch;
use crate::util::{command, release_netlogs};

#[derive(clap::Args)]
pub struct Args {
    /// Keep the generated log and index (under --dir) for probing by hand.
    #[arg(long)]
    keep: bool,
    /// Flows per generated log.
    #[arg(long, value_delimiter = ',', default_value = "5000000,50000000")]
    flows: Vec<u64>,
    /// Tool calls answered per size.
    #[arg(long, default_value_t = 20_000)]
    calls: usize,
    /// Where the logs and indexes go (deleted after).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// The probe: answer the calls of an anchor file against an index, and report.
#[derive(clap::Args)]
pub struct ProbeArgs {
    index: PathBuf,
    anchors: PathBuf,
}

/// Every generated row's capture: one long capture, as a whole IoT-23 capture is.
const CAPTURE: &str = "bench-lookup";

/// One anchor: where a judged flow sits, and what its tools may ask about.
#[derive(Serialize, Deserialize)]
struct AnchorLine {
    ts: f64,
    capture: Option<String>,
    host: String,
    port: u32,
}

#[derive(Serialize, Deserialize)]
struct ProbeReport {
    calls: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    rss_mb: f64,
    /// p99 per tool: flows_for_host, flows_to_port, host_summary.
    p99_by_tool_ms: [f64; 3],
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The bundled rows as Zeek text: the header, each row's ts and the fields after its uid, and
/// the rows' time span (plus an hour, so copies never overlap).
struct RealRows {
    header: String,
    rows: Vec<(f64, String)>,
    span: f64,
}

fn real_rows() -> Result<RealRows> {
    let text = write_zeek(&bundled_iot23()?);
    let (mut header, mut rows) = (String::new(), Vec::new());
    for line in text.lines() {
        if line.starts_with("#close") {
            continue;
        }
        if line.starts_with('#') {
            header.push_str(line);
            header.push('\n');
        } else if let Some((ts, rest)) = line.split_once('\t') {
            let rest = rest.split_once('\t').map_or("", |r| r.1);
            if let Ok(t) = ts.parse::<f64>() {
                rows.push((t, rest.to_string()));
            }
        }
    }
    let (lo, hi) = rows.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (t, _)| {
        (lo.min(*t), hi.max(*t))
    });
    Ok(RealRows {
        header,
        rows,
        span: hi - lo + 3600.0,
    })
}

/// Write `flows` rows: copy k of the real rows is `k × span` seconds later. Returns bytes.
fn generate(
    path: &Path,
    flows: u64,
    header: &str,
    rows: &[(f64, String)],
    span: f64,
) -> Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(header.as_bytes())?;
    let mut written = header.len() as u64;
    let mut n = 0u64;
    'copies: for copy in 0u64.. {
        for (i, (ts, rest)) in rows.iter().enumerate() {
            if n == flows {
                break 'copies;
            }
            let line = format!("{:.6}\tC{copy:x}x{i:x}\t{rest}\n", ts + copy as f64 * span);
            out.write_all(line.as_bytes())?;
            written += line.len() as u64;
            n += 1;
        }
    }
    out.write_all(b"#close\n")?;
    out.flush()?;
    Ok(written)
}

/// Anchors at random rows of random copies: their time, capture, an end host and the port.
fn anchors(path: &Path, n: usize, flows: u64, rows: &[(f64, String)], span: f64) -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let copies = flows.div_ceil(rows.len() as u64);
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0;
    while written < n {
        let copy = rng.random_range(0..copies);
        let i = rng.random_range(0..rows.len());
        if copy * rows.len() as u64 + i as u64 >= flows {
            continue;
        }
        let (ts, rest) = &rows[i];
        // The fields after ts and uid: id.orig_h id.orig_p id.resp_h id.resp_p …
        let f: Vec<&str> = rest.split('\t').collect();
        let host = if rng.random_bool(0.5) { f[0] } else { f[2] };
        let line = AnchorLine {
            // The time as the log wrote it.
            ts: format!("{:.6}", ts + copy as f64 * span).parse()?,
            capture: Some(CAPTURE.into()),
            host: host.to_string(),
            port: f[3].parse().unwrap_or(0),
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
        written += 1;
    }
    Ok(())
}

fn vm_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// The probe process: every anchor, each of the three tools in turn.
pub fn probe(a: &ProbeArgs) -> Result<()> {
    let index = FlowIndex::open(&a.index)?;
    let lines: Vec<AnchorLine> = std::io::BufReader::new(std::fs::File::open(&a.anchors)?)
        .lines()
        .map(|l| Ok(serde_json::from_str(&l?)?))
        .collect::<Result<_>>()?;
    let mut ms = Vec::with_capacity(lines.len());
    let mut by_tool: [Vec<f64>; 3] = Default::default();
    for (i, l) in lines.iter().enumerate() {
        let at = Anchor {
            capture: l.capture.as_deref().map(Into::into),
            ts: l.ts,
        };
        let (name, args) = match i % 3 {
            0 => (
                "flows_for_host",
                format!(
                    r#"{{"host": "{}", "before_s": 300, "after_s": 60}}"#,
                    l.host
                ),
            ),
            1 => (
                "flows_to_port",
                format!(r#"{{"port": {}, "before_s": 60}}"#, l.port),
            ),
            _ => (
                "host_summary",
                format!(r#"{{"host": "{}", "window_s": 600}}"#, l.host),
            ),
        };
        let t = Instant::now();
        let out = call(&index, &at, name, &args);
        let took = t.elapsed().as_secs_f64() * 1e3;
        ms.push(took);
        by_tool[i % 3].push(took);
        if out.contains("\"error\"") {
            bail!("{name} {args}: {out}");
        }
    }
    ms.sort_by(f64::total_cmp);
    for v in &mut by_tool {
        v.sort_by(f64::total_cmp);
    }
    let report = ProbeReport {
        calls: ms.len(),
        p50_ms: quantile(&ms, 0.5),
        p99_ms: quantile(&ms, 0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
        rss_mb: vm_rss_mb(),
        p99_by_tool_ms: [0, 1, 2].map(|i| quantile(&by_tool[i], 0.99)),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

pub fn run(a: Args) -> Result<()> {
    let bin = release_netlogs()?;
    let dir = a
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("netlogs-bench-lookup"));
    std::fs::create_dir_all(&dir)?;
    let RealRows { header, rows, span } = real_rows()?;
    println!("| flows | log | index build | build MB/s | build peak RSS | index size | p50 / p99 / max tool call | p99 host / port / summary | RSS answering |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for &flows in &a.flows {
        let log = dir.join(format!("bench-lookup-{flows}.conn.log.labeled"));
        let bytes = generate(&log, flows, &header, &rows, span)?;
        let index_dir = dir.join(format!("index-{flows}"));
        let _ = std::fs::remove_dir_all(&index_dir);
        let child = command(&bin, None)
            .args(["data", "index", "--capture", CAPTURE])
            .arg(&log)
            .arg("--index-dir")
            .arg(&index_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (status, build, stderr) = watch(child, Instant::now())?;
        if !status.success() {
            bail!("netlogs data index failed: {stderr}");
        }
        let index = std::fs::read_dir(&index_dir)?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "sqlite"))
            .context("no index was written")?;
        let index_bytes = std::fs::metadata(&index)?.len();
        let anchor_file = dir.join(format!("anchors-{flows}.jsonl"));
        anchors(&anchor_file, a.calls, flows, &rows, span)?;
        let me = std::env::current_exe()?;
        let out = std::process::Command::new(me)
            .arg("lookup-probe")
            .arg(&index)
            .arg(&anchor_file)
            .output()?;
        if !out.status.success() {
            bail!("probe failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let p: ProbeReport = serde_json::from_slice(&out.stdout)?;
        let secs = build.wall.as_secs_f64();
        println!(
            "| {flows} | {:.0} MB | {secs:.1} s | {:.0} | {:.0} MB | {:.0} MB | {:.2} / {:.2} / {:.1} ms | {:.2} / {:.2} / {:.2} ms | {:.0} MB |",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs,
            build.peak_rss_kb as f64 / 1024.0,
            index_bytes as f64 / 1e6,
            p.p50_ms,
            p.p99_ms,
            p.max_ms,
            p.p99_by_tool_ms[0],
            p.p99_by_tool_ms[1],
            p.p99_by_tool_ms[2],
            p.rss_mb
        );
        if !a.keep {
            let _ = std::fs::remove_file(&log);
            let _ = std::fs::remove_file(&anchor_file);
            let _ = std::fs::remove_dir_all(&index_dir);
        }
    }
    Ok(())
}
