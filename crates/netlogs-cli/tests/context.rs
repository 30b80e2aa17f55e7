//! Temporal context under each flow: what the prompt shows (snapshot), that it never crosses
//! captures (so never splits), and a clear error where the data has no times or addresses.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{fails, fixture};
use serde_json::Value;

fn netlogs() -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.env_remove("OPENAI_API_KEY");
    c
}

fn prompts(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn context_prompts_snapshot() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("ctx.jsonl");
    netlogs()
        .args([
            "data",
            "export",
            "--context",
            "3",
            "--context-window",
            "30",
            "--output",
        ])
        .arg(&out)
        .arg(fixture(
            "iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled",
        ))
        .assert()
        .success();
    let rows = prompts(&out);
    assert_eq!(rows.len(), 23_145);
    // The first flow has no earlier flow; the fifth has three.
    let shown: Vec<&str> = [0, 4, 1000]
        .iter()
        .map(|&i| rows[i]["question"].as_str().expect("question"))
        .collect();
    for p in &shown {
        let lower = p.to_lowercase();
        assert!(!lower.contains("malicious") && !lower.contains("benign") && !p.contains("CTU-"));
    }
    insta::assert_snapshot!(shown.join("\n\n----\n\n"));
}

/// Capture 34-1 as it is (train), and a copy as capture 99-1 (test): the same host, 5 s
/// later, each row marked `service=leak-b`. Without capture isolation every test flow's
/// context would mix in the train copy's rows.
#[test]
fn context_never_crosses_captures_or_splits() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = fixture("iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled");
    let text = std::fs::read_to_string(&a).expect("fixture");
    let b: String = text
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                return format!("{l}\n");
            }
            let mut f: Vec<String> = l.split('\t').map(str::to_string).collect();
            let ts: f64 = f[0].parse().expect("ts");
            f[0] = format!("{:.6}", ts + 5.0);
            f[7] = "leak-b".into();
            format!("{}\n", f.join("\t"))
        })
        .collect();
    let b_path = tmp
        .path()
        .join("CTU-IoT-Malware-Capture-99-1.conn.log.labeled");
    std::fs::write(&b_path, b).expect("write");
    let out = tmp.path().join("built.jsonl");
    netlogs()
        .args(["data", "build", "--context", "5", "--per-capture", "400"])
        .args([
            "--test-captures",
            "CTU-IoT-Malware-Capture-99-1",
            "--output",
        ])
        .arg(&out)
        .arg(&a)
        .arg(&b_path)
        .assert()
        .success();
    let rows = prompts(&out);
    let mut lines_seen = 0;
    for r in &rows {
        let q = r["question"].as_str().expect("question");
        let split = r["meta"]["split"].as_str().expect("split");
        for line in q.lines().filter(|l| l.starts_with("dt=")) {
            lines_seen += 1;
            assert_eq!(
                line.contains("service=leak-b"),
                split == "test",
                "a {split} prompt shows a flow of the other capture: {line}"
            );
        }
    }
    assert!(
        lines_seen > 1000,
        "the test must see context: {lines_seen} lines"
    );
}

#[test]
fn eval_with_context_and_data_without_times_fail_clearly() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, err) = fails(
        netlogs()
            .args(["eval", "-n", "10", "--context", "3", "-s"])
            .arg(tmp.path())
            .arg("--data")
            .arg(fixture(
                "unsw_nb15/UNSW_NB15_testing-set_excerpt.shared_half.csv",
            )),
    );
    assert!(
        err.contains("UNSW_NB15_testing-set_excerpt.shared_half.csv") && err.contains("timestamp"),
        "{err}"
    );
    // The default eval with context: every prompt carries the block, and the context-aware
    // baseline answers from it.
    let save = tmp.path().join("out");
    netlogs()
        .args([
            "eval",
            "-m",
            "builtin:heuristic-context",
            "-n",
            "30",
            "--context",
            "4",
            "-s",
        ])
        .arg(&save)
        .assert()
        .success();
    let run = common::run_dir(&save);
    let rows = common::rows(&run);
    assert_eq!(rows.len(), 30);
    for r in &rows {
        let prompt = r["prompt"]
            .as_array()
            .expect("messages")
            .last()
            .expect("user")["content"]
            .as_str()
            .expect("text")
            .to_string();
        assert!(
            prompt.contains("Earlier flows of the same host"),
            "{prompt}"
        );
    }
    let meta = common::read_json(&run.join("metadata.json"));
    assert_eq!(meta["settings"]["context"]["k"], 4);
}
