//! Errors reading or writing a run log; each names the file, and the line when there is one.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RunLogError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but its content is wrong; `line` is 1-based, 0 for the whole file.
    #[error("{}{}: {message}", path.display(), line_suffix(*line))]
    Content {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

impl RunLogError {
    pub fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> RunLogError {
        let path = path.to_path_buf();
        move |source| RunLogError::Io {
            action,
            path,
            source,
        }
    }

    pub fn content(path: &Path, line: usize, message: impl Into<String>) -> RunLogError {
        RunLogError::Content {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, RunLogError>;
