//! The single entry points for reading a data file whole: a path, or bytes that came from
//! one.

use std::path::Path;

use crate::capture::{capture_of_file, CaptureFrom};
use crate::error::DataError;
use crate::format::SourceFormat;
use crate::parse::{parse_bytes, unrecognised, Loaded};
use crate::stream::{DataReader, ReadOptions, Row};

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

/// Parse bytes that came from `path` (used for messages and for the capture id). Unlabelled
/// rows are left out, as `--unlabelled skip` does; a [`DataReader`] also counts them.
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
    Ok(parse_bytes(path, bytes, format, capture.as_deref())?.loaded)
}
