//! Format detection from content, and the single entry point for reading a data file.

use std::path::Path;

use crate::capture::{capture_of_file, CaptureFrom};
use crate::csv_export::parse_iot23_csv;
use crate::error::DataError;
use crate::example::Example;
use crate::ood::{parse_cicids, parse_unsw};
use crate::parquet::{
    is_example_columns, parquet_columns, parse_examples_parquet, parse_hf_parquet,
    read_parquet_frame,
};
use crate::prepared::parse_prepared;
use crate::record::LabeledFlow;
use crate::stream::{DataReader, ReadOptions, Row};
use crate::zeek::parse_zeek;

/// The file formats netlogs reads.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
pub enum SourceFormat {
    /// Zeek `conn.log` / IoT-23 `conn.log.labeled`.
    #[serde(rename = "zeek")]
    #[strum(serialize = "zeek")]
    Zeek,
    /// CSV/TSV export of IoT-23 conn logs (Zeek or renamed column names).
    #[serde(rename = "iot23-csv", alias = "csv")]
    #[strum(to_string = "iot23-csv", serialize = "csv")]
    Iot23Csv,
    /// Hugging Face IoT-23 parquet (`iot-23-preprocessed` or `…-minimumcolumns`).
    #[serde(rename = "parquet")]
    #[strum(serialize = "parquet")]
    Parquet,
    /// Prepared JSONL of the Python reference (`question`, `answer`, `meta`).
    #[serde(rename = "verifiers", alias = "jsonl", alias = "prepared")]
    #[strum(to_string = "verifiers", serialize = "jsonl", serialize = "prepared")]
    Prepared,
    /// CIC-IDS-2017 CICFlowMeter CSV.
    #[serde(rename = "cicids2017")]
    #[strum(serialize = "cicids2017")]
    CicIds,
    /// UNSW-NB15 partitioned CSV.
    #[serde(rename = "unsw-nb15")]
    #[strum(serialize = "unsw-nb15")]
    Unsw,
}

/// What a file holds: raw flows (rendered later with a template), or prepared examples.
#[derive(Debug)]
pub enum Loaded {
    Flows(Vec<LabeledFlow>),
    Prepared(Vec<Example>),
}

impl SourceFormat {
    /// Detect the format from the file's first bytes, not its name.
    pub fn detect(bytes: &[u8]) -> Option<SourceFormat> {
        if bytes.starts_with(b"PAR1") {
            return Some(SourceFormat::Parquet);
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]);
        let first = head.lines().find(|l| !l.trim().is_empty())?;
        if first.starts_with("#separator")
            || first.starts_with("#fields")
            || head.lines().any(|l| l.starts_with("#fields\t"))
        {
            return Some(SourceFormat::Zeek);
        }
        if first.trim_start().starts_with('{') {
            return Some(SourceFormat::Prepared);
        }
        let cols: Vec<&str> = first.split([',', '\t']).map(str::trim).collect();
        let has = |c: &str| cols.contains(&c);
        if has("Flow Duration") {
            Some(SourceFormat::CicIds)
        } else if has("attack_cat") || (has("dur") && has("sbytes")) {
            Some(SourceFormat::Unsw)
        } else if cols.len() > 3
            && (has("label") || has("conn_state") || has("id.resp_p") || has("response_port"))
        {
            Some(SourceFormat::Iot23Csv)
        } else {
            None
        }
    }
}

/// Read a path from disk and parse every data file it holds (a file, a `.gz`, a tar archive or
/// a directory), format detected unless given, captures attributed by the default rule. For
/// inputs too large to hold, stream them through a [`crate::DataReader`] instead.
pub fn load_path(
    path: &Path,
    format: Option<SourceFormat>,
    capture: Option<&str>,
) -> Result<Loaded, DataError> {
    let mut reader = DataReader::new(ReadOptions {
        format,
        capture: capture.map(str::to_string),
        ..ReadOptions::default()
    });
    let (mut flows, mut prepared) = (Vec::new(), Vec::new());
    reader.read(path, &mut |row| {
        match row {
            Row::Flow(f) => flows.push(f.clone()),
            Row::Example(e) => prepared.push(e.clone()),
        }
        Ok(())
    })?;
    match (flows.is_empty(), prepared.is_empty()) {
        (_, true) => Ok(Loaded::Flows(flows)),
        (true, false) => Ok(Loaded::Prepared(prepared)),
        (false, false) => Err(DataError::Format {
            file: path.to_path_buf(),
            message: "mixes raw flow files with prepared examples".into(),
        }),
    }
}

