//! `netlogs score` and `netlogs audit`.

mod common;

use std::path::PathBuf;

use assert_cmd::Command;
use common::{fails, fixture, read_json};
use serde_json::Value;

fn netlogs() -> Command {
    Command::cargo_bin("netlogs").expect("binary")
}

fn score(preset: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    netlogs()
        .args(["score", "--preset", preset, "--input"])
        .arg(fixture("golden/score_input.jsonl"))
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    (tmp, out)
}

#[test]
fn score_keeps_rows_in_order_and_adds_rewards() {
    let (_tmp, out) = score("seed");
    let rows: Vec<Value> = std::fs::read_to_string(out.join("results.jsonl"))
        .expect("results")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["example_id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10"]
    );
    // e1: correct, strict, conf 0.9 → 1 + 0.1 + 0.2·0.99 + 0.5 = 1.798
    assert!((rows[0]["reward"].as_f64().expect("r") - 1.798).abs() < 1e-12);
    // e9 failed upstream: an error row, not scored.
    assert!(rows[8]["reward"].is_null());
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["n"], 9);
    assert_eq!(summary["n_errors"], 1);
    assert_eq!(summary["errors"][0]["id"], "e9");
    let mean = rows
        .iter()
        .filter_map(|r| r["reward"].as_f64())
        .sum::<f64>()
        / 9.0;
    assert!((summary["mean_reward"].as_f64().expect("m") - mean).abs() < 1e-9);
}

#[test]
fn score_report_snapshots() {
    for preset in ["seed", "legacy"] {
        let (_tmp, out) = score(preset);
        let report = std::fs::read_to_string(out.join("report.md")).expect("report");
        let report = report.replace(
            &fixture("golden/score_input.jsonl").display().to_string(),
            "INPUT",
        );
        insta::assert_snapshot!(format!("score_report_{preset}"), report);
    }
}

#[test]
fn malformed_line_is_an_error_naming_the_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"completion\":\"x\",\"answer\":\"Benign\"}\n{\"completion\": oops}\n",
    )
    .expect("write");
    let (_, stderr) = fails(
        netlogs()
            .args(["score", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(tmp.path().join("o")),
    );
    assert!(stderr.contains("in.jsonl:2: malformed JSON"), "{stderr}");

    std::fs::write(&input, "{\"completion\":\"x\",\"answer\":\"Maybe\"}\n").expect("write");
    let (_, stderr) = fails(
        netlogs()
            .args(["score", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(tmp.path().join("o2")),
    );
    assert!(stderr.contains("in.jsonl:1: field `answer`"), "{stderr}");
}

#[test]
fn audit_text_snapshots() {
    for preset in ["seed", "legacy"] {
        let out = netlogs()
            .args(["audit", "--preset", preset, "--prior", "0.8"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        insta::assert_snapshot!(format!("audit_{preset}"), String::from_utf8_lossy(&out));
    }
}

#[test]
fn audit_json_shape_and_verdicts() {
    let json = |preset: &str| -> Value {
        let out = netlogs()
            .args(["audit", "--json", "--preset", preset])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).expect("json")
    };
    let seed = json("seed");
    assert_eq!(seed["findings"].as_array().map(Vec::len), Some(0));
    // The floor skill is measured from, on a balanced set: always-Abstain at 1.050.
    let floor = &seed["skill_floor"];
    assert_eq!(floor["best_constant"]["label"], "Abstain", "{floor}");
    assert!(
        (floor["best_constant"]["mean_reward"]
            .as_f64()
            .expect("floor")
            - 1.05)
            .abs()
            < 1e-9
    );
    assert!((floor["perfect_reward"].as_f64().expect("ceiling") - 1.8).abs() < 1e-9);
    assert!(seed["best_constant_gap"].as_f64().expect("gap") >= 0.3);
    let band = seed["abstain_band"].as_array().expect("band");
    assert_eq!(band.len(), 2);
    let legacy = json("legacy");
    let ids: Vec<&str> = legacy["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"abstention_never_optimal"));
    assert!(ids.contains(&"calibration_improper"));
    assert!(legacy["abstain_band"].is_null());
}

#[test]
fn rubric_file_and_flags() {
    let tmp = tempfile::tempdir().expect("tmp");
    let rubric = tmp.path().join("r.toml");
    std::fs::write(&rubric, "fn_cost = 3.0\nabstain_credit = 0.5\n").expect("write");
    let out = netlogs()
        .args(["audit", "--json", "--rubric"])
        .arg(&rubric)
        .args(["--fp-cost", "0.25"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["config"]["fn_cost"], 3.0);
    assert_eq!(v["config"]["fp_cost"], 0.25);
    assert_eq!(v["config"]["abstain_credit"], 0.5);

    std::fs::write(&rubric, "fn_cost = \"high\"\n").expect("write");
    let (_, stderr) = fails(netlogs().args(["audit", "--rubric"]).arg(&rubric));
    assert!(stderr.contains("r.toml"), "{stderr}");
}

#[test]
fn verifiers_rows_with_numbered_examples_score_and_report() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("vf.jsonl");
    let rows = [
        r#"{"example_id": 0, "prompt": [{"role": "user", "content": "flow"}], "completion": [{"role": "assistant", "content": "{\"label\": \"Benign\", \"confidence\": 0.9}"}], "answer": "Benign", "info": {"capture": "c1"}, "reward": 0.0}"#,
        r#"{"example_id": 1, "completion": "no idea", "answer": "Malicious", "task": "default"}"#,
    ];
    std::fs::write(&input, rows.join("\n") + "\n").expect("input");
    let out = tmp.path().join("scored");
    let mut cmd = assert_cmd::Command::cargo_bin("netlogs").expect("binary");
    cmd.args(["score", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&out);
    cmd.assert().success();
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.contains("id=\"samples\""));
    let data = netlogs_report::ReportData::read(&out).expect("report data");
    let ids: Vec<&str> = data.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["0", "1"]);
}
