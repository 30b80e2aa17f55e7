//! The streaming read: every data file a path holds, row by row, into a caller's sink, in
//! bounded memory. Zeek logs and IoT-23 CSV exports stream a line (a record) at a time;
//! parquet, prepared JSONL and the CIC-IDS-2017 / UNSW-NB15 tables are read a file at a time
//! (their own readers want the whole file). Each file's SHA-256 is taken on the way through.
//! Capture attribution happens here, so every consumer sees the same capture ids.

use std::io::{BufRead, Cursor, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::capture::{capture_of_file, Attribution, CaptureFrom, FileRule, LOOKAHEAD_ROWS};
use crate::csv_export::{separator, stream_iot23_csv};
use crate::digest::Sha256Stream;
use crate::error::{DataError, RowError, UnlabelledRow};
use crate::example::Example;
use crate::format::SourceFormat;
use crate::inputs::for_each_input;
use crate::parse::{parse_bytes, unrecognised, Loaded, Parsed};
use crate::record::{LabeledFlow, Provenance, UnlabelledTag};
use crate::zeek::stream_zeek;

/// Bytes read ahead to detect a file's format.
const HEAD: usize = 8192;
/// Bad-row messages kept for the report (the count covers all of them).
const BAD_ROWS_KEPT: usize = 20;

/// What a reader does with unlabelled rows (Stratosphere's `Background` and `Unknown`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "lowercase")]
pub enum Unlabelled {
    /// Count them by label and leave them out.
    #[default]
    Skip,
    /// Stop at the first, naming its file and line.
    Error,
}

/// How to read data paths.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Detected from content when `None`.
    pub format: Option<SourceFormat>,
    /// One capture id for every row, overriding any rule.
    pub capture: Option<String>,
    pub capture_from: CaptureFrom,
    /// Count rows that fail to parse (and report them) instead of stopping at the first.
    pub skip_bad_rows: bool,
    pub unlabelled: Unlabelled,
    /// Skip each file's SHA-256 (about a tenth of the read) when nothing records it.
    pub skip_digests: bool,
}

/// One row as read: a raw flow (rendered later with a template) or a prepared example.
/// Borrowed: most rows are only counted or passed over, and a consumer that keeps one
/// clones it; the reader parses every row into the same place.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Flow(&'a LabeledFlow),
    Example(&'a Example),
}

/// What was read from one data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRead {
    /// Display name (the archive path joined with the member's).
    pub name: String,
    /// SHA-256 of the (decompressed) bytes the parser read; empty when skipped.
    pub sha256: String,
    /// Rows handed on (bad rows not counted).
    pub rows: usize,
    #[serde(default)]
    pub bad_rows: usize,
}

/// Rows skipped under `--skip-bad-rows`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BadRows {
    pub count: usize,
    /// The first few errors, each naming its file and line.
    pub first: Vec<String>,
}

impl BadRows {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Where a [`DataReader`] hands its rows.
pub type RowSink<'a> = dyn FnMut(Row<'_>) -> Result<(), DataError> + 'a;

/// Everything a read saw, for metadata and messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadReport {
    pub files: Vec<FileRead>,
    pub bad_rows: BadRows,
    /// Unlabelled rows left out, by their label (`Background`, `Unknown`).
    #[serde(default)]
    pub unlabelled: UnlabelledCounts,
    /// What the user should know about how rows were read (a file whose capture rule fell
    /// back), one line each.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Unlabelled rows left out, by label.
pub type UnlabelledCounts = std::collections::BTreeMap<String, usize>;

/// `12 unlabelled rows left out (Background 9, Unknown 3)`; `None` when there were none.
pub fn unlabelled_line(counts: &UnlabelledCounts) -> Option<String> {
    let n: usize = counts.values().sum();
    (n > 0).then(|| {
        let each: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
        format!(
            "{n} unlabelled rows left out ({}); --unlabelled error stops at them instead",
            each.join(", ")
        )
    })
}

