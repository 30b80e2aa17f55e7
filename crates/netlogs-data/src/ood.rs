//! Out-of-distribution flow tables, mapped onto the closest Zeek conn fields so they render in
//! the same prompt forms as IoT-23:
//! - CIC-IDS-2017 CICFlowMeter CSV (header names with leading spaces; with or without Flow ID,
//!   IPs and ports; `BENIGN` vs attack labels);
//! - UNSW-NB15 partitioned CSV (`dur, proto, service, state, spkts, dpkts, sbytes, dbytes, …,
//!   attack_cat, label`).

use std::path::Path;

use polars::prelude::DataFrame;

use crate::columns::text_cells;
use crate::csv_export::read_text_frame;
use crate::error::{DataError, UnlabelledRow};
use crate::field::{Field, FieldSet};
use crate::record::{
    is_unset, FlowRecord, Label, LabelCell, LabeledFlow, Provenance, UnlabelledTag,
};

/// How one source column becomes a flow field.
#[derive(Clone, Copy)]
enum Map {
    Field(Field),
    /// Microseconds to seconds (CICFlowMeter `Flow Duration`); negative values are unset.
    MicrosToDuration,
    /// IANA protocol number to name.
    ProtoNumber,
}

const CIC_COLUMNS: [(&str, Map); 10] = [
    ("Source IP", Map::Field(Field::OrigH)),
    ("Source Port", Map::Field(Field::OrigP)),
    ("Destination IP", Map::Field(Field::RespH)),
    ("Destination Port", Map::Field(Field::RespP)),
    ("Protocol", Map::ProtoNumber),
    ("Flow Duration", Map::MicrosToDuration),
    ("Total Fwd Packets", Map::Field(Field::OrigPkts)),
    ("Total Backward Packets", Map::Field(Field::RespPkts)),
    ("Total Length of Fwd Packets", Map::Field(Field::OrigBytes)),
    ("Total Length of Bwd Packets", Map::Field(Field::RespBytes)),
];

const UNSW_COLUMNS: [(&str, Map); 12] = [
    ("srcip", Map::Field(Field::OrigH)),
    ("sport", Map::Field(Field::OrigP)),
    ("dstip", Map::Field(Field::RespH)),
    ("dsport", Map::Field(Field::RespP)),
    ("proto", Map::Field(Field::Proto)),
    ("service", Map::Field(Field::Service)),
    ("dur", Map::Field(Field::Duration)),
    ("state", Map::Field(Field::ConnState)),
    ("spkts", Map::Field(Field::OrigPkts)),
    ("dpkts", Map::Field(Field::RespPkts)),
    ("sbytes", Map::Field(Field::OrigBytes)),
    ("dbytes", Map::Field(Field::RespBytes)),
];

fn proto_name(n: &str) -> String {
    match n.trim() {
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        other => other.to_string(),
    }
}

/// Columns by trimmed name (CIC headers carry leading spaces).
fn find<'a>(df: &'a DataFrame, name: &str) -> Option<&'a polars::prelude::Column> {
    df.columns().iter().find(|c| c.name().trim() == name)
}

fn map_columns(
    df: &DataFrame,
    file: &Path,
    mapping: &[(&str, Map)],
) -> Result<(Vec<FlowRecord>, FieldSet), DataError> {
    let mut records = vec![FlowRecord::default(); df.height()];
    let mut fields = FieldSet::EMPTY;
    for (name, map) in mapping {
        let Some(col) = find(df, name) else { continue };
        let cells = text_cells(col, file)?;
        let field = match map {
            Map::Field(f) => *f,
            Map::MicrosToDuration => Field::Duration,
            Map::ProtoNumber => Field::Proto,
        };
        fields.insert(field);
        for (row, cell) in cells.iter().enumerate() {
            let Some(raw) = cell.as_deref().map(str::trim).filter(|r| !is_unset(r)) else {
                continue;
            };
            let bad = |m: String| DataError::bad_value(file, row + 2, name, m);
            let r = &mut records[row];
            match map {
                Map::Field(f) => r.set(*f, raw).map_err(bad)?,
                Map::ProtoNumber => r.set(Field::Proto, &proto_name(raw)).map_err(bad)?,
                Map::MicrosToDuration => {
                    let us: f64 = raw
                        .parse()
                        .map_err(|_| bad(format!("expected microseconds, found `{raw}`")))?;
                    if us >= 0.0 {
                        r.set_number(Field::Duration, us / 1e6).map_err(bad)?;
                    }
                }
            }
        }
    }
    Ok((records, fields))
}

