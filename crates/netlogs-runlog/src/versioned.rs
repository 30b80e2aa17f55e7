//! Whole-file JSON of the run log with a `schema_version`: read through the migrations from
//! an older version, refused when newer or unversioned.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Result, RunLogError};
use crate::SCHEMA_VERSION;

/// A whole-file JSON of the run log, with the steps from older versions.
pub trait Versioned: DeserializeOwned {
    /// Rewrite `value`, of `version`, into the current version.
    fn migrate(version: u64, value: Value) -> std::result::Result<Value, String>;
}

/// Read a whole-file JSON of the run log, migrating an older `schema_version` to this one.
/// A file from a newer netlogs, or without a version, is refused with a message saying so.
pub fn read_versioned<T: Versioned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(RunLogError::io("read", path))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| RunLogError::content(path, 0, format!("not valid JSON: {e}")))?;
    let version = match value.get("schema_version").map(Value::as_u64) {
        Some(Some(v)) => v,
        _ => {
            return Err(RunLogError::content(
                path,
                0,
                "no schema_version: written by a netlogs older than run log version 1, or not a netlogs run log",
            ))
        }
    };
    if version > u64::from(SCHEMA_VERSION) {
        return Err(RunLogError::content(
            path,
            0,
            format!("run log schema_version {version} is newer than this netlogs reads ({SCHEMA_VERSION}); use the netlogs version that wrote it"),
        ));
    }
    let value = T::migrate(version, value).map_err(|m| RunLogError::content(path, 0, m))?;
    serde_json::from_value(value).map_err(|e| RunLogError::content(path, 0, e.to_string()))
}
