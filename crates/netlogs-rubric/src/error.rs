/// Errors in rubric configuration or gold labels (a completion itself never errors: any text
/// scores).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RubricError {
    #[error("rubric config: {0}")]
    Config(String),
    #[error("gold answer {0} is not Benign/Malicious (or 0/1, true/false)")]
    Gold(String),
}