fn required<'a>(
    df: &'a DataFrame,
    file: &Path,
    name: &str,
) -> Result<&'a polars::prelude::Column, DataError> {
    find(df, name).ok_or_else(|| DataError::MissingColumn {
        file: file.to_path_buf(),
        column: name.to_string(),
    })
}

/// Parse a CIC-IDS-2017 CICFlowMeter CSV. `BENIGN` is Benign, an unlabelled word
/// (`Background`, `Unknown`, …) goes to `unlabelled`, and any other label is an attack named
/// by its family.
pub(crate) fn parse_cicids(
    file: &Path,
    bytes: &[u8],
    capture: Option<&str>,
    unlabelled: &mut Vec<UnlabelledRow<'static>>,
) -> Result<Vec<LabeledFlow>, DataError> {
    let df = read_text_frame(file, bytes, b',')?;
    let labels = text_cells(required(&df, file, "Label")?, file)?;
    required(&df, file, "Flow Duration")?;
    if df.height() == 0 {
        return Err(DataError::NoRows {
            file: file.to_path_buf(),
        });
    }
    let (records, fields) = map_columns(&df, file, &CIC_COLUMNS)?;
    let origin = Provenance::of_file("cicids2017", capture, file);
    let mut flows = Vec::with_capacity(records.len());
    for (row, (record, label)) in records.into_iter().zip(labels).enumerate() {
        let raw = label.unwrap_or_default();
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DataError::bad_value(file, row + 2, "Label", "empty label"));
        }
        if let Some(tag) = UnlabelledTag::of(raw) {
            unlabelled.push(UnlabelledRow::owned(row + 2, "Label", tag));
            continue;
        }
        let benign = raw.eq_ignore_ascii_case("benign");
        flows.push(LabeledFlow {
            record,
            fields,
            label: if benign {
                Label::Benign
            } else {
                Label::Malicious
            },
            provenance: origin.with_family((!benign).then(|| raw.to_string())),
        });
    }
    Ok(flows)
}

/// Parse a UNSW-NB15 partitioned CSV: `label` 0/1 (or Benign/Malicious); an unlabelled word
/// (`Background`, `Unknown`, …) goes to `unlabelled`.
pub(crate) fn parse_unsw(
    file: &Path,
    bytes: &[u8],
    capture: Option<&str>,
    unlabelled: &mut Vec<UnlabelledRow<'static>>,
) -> Result<Vec<LabeledFlow>, DataError> {
    let df = read_text_frame(file, bytes, b',')?;
    let labels = text_cells(required(&df, file, "label")?, file)?;
    let cats = match find(&df, "attack_cat") {
        Some(c) => text_cells(c, file)?,
        None => vec![None; df.height()],
    };
    required(&df, file, "dur")?;
    if df.height() == 0 {
        return Err(DataError::NoRows {
            file: file.to_path_buf(),
        });
    }
    let (records, fields) = map_columns(&df, file, &UNSW_COLUMNS)?;
    let origin = Provenance::of_file("unsw_nb15", capture, file);
    let mut flows = Vec::with_capacity(records.len());
    for (row, (record, (label, cat))) in records
        .into_iter()
        .zip(labels.into_iter().zip(cats))
        .enumerate()
    {
        let raw = label.unwrap_or_default();
        let label = match raw.trim() {
            "0" => Label::Benign,
            "1" => Label::Malicious,
            other => match LabelCell::read(other) {
                LabelCell::Gold(label) => label,
                LabelCell::Unlabelled(tag) => {
                    unlabelled.push(UnlabelledRow::owned(row + 2, "label", tag));
                    continue;
                }
                LabelCell::Other => {
                    return Err(DataError::bad_value(
                        file,
                        row + 2,
                        "label",
                        format!("unknown label `{other}` (expected 0 or 1)"),
                    ))
                }
            },
        };
        let family = cat
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("normal") && c != "-");
        flows.push(LabeledFlow {
            record,
            fields,
            label,
            provenance: origin.with_family(family),
        });
    }
    Ok(flows)
}
