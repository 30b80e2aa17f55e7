//! Reader for Zeek `conn.log` / IoT-23 `conn.log.labeled` (TSV with `#` directives).
//!
//! Hand-written rather than polars: the format is line-oriented with in-band directives and the
//! IoT-23 quirk (the last three fields joined by three spaces inside one tab field), and the
//! errors must name the line. It parses at several hundred MB/s.

use std::io::BufRead;
use std::path::Path;

use crate::error::{DataError, RowError, UnlabelledRow};
use crate::field::{Field, FieldSet};
use crate::record::{Families, FlowRecord, Label, LabelCell, LabeledFlow, Provenance};

/// IoT-23 joins `tunnel_parents`, `label` and `detailed-label` with three spaces.
const QUIRK_SEP: &str = "   ";

#[derive(Clone, Copy)]
enum Column {
    Flow(Field),
    Label,
    Family,
    Ignored,
}

fn column_of(name: &str) -> Column {
    match name {
        "label" => Column::Label,
        n if crate::record::is_family_column(n) => Column::Family,
        _ => Field::from_column(name).map_or(Column::Ignored, Column::Flow),
    }
}

/// Built once: a `memmem` searcher costs more to build than to run on one field.
static QUIRK_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(QUIRK_SEP));

/// Split a line on `sep`; with the IoT-23 quirk, the last field is split on three spaces too
/// (the quirk joins the last columns only, so no other field is searched).
fn split_fields<'a>(line: &'a str, sep: char, quirk: bool, out: &mut Vec<&'a str>) {
    out.clear();
    out.extend(line.split(sep));
    if !quirk {
        return;
    }
    let Some(last) = out.pop() else { return };
    let mut start = 0;
    for at in QUIRK_FINDER.find_iter(last.as_bytes()) {
        out.push(&last[start..at]);
        start = at + QUIRK_SEP.len();
    }
    out.push(&last[start..]);
}

/// What the `#separator` and `#fields` lines say about the rows that follow.
struct Header {
    sep: char,
    columns: Vec<Column>,
    names: Vec<String>,
    /// The label column's index (the header check requires one).
    label_at: usize,
    present: FieldSet,
    quirk: bool,
}

impl Header {
    /// Apply a `#…` directive line (without its `#`).
    fn directive(&mut self, directive: &str, file: &Path, line_no: usize) -> Result<(), DataError> {
        if let Some(v) = directive.strip_prefix("separator ") {
            self.sep = parse_separator(v).ok_or_else(|| DataError::BadLine {
                file: file.to_path_buf(),
                line: line_no,
                message: format!("unsupported #separator `{v}`"),
            })?;
        } else if let Some(v) = directive.strip_prefix("fields") {
            let v = v.strip_prefix(self.sep).unwrap_or(v.trim_start());
            self.quirk = v.contains(QUIRK_SEP);
            let mut names: Vec<&str> = Vec::new();
            split_fields(v, self.sep, self.quirk, &mut names);
            self.names = names.iter().map(|s| s.trim().to_string()).collect();
            self.columns = self.names.iter().map(|n| column_of(n)).collect();
            self.present = self
                .columns
                .iter()
                .filter_map(|c| match c {
                    Column::Flow(f) => Some(*f),
                    _ => None,
                })
                .collect();
            self.label_at = self
                .columns
                .iter()
                .position(|c| matches!(c, Column::Label))
                .ok_or_else(|| DataError::MissingColumn {
                    file: file.to_path_buf(),
                    column: "label".into(),
                })?;
        }
        Ok(())
    }

