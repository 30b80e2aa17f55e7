//! The engine's errors. Each names the file, line or setting at fault; none carries a secret
//! (request errors are scrubbed by the client before they get here).

use std::path::{Path, PathBuf};

use netlogs_client::RequestError;
use netlogs_data::DataError;
use netlogs_rubric::RubricError;
use netlogs_runlog::RunLogError;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Rubric(#[from] RubricError),
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    RunLog(#[from] RunLogError),
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file was read but its content is wrong; `line` is 1-based, 0 for the whole file.
    #[error("{}{}: {message}", path.display(), line_suffix(*line))]
    Content {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A setting or request that cannot run as given.
    #[error("{0}")]
    Invalid(String),
}

fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

impl EvalError {
    pub fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> EvalError {
        let path = path.to_path_buf();
        move |source| EvalError::Io {
            action,
            path,
            source,
        }
    }

    pub fn content(path: &Path, line: usize, message: impl Into<String>) -> EvalError {
        EvalError::Content {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> EvalError {
        EvalError::Invalid(message.into())
    }
}

pub type Result<T, E = EvalError> = std::result::Result<T, E>;
