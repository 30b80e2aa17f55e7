//! `netlogs data …` and `netlogs eval --data …` on real fixture files.

mod common;

use assert_cmd::Command;
use common::{fails, fixture, read_json, run_dir};
use serde_json::Value;

fn netlogs() -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.env_remove("OPENAI_API_KEY");
    c
}

fn stdout(c: &mut Command) -> String {
    String::from_utf8_lossy(&c.assert().success().get_output().stdout).into_owned()
}

#[test]
fn build_audit_then_eval_a_split() {
    let tmp = tempfile::tempdir().expect("tmp");
    let built = tmp.path().join("built.parquet");
    let out = stdout(
        netlogs()
            .args(["data", "build", "--output"])
            .arg(&built)
            .arg(fixture(
                "iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled",
            ))
            .arg(fixture(
                "iot23/CTU-Honeypot-Capture-4-1_5-1_7-1.honeypot_all.csv",
            ))
            .arg(fixture(
                "unsw_nb15/UNSW_NB15_testing-set_excerpt.shared_half.csv",
            )),
    );
    assert!(out.contains("capture-disjoint splits"), "{out}");
    let audit: Value = serde_json::from_str(&stdout(
        netlogs().args(["data", "audit", "--json"]).arg(&built),
    ))
    .expect("json");
    assert_eq!(audit["prompts_shared_across_splits"], 0);
    let inspect: Value = serde_json::from_str(&stdout(
        netlogs().args(["data", "inspect", "--json"]).arg(&built),
    ))
    .expect("json");
    let splits = inspect["by_split"].as_object().expect("splits");
    assert!(splits
        .keys()
        .all(|k| ["train", "dev", "test"].contains(&k.as_str())));

    let save = tmp.path().join("out");
    netlogs()
        .args(["eval", "-n", "40", "--split", "train", "--data"])
        .arg(&built)
        .arg("-s")
        .arg(&save)
        .assert()
        .success();
    let run = run_dir(&save);
    let rows = std::fs::read_to_string(run.join("results.jsonl")).expect("rows");
    assert_eq!(rows.lines().count(), 40);
    assert!(rows.lines().all(|l| l.contains("\"split\":\"train\"")));
}

#[test]
fn export_writes_the_reference_jsonl() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("e1.jsonl");
    netlogs()
        .args([
            "data",
            "export",
            "--format",
            "verifiers",
            "--template",
            "upstream",
            "--output",
        ])
        .arg(&out)
        .arg(fixture(
            "cicids2017/Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.head299.csv",
        ))
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).expect("out");
    assert_eq!(text.lines().count(), 299);
    let first: Value = serde_json::from_str(text.lines().next().expect("line")).expect("json");
    assert_eq!(first["answer"], "Benign");
    assert!(first["question"]
        .as_str()
        .expect("q")
        .starts_with("Device unknown-device observed tcp"));
    assert_eq!(first["meta"]["source"], "cicids2017");
}

#[test]
fn synthetic_data_is_loud() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = netlogs()
        .current_dir(tmp.path())
        .args(["eval", "--data", "synthetic", "-n", "20"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("SYNTHETIC"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SYNTHETIC"));
    let run = run_dir(&tmp.path().join("outputs"));
    let meta = read_json(&run.join("metadata.json"));
    assert_eq!(meta["dataset"]["synthetic"], true);

    let file = tmp.path().join("s.conn.log.labeled");
    let said = stdout(
        netlogs()
            .args([
                "data",
                "synth",
                "-n",
                "30",
                "--ambiguity",
                "0.3",
                "--output",
            ])
            .arg(&file),
    );
    assert!(said.contains("SYNTHETIC"));
    let inspect: Value = serde_json::from_str(&stdout(
        netlogs().args(["data", "inspect", "--json"]).arg(&file),
    ))
    .expect("json");
    assert_eq!(inspect["rows"], 30);
}

#[test]
fn every_malformed_file_fails_cleanly() {
    let dir = fixture("bad");
    for entry in std::fs::read_dir(&dir).expect("bad").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let (_, stderr) = fails(
            netlogs()
                .args(["eval", "-n", "5", "-s"])
                .arg(std::env::temp_dir().join("netlogs-bad-never-written"))
                .arg("--data")
                .arg(entry.path()),
        );
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert!(
            stderr.contains(&name),
            "{name}: error does not name the file: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn eval_uses_fetched_data_by_default() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("dir");
    netlogs()
        .args(["data", "build", "--output"])
        .arg(data.join("iot23.parquet"))
        .arg(fixture("iot23/iot23_multicapture_pool_subset.csv"))
        .assert()
        .success();
    std::fs::write(
        data.join("manifest.json"),
        r#"{"dataset_file": "iot23.parquet", "source": {"repo": "19kmunz/iot-23-preprocessed", "revision": "main"}, "sha256": "x"}"#,
    )
    .expect("manifest");
    let out = netlogs()
        .current_dir(tmp.path())
        .args(["eval", "-n", "20"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("fetched:19kmunz/iot-23-preprocessed@main")
    );
    let run = run_dir(&tmp.path().join("outputs"));
    let rows = std::fs::read_to_string(run.join("results.jsonl")).expect("rows");
    assert!(rows.lines().all(|l| l.contains("\"split\":\"test\"")));
}

#[test]
fn eval_reads_a_capture_archive_in_the_official_layout() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("CTU-IoT-Malware-Capture-34-1/bro");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(
        fixture("iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled"),
        dir.join("conn.log.labeled"),
    )
    .expect("copy");
    let ok = std::process::Command::new("tar")
        .args(["-czf", "capture.tar.gz", "CTU-IoT-Malware-Capture-34-1"])
        .current_dir(tmp.path())
        .status()
        .expect("tar");
    assert!(ok.success());
    netlogs()
        .current_dir(tmp.path())
        .args(["eval", "-n", "20", "--data", "capture.tar.gz", "-s", "out"])
        .assert()
        .success();
    let run = common::run_dir(&tmp.path().join("out"));
    let meta = common::read_json(&run.join("metadata.json"));
    let file = meta["dataset"]["files"][0]["name"]
        .as_str()
        .expect("file name");
    assert_eq!(
        file,
        "capture.tar.gz/CTU-IoT-Malware-Capture-34-1/bro/conn.log.labeled"
    );
    let summary = common::read_json(&run.join("summary.json"));
    assert_eq!(
        summary["breakdown"]["capture"]["CTU-IoT-Malware-Capture-34-1"]["n"],
        20
    );
}
