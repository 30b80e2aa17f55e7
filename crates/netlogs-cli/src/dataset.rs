//! Where an eval's or a data command's examples come from: the bundled IoT-23 set, data files
//! of any supported format, a built dataset (with splits), or (asked for by name) the synthetic
//! generator.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use netlogs_data::{
    bundled_iot23, load_bytes, load_path, sample_balanced, sample_balanced_examples, sha256_hex,
    synthesize, DataError, Example, LabeledFlow, Loaded, SourceFormat, SynthConfig, Template,
    BUNDLED_IOT23,
};
use serde_json::{json, Value};

/// `--data synthetic` asks for generated flows instead of files.
pub const SYNTHETIC: &str = "synthetic";

pub enum Rows {
    Flows(Vec<LabeledFlow>),
    Prepared(Vec<Example>),
}

pub struct Dataset {
    pub name: String,
    pub files: Vec<Value>,
    pub rows: Rows,
    pub synthetic: bool,
    /// The split to evaluate when none is asked for (`test` of a fetched dataset).
    pub default_split: Option<String>,
}

/// Where `cargo xtask fetch-data` puts the prepared dataset: `$NETLOGS_DATA_DIR`, else `data/`.
pub fn fetched_data_dir() -> PathBuf {
    std::env::var_os("NETLOGS_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from)
}

/// The dataset built by `cargo xtask fetch-data`, when present.
fn fetched() -> Result<Option<Dataset>> {
    let dir = fetched_data_dir();
    let manifest_path = dir.join("manifest.json");
    if !manifest_path.is_file() {
        return Ok(None);
    }
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?,
    )
    .with_context(|| format!("{} is not valid JSON", manifest_path.display()))?;
    let file = manifest["dataset_file"]
        .as_str()
        .with_context(|| format!("{}: no `dataset_file`", manifest_path.display()))?;
    let path = dir.join(file);
    let Loaded::Prepared(examples) = load_path(&path, None, None)? else {
        bail!("{}: not a built dataset", path.display());
    };
    Ok(Some(Dataset {
        name: format!(
            "fetched:{}@{}",
            manifest["source"]["repo"].as_str().unwrap_or("?"),
            manifest["source"]["revision"].as_str().unwrap_or("?")
        ),
        files: vec![json!({"name": path.display().to_string(), "sha256": manifest["sha256"]})],
        rows: Rows::Prepared(examples),
        synthetic: false,
        default_split: Some("test".into()),
    }))
}

pub fn parse_format(format: Option<&str>) -> Result<Option<SourceFormat>> {
    match format {
        None => Ok(None),
        Some(f) => Ok(Some(SourceFormat::parse(f).with_context(|| {
            let names: Vec<&str> = SourceFormat::ALL.iter().map(|f| f.name()).collect();
            format!("--format must be one of {}; got `{f}`", names.join(", "))
        })?)),
    }
}

/// Load `data` (empty: the bundled set). `synth` gives the size and seed of a synthetic set.
pub fn load(
    data: &[PathBuf],
    format: Option<&str>,
    capture: Option<&str>,
    synth: (usize, u64),
) -> Result<Dataset> {
    if data.is_empty() {
        if let Some(d) = fetched()? {
            eprintln!(
                "dataset: {} from {} (split test unless --split)",
                d.name,
                fetched_data_dir().display()
            );
            return Ok(d);
        }
        eprintln!("dataset: the bundled real IoT-23 fixture (`cargo xtask fetch-data` builds the full Hugging Face set)");
        let files = BUNDLED_IOT23
            .iter()
            .map(|f| json!({"name": f.name, "sha256": sha256_hex(f.bytes)}))
            .collect();
        return Ok(Dataset {
            name: "bundled:iot23".into(),
            files,
            rows: Rows::Flows(bundled_iot23()?),
            synthetic: false,
            default_split: None,
        });
    }
    if data.len() == 1 && data[0] == Path::new(SYNTHETIC) {
        eprintln!("WARNING: using SYNTHETIC flows (generator seeded {}), not real data: figures from this run say nothing about real traffic", synth.1);
        let reference = bundled_iot23()?;
        let flows = synthesize(
            &SynthConfig {
                n: synth.0,
                seed: synth.1,
                ambiguity: 0.0,
            },
            &reference,
        );
        return Ok(Dataset {
            name: format!("synthetic:seed{}", synth.1),
            files: Vec::new(),
            rows: Rows::Flows(flows),
            synthetic: true,
            default_split: None,
        });
    }
    let format = parse_format(format)?;
    let (mut flows, mut prepared, mut files) = (Vec::new(), Vec::new(), Vec::new());
    for path in data {
        // Read once: the same bytes are parsed and hashed for the metadata.
        if path.is_dir() {
            load_path(path, format, capture)?;
        }
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            file: path.clone(),
            source,
        })?;
        let loaded = load_bytes(path, &bytes, format, capture)?;
        let rows = match &loaded {
            Loaded::Flows(f) => f.len(),
            Loaded::Prepared(e) => e.len(),
        };
        files.push(
            json!({"name": path.display().to_string(), "sha256": sha256_hex(&bytes), "rows": rows}),
        );
        match loaded {
            Loaded::Flows(f) => flows.extend(f),
            Loaded::Prepared(e) => prepared.extend(e),
        }
    }
    let rows = match (flows.is_empty(), prepared.is_empty()) {
        (_, true) => Rows::Flows(flows),
        (true, false) => Rows::Prepared(prepared),
        (false, false) => bail!(
            "--data mixes raw flow files with prepared examples; build one dataset first (netlogs data build)"
        ),
    };
    Ok(Dataset {
        name: "files".into(),
        files,
        rows,
        synthetic: false,
        default_split: None,
    })
}

impl Dataset {
    pub fn len(&self) -> usize {
        match &self.rows {
            Rows::Flows(f) => f.len(),
            Rows::Prepared(e) => e.len(),
        }
    }

    /// Every row as an example (flows rendered with `template`).
    pub fn into_examples(self, template: Template) -> Vec<Example> {
        match self.rows {
            Rows::Flows(f) => f.iter().map(|x| Example::from_flow(x, template)).collect(),
            Rows::Prepared(e) => e,
        }
    }

    /// Up to `n` class-balanced examples (seeded), from `split` when given. Only the chosen
    /// flows are rendered.
    pub fn sample(
        &self,
        template: Template,
        n: usize,
        seed: u64,
        split: Option<&str>,
    ) -> Result<Vec<Example>> {
        match &self.rows {
            Rows::Flows(flows) => {
                if split.is_some() {
                    bail!("--split needs a built dataset with splits (netlogs data build), not raw flow files");
                }
                Ok(sample_balanced(flows, n, seed)
                    .into_iter()
                    .map(|i| Example::from_flow(&flows[i], template))
                    .collect())
            }
            Rows::Prepared(all) => {
                let pool: Vec<&Example> = all
                    .iter()
                    .filter(|e| split.is_none_or(|s| e.info.split.as_deref() == Some(s)))
                    .collect();
                if pool.is_empty() {
                    bail!("no examples in split `{}`", split.unwrap_or("-"));
                }
                Ok(sample_balanced_examples(&pool, n, seed)
                    .into_iter()
                    .map(|i| pool[i].clone())
                    .collect())
            }
        }
    }
}
