//! The run log: what a run directory holds, as types. `metadata.json`, each line of
//! `results.jsonl` and `summary.json` are read and written here and nowhere else, each with a
//! `schema_version`, so `eval`, `--resume`, `score`, reports and bench tables agree on one shape.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use netlogs_client::{ChatMessage, MessageRef, Usage};
use netlogs_data::{BadRows, ExampleInfo, Template};
use netlogs_rubric::{AnswerLabel, Components, Outcome, RubricConfig, RunMetrics, Score};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{EvalError, Result};
use crate::run_dir::RunDir;
use crate::settings::EvalSettings;

/// The version of every file of the run log. Bump it when a field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 1;

pub const METADATA_FILE: &str = "metadata.json";
pub const SUMMARY_FILE: &str = "summary.json";
pub const RESULTS_FILE: &str = "results.jsonl";

/// Which command wrote a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Eval,
    Score,
}

/// A data file a run read, with its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileDigest {
    pub name: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
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
    #[serde(default, skip_serializing_if = "BadRows::is_empty")]
    pub bad_rows: BadRows,
}

/// Wall seconds of each phase of the latest session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub load: f64,
    pub sample: f64,
    pub requests: f64,
    pub summary: f64,
}

/// `metadata.json`: what ran, on what, with which settings, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub kind: RunKind,
    pub run_id: String,
    /// The policy's name (`builtin:…` or the remote model); for `score`, the input file.
    pub model: String,
    pub api_base: Option<String>,
    pub seed: u64,
    pub num_examples: usize,
    pub rollouts_per_example: u32,
    pub sampling_args: Map<String, Value>,
    pub template: Option<Template>,
    pub system_prompt: Option<String>,
    pub dataset: DatasetInfo,
    pub rubric: RubricConfig,
    /// Everything `--resume` needs to rebuild the same run (eval only).
    pub settings: Option<EvalSettings>,
    pub started_at: String,
    pub finished_at: Option<String>,
    #[serde(default)]
    pub resumed_at: Vec<String>,
    pub timings_s: Option<Timings>,
}

/// Token use and its cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageSummary {
    pub rows: usize,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub tokens_per_example: Option<f64>,
    pub cost_usd: Option<f64>,
    pub cost_per_example_usd: Option<f64>,
    pub price_table_as_of: String,
    pub cached_rows: usize,
    pub http_attempts: u64,
    pub retries: u64,
}

/// `summary.json`: every metric, and the usage block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub schema_version: u32,
    #[serde(flatten)]
    pub metrics: RunMetrics,
    /// Answers the server cut at the token limit (`finish_reason: "length"`): usually
    /// truncated JSON, scored as invalid, and fixed by a larger `-t/--max-tokens`.
    #[serde(default)]
    pub truncated: usize,
    pub usage: UsageSummary,
}

/// What the rubric read from the completion, kept for debugging answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedSummary {
    pub label: Option<AnswerLabel>,
    pub confidence: Option<f64>,
    pub outcome: Outcome,
}

impl From<&Score> for ParsedSummary {
    fn from(score: &Score) -> ParsedSummary {
        ParsedSummary {
            label: score.label,
            confidence: score.confidence,
            outcome: score.outcome,
        }
    }
}

/// One rollout's line in results.jsonl, as written: it borrows from the sample and the answer.
/// Field names follow verifiers' results.jsonl, so other tools read it as is.
#[derive(Debug, Serialize)]
pub struct ResultRow<'a> {
    pub example_id: &'a str,
    pub rollout: u32,
    /// The messages sent, as sent.
    pub prompt: &'a RawValue,
    /// The assistant's reply (the whole lookup conversation after the prompt, in lookup
    /// mode); empty for an error row.
    pub completion: RowCompletion<'a>,
    pub answer: &'a str,
    pub info: &'a ExampleInfo,
    pub reward: Option<f64>,
    pub metrics: Option<&'a Components>,
    pub parsed: Option<ParsedSummary>,
    pub finish_reason: Option<&'a str>,
    /// Token usage as the server reported it (none for builtin policies).
    pub usage: Option<Usage>,
    pub latency_ms: f64,
    /// HTTP attempts made (0 when served from the response cache).
    pub attempts: u32,
    /// Served from the local response cache.
    pub cached: bool,
    pub error: Option<&'a str>,
}

/// A row's `completion`: a message list, as in verifiers.
#[derive(Debug, Clone, Copy)]
pub enum RowCompletion<'a> {
    /// An error row: `[]`.
    None,
    /// One assistant message.
    Text(&'a str),
    /// Several turns (assistant `tool_calls`, `tool` results, the final answer), as sent.
    Messages(&'a RawValue),
}

impl Serialize for RowCompletion<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            RowCompletion::None => s.collect_seq(std::iter::empty::<MessageRef>()),
            RowCompletion::Text(content) => s.collect_seq([MessageRef {
                role: "assistant",
                content,
            }]),
            RowCompletion::Messages(raw) => raw.serialize(s),
        }
    }
}