/// A reader over any number of paths, keeping capture attribution and counts across them.
pub struct DataReader {
    options: ReadOptions,
    attribution: Attribution,
    report: ReadReport,
    /// Unlabelled rows left out, by tag: counted without allocating, named in `finish`.
    unlabelled: std::collections::BTreeMap<UnlabelledTag, usize>,
    /// The file being read, its capture rule, and its first rows while the rule is chosen.
    file: FileState,
}

#[derive(Default)]
struct FileState {
    name: std::path::PathBuf,
    rule: Option<FileRule>,
    first_rows: Vec<LabeledFlow>,
}

/// A reader that hashes every byte its consumer takes, through `read` or `consume`.
struct Hashing<'a> {
    inner: &'a mut dyn BufRead,
    /// `None` when digests are not wanted.
    sha: Option<Sha256Stream>,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(sha) = &mut self.sha {
            sha.update(&buf[..n]);
        }
        Ok(n)
    }
}

impl BufRead for Hashing<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The bytes are still in the inner buffer: a second `fill_buf` does no I/O.
        if let (Some(sha), Ok(buf)) = (&mut self.sha, self.inner.fill_buf()) {
            sha.update(&buf[..amt.min(buf.len())]);
        }
        self.inner.consume(amt);
    }
}

fn io_error(file: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        file: file.to_path_buf(),
        source,
    }
}

/// Up to [`HEAD`] bytes from the front of `reader`.
fn read_head(file: &Path, reader: &mut dyn Read) -> Result<Vec<u8>, DataError> {
    let mut head = Vec::with_capacity(HEAD);
    reader
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(|e| io_error(file, e))?;
    Ok(head)
}

impl DataReader {
    pub fn new(options: ReadOptions) -> DataReader {
        DataReader {
            attribution: Attribution::new(options.capture_from),
            options,
            report: ReadReport::default(),
            unlabelled: Default::default(),
            file: FileState::default(),
        }
    }

    /// Read every data file under `path` into `sink`.
    pub fn read(&mut self, path: &Path, sink: &mut RowSink) -> Result<(), DataError> {
        for_each_input(path, &mut |name, reader| self.read_file(name, reader, sink))
    }

    pub fn finish(mut self) -> ReadReport {
        for (tag, n) in self.unlabelled {
            *self
                .report
                .unlabelled
                .entry(tag.as_str().to_string())
                .or_default() += n;
        }
        self.report
    }

