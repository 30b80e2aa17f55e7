//! Hugging Face IoT-23 parquet: `19kmunz/iot-23-preprocessed` (15 columns) and
//! `19kmunz/iot-23-preprocessed-minimumcolumns` (7 columns). Columns are read typed.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use crate::columns::{fill_field, text_cells};
use crate::error::{DataError, UnlabelledRow};
use crate::field::{Field, FieldSet};
use crate::record::{FlowRecord, Label, LabelCell, LabeledFlow, Provenance};

/// The two published schemas, by their columns (label excluded).
pub const IOT23_PREPROCESSED: [&str; 14] = [
    "id.orig_p",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
];
pub const IOT23_MINIMUM_COLUMNS: [&str; 6] = [
    "id.resp_p",
    "proto",
    "conn_state",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_ip_bytes",
];

/// Read a parquet file into a frame, with errors naming the file.
pub fn read_parquet_frame(file: &Path, bytes: &[u8]) -> Result<DataFrame, DataError> {
    ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| DataError::Format {
            file: file.to_path_buf(),
            message: format!("not a readable parquet file (truncated or corrupt?): {e}"),
        })
}

/// Which published schema these column names make, if any.
pub fn hf_schema(columns: &[String]) -> Option<&'static str> {
    let has = |c: &str| columns.iter().any(|x| x == c);
    if IOT23_PREPROCESSED.iter().all(|c| has(c)) && has("label") {
        Some("19kmunz/iot-23-preprocessed")
    } else if IOT23_MINIMUM_COLUMNS.iter().all(|c| has(c)) && has("label") {
        Some("19kmunz/iot-23-preprocessed-minimumcolumns")
    } else {
        None
    }
}

fn corrupt(file: &Path, e: PolarsError) -> DataError {
    DataError::Format {
        file: file.to_path_buf(),
        message: format!("not a readable parquet file (truncated or corrupt?): {e}"),
    }
}

