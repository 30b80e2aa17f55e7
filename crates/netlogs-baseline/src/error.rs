//! What training or loading a model can fail on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    /// The learner refused its data or its own model.
    #[error("model: {0}")]
    Model(String),
    /// The examples cannot train a model (too few, or one class only).
    #[error("{0}")]
    Data(String),
}
