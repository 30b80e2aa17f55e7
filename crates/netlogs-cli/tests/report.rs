//! The report's data payload (not its markup) is snapshot-tested.

mod common;

use assert_cmd::Command;
use common::run_dirs;

#[test]
fn report_payload_snapshot() {
    let tmp = tempfile::tempdir().expect("tmp");
    Command::cargo_bin("netlogs")
        .expect("binary")
        .env_remove("OPENAI_API_KEY")
        .args(["eval", "-n", "6", "-r", "2", "-s"])
        .arg(tmp.path())
        .assert()
        .success();
    let dir = run_dirs(tmp.path()).pop().expect("run");
    assert!(dir.join("report.html").is_file());
    let data = netlogs_report::ReportData::read(&dir).expect("report data");
    assert_eq!(
        data.prompts.len(),
        6,
        "one prompt per example, shared by its rollouts"
    );
    // Rows finish in any order; the report orders them by (example, rollout).
    insta::assert_json_snapshot!(netlogs_report::payload(&data));
}
