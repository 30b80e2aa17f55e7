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
        self.append_unflushed(row)?;
        self.flush()
    }

    /// Append one row to the buffer; call [`RunDir::flush`] once the rows at hand are written.
    pub fn append_unflushed<T: Serialize>(&mut self, row: &T) -> Result<()> {
        serde_json::to_writer(&mut self.results, row)?;
        self.results.write_all(b"\n")?;
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        self.results
            .flush()
            .with_context(|| format!("cannot write results in {}", self.path.display()))
    }

    /// Reopen an interrupted run for appending. A torn last line (a crash mid-write) is cut
    /// off first, so the file again holds only whole rows.
    pub fn reopen(path: PathBuf) -> Result<RunDir> {
        let results = path.join("results.jsonl");
        repair_torn_tail(&results)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&results)
            .with_context(|| format!("cannot open {}", results.display()))?;
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
        self.path.join("results.jsonl")
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

/// Cut everything after the last newline if the last line does not parse as JSON.
fn repair_torn_tail(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let cut = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if serde_json::from_slice::<serde_json::Value>(&bytes[cut..]).is_ok() {
        // A whole row that only lacks its newline: keep it.
        let mut f = OpenOptions::new().append(true).open(path)?;
        f.write_all(b"\n")?;
        return Ok(());
    }
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(cut as u64)
        .with_context(|| format!("cannot repair {}", path.display()))
}

/// Call `f(line_number, row)` for every row of a results.jsonl, streaming; a malformed line is
/// an error naming it.
pub fn for_each_row<T: serde::de::DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(usize, T) -> Result<()>,
) -> Result<()> {
    use std::io::BufRead;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}: cannot read", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a valid result row", path.display(), i + 1))?;
        f(i + 1, row)?;
    }
    Ok(())
}