/// The column names of a parquet file, from its footer alone.
pub fn parquet_columns(file: &Path, bytes: &[u8]) -> Result<Vec<String>, DataError> {
    let schema = ParquetReader::new(Cursor::new(bytes))
        .schema()
        .map_err(|e| corrupt(file, e))?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// One column, decoded alone (parquet is columnar: the others are never read).
fn read_column(file: &Path, bytes: &[u8], name: &str) -> Result<DataFrame, DataError> {
    ParquetReader::new(Cursor::new(bytes))
        .with_columns(Some(vec![name.to_string()]))
        .finish()
        .map_err(|e| corrupt(file, e))
}

/// Parse an IoT-23 parquet. Rows are numbered from 1 in errors (parquet has no lines). Columns
/// are decoded one at a time into flows allocated once, so memory stays near the flows' own
/// size (819k rows: well under 500 MB). Unlabelled rows (`Background`, `Unknown`, …) go to
/// `unlabelled`.
pub(crate) fn parse_hf_parquet(
    file: &Path,
    bytes: &[u8],
    columns: &[String],
    (source, capture): (&str, Option<&str>),
    unlabelled: &mut Vec<UnlabelledRow<'static>>,
) -> Result<Vec<LabeledFlow>, DataError> {
    if !columns.iter().any(|c| c == "label") {
        return Err(DataError::MissingColumn {
            file: file.to_path_buf(),
            column: "label".into(),
        });
    }
    if hf_schema(columns).is_none() {
        let missing = IOT23_MINIMUM_COLUMNS
            .iter()
            .find(|c| !columns.iter().any(|x| x == *c))
            .copied()
            .unwrap_or("id.resp_p");
        return Err(DataError::MissingColumn {
            file: file.to_path_buf(),
            column: missing.to_string(),
        });
    }
    let labels = read_column(file, bytes, "label")?;
    let label_col = labels.column("label").map_err(|e| corrupt(file, e))?;
    let label_text = text_cells(label_col, file)?;
    if label_text.is_empty() {
        return Err(DataError::NoRows {
            file: file.to_path_buf(),
        });
    }
    let fields: FieldSet = columns
        .iter()
        .filter_map(|c| Field::from_column(c))
        .collect();
    let provenance = Provenance::of_file(source, capture, file);
    let mut flows = Vec::with_capacity(label_text.len());
    // The columns below fill rows by position: unlabelled rows keep their place until then.
    let mut keep = Vec::with_capacity(label_text.len());
    for (row, raw) in label_text.into_iter().enumerate() {
        let raw = raw.unwrap_or_default();
        let (label, labelled) = match LabelCell::read(&raw) {
            LabelCell::Gold(label) => (label, true),
            LabelCell::Unlabelled(tag) => {
                unlabelled.push(UnlabelledRow::owned(row + 1, "label", tag));
                (Label::Benign, false)
            }
            LabelCell::Other => {
                return Err(DataError::bad_value(
                    file,
                    row + 1,
                    "label",
                    format!("unknown label `{raw}` (expected Benign or Malicious)"),
                ))
            }
        };
        keep.push(labelled);
        flows.push(LabeledFlow {
            record: FlowRecord::default(),
            fields,
            label,
            provenance: provenance.clone(),
        });
    }
    drop(labels);
    for name in columns {
        if let Some(f) = Field::from_column(name) {
            let df = read_column(file, bytes, name)?;
            let col = df.column(name).map_err(|e| corrupt(file, e))?;
            fill_field(&mut flows, |x| &mut x.record, f, col, file, 1, &keep)?;
        }
    }
    let mut keep = keep.into_iter();
    flows.retain(|_| keep.next().unwrap_or(true));
    Ok(flows)
}

/// Write flows as parquet in the `iot-23-preprocessed` schema (tests and benches).
pub fn write_hf_parquet(flows: &[LabeledFlow], out: &mut impl std::io::Write) -> PolarsResult<()> {
    let int = |f: &dyn Fn(&FlowRecord) -> Option<u64>| -> Vec<Option<i64>> {
        flows
            .iter()
            .map(|x| f(&x.record).map(|v| v as i64))
            .collect()
    };
    let text = |f: &dyn Fn(&FlowRecord) -> Option<String>| -> Vec<Option<String>> {
        flows.iter().map(|x| f(&x.record)).collect()
    };
    let mut df = DataFrame::new(
        flows.len(),
        vec![
            Column::new("id.orig_p".into(), int(&|r| r.orig_p.map(u64::from))),
            Column::new("id.resp_p".into(), int(&|r| r.resp_p.map(u64::from))),
            Column::new(
                "proto".into(),
                text(&|r| r.proto.as_deref().map(str::to_string)),
            ),
            Column::new(
                "service".into(),
                text(&|r| r.service.as_deref().map(str::to_string)),
            ),
            Column::new(
                "duration".into(),
                flows.iter().map(|x| x.record.duration).collect::<Vec<_>>(),
            ),
            Column::new("orig_bytes".into(), int(&|r| r.orig_bytes)),
            Column::new("resp_bytes".into(), int(&|r| r.resp_bytes)),
            Column::new(
                "conn_state".into(),
                text(&|r| r.conn_state.as_deref().map(str::to_string)),
            ),
            Column::new("missed_bytes".into(), int(&|r| r.missed_bytes)),
            Column::new(
                "history".into(),
                text(&|r| r.history.as_deref().map(str::to_string)),
            ),
            Column::new("orig_pkts".into(), int(&|r| r.orig_pkts)),
            Column::new("orig_ip_bytes".into(), int(&|r| r.orig_ip_bytes)),
            Column::new("resp_pkts".into(), int(&|r| r.resp_pkts)),
            Column::new("resp_ip_bytes".into(), int(&|r| r.resp_ip_bytes)),
            Column::new(
                "label".into(),
                flows.iter().map(|x| x.label.as_str()).collect::<Vec<_>>(),
            ),
        ],
    )?;
    ParquetWriter::new(out).finish(&mut df)?;
    Ok(())
}

/// Columns of a built dataset written as parquet (`netlogs data build --output X.parquet`).
const EXAMPLE_COLUMNS: [&str; 9] = [
    "example_id",
    "prompt",
    "answer",
    "source",
    "capture",
    "family",
    "split",
    "conflict",
    "full_label",
];

/// Whether parquet columns make a built dataset (prompts already rendered).
pub fn is_example_columns(columns: &[String]) -> bool {
    ["prompt", "answer"]
        .iter()
        .all(|c| columns.iter().any(|x| x == c))
}

/// Write built examples as parquet.
pub fn write_examples_parquet(
    examples: &[crate::example::Example],
    out: &mut impl std::io::Write,
) -> PolarsResult<()> {
    let s = |f: &dyn Fn(&crate::example::Example) -> Option<String>| -> Vec<Option<String>> {
        examples.iter().map(f).collect()
    };
    let mut df = DataFrame::new(
        examples.len(),
        vec![
            Column::new(
                EXAMPLE_COLUMNS[0].into(),
                s(&|e| Some(e.example_id.clone())),
            ),
            Column::new(EXAMPLE_COLUMNS[1].into(), s(&|e| Some(e.prompt.clone()))),
            Column::new(
                EXAMPLE_COLUMNS[2].into(),
                s(&|e| Some(e.answer.as_str().into())),
            ),
            Column::new(
                EXAMPLE_COLUMNS[3].into(),
                s(&|e| Some(e.info.source.clone())),
            ),
            Column::new(EXAMPLE_COLUMNS[4].into(), s(&|e| e.info.capture.clone())),
            Column::new(EXAMPLE_COLUMNS[5].into(), s(&|e| e.info.family.clone())),
            Column::new(EXAMPLE_COLUMNS[6].into(), s(&|e| e.info.split.clone())),
            Column::new(
                EXAMPLE_COLUMNS[7].into(),
                examples.iter().map(|e| e.info.conflict).collect::<Vec<_>>(),
            ),
            Column::new(EXAMPLE_COLUMNS[8].into(), s(&|e| e.info.full_label.clone())),
        ],
    )?;
    ParquetWriter::new(out).finish(&mut df)?;
    Ok(())
}

/// Read a built dataset's parquet back into examples.
pub fn parse_examples_parquet(
    file: &Path,
    df: &DataFrame,
    unlabelled: &mut Vec<UnlabelledRow<'static>>,
) -> Result<Vec<crate::example::Example>, DataError> {
    let col = |name: &str| -> Result<Vec<Option<String>>, DataError> {
        match df.column(name) {
            Ok(c) => text_cells(c, file),
            Err(_) => Ok(vec![None; df.height()]),
        }
    };
    let (ids, prompts, answers) = (col("example_id")?, col("prompt")?, col("answer")?);
    let (sources, captures, families, splits) = (
        col("source")?,
        col("capture")?,
        col("family")?,
        col("split")?,
    );
    let (conflicts, detailed) = (col("conflict")?, col("full_label")?);
    let name = Provenance::file_label(file).to_string();
    let mut examples = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let raw = answers[i].clone().unwrap_or_default();
        let answer = match LabelCell::read(&raw) {
            LabelCell::Gold(label) => label,
            LabelCell::Unlabelled(tag) => {
                unlabelled.push(UnlabelledRow::owned(i + 1, "answer", tag));
                continue;
            }
            LabelCell::Other => {
                return Err(DataError::bad_value(
                    file,
                    i + 1,
                    "answer",
                    format!("unknown label `{raw}`"),
                ))
            }
        };
        let prompt = prompts[i]
            .clone()
            .ok_or_else(|| DataError::bad_value(file, i + 1, "prompt", "missing"))?;
        examples.push(crate::example::Example {
            example_id: ids[i].clone().unwrap_or_else(|| {
                crate::digest::sha256_hex(format!("{prompt}\n{answer}").as_bytes())[..16]
                    .to_string()
            }),
            prompt,
            answer,
            info: crate::example::ExampleInfo {
                source: sources[i].clone().unwrap_or_else(|| "prepared".into()),
                capture: captures[i].clone(),
                family: families[i].clone(),
                file: name.clone(),
                split: splits[i].clone(),
                conflict: conflicts[i].as_deref() == Some("true"),
                ts: None,
                full_label: detailed[i].clone(),
            },
        });
    }
    Ok(examples)
}
