//! `metadata.json`: what ran, on what, with which settings (stored once), how it ended, and
//! when. The settings are this format's own record: the engine converts its typed settings to
//! and from it, so an engine refactor never changes a run log.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use netlogs_rubric::RubricConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::dir::RunDir;
use crate::error::Result;
use crate::migrate::metadata_v1_to_v2;
use crate::versioned::{read_versioned, Versioned};
use crate::METADATA_FILE;

/// Which command wrote a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Eval,
    Score,
}

/// How a run ended. A run's metadata says `interrupted` from its start until it ends, so a
/// run that crashed or was killed says so on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RunStatus {
    /// Every row ran (rows whose requests failed for good are error rows of a finished run).
    Finished,
    /// The run stopped launching requests: the first rows all failed alike.
    StoppedEarly { reason: String },
    /// No end was recorded: the run is still going, or it crashed or was killed
    /// (`netlogs eval --resume` finishes it).
    Interrupted,
}

impl RunStatus {
    pub fn is_finished(&self) -> bool {
        matches!(self, RunStatus::Finished)
    }

    /// One word for tables: `finished`, `stopped early`, `interrupted`.
    pub fn word(&self) -> &'static str {
        match self {
            RunStatus::Finished => "finished",
            RunStatus::StoppedEarly { .. } => "stopped early",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunStatus::StoppedEarly { reason } => write!(f, "stopped early: {reason}"),
            other => f.write_str(other.word()),
        }
    }
}

/// A data file a run read, with its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileDigest {
    pub name: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
}

/// Rows left out under `--skip-bad-rows`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SkippedRows {
    pub count: usize,
    /// The first few errors, each naming its file and line.
    pub first: Vec<String>,
}

impl SkippedRows {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Where a run's examples came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    pub files: Vec<FileDigest>,
    pub split: Option<String>,
    pub rows_available: usize,
    pub sampling: String,
    pub synthetic: bool,
    /// Split → the captures a built dataset put in it (empty for raw flows).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub captures: BTreeMap<String, Vec<String>>,
    /// Rows skipped under `--skip-bad-rows`.
    #[serde(default, skip_serializing_if = "SkippedRows::is_empty")]
    pub bad_rows: SkippedRows,
    /// Unlabelled rows left out (Stratosphere's `Background`, `Unknown`), by label.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unlabelled: BTreeMap<String, usize>,
    /// How the rows were read, worth knowing (a file whose capture rule fell back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Wall seconds of each phase of the latest session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Reading the data and drawing the sample: one pass.
    pub load: f64,
    pub requests: f64,
    pub summary: f64,
}

/// Host history under each prompt (`--context K --context-window S`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContextRecord {
    pub k: usize,
    pub window_s: f64,
}

/// An eval's settings as stored: everything `--resume` needs to rebuild the same examples and
/// requests. Names are the canonical names of the CLI's values (`builtin:heuristic`, `zeek`,
/// `auto`, `single`, `off`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    pub model: String,
    /// The API base requests went to (remote models only).
    pub api_base: Option<String>,
    pub api_key_var: String,
    /// Examples asked for (`num_examples` of the metadata is how many the run has).
    pub num_examples: usize,
    pub rollouts_per_example: u32,
    pub seed: u64,
    pub template: String,
    /// The system prompt sent.
    pub system_prompt: String,
    pub data: Vec<PathBuf>,
    pub format: Option<String>,
    pub capture: Option<String>,
    pub capture_from: String,
    pub skip_bad_rows: bool,
    /// What the read did with unlabelled rows: `skip` or `error`.
    #[serde(default = "unlabelled_skip")]
    pub unlabelled: String,
    pub context: Option<ContextRecord>,
    pub mode: String,
    pub max_turns: u32,
    pub split: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub sampling_args: Map<String, Value>,
    pub structured_output: String,
    pub max_attempts: u32,
    pub timeout_secs: f64,
    pub rubric: RubricConfig,
    /// `builtin:learned`'s model file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<PathBuf>,
    /// Which version of the lookup tools answered (`netlogs_lookup::TOOLS_VERSION`), in lookup
    /// mode. A lookup run stored before versions has none: its answers are version 1's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_tools: Option<u32>,
}

fn unlabelled_skip() -> String {
    "skip".into()
}

/// A `netlogs score` run's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRecord {
    /// The scored file.
    pub input: String,
    pub rubric: RubricConfig,
    /// Seeds the bootstrap.
    pub seed: u64,
}

/// The settings of the command that wrote the run, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "settings", rename_all = "lowercase")]
pub enum RunSettings {
    Eval(Box<EvalRecord>),
    Score(ScoreRecord),
}

/// `metadata.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub run_id: String,
    /// `kind` and `settings`.
    #[serde(flatten)]
    pub settings: RunSettings,
    /// The policy's name (`builtin:…` or the remote model); for `score`, `scored:<input>`.
    pub model: String,
    pub dataset: DatasetInfo,
    /// Examples in the run.
    pub num_examples: usize,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    #[serde(default)]
    pub resumed_at: Vec<String>,
    pub timings_s: Option<Timings>,
}

impl Metadata {
    pub fn read(dir: &Path) -> Result<Metadata> {
        read_versioned(&dir.join(METADATA_FILE))
    }

    pub fn write(&self, dir: &RunDir) -> Result<()> {
        dir.write_json(METADATA_FILE, self)
    }

    pub fn kind(&self) -> RunKind {
        match self.settings {
            RunSettings::Eval(_) => RunKind::Eval,
            RunSettings::Score(_) => RunKind::Score,
        }
    }

    /// An eval's settings; `None` for a score run.
    pub fn eval(&self) -> Option<&EvalRecord> {
        match &self.settings {
            RunSettings::Eval(e) => Some(e),
            RunSettings::Score(_) => None,
        }
    }

    pub fn rubric(&self) -> &RubricConfig {
        match &self.settings {
            RunSettings::Eval(e) => &e.rubric,
            RunSettings::Score(s) => &s.rubric,
        }
    }

    pub fn seed(&self) -> u64 {
        match &self.settings {
            RunSettings::Eval(e) => e.seed,
            RunSettings::Score(s) => s.seed,
        }
    }

    pub fn rollouts_per_example(&self) -> u32 {
        self.eval().map_or(1, |e| e.rollouts_per_example)
    }

    /// Record the end of a session: the status, and the time.
    pub fn end(&mut self, status: RunStatus) {
        self.status = status;
        self.finished_at = Some(now());
    }
}

impl Versioned for Metadata {
    fn migrate(version: u64, mut value: Value) -> std::result::Result<Value, String> {
        if version == 1 {
            value = metadata_v1_to_v2(value)?;
        }
        Ok(value)
    }
}

/// The time as run logs write it (RFC 3339, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}
