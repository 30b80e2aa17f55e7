//! Reading run logs: a versioned file through its migrations, the lines of a results file,
//! and the run directories under a folder.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{Result, RunLogError};
use crate::metadata::Metadata;
use crate::summary::Summary;
use crate::METADATA_FILE;

/// Call `f(line_number, text)` for every non-blank line of a results file, streaming. A line
/// that is not UTF-8 is an error naming it.
pub fn for_each_line(path: &Path, mut f: impl FnMut(usize, &str) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(RunLogError::io("read", path))?;
    let mut reader = std::io::BufReader::new(file);
    let mut bytes = Vec::new();
    for n in 1.. {
        bytes.clear();
        let read = reader
            .read_until(b'\n', &mut bytes)
            .map_err(RunLogError::io("read", path))?;
        if read == 0 {
            break;
        }
        // A line that is not UTF-8 is that line's error, not the file's.
        let line = std::str::from_utf8(&bytes)
            .map_err(|e| RunLogError::content(path, n, format!("not valid UTF-8: {e}")))?;
        if !line.trim().is_empty() {
            f(n, line)?;
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
        let row = parse_row(text).map_err(|m| RunLogError::content(path, n, m))?;
        f(n, row)
    })
}

/// One results line read as `T`; the error names the field at fault (`parsed.outcome: unknown
/// variant …`) when the line is JSON of the wrong shape.
pub fn parse_row<'a, T: serde::Deserialize<'a>>(text: &'a str) -> std::result::Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let row = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "." => format!("not a valid result row: {}", e.inner()),
            _ => format!("not a valid result row: field `{path}`: {}", e.inner()),
        }
    })?;
    de.end()
        .map_err(|e| format!("not a valid result row: {e}"))?;
    Ok(row)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `run_log` fuzz target: a results line that is not UTF-8 was a whole-file
    /// read error without its line.
    #[test]
    fn a_line_that_is_not_utf8_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("results.jsonl");
        std::fs::write(&path, b"{\"a\": 1}\n\n{\"b\": \"\xff\"}\n").expect("write");
        let mut seen = Vec::new();
        let e = for_each_line(&path, |n, _| {
            seen.push(n);
            Ok(())
        })
        .expect_err("line 3");
        assert_eq!(seen, [1]);
        assert!(matches!(e, RunLogError::Content { line: 3, .. }), "{e}");
        assert!(
            e.to_string().contains("results.jsonl:3: not valid UTF-8"),
            "{e}"
        );
    }
}
