//! Reading run logs: a versioned file through its migrations, the lines of a results file,
//! and the run directories under a folder.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{Result, RunLogError};
use crate::metadata::Metadata;
use crate::summary::Summary;
use crate::METADATA_FILE;

/// Call `f(line_number, text)` for every non-blank line of a results file, streaming.
pub fn for_each_line(path: &Path, mut f: impl FnMut(usize, &str) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(RunLogError::io("read", path))?;
    let mut reader = std::io::BufReader::new(file);
    let mut line = String::new();
    for n in 1.. {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(RunLogError::io("read", path))?;
        if read == 0 {
            break;
        }
        if !line.trim().is_empty() {
            f(n, &line)?;
        }
    }
    Ok(())
}

/// Call `f(line_number, row)` for every line of a results file read as `T`; a malformed line
/// is an error naming it.
pub fn for_each_row<T: DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(usize, T) -> Result<()>,
) -> Result<()> {
    for_each_line(path, |n, text| {
        let row = serde_json::from_str(text)
            .map_err(|e| RunLogError::content(path, n, format!("not a valid result row: {e}")))?;
        f(n, row)
    })
}

/// The run directories at or under `root` (folders holding a metadata.json), sorted, and the
/// folders that could not be listed, with why. Symbolic links to folders are not followed,
/// so a link loop cannot trap the walk.
#[derive(Debug, Default)]
pub struct FoundRuns {
    pub runs: Vec<PathBuf>,
    pub unreadable: Vec<(PathBuf, String)>,
}

pub fn find_runs(root: &Path) -> FoundRuns {
    let mut found = FoundRuns::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join(METADATA_FILE).is_file() {
            found.runs.push(dir);
            continue;
        }
        match std::fs::read_dir(&dir) {
            Ok(entries) => stack.extend(
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            ),
            Err(e) => found.unreadable.push((dir, e.to_string())),
        }
    }
    found.runs.sort();
    found.unreadable.sort();
    found
}

/// A run directory's metadata and summary, read together.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub dir: PathBuf,
    pub metadata: Metadata,
    pub summary: Summary,
}

impl RunRecord {
    /// Why the run stopped early, with the hint a user needs next; `None` if it did not.
    /// Never contains the key.
    pub fn stop_message(&self) -> Option<&str> {
        match &self.metadata.status {
            crate::RunStatus::StoppedEarly { reason } => Some(reason),
            _ => None,
        }
    }

    pub fn read(dir: &Path) -> Result<RunRecord> {
        Ok(RunRecord {
            dir: dir.to_path_buf(),
            metadata: Metadata::read(dir)?,
            summary: Summary::read(dir)?,
        })
    }
}
