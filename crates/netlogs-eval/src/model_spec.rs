//! Which policy a `--model` name selects: `builtin:<name>` runs offline (`builtin:learned`
//! with a trained model file), any other name is a remote OpenAI-compatible model. Stored in
//! run settings as the name the user wrote.

use std::fmt;
use std::str::FromStr;

use crate::builtin::BuiltinPolicy;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ModelSpec {
    Builtin(BuiltinPolicy),
    /// The learned, calibrated flow classifier (`--baseline model.json`).
    Learned,
    Remote(String),
}

/// The name of the learned baseline.
pub const LEARNED: &str = "learned";

/// Every offline policy as the command line names it.
pub fn offline_names() -> Vec<String> {
    let mut names = BuiltinPolicy::names();
    names.push(format!("builtin:{LEARNED}"));
    names
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("unknown builtin policy `{0}`; available: {list}", list = offline_names().join(", "))]
    UnknownBuiltin(String),
    #[error("empty model name")]
    Empty,
}

impl FromStr for ModelSpec {
    type Err = SpecError;

    fn from_str(name: &str) -> Result<ModelSpec, SpecError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(SpecError::Empty);
        }
        match name.strip_prefix("builtin:") {
            Some(LEARNED) => Ok(ModelSpec::Learned),
            Some(b) => b
                .parse()
                .map(ModelSpec::Builtin)
                .map_err(|_| SpecError::UnknownBuiltin(b.to_string())),
            None => Ok(ModelSpec::Remote(name.to_string())),
        }
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSpec::Builtin(b) => write!(f, "builtin:{b}"),
            ModelSpec::Learned => write!(f, "builtin:{LEARNED}"),
            ModelSpec::Remote(m) => f.write_str(m),
        }
    }
}

impl TryFrom<String> for ModelSpec {
    type Error = SpecError;

    fn try_from(s: String) -> Result<ModelSpec, SpecError> {
        s.parse()
    }
}

impl From<ModelSpec> for String {
    fn from(m: ModelSpec) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        assert_eq!(
            "builtin:heuristic".parse(),
            Ok(ModelSpec::Builtin(BuiltinPolicy::Heuristic))
        );
        assert_eq!(
            "gpt-4o-mini".parse(),
            Ok(ModelSpec::Remote("gpt-4o-mini".into()))
        );
        assert!("builtin:oracle".parse::<ModelSpec>().is_err());
        assert_eq!("builtin:learned".parse(), Ok(ModelSpec::Learned));
        assert_eq!(ModelSpec::Learned.to_string(), "builtin:learned");
        assert!(" ".parse::<ModelSpec>().is_err());
        let spec = ModelSpec::Builtin(BuiltinPolicy::AlwaysMalicious);
        let json = serde_json::to_string(&spec).expect("json");
        assert_eq!(json, "\"builtin:always-malicious\"");
        assert_eq!(
            serde_json::from_str::<ModelSpec>(&json).expect("back"),
            spec
        );
    }
}
