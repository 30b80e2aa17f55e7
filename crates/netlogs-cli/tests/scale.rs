//! The scale path on real rows: stratified per-capture sampling with named test captures,
//! capture attribution of pooled rows, bad rows deep inside a compressed stream, and the
//! seen/held-out figures a split run reports.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use common::{fixture, read_json, run_dir};
use serde_json::Value;

fn netlogs() -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.env_remove("OPENAI_API_KEY");
    c
}

fn stdout(c: &mut Command) -> String {
    String::from_utf8_lossy(&c.assert().success().get_output().stdout).into_owned()
}

fn build(out: &Path, seed: &str) -> String {
    stdout(
        netlogs()
            .args(["data", "build", "--per-capture", "150", "--seed", seed])
            .args(["--test-captures", "CTU-IoT-Malware-Capture-34-1"])
            .arg("--output")
            .arg(out)
            .arg(fixture("iot23")),
    )
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("built file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

#[test]
fn per_capture_sample_is_stratified_seeded_and_capture_disjoint() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (a, b, c) = (
        tmp.path().join("a.jsonl"),
        tmp.path().join("b.jsonl"),
        tmp.path().join("c.jsonl"),
    );
    let out = build(&a, "5");
    assert!(
        out.contains("test  1 captures: CTU-IoT-Malware-Capture-34-1"),
        "{out}"
    );
    build(&b, "5");
    build(&c, "6");
    let bytes = |p: &Path| std::fs::read(p).expect("read");
    assert_eq!(bytes(&a), bytes(&b), "same seed, same dataset");
    assert_ne!(bytes(&a), bytes(&c), "another seed draws other rows");

    let rows = lines(&a);
    let mut per_capture: BTreeMap<String, (usize, usize, String)> = BTreeMap::new();
    for r in &rows {
        let meta = &r["meta"];
        let capture = meta["capture"]
            .as_str()
            .expect("every row has a capture")
            .to_string();
        let e = per_capture.entry(capture.clone()).or_default();
        match r["answer"].as_str() {
            Some("Benign") => e.0 += 1,
            _ => e.1 += 1,
        }
        let split = meta["split"].as_str().expect("split").to_string();
        assert!(e.2.is_empty() || e.2 == split, "{capture} straddles splits");
        e.2 = split;
    }
    for (capture, (benign, malicious, split)) in &per_capture {
        assert!(
            benign + malicious <= 150,
            "{capture}: {}",
            benign + malicious
        );
        assert_eq!(
            split == "test",
            capture == "CTU-IoT-Malware-Capture-34-1",
            "{capture}"
        );
    }
    // 34-1 has 1,923 benign and 21,222 malicious rows: the cap is shared evenly by label.
    assert_eq!(per_capture["CTU-IoT-Malware-Capture-34-1"].0, 75);
    assert_eq!(per_capture["CTU-IoT-Malware-Capture-34-1"].1, 75);
    // The pooled file's rows carry host-session captures, not `-`.
    assert!(per_capture.keys().any(|c| c.starts_with("192.168.1.196@")));
}

#[test]
fn pooled_rows_get_captures_and_the_rule_is_selectable() {
    let pool = fixture("iot23/iot23_multicapture_pool_subset.csv");
    let captures = |rule: &str| -> BTreeMap<String, u64> {
        let v: Value = serde_json::from_str(&stdout(
            netlogs()
                .args(["data", "inspect", "--json", "--capture-from", rule])
                .arg(&pool),
        ))
        .expect("json");
        serde_json::from_value(v["by_capture"].clone()).expect("counts")
    };
    let auto = captures("auto");
    assert!(!auto.contains_key("-"), "{auto:?}");
    assert!(auto.len() >= 10, "{auto:?}");
    assert_eq!(auto.values().sum::<u64>(), 9_039);
    let by_path = captures("path");
    assert_eq!(by_path.keys().collect::<Vec<_>>(), ["-"]);
    let err = netlogs()
        .args(["data", "inspect", "--capture-from", "guess"])
        .arg(&pool)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&err);
    assert!(err.contains("host-session"), "{err}");
}

/// A gzip'd Zeek log of real rows with one bad row `bad_at` lines in.
fn log_with_a_bad_row(dir: &Path, bad_at: usize) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture(
        "iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled",
    ))
    .expect("fixture");
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("#close")).collect();
    let rows = lines.len();
    lines.extend_from_within(8..rows);
    lines[bad_at - 1] = "1.5\tCbad\t10.0.0.1\tnot-a-port";
    let path = dir.join("big.conn.log.labeled.gz");
    let file = std::fs::File::create(&path).expect("create");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    for l in lines {
        writeln!(gz, "{l}").expect("write");
    }
    gz.finish().expect("gzip");
    path
}

#[test]
fn a_bad_row_deep_in_a_gzip_stream_names_the_line_or_is_counted() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = log_with_a_bad_row(tmp.path(), 40_000);
    let save = tmp.path().join("out");
    let out = netlogs()
        .args(["eval", "-n", "50", "--data"])
        .arg(&log)
        .arg("-s")
        .arg(&save)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("big.conn.log.labeled.gz:40000: expected 23 fields, found 4"),
        "{err}"
    );

    netlogs()
        .args(["eval", "-n", "50", "--skip-bad-rows", "--data"])
        .arg(&log)
        .arg("-s")
        .arg(&save)
        .assert()
        .success();
    let run = run_dir(&save);
    let meta = read_json(&run.join("metadata.json"));
    let bad = &meta["dataset"]["bad_rows"];
    assert_eq!(bad["count"], 1, "{bad}");
    assert!(
        bad["first"][0]
            .as_str()
            .expect("message")
            .contains(":40000:"),
        "{bad}"
    );
    assert_eq!(meta["dataset"]["files"][0]["rows"], 2 * 23_145 - 1);
    let report = std::fs::read_to_string(run.join("report.md")).expect("report");
    assert!(report.contains("Bad rows skipped"), "{report}");
}

#[test]
fn a_split_run_reports_seen_against_held_out_captures() {
    let tmp = tempfile::tempdir().expect("tmp");
    let built = tmp.path().join("built.jsonl");
    build(&built, "5");
    let save = tmp.path().join("out");
    netlogs()
        .args(["eval", "-n", "120", "--data"])
        .arg(&built)
        .arg("-s")
        .arg(&save)
        .assert()
        .success();
    let run = run_dir(&save);
    let summary = read_json(&run.join("summary.json"));
    let exposure = summary["breakdown"]["exposure"]
        .as_object()
        .expect("exposure");
    let n = |k: &str| exposure[k]["n"].as_u64().expect("n");
    assert_eq!(
        n("seen in training (train)") + n("held out (dev, test)"),
        120
    );
    let meta = read_json(&run.join("metadata.json"));
    assert_eq!(
        meta["dataset"]["captures"]["test"],
        serde_json::json!(["CTU-IoT-Malware-Capture-34-1"])
    );
    let report = std::fs::read_to_string(run.join("report.md")).expect("report");
    assert!(
        report.contains("Captures seen in training against held-out captures"),
        "{report}"
    );
    assert!(
        report.contains("test: CTU-IoT-Malware-Capture-34-1"),
        "{report}"
    );
}