/// Parse bytes that came from `path` (used for messages and for the capture id).
pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    format: Option<SourceFormat>,
    capture: Option<&str>,
) -> Result<Loaded, DataError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::Empty {
            file: path.to_path_buf(),
        });
    }
    let format = format
        .or_else(|| SourceFormat::detect(bytes))
        .ok_or_else(|| unrecognised(path))?;
    let capture = capture
        .map(str::to_string)
        .or_else(|| capture_of_file(path, format, CaptureFrom::Path));
    parse_bytes(path, bytes, format, capture.as_deref())
}

/// The error for a file whose format is not detected.
pub(crate) fn unrecognised(file: &Path) -> DataError {
    DataError::Format {
        file: file.to_path_buf(),
        message: "unrecognised format (expected a Zeek conn log, IoT-23/CIC-IDS-2017/UNSW-NB15 CSV, parquet or prepared JSONL); pass --format".into(),
    }
}

/// Parse a whole file of a known format, with exactly the capture id given (the caller has
/// applied its capture rule).
pub(crate) fn parse_bytes(
    path: &Path,
    bytes: &[u8],
    format: SourceFormat,
    capture: Option<&str>,
) -> Result<Loaded, DataError> {
    if matches!(format, SourceFormat::CicIds | SourceFormat::Unsw) {
        check_text_table(path, bytes)?;
    }
    Ok(match format {
        SourceFormat::Zeek => Loaded::Flows(parse_zeek(path, bytes, "iot23", capture)?),
        SourceFormat::Iot23Csv => Loaded::Flows(parse_iot23_csv(path, bytes, "iot23", capture)?),
        SourceFormat::Parquet => {
            let columns = parquet_columns(path, bytes)?;
            if is_example_columns(&columns) {
                let df = read_parquet_frame(path, bytes)?;
                Loaded::Prepared(parse_examples_parquet(path, &df)?)
            } else {
                Loaded::Flows(parse_hf_parquet(path, bytes, &columns, "iot23", capture)?)
            }
        }
        SourceFormat::CicIds => Loaded::Flows(parse_cicids(path, bytes, capture)?),
        SourceFormat::Unsw => Loaded::Flows(parse_unsw(path, bytes, capture)?),
        SourceFormat::Prepared => Loaded::Prepared(parse_prepared(path, bytes)?),
    })
}

/// Delimited text must be UTF-8 and rectangular; polars reports neither by line, so check
/// first and name the line.
fn check_text_table(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(DataError::NotUtf8 {
            file: path.to_path_buf(),
            line,
        });
    }
    let first_end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let sep = if bytes[..first_end].contains(&b'\t') {
        b'\t'
    } else {
        b','
    };
    let mut expected = None;
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let fields = count_fields(line, sep);
        match expected {
            None => expected = Some(fields),
            Some(n) if n != fields => {
                return Err(DataError::Ragged {
                    file: path.to_path_buf(),
                    line: i + 1,
                    expected: n,
                    found: fields,
                })
            }
            Some(_) => {}
        }
    }
    if expected.is_some()
        && bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty() && *l != b"\r")
            .count()
            < 2
    {
        return Err(DataError::NoRows {
            file: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Fields in one CSV line; separators inside double quotes do not count.
fn count_fields(line: &[u8], sep: u8) -> usize {
    let mut quoted = false;
    let mut n = 1;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == sep && !quoted {
            n += 1;
        }
    }
    n
}
