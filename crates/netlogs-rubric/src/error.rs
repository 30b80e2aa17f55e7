/// Errors in rubric configuration, gold labels or the shape of a completion (any text scores;
/// only a completion that is neither text nor messages errors).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RubricError {
    #[error("rubric config: {0}")]
    Config(String),
    #[error("gold answer {0} is not Benign/Malicious (or 0/1, true/false)")]
    Gold(String),
    /// A completion of a shape no answer can be read from (not text, messages or null).
    #[error("completion: {0}")]
    Completion(String),
}
