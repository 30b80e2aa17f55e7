//! Rows nobody labelled (`Background`, `Unknown` and their kin) in every reader: counted and
//! left out under `--unlabelled skip`, the first one named under `--unlabelled error`, never read
//! as a class.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use netlogs_data::{
    bundled_iot23, write_hf_parquet, write_zeek, DataReader, Label, ReadOptions, ReadReport, Row,
    Unlabelled,
};
use polars::prelude::{Column, ParquetReader, ParquetWriter, SerReader};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

/// Each row handed on: its label and family.
type Rows = Vec<(Label, Option<String>)>;

/// Every row handed on and the read's report.
fn read(path: &Path, unlabelled: Unlabelled) -> Result<(Rows, ReadReport), String> {
    let mut reader = DataReader::new(ReadOptions {
        unlabelled,
        ..ReadOptions::default()
    });
    let mut rows = Vec::new();
    reader
        .read(path, &mut |row| {
            match row {
                Row::Flow(f) => {
                    rows.push((f.label, f.provenance.family.as_deref().map(str::to_string)))
                }
                Row::Example(e) => rows.push((e.answer, e.info.family.clone())),
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok((rows, reader.finish()))
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn cicids_background_and_unknown_rows_are_counted_not_malicious() {
    let path = fixture("unlabelled/cicids2017_background_unknown.csv");
    let (rows, report) = read(&path, Unlabelled::Skip).expect("reads");
    assert_eq!(rows.len(), 6);
    assert!(
        rows.iter().all(|(l, f)| *l == Label::Benign && f.is_none()),
        "{rows:?}"
    );
    assert_eq!(
        report.unlabelled,
        counts(&[("Background", 4), ("Unknown", 2)])
    );
    let err = read(&path, Unlabelled::Error).expect_err("stops");
    assert!(
        err.contains(
            "cicids2017_background_unknown.csv:4: column `Label`: unlabelled row (`Background`)"
        ),
        "{err}"
    );
}

#[test]
fn unsw_background_and_unknown_rows_are_counted() {
    let path = fixture("unlabelled/unsw_nb15_background_unknown.csv");
    let (rows, report) = read(&path, Unlabelled::Skip).expect("reads");
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|(l, _)| *l == Label::Benign));
    assert_eq!(
        report.unlabelled,
        counts(&[("Background", 3), ("Unknown", 2)])
    );
    let err = read(&path, Unlabelled::Error).expect_err("stops");
    assert!(
        err.contains("unsw_nb15_background_unknown.csv:3: column `label`"),
        "{err}"
    );
}

#[test]
fn parquet_background_and_unknown_rows_are_counted() {
    let flows: Vec<_> = bundled_iot23()
        .expect("bundled")
        .into_iter()
        .step_by(500)
        .take(20)
        .collect();
    let mut bytes = Vec::new();
    write_hf_parquet(&flows, &mut bytes).expect("write");
    let mut df = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .expect("frame");
    let labels: Vec<String> = flows
        .iter()
        .enumerate()
        .map(|(i, f)| match i {
            0..=4 => "Background".to_string(),
            5 => "unknown".to_string(),
            _ => f.label.as_str().to_string(),
        })
        .collect();
    df.with_column(Column::new("label".into(), labels))
        .expect("label column");
    // An unlabelled row is skipped before its values are read, as in the text readers: a port
    // no flow can have in a Background row is no error.
    let port = |bad_row: usize| -> Vec<i64> {
        (0..flows.len())
            .map(|i| if i == bad_row { 70_000 } else { 80 })
            .collect()
    };
    df.with_column(Column::new("id.resp_p".into(), port(2)))
        .expect("port column");
    let dir = tempfile::tempdir().expect("tmp");
    let mut bad = df.clone();
    bad.with_column(Column::new("id.resp_p".into(), port(7)))
        .expect("port column");
    let bad_path = dir.path().join("iot23-bad-port.parquet");
    ParquetWriter::new(std::fs::File::create(&bad_path).expect("create"))
        .finish(&mut bad)
        .expect("write");
    let err = read(&bad_path, Unlabelled::Skip).expect_err("a labelled row's bad port");
    assert!(
        err.contains("iot23-bad-port.parquet:8: column `id.resp_p`"),
        "{err}"
    );
    let path = dir.path().join("iot23-background.parquet");
    ParquetWriter::new(std::fs::File::create(&path).expect("create"))
        .finish(&mut df)
        .expect("write");
    let (rows, report) = read(&path, Unlabelled::Skip).expect("reads");
    let kept: Vec<Label> = flows[6..].iter().map(|f| f.label).collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), kept);
    assert_eq!(
        report.unlabelled,
        counts(&[("Background", 5), ("Unknown", 1)])
    );
    let err = read(&path, Unlabelled::Error).expect_err("stops");
    assert!(
        err.contains("iot23-background.parquet:1: column `label`"),
        "{err}"
    );
}

#[test]
fn zeek_kin_of_background_are_counted_under_one_name() {
    let flows: Vec<_> = bundled_iot23()
        .expect("bundled")
        .into_iter()
        .take(10)
        .collect();
    let text = write_zeek(&flows);
    let mut n = 0;
    let relabelled: String = text
        .lines()
        .map(|line| {
            let out = if line.starts_with('#') || n >= 4 {
                line.to_string()
            } else {
                n += 1;
                let (flow, _) = line.split_once("   ").expect("quirk");
                let word = [
                    "flow=Background-TCP-Established",
                    "background",
                    "Unlabeled",
                    "UNKNOWN",
                ][n - 1];
                format!("{flow}   {word}   -")
            };
            out + "\n"
        })
        .collect();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kin.conn.log.labeled");
    std::fs::write(&path, relabelled).expect("write");
    let (rows, report) = read(&path, Unlabelled::Skip).expect("reads");
    assert_eq!(rows.len(), 6);
    assert_eq!(
        report.unlabelled,
        counts(&[("Background", 2), ("Unknown", 1), ("Unlabelled", 1)])
    );
}
