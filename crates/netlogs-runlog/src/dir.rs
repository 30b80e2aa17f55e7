//! A run's directory: results appended and flushed row by row, the rest written atomically.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Result, RunLogError};
use crate::RESULTS_FILE;

/// A run directory open for writing: `results.jsonl` appended row by row, the other files
/// written whole and atomically.
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
        std::fs::create_dir_all(&path).map_err(RunLogError::io("create run directory", &path))?;
        let results = path.join(RESULTS_FILE);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&results)
            .map_err(RunLogError::io("create", &results))?;
        Ok(RunDir {
            path,
            run_id,
            results: BufWriter::new(file),
        })
    }

    /// Append one row and flush it, so a crash loses at most the row being written.
    pub fn append<T: Serialize>(&mut self, row: &T) -> Result<()> {
        self.append_unflushed(row)?;
        self.flush()
    }

    /// Append one row to the buffer; call [`RunDir::flush`] once the rows at hand are written.
    pub fn append_unflushed<T: Serialize>(&mut self, row: &T) -> Result<()> {
        let path = &self.path;
        serde_json::to_writer(&mut self.results, row).map_err(|e| {
            RunLogError::content(path, 0, format!("cannot write a result row: {e}"))
        })?;
        self.results
            .write_all(b"\n")
            .map_err(RunLogError::io("write results in", path))
    }

    pub fn flush(&mut self) -> Result<()> {
        self.results
            .flush()
            .map_err(RunLogError::io("write results in", &self.path))
    }

    /// Reopen an interrupted run for appending. A torn last line (a crash mid-write) is cut
    /// off first, so the file again holds only whole rows.
    pub fn reopen(path: PathBuf) -> Result<RunDir> {
        let results = path.join(RESULTS_FILE);
        repair_torn_tail(&results)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&results)
            .map_err(RunLogError::io("open", &results))?;
        let run_id = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(RunDir {
            path,
            run_id,
            results: BufWriter::new(file),
        })
    }

    pub fn results_path(&self) -> PathBuf {
        self.path.join(RESULTS_FILE)
    }

    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value)
            .map_err(|e| RunLogError::content(&self.path.join(name), 0, e.to_string()))?;
        text.push('\n');
        self.write_text(name, &text)
    }

    /// Write via a temporary file and rename, so readers never see half a file.
    pub fn write_text(&self, name: &str, text: &str) -> Result<()> {
        write_atomic(&self.path.join(name), text)
    }
}

/// Write `path` whole or not at all: through `<path>.tmp` (its own name appended, so `run.eval`
/// and `run.json` never share one), renamed into place. A run killed midway leaves that file,
/// which the next write of the same path replaces.
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    let tmp = temporary_of(path);
    std::fs::write(&tmp, bytes).map_err(RunLogError::io("write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(RunLogError::io("write", path))
}

/// Where `path` is written before it is renamed into place.
pub fn temporary_of(path: &Path) -> std::path::PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    tmp.into()
}

/// Cut everything after the last newline if the last line does not parse as JSON.
fn repair_torn_tail(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(RunLogError::io("read", path))?;
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let cut = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if serde_json::from_slice::<serde_json::Value>(&bytes[cut..]).is_ok() {
        // A whole row that only lacks its newline: keep it.
        let mut f = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(RunLogError::io("repair", path))?;
        return f.write_all(b"\n").map_err(RunLogError::io("repair", path));
    }
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(RunLogError::io("repair", path))?;
    f.set_len(cut as u64)
        .map_err(RunLogError::io("repair", path))
}

#[cfg(test)]
mod atomic_tests {
    use super::*;

    #[test]
    fn each_file_has_its_own_temporary() {
        let dir = tempfile::tempdir().expect("tmp");
        let (eval, json) = (dir.path().join("run.eval"), dir.path().join("run.json"));
        assert_ne!(temporary_of(&eval), temporary_of(&json));
        assert_eq!(temporary_of(&eval), dir.path().join("run.eval.tmp"));
        write_atomic(&eval, b"zip").expect("write");
        write_atomic(&json, "{}").expect("write");
        assert_eq!(std::fs::read(&eval).expect("read"), b"zip");
        assert!(!temporary_of(&eval).exists() && !temporary_of(&json).exists());
    }
}
