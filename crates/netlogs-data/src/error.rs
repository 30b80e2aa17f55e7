use std::path::PathBuf;

/// Every way a data file can be wrong. Each variant names the file and, where it applies,
/// the line (1-based, as an editor shows it) and the column, so a user can fix the input.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: cannot write: {source}")]
    Write {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: a directory with no data files (*.log, *.labeled, *.csv, *.tsv, *.parquet, *.jsonl, their .gz, or tar archives)")]
    IsDirectory { file: PathBuf },
    #[error("{file}: file is empty")]
    Empty { file: PathBuf },
    #[error("{file}: has a header but no data rows")]
    NoRows { file: PathBuf },
    #[error("{file}: missing required column `{column}`")]
    MissingColumn { file: PathBuf, column: String },
    #[error("{file}:{line}: column `{column}`: {message}")]
    BadValue {
        file: PathBuf,
        line: usize,
        column: String,
        message: String,
    },
    #[error("{file}:{line}: expected {expected} fields, found {found}")]
    Ragged {
        file: PathBuf,
        line: usize,
        expected: usize,
        found: usize,
    },
    /// A row whose label says nobody labelled it (Stratosphere's `Background`, `Unknown`).
    /// Under `--unlabelled skip` (the default) the reader counts it and goes on.
    #[error("{file}:{line}: column `{column}`: unlabelled row (`{label}`); netlogs scores Benign and Malicious rows only: `--unlabelled skip` (the default) leaves such rows out")]
    Unlabelled {
        file: PathBuf,
        line: usize,
        column: String,
        label: String,
    },
    #[error("{file}:{line}: not valid UTF-8")]
    NotUtf8 { file: PathBuf, line: usize },
    #[error("{file}:{line}: {message}")]
    BadLine {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Format { file: PathBuf, message: String },
    /// Options that do not fit the data (a test capture the data does not have).
    #[error("{0}")]
    Options(String),
}

impl DataError {
    pub(crate) fn bad_value(
        file: &std::path::Path,
        line: usize,
        column: &str,
        message: impl Into<String>,
    ) -> Self {
        DataError::BadValue {
            file: file.to_path_buf(),
            line,
            column: column.to_string(),
            message: message.into(),
        }
    }
}

/// A row a streaming reader cannot hand on: one nobody labelled, or a bad one. The unlabelled
/// case borrows its cells, so the skipped rows a Background-heavy log is mostly made of cost no
/// allocation; the full [`DataError`] is built only when a read stops at one.
#[derive(Debug)]
pub(crate) enum RowError<'a> {
    Unlabelled(UnlabelledRow<'a>),
    Bad(DataError),
}

impl From<DataError> for RowError<'_> {
    fn from(e: DataError) -> Self {
        RowError::Bad(e)
    }
}

/// Where an unlabelled row is and what its label cell says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnlabelledRow<'a> {
    pub line: usize,
    pub column: &'a str,
    pub raw: &'a str,
    pub tag: crate::record::UnlabelledTag,
}

impl UnlabelledRow<'_> {
    /// The error `--unlabelled error` stops with.
    pub fn error(&self, file: &std::path::Path) -> DataError {
        DataError::Unlabelled {
            file: file.to_path_buf(),
            line: self.line,
            column: self.column.to_string(),
            label: self.raw.trim().to_string(),
        }
    }

    /// A row of a file read whole, whose cells do not outlive the parse: named by its tag.
    pub fn owned(
        line: usize,
        column: &'static str,
        tag: crate::record::UnlabelledTag,
    ) -> UnlabelledRow<'static> {
        UnlabelledRow {
            line,
            column,
            raw: tag.as_str(),
            tag,
        }
    }
}

impl RowError<'_> {
    /// The error as the whole-file readers return it.
    pub fn into_data_error(self, file: &std::path::Path) -> DataError {
        match self {
            RowError::Unlabelled(u) => u.error(file),
            RowError::Bad(e) => e,
        }
    }
}
