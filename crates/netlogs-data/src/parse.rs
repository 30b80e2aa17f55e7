//! Whole-file parsing: the bytes of one file of a known format into flows or examples.

use std::path::Path;

use crate::csv_export::parse_iot23_csv_rows;
use crate::error::{DataError, UnlabelledRow};
use crate::example::Example;
use crate::format::SourceFormat;
use crate::ood::{parse_cicids, parse_unsw};
use crate::parquet::{
    is_example_columns, parquet_columns, parse_examples_parquet, parse_hf_parquet,
    read_parquet_frame,
};
use crate::prepared::parse_prepared_rows;
use crate::record::LabeledFlow;
use crate::zeek::parse_zeek_rows;

/// What a file holds: raw flows (rendered later with a template), or prepared examples.
#[derive(Debug)]
pub enum Loaded {
    Flows(Vec<LabeledFlow>),
    Prepared(Vec<Example>),
}

/// The error for a file whose format is not detected.
pub(crate) fn unrecognised(file: &Path) -> DataError {
    DataError::Format {
        file: file.to_path_buf(),
        message: "unrecognised format (expected a Zeek conn log, IoT-23/CIC-IDS-2017/UNSW-NB15 CSV, parquet or prepared JSONL); pass --format".into(),
    }
}

/// A file read whole: its rows, and the rows nobody labelled (`Background`, `Unknown`, …),
/// which the caller counts or stops at.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub loaded: Loaded,
    pub unlabelled: Vec<UnlabelledRow<'static>>,
}

/// Parse a whole file of a known format, with exactly the capture id given (the caller has
/// applied its capture rule).
pub(crate) fn parse_bytes(
    path: &Path,
    bytes: &[u8],
    format: SourceFormat,
    capture: Option<&str>,
) -> Result<Parsed, DataError> {
    if matches!(format, SourceFormat::CicIds | SourceFormat::Unsw) {
        check_text_table(path, bytes)?;
    }
    let mut unlabelled = Vec::new();
    let skipped = &mut unlabelled;
    let loaded = match format {
        SourceFormat::Zeek => {
            Loaded::Flows(parse_zeek_rows(path, bytes, "iot23", capture, skipped)?)
        }
        SourceFormat::Iot23Csv => Loaded::Flows(parse_iot23_csv_rows(
            path, bytes, "iot23", capture, skipped,
        )?),
        SourceFormat::Parquet => {
            let columns = parquet_columns(path, bytes)?;
            if is_example_columns(&columns) {
                let df = read_parquet_frame(path, bytes)?;
                Loaded::Prepared(parse_examples_parquet(path, &df, skipped)?)
            } else {
                let origin = ("iot23", capture);
                Loaded::Flows(parse_hf_parquet(path, bytes, &columns, origin, skipped)?)
            }
        }
        SourceFormat::CicIds => Loaded::Flows(parse_cicids(path, bytes, capture, skipped)?),
        SourceFormat::Unsw => Loaded::Flows(parse_unsw(path, bytes, capture, skipped)?),
        SourceFormat::Prepared => Loaded::Prepared(parse_prepared_rows(path, bytes, skipped)?),
    };
    Ok(Parsed { loaded, unlabelled })
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
