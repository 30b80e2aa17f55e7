//! The dated price table behind cost estimates.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{EvalError, Result};

const BUILTIN: &str = include_str!("prices.toml");

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// USD per 1M prompt tokens.
    pub input: f64,
    /// USD per 1M completion tokens.
    pub output: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub as_of: String,
    pub models: BTreeMap<String, Price>,
}

impl PriceTable {
    pub fn load(path: Option<&Path>) -> Result<PriceTable> {
        match path {
            None => toml::from_str(BUILTIN)
                .map_err(|e| EvalError::invalid(format!("built-in price table: {e}"))),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(EvalError::io("read price table", p))?;
                toml::from_str(&text).map_err(|e| EvalError::content(p, 0, e.to_string()))
            }
        }
    }

    /// The price of `model`, also under a provider prefix such as `openai/gpt-4o-mini`.
    pub fn price(&self, model: &str) -> Option<Price> {
        self.models.get(model).copied().or_else(|| {
            model
                .rsplit_once('/')
                .and_then(|(_, m)| self.models.get(m).copied())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses() {
        let t = PriceTable::load(None).expect("table");
        assert!(t.price("gpt-4o-mini").is_some());
        assert!(t.price("openai/gpt-4o-mini").is_some());
        assert!(t.price("llama-3-8b").is_none());
    }
}