    fn read_file(
        &mut self,
        name: &Path,
        reader: &mut dyn BufRead,
        sink: &mut RowSink,
    ) -> Result<(), DataError> {
        let mut hashing = Hashing {
            inner: reader,
            sha: (!self.options.skip_digests).then(Sha256Stream::default),
        };
        let head = read_head(name, &mut hashing)?;
        if head.len() < HEAD && head.iter().all(u8::is_ascii_whitespace) {
            return Err(DataError::Empty {
                file: name.to_path_buf(),
            });
        }
        let format = self
            .options
            .format
            .or_else(|| SourceFormat::detect(&head))
            .ok_or_else(|| unrecognised(name))?;
        let capture = self
            .options
            .capture
            .clone()
            .or_else(|| capture_of_file(name, format, self.options.capture_from));
        let mut counts = (0usize, 0usize);
        // Rows needing a session capture wait until the file's first rows chose its rule.
        self.file = FileState {
            name: name.to_path_buf(),
            rule: (!self.attribution.wants_rows(capture.is_some())).then_some(FileRule::Rows),
            first_rows: Vec::new(),
        };
        let mut whole = Cursor::new(head).chain(&mut hashing);
        match format {
            SourceFormat::Zeek | SourceFormat::Iot23Csv => {
                let origin = Provenance::of_file("iot23", capture.as_deref(), name);
                let sep = separator(whole.get_ref().0.get_ref());
                let mut on_row = |row: Result<&mut LabeledFlow, RowError<'_>>| {
                    self.take_row(row, &mut counts, sink)
                };
                if format == SourceFormat::Zeek {
                    stream_zeek(name, &mut whole, &origin, &mut on_row)?;
                } else {
                    stream_iot23_csv(name, &mut whole, sep, &origin, &mut on_row)?;
                }
            }
            _ => {
                let mut bytes = Vec::new();
                whole
                    .read_to_end(&mut bytes)
                    .map_err(|e| io_error(name, e))?;
                let parsed = parse_bytes(name, &bytes, format, capture.as_deref())?;
                self.take_parsed(parsed, &mut counts, sink)?;
            }
        }
        drop(whole);
        self.settle_rule(sink)?;
        self.report.files.push(FileRead {
            name: name.display().to_string(),
            sha256: hashing.sha.map(Sha256Stream::finish).unwrap_or_default(),
            rows: counts.0,
            bad_rows: counts.1,
        });
        Ok(())
    }

    /// Choose the file's capture rule from the rows held so far (if it has none yet), and hand
    /// them on under it.
    fn settle_rule(&mut self, sink: &mut RowSink) -> Result<(), DataError> {
        if self.file.rule.is_some() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.file.first_rows);
        let (rule, note) = self.attribution.rule_for(&rows, &self.file.name);
        self.report.notes.extend(note);
        for mut flow in rows {
            self.attribution.attribute_by(&mut flow, &rule);
            sink(Row::Flow(&flow))?;
        }
        self.file.rule = Some(rule);
        Ok(())
    }

    /// The rows of a file read whole, handed on one by one, its unlabelled rows counted (or
    /// the first one refused, before any row is handed on).
    fn take_parsed(
        &mut self,
        Parsed { loaded, unlabelled }: Parsed,
        counts: &mut (usize, usize),
        sink: &mut RowSink,
    ) -> Result<(), DataError> {
        for u in &unlabelled {
            self.skip_unlabelled(u)?;
        }
        match loaded {
            Loaded::Flows(mut flows) => {
                for f in &mut flows {
                    self.take_row(Ok(f), counts, sink)?;
                }
            }
            Loaded::Prepared(examples) => {
                for e in &examples {
                    counts.0 += 1;
                    sink(Row::Example(e))?;
                }
            }
        }
        Ok(())
    }

    /// Attribute a good row and hand it on; count (or raise) a bad one.
    fn take_row(
        &mut self,
        row: Result<&mut LabeledFlow, RowError<'_>>,
        (good, bad): &mut (usize, usize),
        sink: &mut RowSink,
    ) -> Result<(), DataError> {
        match row {
            Ok(flow) => {
                *good += 1;
                let Some(rule) = &self.file.rule else {
                    self.file.first_rows.push(flow.clone());
                    if self.file.first_rows.len() >= LOOKAHEAD_ROWS {
                        self.settle_rule(sink)?;
                    }
                    return Ok(());
                };
                self.attribution.attribute_by(flow, rule);
                sink(Row::Flow(flow))
            }
            Err(RowError::Unlabelled(u)) => self.skip_unlabelled(&u),
            Err(RowError::Bad(e)) if self.options.skip_bad_rows => {
                *bad += 1;
                let kept = &mut self.report.bad_rows;
                kept.count += 1;
                if kept.first.len() < BAD_ROWS_KEPT {
                    kept.first.push(e.to_string());
                }
                Ok(())
            }
            Err(RowError::Bad(e)) => Err(e),
        }
    }

    /// Count an unlabelled row (no allocation), or stop at it under `--unlabelled error`: it
    /// is not a bad row, so `--skip-bad-rows` does not pass over it.
    fn skip_unlabelled(&mut self, row: &UnlabelledRow) -> Result<(), DataError> {
        match self.options.unlabelled {
            Unlabelled::Skip => {
                *self.unlabelled.entry(row.tag).or_default() += 1;
                Ok(())
            }
            Unlabelled::Error => Err(row.error(&self.file.name)),
        }
    }
}
