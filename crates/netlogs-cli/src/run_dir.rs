//! A run's directory: results appended and flushed row by row, the rest written atomically.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

pub struct RunDir {
    pub path: PathBuf,
    pub run_id: String,
    results: BufWriter<File>,
}

/// `20261126-171500-3fa2`: sortable by time, unique enough for concurrent runs.
pub fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let salt =
        (now.timestamp_subsec_nanos() ^ std::process::id().wrapping_mul(2_654_435_761)) & 0xffff;
    format!("{}-{salt:04x}", now.format("%Y%m%d-%H%M%S"))
}

/// Model names become one safe path component (`builtin:heuristic` → `builtin-heuristic`).
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl RunDir {
    /// Create `path` (which must not hold a results.jsonl yet) and open its results file.
    pub fn create(path: PathBuf, run_id: String) -> Result<RunDir> {
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create run directory {}", path.display()))?;
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(path.join("results.jsonl"))
            .with_context(|| format!("cannot create {}", path.join("results.jsonl").display()))?;
        Ok(RunDir {
            path,
            run_id,
            results: BufWriter::new(file),
        })
    }

    /// Append one row and flush it, so a crash loses at most the row being written.
    pub fn append<T: Serialize>(&mut self, row: &T) -> Result<()> {
        serde_json::to_writer(&mut self.results, row)?;
        self.results.write_all(b"\n")?;
        self.results
            .flush()
            .with_context(|| format!("cannot write results in {}", self.path.display()))
    }

    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value)?;
        text.push('\n');
        self.write_text(name, &text)
    }

    /// Write via a temporary file and rename, so readers never see half a file.
    pub fn write_text(&self, name: &str, text: &str) -> Result<()> {
        write_atomic(&self.path.join(name), text)
    }
}

pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}
