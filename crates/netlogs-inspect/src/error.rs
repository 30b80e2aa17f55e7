use netlogs_runlog::RunLogError;

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(transparent)]
    RunLog(#[from] RunLogError),
    #[error("cannot write the inspect log: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the .eval zip: {0}")]
    Zip(String),
    #[error("{0}")]
    Output(String),
}

impl From<zip::result::ZipError> for InspectError {
    fn from(e: zip::result::ZipError) -> InspectError {
        InspectError::Zip(e.to_string())
    }
}
