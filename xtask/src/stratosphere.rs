//! `cargo xtask fetch-data --source stratosphere`: per-capture `conn.log.labeled` files from
//! the Stratosphere Lab's IoT-23 site, downloaded resumably (HTTP `Range`) into a cache, each
//! checked against its announced size and, once a manifest has recorded it, its SHA-256; then
//! built into a capture-disjoint dataset on the streaming path (a seeded reservoir per
//! capture × label × family), so captures of tens of millions of flows fit in bounded memory.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use netlogs_data::manifest::{
    split_counts, DownloadedFile, LabelCounts, Manifest, ManifestSource, SourceKind,
};
use netlogs_data::{
    build_dataset, sha256_hex, write_examples_parquet, BuildOptions, BuildReport, DataReader,
    Example, ReadOptions, Row, SampleCaps, Sha256Stream, SplitRatios, StratifiedSample, Template,
};
use reqwest_tls::header::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use reqwest_tls::StatusCode;

pub const STRATOSPHERE_URL: &str =
    "https://mcfp.felk.cvut.cz/publicDatasets/IoT-23-Dataset/IndividualScenarios";
/// The smaller captures (up to a few hundred thousand flows each), malware and benign.
pub const DEFAULT_CAPTURES: &str = "34-1,8-1,20-1,21-1,42-1,44-1,CTU-Honeypot-Capture-4-1,CTU-Honeypot-Capture-5-1,CTU-Honeypot-Capture-7-1";
const DATASET_FILE: &str = "iot23.parquet";

/// What to fetch and how to build it.
pub struct Plan {
    pub base_url: String,
    pub captures: Vec<String>,
    pub cache: PathBuf,
    pub out: PathBuf,
    pub per_capture: usize,
    pub test_captures: Vec<String>,
    pub seed: u64,
}

/// `34-1` → `CTU-IoT-Malware-Capture-34-1`; full names stay as they are.
pub fn capture_name(id: &str) -> String {
    if id.starts_with("CTU-") {
        id.to_string()
    } else {
        format!("CTU-IoT-Malware-Capture-{id}")
    }
}

fn bar(total: u64, name: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_message(name.to_string());
    bar
}

/// The total size a response announces: `Content-Range: bytes a-b/TOTAL`, else the length.
fn announced_total(resp: &reqwest_tls::Response, offset: u64) -> Option<u64> {
    let header = |h| resp.headers().get(h).and_then(|v| v.to_str().ok());
    if let Some(total) = header(CONTENT_RANGE).and_then(|r| r.rsplit_once('/')) {
        return total.1.parse().ok();
    }
    header(CONTENT_LENGTH)
        .and_then(|l| l.parse::<u64>().ok())
        .map(|l| l + offset)
}

/// Download `url` to `dest`, resuming `dest.part` when a previous attempt left one. A short
/// body leaves the part file for the next run to resume from.
async fn download(client: &reqwest_tls::Client, url: &str, dest: &Path) -> Result<u64> {
    let part = dest.with_extension("part");
    let have = std::fs::metadata(&part).map_or(0, |m| m.len());
    let mut req = client.get(url);
    if have > 0 {
        req = req.header(RANGE, format!("bytes={have}-"));
    }
    let mut resp = req.send().await.with_context(|| format!("GET {url}"))?;
    let offset = match resp.status() {
        StatusCode::PARTIAL_CONTENT => have,
        StatusCode::OK => 0,
        StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
            // The part file is already whole.
            std::fs::rename(&part, dest)?;
            return Ok(have);
        }
        s => bail!("GET {url}: HTTP {s}"),
    };
    let total = announced_total(&resp, offset);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(offset > 0)
        .truncate(offset == 0)
        .open(&part)
        .with_context(|| format!("cannot write {}", part.display()))?;
    let progress = bar(total.unwrap_or(0), url.rsplit('/').nth(2).unwrap_or(url));
    progress.set_position(offset);
    let mut got = offset;
    loop {
        match resp.chunk().await {
            Ok(Some(bytes)) => {
                file.write_all(&bytes)?;
                got += bytes.len() as u64;
                progress.set_position(got);
            }
            Ok(None) => break,
            Err(e) => {
                progress.abandon();
                bail!("GET {url}: the connection broke after {got} bytes ({e}); run fetch-data again to resume from there");
            }
        }
    }
    file.flush()?;
    progress.finish();
    if let Some(total) = total {
        if got != total {
            bail!("GET {url}: got {got} of {total} bytes; run fetch-data again to resume");
        }
    }
    std::fs::rename(&part, dest)?;
    Ok(got)
}

fn file_sha256(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut sha = Sha256Stream::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(sha.finish());
        }
        sha.update(&buf[..n]);
    }
}

