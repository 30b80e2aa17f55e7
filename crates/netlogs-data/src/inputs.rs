//! What a data path holds: a file, a gzip-compressed file (`.gz`), a tar archive (`.tar`,
//! `.tar.gz`, `.tgz`) walked member by member, or a directory walked file by file. Each data
//! file comes out with a display name that says where it was (`capture.tar.gz/34-1/bro/
//! conn.log.labeled`), so errors and capture ids can use the whole path.
//!
//! Members are decompressed into memory one at a time; the parsers read whole files.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::DataError;

/// One data file to parse.
#[derive(Debug)]
pub struct InputFile {
    /// Where it was: the file's path, or the archive's path joined with the member's.
    pub name: PathBuf,
    pub bytes: Vec<u8>,
}

/// Inside directories and archives, only files named like data are read (READMEs, pcaps and
/// notes beside an IoT-23 `conn.log.labeled` are skipped). A file named on its own is always
/// read.
fn looks_like_data(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [".log", ".labeled", ".csv", ".tsv", ".parquet", ".jsonl"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn corrupt(file: &Path, what: &str, e: impl std::fmt::Display) -> DataError {
    DataError::Format {
        file: file.to_path_buf(),
        message: format!("truncated or corrupt {what}: {e}"),
    }
}

fn gunzip(name: &Path, reader: impl Read) -> Result<Vec<u8>, DataError> {
    let mut out = Vec::new();
    MultiGzDecoder::new(reader)
        .read_to_end(&mut out)
        .map_err(|e| corrupt(name, "gzip stream", e))?;
    Ok(out)
}

/// Every data member of a tar stream, in archive order.
fn untar(archive: &Path, reader: impl Read, out: &mut Vec<InputFile>) -> Result<(), DataError> {
    let mut tar = tar::Archive::new(reader);
    let entries = tar
        .entries()
        .map_err(|e| corrupt(archive, "tar archive", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(archive, "tar archive", e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = entry
            .path()
            .map_err(|e| corrupt(archive, "tar archive", e))?
            .into_owned();
        let name = archive.join(&member);
        if !looks_like_data(&member.to_string_lossy()) {
            continue;
        }
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(&name, "tar member", e))?;
        push_file(name, bytes, out)?;
    }
    Ok(())
}

/// A file's bytes, decompressed when its name ends in `.gz`.
fn push_file(name: PathBuf, bytes: Vec<u8>, out: &mut Vec<InputFile>) -> Result<(), DataError> {
    let text = name.to_string_lossy().into_owned();
    match text.strip_suffix(".gz") {
        Some(plain) => {
            let bytes = gunzip(&name, bytes.as_slice())?;
            out.push(InputFile {
                name: PathBuf::from(plain),
                bytes,
            });
        }
        None => out.push(InputFile { name, bytes }),
    }
    Ok(())
}

fn read_one(path: &Path, out: &mut Vec<InputFile>) -> Result<(), DataError> {
    let open = || {
        std::fs::File::open(path).map_err(|source| DataError::Io {
            file: path.to_path_buf(),
            source,
        })
    };
    let name = path.to_string_lossy();
    if name.ends_with(".tar") {
        return untar(path, std::io::BufReader::new(open()?), out);
    }
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let gz = MultiGzDecoder::new(std::io::BufReader::new(open()?));
        return untar(path, gz, out);
    }
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    push_file(path.to_path_buf(), bytes, out)
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

/// Every data file `path` holds.
pub fn read_inputs(path: &Path) -> Result<Vec<InputFile>, DataError> {
    let mut out = Vec::new();
    if !path.is_dir() {
        read_one(path, &mut out)?;
        return Ok(out);
    }
    let mut files = Vec::new();
    walk(path, &mut files)?;
    for f in files {
        let name = f.to_string_lossy();
        let archive = name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz");
        if archive || looks_like_data(&name) {
            read_one(&f, &mut out)?;
        }
    }
    if out.is_empty() {
        return Err(DataError::IsDirectory {
            file: path.to_path_buf(),
        });
    }
    Ok(out)
}
