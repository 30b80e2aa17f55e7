use crate::builtin::BuiltinPolicy;

/// Which policy a `--model` name selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSpec {
    Builtin(BuiltinPolicy),
    Remote(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("unknown builtin policy `{0}`; available: {list}", list = BuiltinPolicy::names().join(", "))]
    UnknownBuiltin(String),
    #[error("empty model name")]
    Empty,
}

impl ModelSpec {
    pub fn parse(name: &str) -> Result<ModelSpec, SpecError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(SpecError::Empty);
        }
        match name.strip_prefix("builtin:") {
            Some(b) => BuiltinPolicy::parse(b)
                .map(ModelSpec::Builtin)
                .ok_or_else(|| SpecError::UnknownBuiltin(b.to_string())),
            None => Ok(ModelSpec::Remote(name.to_string())),
        }
    }

    /// The name as the user writes it.
    pub fn name(&self) -> String {
        match self {
            ModelSpec::Builtin(b) => format!("builtin:{}", b.name()),
            ModelSpec::Remote(m) => m.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            ModelSpec::parse("builtin:heuristic"),
            Ok(ModelSpec::Builtin(BuiltinPolicy::Heuristic))
        );
        assert_eq!(
            ModelSpec::parse("gpt-4o-mini"),
            Ok(ModelSpec::Remote("gpt-4o-mini".into()))
        );
        assert!(ModelSpec::parse("builtin:oracle").is_err());
        assert!(ModelSpec::parse(" ").is_err());
    }
}