/// The capture's file in the cache, downloaded unless a verified copy is there.
async fn fetch_capture(
    client: &reqwest_tls::Client,
    plan: &Plan,
    capture: &str,
    known: Option<&DownloadedFile>,
) -> Result<DownloadedFile> {
    let url = format!("{}/{capture}/bro/conn.log.labeled", plan.base_url);
    // IoT-23's own layout, so the capture id comes from the path.
    let dest = plan.cache.join(capture).join("bro/conn.log.labeled");
    std::fs::create_dir_all(dest.parent().unwrap_or(&plan.cache))?;
    let cached = dest.is_file();
    let bytes = if cached {
        eprintln!("using cached {}", dest.display());
        std::fs::metadata(&dest)?.len()
    } else {
        download(client, &url, &dest).await?
    };
    let sha256 = file_sha256(&dest)?;
    if let Some(k) = known {
        if k.bytes != bytes || k.sha256 != sha256 {
            let _ = std::fs::remove_file(&dest);
            bail!("{}: {bytes} bytes, sha256 {sha256}; the manifest recorded {} bytes, sha256 {}. The copy was removed; run fetch-data again", dest.display(), k.bytes, k.sha256);
        }
    }
    Ok(DownloadedFile {
        capture: capture.to_string(),
        url,
        bytes,
        sha256,
    })
}

pub fn run(plan: Plan) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let previous = Manifest::read(&plan.out).ok().flatten();
    let known: BTreeMap<&str, &DownloadedFile> = previous
        .iter()
        .flat_map(|m| &m.downloads)
        .map(|d| (d.capture.as_str(), d))
        .collect();
    let client = reqwest_tls::Client::builder()
        .user_agent(concat!("netlogs-xtask/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let mut downloads = Vec::new();
    for id in &plan.captures {
        let capture = capture_name(id);
        let file = rt.block_on(fetch_capture(
            &client,
            &plan,
            &capture,
            known.get(capture.as_str()).copied(),
        ))?;
        eprintln!(
            "verified {capture}: {} bytes, sha256 {}",
            file.bytes, file.sha256
        );
        downloads.push(file);
    }
    build(&plan, downloads)
}

/// Stream every downloaded file through a stratified reservoir, split by capture, write.
fn build(plan: &Plan, downloads: Vec<DownloadedFile>) -> Result<()> {
    let caps = SampleCaps {
        per_capture: Some(plan.per_capture),
        max_rows: None,
    };
    let mut sample = StratifiedSample::new(caps, Template::Zeek, plan.seed);
    // Each file's digest is already in `downloads`.
    let mut reader = DataReader::new(ReadOptions {
        skip_digests: true,
        ..ReadOptions::default()
    });
    let mut rows_read = 0usize;
    for d in &downloads {
        reader.read(&plan.cache.join(&d.capture), &mut |row| {
            rows_read += 1;
            if let Row::Flow(f) = row {
                sample.offer(f);
            }
            Ok(())
        })?;
    }
    let test_captures: Vec<String> = plan.test_captures.iter().map(|c| capture_name(c)).collect();
    let examples: Vec<Example> = sample
        .finish()
        .iter()
        .map(|f| Example::from_flow(f, Template::Zeek))
        .collect();
    let opts = BuildOptions {
        ratios: SplitRatios::default(),
        seed: plan.seed,
        balance: false,
        test_captures,
    };
    let (built, report) = build_dataset(examples, &opts)?;
    std::fs::create_dir_all(&plan.out)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(plan.out.join(DATASET_FILE))?);
    write_examples_parquet(&built, &mut f)?;
    drop(f);
    let manifest = manifest(plan, &report, rows_read, split_counts(&built), downloads);
    manifest.write(&plan.out)?;
    println!(
        "wrote {DATASET_FILE} ({} rows from {rows_read} read) and manifest.json to {}",
        report.rows_out,
        plan.out.display()
    );
    for (capture, split) in &report.captures {
        println!("  {capture} → {split}");
    }
    Ok(())
}

/// What `manifest.json` records of a Stratosphere build.
fn manifest(
    plan: &Plan,
    report: &BuildReport,
    rows_read: usize,
    splits: BTreeMap<String, LabelCounts>,
    downloads: Vec<DownloadedFile>,
) -> Manifest {
    let digests: String = downloads.iter().map(|d| d.sha256.as_str()).collect();
    Manifest {
        source: ManifestSource {
            kind: SourceKind::Stratosphere,
            repo: plan.base_url.clone(),
            revision: "IndividualScenarios".into(),
            file: "*/bro/conn.log.labeled".into(),
            endpoint: plan.base_url.clone(),
        },
        sha256: sha256_hex(digests.as_bytes()),
        schema: Some("zeek conn.log.labeled".into()),
        dataset_file: DATASET_FILE.into(),
        rows_downloaded: rows_read,
        duplicates_dropped: report.duplicates_dropped,
        conflicting_prompts: report.conflicts.len(),
        rows: report.rows_out,
        splits,
        split_method: format!(
            "capture-disjoint; at most {} distinct rows per capture (seeded reservoir per capture × label × family)",
            plan.per_capture
        ),
        seed: plan.seed,
        created_at: chrono::Utc::now().to_rfc3339(),
        downloads,
        captures: report.captures.clone(),
    }
}
