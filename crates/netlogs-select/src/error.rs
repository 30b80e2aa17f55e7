use std::path::PathBuf;

use netlogs_runlog::RunLogError;

#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error(transparent)]
    RunLog(#[from] RunLogError),
    #[error("{path}: cannot write the selection: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The runs cannot support the strategy (too few rollouts, no rows).
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Output(String),
}
