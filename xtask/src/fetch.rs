//! `cargo xtask fetch-data`: download IoT-23 from the Hugging Face hub (hf-hub, tokio API),
//! verify it, and build the prepared dataset that `netlogs eval` then uses by default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use hf_hub::api::tokio::{ApiBuilder, ApiError};
use hf_hub::{Cache, Repo, RepoType};
use netlogs_data::manifest::{split_counts, Manifest, ManifestSource, SourceKind};
use netlogs_data::{
    build_dataset, hf_schema, load_path, parquet_columns, sha256_hex, write_examples_parquet,
    BuildOptions, Example, Label, Loaded, SplitRatios, Template,
};

use crate::stratosphere;
use crate::util::workspace_root;

pub const DEFAULT_REPO: &str = "19kmunz/iot-23-preprocessed";
pub const DEFAULT_FILE: &str = "data/train-00000-of-00001-ad1ef30cd88c8d29.parquet";
/// The built dataset's file name inside `--out`; `netlogs eval` reads it via manifest.json.
pub const DATASET_FILE: &str = "iot23.parquet";

/// Where `fetch-data` downloads from.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FetchSource {
    /// The Hugging Face parquet (no capture ids: hash splits).
    Hf,
    /// Per-capture `conn.log.labeled` files from the Stratosphere Lab (capture-disjoint).
    Stratosphere,
}

