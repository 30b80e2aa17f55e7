//! Where an eval's or a data command's examples come from: the bundled IoT-23 set, data files
//! of any supported format, a built dataset (with splits), the dataset `cargo xtask
//! fetch-data` built, or (asked for by name) the synthetic generator.

use std::path::{Path, PathBuf};

use netlogs_data::{
    bundled_iot23, load_bytes, load_path, read_inputs, sample_balanced, sample_balanced_examples,
    sha256_hex, synthesize, Example, LabeledFlow, Loaded, SourceFormat, SynthConfig, Template,
    BUNDLED_IOT23,
};

use crate::error::{EvalError, Result};
use crate::manifest::Manifest;
use crate::run_log::FileDigest;

/// `--data synthetic` asks for generated flows instead of files.
pub const SYNTHETIC: &str = "synthetic";

pub enum Rows {
    Flows(Vec<LabeledFlow>),
    Prepared(Vec<Example>),
}

pub struct Dataset {
    pub name: String,
    pub files: Vec<FileDigest>,
    pub rows: Rows,
    pub synthetic: bool,
    /// The split to evaluate when none is asked for (`test` of a fetched dataset).
    pub default_split: Option<String>,
}

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct SourceSpec<'a> {
    /// Files; empty means the fetched dataset if there is one, else the bundled set.
    pub data: &'a [PathBuf],
    pub format: Option<SourceFormat>,
    pub capture: Option<&'a str>,
    /// Size and seed of a synthetic set.
    pub synth: (usize, u64),
}

/// Where `cargo xtask fetch-data` puts the prepared dataset: `$NETLOGS_DATA_DIR`, else `data/`.
pub fn fetched_data_dir() -> PathBuf {
    std::env::var_os("NETLOGS_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from)
}

/// The dataset built by `cargo xtask fetch-data`, when present.
fn fetched(dir: &Path) -> Result<Option<Dataset>> {
    let Some(manifest) = Manifest::read(dir)? else {
        return Ok(None);
    };
    let path = manifest.dataset_path(dir);
    let Loaded::Prepared(examples) = load_path(&path, None, None)? else {
        return Err(EvalError::content(&path, 0, "not a built dataset"));
    };
    Ok(Some(Dataset {
        name: manifest.dataset_name(),
        files: vec![FileDigest {
            name: path.display().to_string(),
            sha256: manifest.sha256.clone(),
            rows: None,
        }],
        rows: Rows::Prepared(examples),
        synthetic: false,
        default_split: Some("test".into()),
    }))
}

fn bundled() -> Result<Dataset> {
    let files = BUNDLED_IOT23
        .iter()
        .map(|f| FileDigest {
            name: f.name.to_string(),
            sha256: sha256_hex(f.bytes),
            rows: None,
        })
        .collect();
    Ok(Dataset {
        name: "bundled:iot23".into(),
        files,
        rows: Rows::Flows(bundled_iot23()?),
        synthetic: false,
        default_split: None,
    })
}

fn synthetic((n, seed): (usize, u64)) -> Result<Dataset> {
    let reference = bundled_iot23()?;
    let config = SynthConfig {
        n,
        seed,
        ambiguity: 0.0,
    };
    Ok(Dataset {
        name: format!("synthetic:seed{seed}"),
        files: Vec::new(),
        rows: Rows::Flows(synthesize(&config, &reference)),
        synthetic: true,
        default_split: None,
    })
}

/// Read every data file the paths hold (files, `.gz`, tar archives, directories; once each:
/// the same bytes are parsed and hashed for the metadata).
fn files(spec: &SourceSpec) -> Result<Dataset> {
    let (mut flows, mut prepared, mut files) = (Vec::new(), Vec::new(), Vec::new());
    for path in spec.data {
        for input in read_inputs(path)? {
            let loaded = load_bytes(&input.name, &input.bytes, spec.format, spec.capture)?;
            let rows = match &loaded {
                Loaded::Flows(f) => f.len(),
                Loaded::Prepared(e) => e.len(),
            };
            files.push(FileDigest {
                name: input.name.display().to_string(),
                sha256: sha256_hex(&input.bytes),
                rows: Some(rows),
            });
            match loaded {
                Loaded::Flows(f) => flows.extend(f),
                Loaded::Prepared(e) => prepared.extend(e),
            }
        }
    }
    let rows = match (flows.is_empty(), prepared.is_empty()) {
        (_, true) => Rows::Flows(flows),
        (true, false) => Rows::Prepared(prepared),
        (false, false) => return Err(EvalError::invalid(
            "--data mixes raw flow files with prepared examples; build one dataset first (netlogs data build)",
        )),
    };
    Ok(Dataset {
        name: "files".into(),
        files,
        rows,
        synthetic: false,
        default_split: None,
    })
}

/// Load what `spec` names. `note` is told which dataset was picked, for the user.
pub fn load(spec: &SourceSpec, note: &mut dyn FnMut(&str)) -> Result<Dataset> {
    if spec.data.is_empty() {
        let dir = fetched_data_dir();
        if let Some(d) = fetched(&dir)? {
            note(&format!(
                "dataset: {} from {} (split test unless --split)",
                d.name,
                dir.display()
            ));
            return Ok(d);
        }
        note("dataset: the bundled real IoT-23 fixture (`cargo xtask fetch-data` builds the full Hugging Face set)");
        return bundled();
    }
    if spec.data.len() == 1 && spec.data[0] == Path::new(SYNTHETIC) {
        note(&format!("WARNING: using SYNTHETIC flows (generator seeded {}), not real data: figures from this run say nothing about real traffic", spec.synth.1));
        return synthetic(spec.synth);
    }
    files(spec)
}

impl Dataset {
    pub fn len(&self) -> usize {
        match &self.rows {
            Rows::Flows(f) => f.len(),
            Rows::Prepared(e) => e.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
                    return Err(EvalError::invalid("--split needs a built dataset with splits (netlogs data build), not raw flow files"));
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
                    return Err(EvalError::invalid(format!(
                        "no examples in split `{}`",
                        split.unwrap_or("-")
                    )));
                }
                Ok(sample_balanced_examples(&pool, n, seed)
                    .into_iter()
                    .map(|i| pool[i].clone())
                    .collect())
            }
        }
    }
}