/// Tool messages in a stored completion: the tool calls a lookup rollout made.
pub fn tool_calls_in(completion: &[ChatMessage]) -> usize {
    completion.iter().filter(|m| m.role == "tool").count()
}

/// The fields of a stored eval row that summaries and resume need, as read back: the prompt
/// is left unread, so re-reading 100k rows stays small.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredRow {
    pub example_id: String,
    pub rollout: u32,
    #[serde(default)]
    pub completion: Vec<ChatMessage>,
    pub answer: String,
    pub info: ExampleInfo,
    pub usage: Option<Usage>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub cached: bool,
    pub error: Option<String>,
}

/// A result row as reports and comparisons read it, from an eval or a score run: every field
/// optional, so foreign results files read too.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportRow {
    /// A string in netlogs runs; verifiers numbers its examples.
    #[serde(default)]
    pub example_id: Option<Value>,
    #[serde(default)]
    pub rollout: u32,
    #[serde(default)]
    pub prompt: Option<Value>,
    #[serde(default)]
    pub completion: Option<Value>,
    #[serde(default)]
    pub answer: Option<Value>,
    #[serde(default)]
    pub info: Option<Value>,
    pub reward: Option<f64>,
    pub metrics: Option<Components>,
    pub parsed: Option<ParsedSummary>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    pub error: Option<String>,
}

impl ReportRow {
    /// The row's example id as text; `line-N` when it has none.
    pub fn id(&self, line: usize) -> String {
        match &self.example_id {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => format!("line-{line}"),
            Some(other) => other.to_string(),
        }
    }
}

/// The names verifiers environments give the breakdown keys inside `info`.
pub const CAPTURE_KEYS: [&str; 2] = ["capture", "scenario"];
pub const FAMILY_KEYS: [&str; 3] = ["family", "attack_family", "detailed_label"];
pub const SOURCE_KEYS: [&str; 2] = ["source", "dataset"];

/// A breakdown key from a row's `info`, under any of `keys`.
pub fn info_key(info: Option<&Value>, keys: &[&str]) -> Option<String> {
    let info = info?.as_object()?;
    keys.iter()
        .find_map(|k| info.get(*k))
        .and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
}

/// A `netlogs score` output line: the input row's own fields kept as they were, with the
/// rubric's fields set.
#[derive(Debug, Serialize)]
pub struct ScoredInputRow {
    #[serde(flatten)]
    pub input: Map<String, Value>,
    pub reward: Option<f64>,
    pub metrics: Option<Components>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parsed: Option<ParsedSummary>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(EvalError::io("read", path))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| EvalError::content(path, 0, format!("not valid JSON: {e}")))?;
    match value.get("schema_version").map(Value::as_u64) {
        Some(Some(v)) if v == u64::from(SCHEMA_VERSION) => {}
        Some(Some(v)) => {
            return Err(EvalError::content(
                path,
                0,
                format!("run log schema_version {v} is not one this netlogs reads ({SCHEMA_VERSION}); use the netlogs version that wrote it"),
            ))
        }
        _ => {
            return Err(EvalError::content(
                path,
                0,
                format!("no schema_version: written by a netlogs older than run log version {SCHEMA_VERSION}, or not a netlogs run log"),
            ))
        }
    }
    serde_json::from_value(value).map_err(|e| EvalError::content(path, 0, e.to_string()))
}

impl Metadata {
    pub fn read(dir: &Path) -> Result<Metadata> {
        read_json(&dir.join(METADATA_FILE))
    }

    pub fn write(&self, dir: &RunDir) -> Result<()> {
        dir.write_json(METADATA_FILE, self)
    }
}

impl Summary {
    pub fn read(dir: &Path) -> Result<Summary> {
        read_json(&dir.join(SUMMARY_FILE))
    }

    pub fn write(&self, dir: &RunDir) -> Result<()> {
        dir.write_json(SUMMARY_FILE, self)
    }
}

/// A run directory's metadata and summary, read together.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub dir: PathBuf,
    pub metadata: Metadata,
    pub summary: Summary,
}

impl RunRecord {
    pub fn read(dir: &Path) -> Result<RunRecord> {
        Ok(RunRecord {
            dir: dir.to_path_buf(),
            metadata: Metadata::read(dir)?,
            summary: Summary::read(dir)?,
        })
    }
}

/// Every run directory at or under `root` (a directory holding a metadata.json), sorted.
/// Symbolic links to folders are not followed, so a link loop cannot trap the walk.
pub fn find_runs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join(METADATA_FILE).is_file() {
            out.push(dir);
            continue;
        }
        if let Ok(entries) = std::fs::read_dir(&dir) {
            stack.extend(
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            );
        }
    }
    out.sort();
    out
}

/// Call `f(line_number, row)` for every row of a results.jsonl, streaming; a malformed line is
/// an error naming it.
pub fn for_each_row<T: serde::de::DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(usize, T) -> Result<()>,
) -> Result<()> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(EvalError::io("read", path))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(EvalError::io("read", path))?;
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(&line)
            .map_err(|e| EvalError::content(path, i + 1, format!("not a valid result row: {e}")))?;
        f(i + 1, row)?;
    }
    Ok(())
}
