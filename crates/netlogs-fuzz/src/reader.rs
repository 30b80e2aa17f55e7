//! The data readers (Zeek, IoT-23/CIC-IDS-2017/UNSW-NB15 CSV, parquet, prepared JSONL, `.gz`
//! and tar archives), through [`DataReader`] as every command reads. The first byte picks the
//! file's name (so the archive and extension paths) and the read options; the rest is the file.
//! Property: the read hands on rows whose count the report agrees with, or fails with an error
//! that names the file and, for a row's error, a line the file has.

use netlogs_data::{DataError, DataReader, ReadOptions, Unlabelled};

const NAMES: [&str; 8] = [
    "in.conn.log.labeled",
    "in.csv",
    "in.parquet",
    "in.jsonl",
    "in.conn.log.gz",
    "in.tar",
    "in.tsv",
    "input",
];

pub fn check(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(kind % 8)];
    let dir = crate::scratch();
    let path = dir.path().join(name);
    std::fs::write(&path, body).expect("write the input");
    let mut reader = DataReader::new(ReadOptions {
        skip_bad_rows: kind & 0x10 != 0,
        unlabelled: if kind & 0x20 != 0 {
            Unlabelled::Error
        } else {
            Unlabelled::Skip
        },
        skip_digests: kind & 0x40 != 0,
        ..ReadOptions::default()
    });
    let mut handed = 0usize;
    let read = reader.read(&path, &mut |_| {
        handed += 1;
        Ok(())
    });
    match read {
        Ok(()) => {
            let report = reader.finish();
            let counted: usize = report.files.iter().map(|f| f.rows).sum();
            assert_eq!(counted, handed, "the report counts the rows handed on");
        }
        Err(e) => names_file_and_line(&e, &path.display().to_string(), lines_of(name, body)),
    }
}

/// The lines a plain text file has (`None` for binary and archived inputs, whose lines the
/// error counts in content this side cannot see).
fn lines_of(name: &str, body: &[u8]) -> Option<usize> {
    let text = !(name.ends_with(".gz") || name.ends_with(".tar") || name.ends_with(".parquet"));
    (text && !body.starts_with(b"PAR1") && !body.starts_with(&[0x1f, 0x8b]) && !is_tar(body))
        .then(|| body.iter().filter(|b| **b == b'\n').count() + 1)
}

fn is_tar(body: &[u8]) -> bool {
    body.get(257..262) == Some(b"ustar")
}

fn names_file_and_line(e: &DataError, file: &str, lines: Option<usize>) {
    let message = e.to_string();
    assert!(
        !matches!(e, DataError::Options(_)),
        "no options here: {message}"
    );
    assert!(
        message.starts_with(file),
        "the error names the file: {message}"
    );
    let line = match e {
        DataError::BadValue { line, .. }
        | DataError::Ragged { line, .. }
        | DataError::Unlabelled { line, .. }
        | DataError::NotUtf8 { line, .. }
        | DataError::BadLine { line, .. } => Some(*line),
        _ => None,
    };
    if let Some(line) = line {
        assert!(line >= 1, "lines count from 1: {message}");
        if let Some(n) = lines {
            assert!(line <= n, "line {line} of a file of {n} lines: {message}");
        }
    }
}