    /// One data row, split into `parts`, parsed into `out` (reused across rows: a row is
    /// never moved on its way to the caller). The label is read first: an unlabelled row is
    /// passed over without parsing its other cells.
    fn row<'a>(
        &'a self,
        parts: &[&'a str],
        (file, line_no): (&Path, usize),
        (origin, families): (&Provenance, &mut Families),
        out: &mut LabeledFlow,
    ) -> Result<(), RowError<'a>> {
        if parts.len() != self.columns.len() {
            return Err(DataError::Ragged {
                file: file.to_path_buf(),
                line: line_no,
                expected: self.columns.len(),
                found: parts.len(),
            }
            .into());
        }
        let label = read_label(
            parts[self.label_at],
            (file, line_no),
            &self.names[self.label_at],
        )?;
        out.record = FlowRecord::default();
        let record = &mut out.record;
        let mut family = Default::default();
        for ((col, raw), name) in self.columns.iter().zip(parts).zip(&self.names) {
            match col {
                Column::Flow(f) => record
                    .set(*f, raw)
                    .map_err(|m| DataError::bad_value(file, line_no, name, m))?,
                Column::Family => family = families.get(raw),
                Column::Label | Column::Ignored => {}
            }
        }
        out.fields = self.present;
        out.label = label;
        out.provenance.set_family(origin, family);
        Ok(())
    }
}

/// A label cell: Benign or Malicious (any case); an unlabelled row (`Background`, `Unknown`
/// and their kin) is its own outcome, which the reader may count and pass over.
pub(crate) fn read_label<'a>(
    raw: &'a str,
    (file, line): (&Path, usize),
    column: &'a str,
) -> Result<Label, RowError<'a>> {
    match LabelCell::read(raw) {
        LabelCell::Gold(label) => Ok(label),
        LabelCell::Unlabelled(tag) => Err(RowError::Unlabelled(UnlabelledRow {
            line,
            column,
            raw,
            tag,
        })),
        LabelCell::Other => Err(DataError::bad_value(
            file,
            line,
            column,
            format!("unknown label `{raw}` (expected Benign or Malicious)"),
        )
        .into()),
    }
}

