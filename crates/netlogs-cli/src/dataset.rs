//! Where an eval's or a data command's examples come from: the bundled IoT-23 set, data files
//! of any supported format, a built dataset (with splits), or (asked for by name) the synthetic
//! generator.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use netlogs_data::{
    bundled_iot23, load_path, pick_balanced, row_key, sha256_hex, synthesize, Example, LabeledFlow,
    Loaded, SourceFormat, SynthConfig, Template, BUNDLED_IOT23,
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
        let files = BUNDLED_IOT23
            .iter()
            .map(|f| json!({"name": f.name, "sha256": sha256_hex(f.bytes)}))
            .collect();
        return Ok(Dataset {
            name: "bundled:iot23".into(),
            files,
            rows: Rows::Flows(bundled_iot23()?),
            synthetic: false,
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
        });
    }
    let format = parse_format(format)?;
    let (mut flows, mut prepared, mut files) = (Vec::new(), Vec::new(), Vec::new());
    for path in data {
        let loaded = load_path(path, format, capture)?;
        let bytes = std::fs::read(path)?;
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
    pub fn all_examples(&self, template: Template) -> Vec<Example> {
        match &self.rows {
            Rows::Flows(f) => f.iter().map(|x| Example::from_flow(x, template)).collect(),
            Rows::Prepared(e) => e.clone(),
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
                Ok(pick_balanced(
                    flows.len(),
                    |i| flows[i].label,
                    |i| row_key(&flows[i]),
                    n,
                    seed,
                )
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
                Ok(pick_balanced(
                    pool.len(),
                    |i| pool[i].answer,
                    |i| pool[i].example_id.as_str(),
                    n,
                    seed,
                )
                .into_iter()
                .map(|i| pool[i].clone())
                .collect())
            }
        }
    }
}
