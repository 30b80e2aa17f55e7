//! `data/manifest.json`: what `cargo xtask fetch-data` downloaded and built. Written by xtask and
//! read by the data sources through this one type.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::example::Example;
use crate::record::Label;

pub const MANIFEST_FILE: &str = "manifest.json";

/// Which site the raw data came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// One parquet file of a Hugging Face dataset repository.
    #[default]
    HuggingFace,
    /// Per-capture `conn.log.labeled` files from the Stratosphere Lab's IoT-23 site.
    Stratosphere,
}

/// Where the raw file came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestSource {
    #[serde(default)]
    pub kind: SourceKind,
    /// The Hugging Face repository, or the Stratosphere base URL.
    pub repo: String,
    pub revision: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub endpoint: String,
}

/// One downloaded file: what a later run checks its cached copy against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadedFile {
    pub capture: String,
    pub url: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Label counts of one split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelCounts {
    #[serde(rename = "Benign")]
    pub benign: usize,
    #[serde(rename = "Malicious")]
    pub malicious: usize,
}

/// Label counts per split of a built dataset, as the manifest records them.
pub fn split_counts(built: &[Example]) -> BTreeMap<String, LabelCounts> {
    let mut splits: BTreeMap<String, LabelCounts> = BTreeMap::new();
    for e in built {
        let c = splits
            .entry(e.info.split.clone().unwrap_or_default())
            .or_default();
        match e.answer {
            Label::Benign => c.benign += 1,
            Label::Malicious => c.malicious += 1,
        }
    }
    splits
}

/// Only `source`, `sha256` and `dataset_file` are required to read one: the rest describes the
/// build for people, and a hand-made manifest may leave it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub source: ManifestSource,
    /// SHA-256 of the downloaded file (of several: of their digests, in `downloads` order).
    pub sha256: String,
    #[serde(default)]
    pub schema: Option<String>,
    /// The built dataset, relative to the manifest's folder.
    pub dataset_file: String,
    #[serde(default)]
    pub rows_downloaded: usize,
    #[serde(default)]
    pub duplicates_dropped: usize,
    #[serde(default)]
    pub conflicting_prompts: usize,
    #[serde(default)]
    pub rows: usize,
    #[serde(default)]
    pub splits: BTreeMap<String, LabelCounts>,
    #[serde(default)]
    pub split_method: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub created_at: String,
    /// Every file downloaded (Stratosphere: one per capture).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub downloads: Vec<DownloadedFile>,
    /// Capture → split, when the source has capture ids.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub captures: BTreeMap<String, String>,
}

impl Manifest {
    /// The manifest in `dir`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, DataError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|source| DataError::Io {
            file: path.clone(),
            source,
        })?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| DataError::Format {
                file: path,
                message: format!("not a netlogs data manifest: {e}"),
            })
    }

    pub fn write(&self, dir: &Path) -> Result<(), DataError> {
        let path = dir.join(MANIFEST_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|e| DataError::Format {
            file: path.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&path, text + "\n").map_err(|source| DataError::Write { file: path, source })
    }

    pub fn dataset_path(&self, dir: &Path) -> PathBuf {
        dir.join(&self.dataset_file)
    }

    /// The dataset's name in run metadata: `fetched:REPO@REVISION`, or
    /// `fetched:stratosphere-iot23(N captures)`.
    pub fn dataset_name(&self) -> String {
        match self.source.kind {
            SourceKind::HuggingFace => {
                format!("fetched:{}@{}", self.source.repo, self.source.revision)
            }
            SourceKind::Stratosphere => format!(
                "fetched:stratosphere-iot23({} captures)",
                self.downloads.len()
            ),
        }
    }
}
