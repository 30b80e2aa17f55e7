//! Stratosphere's other labelled logs, read as a user would: the shared CTU-SME-11 sample
//! (a Windows host in a small-business network) with its `Unknown` rows, its `detailedlabel`
//! column and its structured families, alone and in a capture-disjoint build beside IoT-23.

mod common;

use assert_cmd::Command;
use common::{fails, fixture, read_json, run_dir};
use serde_json::Value;

const SME: &str =
    "stratosphere/CTU-SME-11-Experiment-VM-Microsoft-Windows7full-3-2023-02-22.first5000pkts.conn.log.labeled";
const SME_CAPTURE: &str = "CTU-SME-11-Experiment-VM-Microsoft-Windows7full-3-2023-02-22";

fn netlogs() -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.env_remove("OPENAI_API_KEY");
    c
}

#[test]
fn inspect_counts_unlabelled_rows_reads_families_and_gives_one_capture() {
    let out = netlogs()
        .args(["data", "inspect", "--json"])
        .arg(fixture(SME))
        .assert()
        .success()
        .get_output()
        .clone();
    let i: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(i["rows"], 763);
    assert_eq!(i["unlabelled"]["Unknown"], 3);
    assert_eq!(i["by_label"]["Malicious"], 719);
    let captures = i["by_capture"].as_object().expect("captures");
    assert_eq!(captures.keys().collect::<Vec<_>>(), [SME_CAPTURE]);
    assert_eq!(i["by_family"]["RemcosRAT (Malware data exfiltration)"], 719);
    assert_eq!(i["by_family"]["Device chromecast tv assistant"], 20);
    let text = netlogs()
        .args(["data", "inspect"])
        .arg(fixture(SME))
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("unlabelled rows, left out"), "{text}");
    assert!(
        text.contains("3 unlabelled rows left out (Unknown 3)"),
        "{text}"
    );
}

#[test]
fn unlabelled_error_stops_at_the_first_and_names_it() {
    // `--skip-bad-rows` skips malformed rows, not the unlabelled ones `--unlabelled error` stops at.
    for extra in [None, Some("--skip-bad-rows")] {
        let mut cmd = netlogs();
        cmd.args(["data", "inspect", "--unlabelled", "error"])
            .args(extra)
            .arg(fixture(SME));
        let (_, stderr) = fails(&mut cmd);
        assert!(
            stderr.contains(":769: column `label`: unlabelled row (`Unknown`)"),
            "{extra:?}: {stderr}"
        );
    }
}

#[test]
fn eval_on_the_sample_keeps_the_full_label_and_says_what_it_left_out() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = netlogs()
        .args(["eval", "-n", "40", "-s"])
        .arg(tmp.path())
        .arg("--data")
        .arg(fixture(SME))
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("3 unlabelled rows left out (Unknown 3)"),
        "{stderr}"
    );
    let dir = run_dir(tmp.path());
    let meta = read_json(&dir.join("metadata.json"));
    assert_eq!(meta["dataset"]["unlabelled"]["Unknown"], 3);
    let rows = common::rows(&dir);
    let malicious = rows
        .iter()
        .find(|r| r["answer"] == "Malicious")
        .expect("a malicious row");
    assert_eq!(
        malicious["info"]["family"],
        "RemcosRAT (Malware data exfiltration)"
    );
    assert_eq!(
        malicious["info"]["full_label"],
        "From_malicious-To_malicious-Malware_data_exfiltration-RemcosRAT"
    );
    assert_eq!(malicious["info"]["capture"], SME_CAPTURE);
    let prompt = malicious["prompt"][1]["content"].as_str().expect("prompt");
    assert!(
        !prompt.contains("RemcosRAT") && !prompt.contains("From_"),
        "{prompt}"
    );
}

#[test]
fn a_capture_disjoint_build_over_iot23_and_stratosphere_names_its_captures() {
    let tmp = tempfile::tempdir().expect("tmp");
    let built = tmp.path().join("mixed.parquet");
    let out = netlogs()
        .args(["data", "build", "--test-captures", SME_CAPTURE, "--output"])
        .arg(&built)
        .arg(fixture(
            "iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled",
        ))
        .arg(fixture(
            "iot23/CTU-Honeypot-Capture-4-1_5-1_7-1.honeypot_all.csv",
        ))
        .arg(fixture(SME))
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    // The build names the test split's one capture on its `test` line.
    let test_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("test "))
        .unwrap_or_else(|| panic!("no test line: {text}"));
    assert!(
        test_line.ends_with(&format!("1 captures: {SME_CAPTURE}")),
        "{test_line}"
    );
    let inspect = netlogs()
        .args(["data", "inspect", "--json"])
        .arg(&built)
        .assert()
        .success()
        .get_output()
        .clone();
    let i: Value = serde_json::from_slice(&inspect.stdout).expect("json");
    assert!(
        i["by_capture"][SME_CAPTURE].as_u64().is_some_and(|n| n > 0),
        "{i}"
    );
    assert!(i["by_capture"]["CTU-IoT-Malware-Capture-34-1"]
        .as_u64()
        .is_some());
    assert!(i["by_split"]["test"].as_u64().is_some_and(|n| n > 0));
}
