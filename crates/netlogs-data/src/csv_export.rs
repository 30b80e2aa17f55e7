//! Reader for CSV exports of IoT-23 conn logs (Zeek column names or renamed ones such as
//! `origin_address`), on the `csv` crate: one pass, row by row, no column frame. Every cell is
//! typed by [`FlowRecord::set`], so errors name the line and column exactly. The polars text
//! frame below serves the CIC-IDS-2017 and UNSW-NB15 readers.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use crate::error::{DataError, RowError, UnlabelledRow};
use crate::field::{Field, FieldSet};
use crate::record::{Families, FlowRecord, LabeledFlow, Provenance};
use crate::zeek::{collect, read_label, RowSink};

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

/// Where the flow, label and family columns sit in the header.
struct Layout {
    flow: Vec<(usize, Field)>,
    label: usize,
    family: Option<usize>,
    fields: FieldSet,
}

impl Layout {
    fn of(file: &Path, names: &csv::StringRecord) -> Result<Layout, DataError> {
        let find = |pred: &dyn Fn(&str) -> bool| names.iter().position(|n| pred(n.trim()));
        let label = find(&|n| n == "label").ok_or_else(|| DataError::MissingColumn {
            file: file.to_path_buf(),
            column: "label".into(),
        })?;
        let family = find(&|n| crate::record::is_family_column(n));
        let flow: Vec<(usize, Field)> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Field::from_column(n).map(|f| (i, f)))
            .collect();
        let fields = flow.iter().map(|(_, f)| *f).collect();
        Ok(Layout {
            flow,
            label,
            family,
            fields,
        })
    }
}

/// Parse an IoT-23 CSV export held in memory (tab- or comma-separated; quotes as in RFC 4180),
/// its unlabelled rows listed in `unlabelled`.
pub(crate) fn parse_iot23_csv_rows(
    file: &Path,
    mut bytes: &[u8],
    source: &str,
    capture: Option<&str>,
    unlabelled: &mut Vec<UnlabelledRow<'static>>,
) -> Result<Vec<LabeledFlow>, DataError> {
    let sep = separator(bytes);
    let origin = Provenance::of_file(source, capture, file);
    let mut flows = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count());
    stream_iot23_csv(
        file,
        &mut bytes,
        sep,
        &origin,
        &mut collect(&mut flows, unlabelled),
    )?;
    Ok(flows)
}

/// Tab when the first line has one, else comma.
pub(crate) fn separator(head: &[u8]) -> u8 {
    if first_line(head).contains('\t') {
        b'\t'
    } else {
        b','
    }
}

/// Read an IoT-23 CSV export record by record (bounded memory), handing each row or its
/// error to `sink`. An empty cell is a missing value. Line numbers count the header as line 1.
/// Returns the number of data records.
pub(crate) fn stream_iot23_csv(
    file: &Path,
    reader: &mut dyn std::io::BufRead,
    sep: u8,
    origin: &Provenance,
    sink: &mut RowSink,
) -> Result<usize, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .has_headers(true)
        .from_reader(reader);
    let names = reader.headers().map_err(|e| csv_error(file, e, 1))?.clone();
    let layout = Layout::of(file, &names)?;
    let mut row = csv::StringRecord::new();
    let mut families = Families::default();
    let mut rows = 0;
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                match flow_of(file, &row, &names, &layout, origin, &mut families) {
                    Ok(mut flow) => sink(Ok(&mut flow))?,
                    Err(e) => sink(Err(e))?,
                }
            }
            Err(e) => {
                rows += 1;
                let e = csv_error(file, e, reader.position().line() as usize);
                match e {
                    DataError::NotUtf8 { .. } | DataError::Ragged { .. } => sink(Err(e.into()))?,
                    fatal => return Err(fatal),
                }
            }
        }
    }
    if rows == 0 {
        return Err(DataError::NoRows {
            file: file.to_path_buf(),
        });
    }
    Ok(rows)
}

/// One CSV record as a labelled flow. The label is read first: an unlabelled row is passed
/// over without parsing its other cells.
fn flow_of<'a>(
    file: &Path,
    row: &'a csv::StringRecord,
    names: &'a csv::StringRecord,
    layout: &Layout,
    origin: &Provenance,
    families: &mut Families,
) -> Result<LabeledFlow, RowError<'a>> {
    let line = row.position().map_or(0, |p| p.line() as usize);
    let cell = |i: usize| row.get(i).filter(|c| !c.is_empty());
    let label = read_label(
        cell(layout.label).unwrap_or(""),
        (file, line),
        &names[layout.label],
    )?;
    let mut record = FlowRecord::default();
    for &(i, field) in &layout.flow {
        if let Some(raw) = cell(i) {
            record
                .set(field, raw)
                .map_err(|m| DataError::bad_value(file, line, &names[i], m))?;
        }
    }
    let family = layout
        .family
        .and_then(cell)
        .map(|f| families.get(f))
        .unwrap_or_default();
    Ok(LabeledFlow {
        record,
        fields: layout.fields,
        label,
        provenance: origin.with_detailed(family),
    })
}

/// The csv crate's error as ours, with the line it names.
fn csv_error(file: &Path, e: csv::Error, current_line: usize) -> DataError {
    let line = |pos: Option<&csv::Position>| pos.map_or(current_line, |p| p.line() as usize);
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => DataError::NotUtf8 {
            file: file.to_path_buf(),
            line: line(pos.as_ref()),
        },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => DataError::Ragged {
            file: file.to_path_buf(),
            line: line(pos.as_ref()),
            expected: *expected_len as usize,
            found: *len as usize,
        },
        csv::ErrorKind::Io(io) => DataError::BadLine {
            file: file.to_path_buf(),
            line: line(e.position()),
            message: io.to_string(),
        },
        _ => DataError::Format {
            file: file.to_path_buf(),
            message: format!("not a readable delimited file: {e}"),
        },
    }
}

fn first_line(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
