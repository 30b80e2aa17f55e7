//! Filling flow records from typed polars columns, without formatting numbers as text.

use std::path::Path;

use polars::prelude::*;

use crate::error::DataError;
use crate::field::Field;
use crate::record::FlowRecord;

/// Set `field` on every row's record (reached through `record`) from `col`, whatever its dtype
/// (integers, floats, text, bools). `first_line` is the line or row number of the first row,
/// for error messages. A row whose `read` entry is false (an unlabelled row, dropped after) is
/// neither read nor checked, as the text readers skip it.
pub(crate) fn fill_field<T>(
    records: &mut [T],
    record: impl Fn(&mut T) -> &mut FlowRecord,
    field: Field,
    col: &Column,
    file: &Path,
    first_line: usize,
    read: &[bool],
) -> Result<(), DataError> {
    let read = |row: usize| read.get(row).copied().unwrap_or(true);
    let name = col.name().to_string();
    let bad = |row: usize, m: String| DataError::bad_value(file, first_line + row, &name, m);
    let dtype = col.dtype();
    if dtype.is_integer() {
        let c = col
            .cast(&DataType::Int64)
            .map_err(|e| bad(0, e.to_string()))?;
        let c = c.i64().map_err(|e| bad(0, e.to_string()))?;
        for (row, v) in c.iter().enumerate() {
            if let Some(v) = v.filter(|_| read(row)) {
                record(&mut records[row])
                    .set_number(field, v as f64)
                    .map_err(|m| bad(row, m))?;
            }
        }
    } else if dtype.is_float() {
        let c = col
            .cast(&DataType::Float64)
            .map_err(|e| bad(0, e.to_string()))?;
        let c = c.f64().map_err(|e| bad(0, e.to_string()))?;
        for (row, v) in c.iter().enumerate() {
            if let Some(v) = v.filter(|v| !v.is_nan() && read(row)) {
                record(&mut records[row])
                    .set_number(field, v)
                    .map_err(|m| bad(row, m))?;
            }
        }
    } else if dtype == &DataType::Boolean {
        let c = col.bool().map_err(|e| bad(0, e.to_string()))?;
        for (row, v) in c.iter().enumerate() {
            if let Some(v) = v.filter(|_| read(row)) {
                record(&mut records[row])
                    .set(field, if v { "T" } else { "F" })
                    .map_err(|m| bad(row, m))?;
            }
        }
    } else {
        let c = col
            .cast(&DataType::String)
            .map_err(|e| bad(0, e.to_string()))?;
        let c = c.str().map_err(|e| bad(0, e.to_string()))?;
        for (row, v) in c.iter().enumerate() {
            if let Some(v) = v.filter(|_| read(row)) {
                record(&mut records[row])
                    .set(field, v)
                    .map_err(|m| bad(row, m))?;
            }
        }
    }
    Ok(())
}

/// The text cells of any column (numbers formatted), `None` for nulls.
pub(crate) fn text_cells(col: &Column, file: &Path) -> Result<Vec<Option<String>>, DataError> {
    let c = col.cast(&DataType::String).map_err(|e| DataError::Format {
        file: file.to_path_buf(),
        message: format!("column `{}`: {e}", col.name()),
    })?;
    let c = c.str().map_err(|e| DataError::Format {
        file: file.to_path_buf(),
        message: format!("column `{}`: {e}", col.name()),
    })?;
    Ok(c.iter().map(|v| v.map(str::to_string)).collect())
}