/// Each parsed row, or the error that row met, handed to the caller, who decides whether a
/// bad row stops the read (`--skip-bad-rows` counts it instead). Errors that are not about
/// one row (no header, a torn stream) end the read without reaching the sink.
pub(crate) type RowSink<'a> =
    dyn FnMut(Result<&mut LabeledFlow, RowError<'_>>) -> Result<(), DataError> + 'a;

/// Parse a labelled Zeek conn log. `capture` is the capture id to record in provenance. An
/// unlabelled row is an error here; [`crate::DataReader`] counts them instead.
pub fn parse_zeek(
    file: &Path,
    bytes: &[u8],
    source: &str,
    capture: Option<&str>,
) -> Result<Vec<LabeledFlow>, DataError> {
    let mut unlabelled = Vec::new();
    let flows = parse_zeek_rows(file, bytes, source, capture, &mut unlabelled)?;
    match unlabelled.first() {
        Some(u) => Err(u.error(file)),
        None => Ok(flows),
    }
}

/// [`parse_zeek`], appending to `flows` (which the caller may have sized for more files).
pub(crate) fn parse_zeek_into(
    file: &Path,
    mut bytes: &[u8],
    source: &str,
    capture: Option<&str>,
    flows: &mut Vec<LabeledFlow>,
) -> Result<(), DataError> {
    let origin = Provenance::of_file(source, capture, file);
    stream_zeek(file, &mut bytes, &origin, &mut |row| {
        flows.push(row.map_err(|e| e.into_data_error(file))?.clone());
        Ok(())
    })?;
    Ok(())
}

/// [`parse_zeek`], with its unlabelled rows listed in `unlabelled` rather than refused.
pub(crate) fn parse_zeek_rows(
    file: &Path,
    mut bytes: &[u8],
    source: &str,
    capture: Option<&str>,
    unlabelled: &mut Vec<UnlabelledRow<'static>>,
) -> Result<Vec<LabeledFlow>, DataError> {
    // One row per line at most: sized once, the rows are never moved by growth.
    let mut flows = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
    let origin = Provenance::of_file(source, capture, file);
    stream_zeek(
        file,
        &mut bytes,
        &origin,
        &mut collect(&mut flows, unlabelled),
    )?;
    Ok(flows)
}

/// The sink of a whole-file read: rows kept, unlabelled rows noted (by tag: their cells do not
/// outlive the parse), a bad row the end of the read.
pub(crate) fn collect<'a>(
    flows: &'a mut Vec<LabeledFlow>,
    unlabelled: &'a mut Vec<UnlabelledRow<'static>>,
) -> impl FnMut(Result<&mut LabeledFlow, RowError<'_>>) -> Result<(), DataError> + 'a {
    move |row| {
        match row {
            Ok(flow) => flows.push(flow.clone()),
            Err(RowError::Unlabelled(u)) => {
                unlabelled.push(UnlabelledRow::owned(u.line, "label", u.tag))
            }
            Err(RowError::Bad(e)) => return Err(e),
        }
        Ok(())
    }
}

/// Read a Zeek log line by line from `reader` (bounded memory: one line at a time), handing
/// each data row to `sink`. Returns the number of data lines.
pub(crate) fn stream_zeek(
    file: &Path,
    reader: &mut dyn BufRead,
    origin: &Provenance,
    sink: &mut RowSink,
) -> Result<usize, DataError> {
    let mut header = Header {
        sep: '\t',
        columns: Vec::new(),
        names: Vec::new(),
        label_at: 0,
        present: FieldSet::EMPTY,
        quirk: false,
    };
    let mut families = Families::default();
    let mut flow = LabeledFlow::empty(origin.clone());
    let mut spare_parts: Vec<&str> = Vec::with_capacity(32);
    let mut lines = Lines::new(file, reader);
    let (mut rows, mut any_text) = (0usize, false);
    while let Some((line_no, raw_line)) = lines.next_line()? {
        any_text |= !raw_line.iter().all(u8::is_ascii_whitespace);
        if raw_line.is_empty() {
            continue;
        }
        let Ok(line) = std::str::from_utf8(raw_line) else {
            let bad = DataError::NotUtf8 {
                file: file.to_path_buf(),
                line: line_no,
            };
            if header.columns.is_empty() {
                return Err(bad);
            }
            rows += 1;
            sink(Err(bad.into()))?;
            continue;
        };
        if let Some(directive) = line.strip_prefix('#') {
            header.directive(directive, file, line_no)?;
            continue;
        }
        if header.columns.is_empty() {
            return Err(DataError::BadLine {
                file: file.to_path_buf(),
                line: line_no,
                message: "data before the `#fields` header".into(),
            });
        }
        let mut parts = recycle(std::mem::take(&mut spare_parts));
        split_fields(line, header.sep, header.quirk, &mut parts);
        rows += 1;
        let parsed = header.row(&parts, (file, line_no), (origin, &mut families), &mut flow);
        sink(parsed.map(|()| &mut flow))?;
        spare_parts = recycle(parts);
    }
    whole_file_checks(file, any_text, !header.columns.is_empty(), rows)?;
    Ok(rows)
}

/// Lines of a reader, without their line ends, numbered from 1; a read error (a torn
/// stream) names the line it broke on.
struct Lines<'a> {
    file: &'a Path,
    reader: &'a mut dyn BufRead,
    buf: Vec<u8>,
    line_no: usize,
}

impl<'a> Lines<'a> {
    fn new(file: &'a Path, reader: &'a mut dyn BufRead) -> Lines<'a> {
        Lines {
            file,
            reader,
            buf: Vec::with_capacity(1024),
            line_no: 0,
        }
    }

    /// The next line and its number.
    fn next_line(&mut self) -> Result<Option<(usize, &[u8])>, DataError> {
        self.buf.clear();
        self.line_no += 1;
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| DataError::BadLine {
                file: self.file.to_path_buf(),
                line: self.line_no,
                message: e.to_string(),
            })?;
        if n == 0 {
            return Ok(None);
        }
        let line = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        Ok(Some((
            self.line_no,
            line.strip_suffix(b"\r").unwrap_or(line),
        )))
    }
}

