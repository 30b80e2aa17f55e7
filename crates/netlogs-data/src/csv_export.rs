//! Reader for CSV exports of IoT-23 conn logs (Zeek column names or renamed ones such as
//! `origin_address`), via polars. Every column is read as text and typed by
//! [`FlowRecord::set`], so errors name the row and column exactly.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use crate::error::DataError;
use crate::field::{Field, FieldSet};
use crate::record::{is_unset, FlowRecord, Label, LabeledFlow, Provenance};

/// Read a CSV (or other delimited) export into a string-typed frame.
pub(crate) fn read_text_frame(file: &Path, bytes: &[u8], sep: u8) -> Result<DataFrame, DataError> {
    let parse = CsvParseOptions::default()
        .with_separator(sep)
        .with_missing_is_null(true);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(parse)
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
        .map_err(|e| DataError::Format {
            file: file.to_path_buf(),
            message: format!("not a readable delimited file: {e}"),
        })
}

/// The text cells of one column, `None` for nulls.
pub(crate) fn text_column<'a>(
    df: &'a DataFrame,
    file: &Path,
    name: &str,
) -> Result<Vec<Option<&'a str>>, DataError> {
    let col = df.column(name).map_err(|_| DataError::MissingColumn {
        file: file.to_path_buf(),
        column: name.to_string(),
    })?;
    let s = col.str().map_err(|e| DataError::Format {
        file: file.to_path_buf(),
        message: format!("column `{name}` is not text: {e}"),
    })?;
    Ok(s.iter().collect())
}

/// Parse an IoT-23 CSV export. Line numbers in errors count the header as line 1.
pub fn parse_iot23_csv(
    file: &Path,
    bytes: &[u8],
    source: &str,
    capture: Option<&str>,
) -> Result<Vec<LabeledFlow>, DataError> {
    let sep = if first_line(bytes).contains('\t') {
        b'\t'
    } else {
        b','
    };
    let df = read_text_frame(file, bytes, sep)?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let label_col = names
        .iter()
        .find(|n| n.trim() == "label")
        .ok_or_else(|| DataError::MissingColumn {
            file: file.to_path_buf(),
            column: "label".into(),
        })?
        .clone();
    if df.height() == 0 {
        return Err(DataError::NoRows {
            file: file.to_path_buf(),
        });
    }
    let family_col = names
        .iter()
        .find(|n| matches!(n.trim(), "detailed-label" | "detailed_label"))
        .cloned();
    let flow_cols: Vec<(Field, &String)> = names
        .iter()
        .filter_map(|n| Field::from_column(n).map(|f| (f, n)))
        .collect();
    let fields: FieldSet = flow_cols.iter().map(|(f, _)| *f).collect();

    let mut records = vec![FlowRecord::default(); df.height()];
    for (field, name) in &flow_cols {
        for (row, cell) in text_column(&df, file, name)?.into_iter().enumerate() {
            if let Some(raw) = cell {
                records[row]
                    .set(*field, raw)
                    .map_err(|m| DataError::bad_value(file, row + 2, name, m))?;
            }
        }
    }
    let labels = text_column(&df, file, &label_col)?;
    let families = match &family_col {
        Some(c) => text_column(&df, file, c)?,
        None => vec![None; df.height()],
    };
    let origin = Provenance::of_file(source, capture, file);
    let rows = records.into_iter().zip(labels).zip(families);
    rows.enumerate()
        .map(|(row, ((record, label), family))| {
            labeled(
                file,
                row + 2,
                &label_col,
                record,
                fields,
                (label, family),
                &origin,
            )
        })
        .collect()
}

/// One row's flow with its label and family cells read.
fn labeled(
    file: &Path,
    line: usize,
    label_col: &str,
    record: FlowRecord,
    fields: FieldSet,
    (label, family): (Option<&str>, Option<&str>),
    origin: &Provenance,
) -> Result<LabeledFlow, DataError> {
    let raw = label.unwrap_or("");
    let label = Label::parse(raw).ok_or_else(|| {
        DataError::bad_value(
            file,
            line,
            label_col,
            format!("unknown label `{raw}` (expected Benign or Malicious)"),
        )
    })?;
    let family = family
        .map(str::trim)
        .filter(|f| !is_unset(f))
        .map(str::to_string);
    Ok(LabeledFlow {
        record,
        fields,
        label,
        provenance: origin.with_family(family),
    })
}

fn first_line(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
