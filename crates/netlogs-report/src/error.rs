//! What a report or comparison can fail on.

use netlogs_runlog::RunLogError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    RunLog(#[from] RunLogError),
    /// The runs of a comparison do not hold the same rows.
    #[error("{0}")]
    NotPaired(String),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}