/// What a whole log must have: some text, a `#fields` header, a data row.
fn whole_file_checks(
    file: &Path,
    any_text: bool,
    has_header: bool,
    rows: usize,
) -> Result<(), DataError> {
    let file = file.to_path_buf();
    if !any_text {
        return Err(DataError::Empty { file });
    }
    if !has_header {
        return Err(DataError::Format {
            file,
            message: "no `#fields` header line: not a Zeek log".into(),
        });
    }
    if rows == 0 {
        return Err(DataError::NoRows { file });
    }
    Ok(())
}

/// An emptied vector of borrows, ready to borrow from another line: the allocation is reused
/// (an in-place collect), so splitting a row allocates nothing.
fn recycle<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

/// Zeek `#types` of the conn fields, in [`Field::ALL`] order.
const TYPES: [&str; 21] = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "string",
    "interval",
    "count",
    "count",
    "string",
    "bool",
    "bool",
    "count",
    "string",
    "count",
    "count",
    "count",
    "count",
    "set[string]",
];

/// Write labelled flows as an IoT-23 `conn.log.labeled`, quirk included (the last three
/// fields joined by three spaces), so the reader's path is exercised end to end.
pub fn write_zeek(flows: &[LabeledFlow]) -> String {
    let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
    let mut out = String::with_capacity(flows.len() * 200 + 512);
    out.push_str("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n");
    out.push_str("#fields\t");
    out.push_str(&names.join("\t"));
    out.push_str("   label   detailed-label\n#types\t");
    out.push_str(&TYPES.join("\t"));
    out.push_str("   string   string\n");
    for f in flows {
        let values: Vec<String> = Field::ALL
            .iter()
            .map(|field| f.record.get(*field).unwrap_or_else(|| "-".into()))
            .collect();
        out.push_str(&values.join("\t"));
        out.push_str(QUIRK_SEP);
        out.push_str(f.label.as_str());
        out.push_str(QUIRK_SEP);
        out.push_str(f.provenance.family.as_deref().unwrap_or("-"));
        out.push('\n');
    }
    out.push_str("#close\n");
    out
}

/// `#separator \x09` names the separator as a hex escape.
fn parse_separator(v: &str) -> Option<char> {
    let v = v.trim();
    if let Some(hex) = v.strip_prefix("\\x") {
        return u8::from_str_radix(hex, 16).ok().map(char::from);
    }
    let mut chars = v.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\ttunnel_parents   label   detailed-label\n";

    #[test]
    fn parses_iot23_quirk() {
        let text = format!(
            "{HEADER}1.5\tCa\t10.0.0.1\t41040\t10.0.0.2\t23\ttcp\tS0\t-   Malicious   PartOfAHorizontalPortScan\n#close\t2019\n"
        );
        let flows =
            parse_zeek(Path::new("x.log"), text.as_bytes(), "iot23", Some("cap")).expect("parses");
        assert_eq!(flows.len(), 1);
        let f = &flows[0];
        assert_eq!(f.label, Label::Malicious);
        assert_eq!(
            f.provenance.family.as_deref(),
            Some("PartOfAHorizontalPortScan")
        );
        assert_eq!(f.record.resp_p, Some(23));
        assert_eq!(f.record.tunnel_parents, None);
        assert!(f.fields.contains(Field::ConnState));
        assert!(!f.fields.contains(Field::History));
    }

    #[test]
    fn ragged_row_names_line() {
        let text = format!("{HEADER}1.5\tCa\t10.0.0.1\n");
        let err =
            parse_zeek(Path::new("x.log"), text.as_bytes(), "iot23", None).expect_err("ragged");
        assert_eq!(err.to_string(), "x.log:3: expected 11 fields, found 3");
    }

    #[test]
    fn bad_label_names_column() {
        let text = format!("{HEADER}1.5\tCa\t10.0.0.1\t1\t10.0.0.2\t23\ttcp\tS0\t-   Evil   -\n");
        let err =
            parse_zeek(Path::new("x.log"), text.as_bytes(), "iot23", None).expect_err("label");
        assert!(
            err.to_string().starts_with("x.log:3: column `label`"),
            "{err}"
        );
    }
}
