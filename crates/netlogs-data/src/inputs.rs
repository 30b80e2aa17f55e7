//! What a data path holds: a file, a gzip-compressed file (`.gz`), a tar archive (`.tar`,
//! `.tar.gz`, `.tgz`) walked member by member, or a directory walked file by file. Each data
//! file is handed to the caller as a reader with a display name that says where it was
//! (`capture.tar.gz/34-1/bro/conn.log.labeled`), so errors and capture ids can use the whole
//! path. Nothing is read ahead: a 5 GB member streams through a fixed-size buffer.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::DataError;

/// Read buffer per input: large enough that one `read` per buffer costs nothing.
const BUFFER: usize = 256 * 1024;

/// Called once per data file with its display name and its (decompressed) bytes.
pub type InputVisitor<'a> = dyn FnMut(&Path, &mut dyn BufRead) -> Result<(), DataError> + 'a;

/// Inside directories and archives, only files named like data are read (READMEs, pcaps and
/// notes beside an IoT-23 `conn.log.labeled` are skipped). A file named on its own is always
/// read.
fn looks_like_data(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [".log", ".labeled", ".csv", ".tsv", ".parquet", ".jsonl"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn is_archive(name: &str) -> bool {
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

fn corrupt(file: &Path, what: &str, e: impl std::fmt::Display) -> DataError {
    DataError::Format {
        file: file.to_path_buf(),
        message: format!("truncated or corrupt {what}: {e}"),
    }
}

/// A reader whose errors say what layer broke (`truncated or corrupt gzip stream: …`), so a
/// parser that meets the error mid-file can report it with the line it was on.
struct Labelled<R> {
    inner: R,
    what: &'static str,
}

impl<R: Read> Read for Labelled<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            std::io::Error::new(e.kind(), format!("truncated or corrupt {}: {e}", self.what))
        })
    }
}

/// Hand one file's bytes to `visit`, decompressed when its name ends in `.gz` (the name
/// keeps its `.gz`, so messages point at the file on disk).
fn visit_file(name: &Path, reader: impl Read, visit: &mut InputVisitor) -> Result<(), DataError> {
    if name.extension().is_some_and(|e| e == "gz") {
        let gz = Labelled {
            inner: MultiGzDecoder::new(reader),
            what: "gzip stream",
        };
        visit(name, &mut BufReader::with_capacity(BUFFER, gz))
    } else {
        visit(name, &mut BufReader::with_capacity(BUFFER, reader))
    }
}

/// Every data member of a tar stream, in archive order.
fn untar(archive: &Path, reader: impl Read, visit: &mut InputVisitor) -> Result<(), DataError> {
    let mut tar = tar::Archive::new(reader);
    let entries = tar
        .entries()
        .map_err(|e| corrupt(archive, "tar archive", e))?;
    for entry in entries {
        let entry = entry.map_err(|e| corrupt(archive, "tar archive", e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = entry
            .path()
            .map_err(|e| corrupt(archive, "tar archive", e))?
            .into_owned();
        if !looks_like_data(&member.to_string_lossy()) {
            continue;
        }
        let member_reader = Labelled {
            inner: entry,
            what: "tar member",
        };
        visit_file(&archive.join(&member), member_reader, visit)?;
    }
    Ok(())
}

fn open(path: &Path) -> Result<std::fs::File, DataError> {
    std::fs::File::open(path).map_err(|source| DataError::Io {
        file: path.to_path_buf(),
        source,
    })
}

fn visit_one(path: &Path, visit: &mut InputVisitor) -> Result<(), DataError> {
    let name = path.to_string_lossy();
    let file = open(path)?;
    if name.ends_with(".tar") {
        return untar(path, BufReader::with_capacity(BUFFER, file), visit);
    }
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let gz = Labelled {
            inner: MultiGzDecoder::new(BufReader::with_capacity(BUFFER, file)),
            what: "gzip stream",
        };
        return untar(path, gz, visit);
    }
    visit_file(path, file, visit)
}

/// Files under `dir`, sorted, not following symbolic links.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DataError> {
    let entries = std::fs::read_dir(dir).map_err(|source| DataError::Io {
        file: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Ok(kind) = e.file_type() else { continue };
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if kind.is_dir() {
            walk(&e.path(), out)?;
        } else if kind.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

/// The data files `path` holds, in the order they are read: the file itself, or every data
/// file or archive under the folder (an error when it holds none).
pub fn data_files(path: &Path) -> Result<Vec<PathBuf>, DataError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    walk(path, &mut files)?;
    files.retain(|f| {
        let name = f.to_string_lossy();
        is_archive(&name) || looks_like_data(&name)
    });
    if files.is_empty() {
        return Err(DataError::IsDirectory {
            file: path.to_path_buf(),
        });
    }
    Ok(files)
}

/// Visit every data file `path` holds, one at a time, in a stable order.
pub fn for_each_input(path: &Path, visit: &mut InputVisitor) -> Result<(), DataError> {
    for f in data_files(path)? {
        visit_one(&f, visit)?;
    }
    Ok(())
}
