//! Format detection and the single entry point for reading a data file.

use std::path::Path;

use crate::csv_export::parse_iot23_csv;
use crate::error::DataError;
use crate::record::{capture_id_from_name, LabeledFlow};
use crate::zeek::parse_zeek;

/// The file formats netlogs reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// Zeek `conn.log` / IoT-23 `conn.log.labeled`.
    Zeek,
    /// CSV/TSV export of IoT-23 conn logs (Zeek or renamed column names).
    Iot23Csv,
}

impl SourceFormat {
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Zeek => "zeek",
            SourceFormat::Iot23Csv => "iot23-csv",
        }
    }

    pub fn parse(name: &str) -> Option<SourceFormat> {
        match name {
            "zeek" => Some(SourceFormat::Zeek),
            "iot23-csv" | "csv" => Some(SourceFormat::Iot23Csv),
            _ => None,
        }
    }

    /// Detect the format from the file's first bytes, not its name.
    pub fn detect(bytes: &[u8]) -> Option<SourceFormat> {
        let head = &bytes[..bytes.len().min(4096)];
        let head = String::from_utf8_lossy(head);
        let first = head.lines().find(|l| !l.trim().is_empty())?;
        if first.starts_with("#separator") || first.starts_with("#fields") {
            return Some(SourceFormat::Zeek);
        }
        let cols: Vec<&str> = first.split([',', '\t']).map(str::trim).collect();
        (cols.contains(&"label") && cols.len() > 3).then_some(SourceFormat::Iot23Csv)
    }
}

/// Read a file from disk and parse it (format detected unless given).
pub fn load_path(
    path: &Path,
    format: Option<SourceFormat>,
    capture: Option<&str>,
) -> Result<Vec<LabeledFlow>, DataError> {
    if path.is_dir() {
        return Err(DataError::IsDirectory {
            file: path.to_path_buf(),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    load_bytes(path, &bytes, format, capture)
}

/// Parse bytes that came from `path` (used for messages and for the capture id).
pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    format: Option<SourceFormat>,
    capture: Option<&str>,
) -> Result<Vec<LabeledFlow>, DataError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::Empty {
            file: path.to_path_buf(),
        });
    }
    let format = match format.or_else(|| SourceFormat::detect(bytes)) {
        Some(f) => f,
        None => {
            return Err(DataError::Format {
                file: path.to_path_buf(),
                message: "unrecognised format (expected a Zeek conn log or a CSV with a `label` column); pass --format".into(),
            })
        }
    };
    let derived = path
        .file_name()
        .and_then(|n| capture_id_from_name(&n.to_string_lossy()));
    let capture = capture.map(str::to_string).or(derived);
    match format {
        SourceFormat::Zeek => parse_zeek(path, bytes, "iot23", capture.as_deref()),
        SourceFormat::Iot23Csv => parse_iot23_csv(path, bytes, "iot23", capture.as_deref()),
    }
}