#[derive(clap::Args)]
pub struct Args {
    /// hf (the Hugging Face parquet, default) or stratosphere (IoT-23's per-capture logs).
    #[arg(long, value_enum, default_value = "hf")]
    source: FetchSource,
    /// Stratosphere: captures to download (`34-1` or full names such as
    /// `CTU-Honeypot-Capture-4-1`).
    #[arg(long, value_delimiter = ',', default_value = stratosphere::DEFAULT_CAPTURES)]
    captures: Vec<String>,
    /// Stratosphere: the site's IndividualScenarios URL.
    #[arg(long, default_value = stratosphere::STRATOSPHERE_URL)]
    base_url: String,
    /// Stratosphere: download cache (default `~/.cache/netlogs/stratosphere`).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Stratosphere: distinct rows kept per capture.
    #[arg(long, default_value_t = 50_000)]
    per_capture: usize,
    /// Stratosphere: captures that form the test split; without it the seed chooses.
    #[arg(long, value_delimiter = ',')]
    test_captures: Vec<String>,
    /// Dataset repository on the hub.
    #[arg(long, default_value = DEFAULT_REPO)]
    repo: String,
    #[arg(long, default_value = "main")]
    revision: String,
    /// File inside the repository.
    #[arg(long, default_value = DEFAULT_FILE)]
    file: String,
    /// Expected SHA-256 of the file.
    #[arg(long)]
    sha256: Option<String>,
    /// Output folder (default: `data/` at the workspace root).
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// A user-facing message for a failed download. Never includes the token.
fn explain(e: &ApiError, repo: &str, file: &str, endpoint: &str) -> String {
    let offline_hint = "`netlogs eval` still works offline on the bundled IoT-23 fixture";
    let status = match e {
        ApiError::RequestError(r) => r.status().map(|s| s.as_u16()),
        _ => None,
    };
    match (status, e) {
        (Some(401 | 403), _) => format!(
            "{endpoint} refused access to {repo} (HTTP {}): set HF_TOKEN to a token with access to this dataset (its value is never shown). {offline_hint}",
            status.unwrap_or(401)
        ),
        (Some(404), _) => format!(
            "{endpoint}: {repo} has no file `{file}` at this revision (HTTP 404): check --repo, --revision and --file. {offline_hint}"
        ),
        (_, ApiError::RequestError(r)) if r.is_connect() || r.is_timeout() => format!(
            "cannot reach {endpoint} (offline?): {r}. {offline_hint}"
        ),
        _ => format!("download of {repo}/{file} from {endpoint} failed: {e}. {offline_hint}"),
    }
}

pub fn run(a: Args) -> Result<()> {
    if a.source == FetchSource::Stratosphere {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        return stratosphere::run(stratosphere::Plan {
            base_url: a.base_url.trim_end_matches('/').to_string(),
            captures: a.captures,
            cache: a
                .cache
                .unwrap_or_else(|| home.join(".cache/netlogs/stratosphere")),
            out: a.out.unwrap_or_else(|| workspace_root().join("data")),
            per_capture: a.per_capture,
            test_captures: a.test_captures,
            seed: a.seed,
        });
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run_async(a))
}

async fn run_async(a: Args) -> Result<()> {
    let cache = Cache::from_env();
    let token = std::env::var("HF_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| cache.token());
    let builder = ApiBuilder::from_env().with_token(token.clone());
    let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| "https://huggingface.co".into());
    let api = builder.with_progress(true).build()?;
    let repo = Repo::with_revision(a.repo.clone(), RepoType::Dataset, a.revision.clone());
    let cached = cache.repo(repo.clone()).get(&a.file).is_some();
    let path = api.repo(repo.clone()).get(&a.file).await.map_err(|e| {
        let msg = explain(&e, &a.repo, &a.file, &endpoint);
        anyhow!(scrub(&msg, token.as_deref()))
    })?;
    eprintln!(
        "{} {}",
        if cached { "using cached" } else { "downloaded" },
        path.display()
    );

    // Verify before trusting the cache: a truncated or corrupt file must not stay there.
    let verified = verify(&path, a.sha256.as_deref());
    let (flows, digest, columns) = match verified {
        Ok(v) => v,
        Err(e) => {
            evict(&path);
            bail!("{e:#}\nthe file was removed from the cache; run fetch-data again");
        }
    };
    let benign = flows.iter().filter(|e| e.answer == Label::Benign).count();
    eprintln!(
        "verified: {} rows ({} Benign, {} Malicious), schema {}, sha256 {digest}",
        flows.len(),
        benign,
        flows.len() - benign,
        hf_schema(&columns).unwrap_or("?")
    );

    let (built, report) = build_dataset(
        flows,
        &BuildOptions {
            ratios: SplitRatios::default(),
            seed: a.seed,
            ..BuildOptions::default()
        },
    )?;
    let out = a.out.unwrap_or_else(|| workspace_root().join("data"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(out.join(DATASET_FILE))?);
    write_examples_parquet(&built, &mut f)?;
    drop(f);
    let splits = split_counts(&built);
    let manifest = Manifest {
        source: ManifestSource {
            kind: SourceKind::HuggingFace,
            repo: a.repo.clone(),
            revision: a.revision.clone(),
            file: a.file.clone(),
            endpoint,
        },
        sha256: digest,
        schema: hf_schema(&columns).map(str::to_string),
        dataset_file: DATASET_FILE.into(),
        rows_downloaded: report.rows_in,
        duplicates_dropped: report.duplicates_dropped,
        conflicting_prompts: report.conflicts.len(),
        rows: report.rows_out,
        splits,
        split_method: "seeded hash of example id (this dataset has no capture ids)".into(),
        seed: a.seed,
        created_at: chrono::Utc::now().to_rfc3339(),
        downloads: Vec::new(),
        captures: BTreeMap::new(),
    };
    manifest.write(&out)?;
    println!(
        "wrote {} ({} rows: train/dev/test) and manifest.json to {}",
        DATASET_FILE,
        report.rows_out,
        out.display()
    );
    Ok(())
}

/// Read the file with polars, check its schema and (optionally) its digest.
fn verify(path: &Path, sha256: Option<&str>) -> Result<(Vec<Example>, String, Vec<String>)> {
    let bytes = std::fs::read(path)?;
    let digest = sha256_hex(&bytes);
    if let Some(want) = sha256 {
        if !want.eq_ignore_ascii_case(&digest) {
            bail!("sha256 mismatch: expected {want}, got {digest}");
        }
    }
    let columns = parquet_columns(path, &bytes)?;
    if hf_schema(&columns).is_none() {
        bail!(
            "{}: unexpected columns {columns:?}: not an iot-23-preprocessed(-minimumcolumns) file",
            path.display()
        );
    }
    let Loaded::Flows(flows) = load_path(path, None, None)? else {
        bail!("{}: not a flow table", path.display());
    };
    let examples = flows
        .iter()
        .map(|f| Example::from_flow(f, Template::Zeek))
        .collect();
    Ok((examples, digest, columns))
}

/// Remove a cached snapshot entry and the blob it points to.
fn evict(path: &Path) {
    if let Ok(blob) = std::fs::canonicalize(path) {
        let _ = std::fs::remove_file(blob);
    }
    let _ = std::fs::remove_file(path);
}

fn scrub(msg: &str, token: Option<&str>) -> String {
    match token {
        Some(t) if t.len() >= 4 => msg.replace(t, "[redacted]"),
        _ => msg.to_string(),
    }
}
