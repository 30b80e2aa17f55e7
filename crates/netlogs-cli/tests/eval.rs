//! `netlogs eval` end to end, offline.

mod common;

use assert_cmd::Command;
use common::{fails, fixture, read_json, rows as read_rows, run_dir};
use std::path::Path;

fn netlogs() -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.env_remove("OPENAI_API_KEY").env_remove("OPENAI_BASE_URL");
    c
}

#[test]
fn default_eval_writes_four_consistent_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    netlogs()
        .current_dir(tmp.path())
        .arg("eval")
        .assert()
        .success();
    let dir = run_dir(&tmp.path().join("outputs"));
    assert!(dir.to_string_lossy().contains("netlogs--builtin-heuristic"));
    for f in [
        "results.jsonl",
        "metadata.json",
        "summary.json",
        "report.md",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let rows = read_rows(&dir);
    assert_eq!(rows.len(), 100);
    let summary = read_json(&dir.join("summary.json"));
    let mean: f64 = rows
        .iter()
        .map(|r| r["reward"].as_f64().expect("reward"))
        .sum::<f64>()
        / rows.len() as f64;
    let reported = summary["mean_reward"].as_f64().expect("mean_reward");
    assert!((mean - reported).abs() < 1e-9, "{mean} vs {reported}");
    for key in [
        "n",
        "mean_accuracy",
        "mean_format",
        "mean_calibration",
        "mean_cost",
        "accuracy",
        "abstain_rate",
        "format_rate",
    ] {
        assert!(!summary[key].is_null(), "summary.{key} missing");
    }
    assert_eq!(summary["n"], 100);
    // Class-balanced: 50 of each gold label; several malicious families.
    let malicious = rows.iter().filter(|r| r["answer"] == "Malicious").count();
    assert_eq!(malicious, 50);
    let families: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| r["info"]["family"].as_str())
        .collect();
    assert!(families.len() >= 3, "{families:?}");
    for r in &rows {
        for key in [
            "example_id",
            "prompt",
            "completion",
            "answer",
            "info",
            "reward",
            "metrics",
            "error",
        ] {
            assert!(r.get(key).is_some(), "row lacks {key}");
        }
        let prompt = r["prompt"][1]["content"].as_str().expect("user prompt");
        assert!(!prompt.contains("Malicious") && !prompt.contains("Benign"));
    }
    let meta = read_json(&dir.join("metadata.json"));
    assert_eq!(meta["model"], "builtin:heuristic");
    assert_eq!(meta["settings"]["seed"], 42);
    assert_eq!(meta["settings"]["rubric"]["preset"], "proper");
    assert_eq!(meta["schema_version"], 2);
    assert_eq!(meta["kind"], "eval");
    assert_eq!(meta["status"]["state"], "finished");
    assert!(meta["finished_at"].is_string());
    assert_eq!(meta["dataset"]["synthetic"], false);
    for phase in ["load", "requests", "summary"] {
        let secs = meta["timings_s"][phase].as_f64();
        assert!(
            secs.is_some_and(|s| s >= 0.0),
            "timings_s.{phase}: {secs:?}"
        );
    }
}

#[test]
fn same_seed_same_run() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut ids = Vec::new();
    for save in ["a", "b"] {
        netlogs()
            .current_dir(tmp.path())
            .args(["eval", "-n", "30", "--seed", "7", "-s", save])
            .assert()
            .success();
        let rows = read_rows(&run_dir(&tmp.path().join(save)));
        // Rows are written in completion order; the set of rows is what must repeat.
        let mut v: Vec<_> = rows
            .iter()
            .map(|r| (r["example_id"].to_string(), r["reward"].to_string()))
            .collect();
        v.sort();
        ids.push(v);
    }
    assert_eq!(ids[0].len(), 30);
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn remote_model_without_key_fails_fast_naming_the_variable() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, stderr) =
        fails(
            netlogs()
                .current_dir(tmp.path())
                .args(["eval", "--model", "gpt-4o-mini"]),
        );
    assert!(stderr.contains("OPENAI_API_KEY"), "{stderr}");
    assert!(
        !tmp.path().join("outputs").exists(),
        "no run dir for a failed start"
    );
}

#[test]
fn bad_data_file_names_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let f = tmp.path().join("bad.conn.log.labeled");
    std::fs::write(
        &f,
        "#separator \\x09\n#fields\tts\tproto\tid.resp_p\tlabel\n1.0\ttcp\t23\tMalicious\n2.0\ttcp\tnotaport\tBenign\n",
    )
    .expect("write");
    let (_, stderr) = fails(
        netlogs()
            .current_dir(tmp.path())
            .args(["eval", "--data"])
            .arg(&f),
    );
    assert!(
        stderr.contains("bad.conn.log.labeled:4: column `id.resp_p`"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn eval_on_own_zeek_file_and_legacy_preset() {
    let tmp = tempfile::tempdir().expect("tmp");
    let f = tmp
        .path()
        .join("CTU-IoT-Malware-Capture-99-1.conn.log.labeled");
    std::fs::write(
        &f,
        "#separator \\x09\n#fields\tts\tproto\tid.resp_p\tconn_state\thistory\tlabel\tdetailed-label\n1.0\ttcp\t23\tS0\tS\tMalicious\tPartOfAHorizontalPortScan\n2.0\tudp\t53\tSF\tDd\tBenign\t-\n",
    )
    .expect("write");
    netlogs()
        .current_dir(tmp.path())
        .args(["eval", "--preset", "legacy", "--template", "seed", "--data"])
        .arg(&f)
        .assert()
        .success();
    let dir = run_dir(&tmp.path().join("outputs"));
    let rows = read_rows(&dir);
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r["info"]["capture"] == "CTU-IoT-Malware-Capture-99-1"));
    assert!(rows.iter().all(|r| r["prompt"][1]["content"]
        .as_str()
        .is_some_and(|p| p.starts_with("Log Entry: "))));
    let meta = read_json(&dir.join("metadata.json"));
    assert_eq!(meta["settings"]["rubric"]["preset"], "legacy");
}

#[test]
fn old_names_still_work_with_a_deprecation_note() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = netlogs()
        .current_dir(tmp.path())
        .args(["eval", "-n", "10", "--preset", "seed", "--template", "seed"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`seed` is a deprecated name for `proper`")
            && stderr.contains("`seed` is a deprecated name for `logentry`"),
        "{stderr}"
    );
    let dir = run_dir(&tmp.path().join("outputs"));
    let meta = read_json(&dir.join("metadata.json"));
    assert_eq!(meta["settings"]["rubric"]["preset"], "proper");
    assert_eq!(meta["settings"]["template"], "logentry");
    let rows = read_rows(&dir);
    let prompt = rows[0]["prompt"][1]["content"].as_str().expect("prompt");
    assert!(prompt.starts_with("Log Entry: "), "{prompt}");

    let err = fails(netlogs().args(["eval", "--template", "nope"])).1;
    assert!(err.contains("zeek, logentry, upstream"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

#[test]
fn a_version_1_run_resumes_and_is_written_back_as_version_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("run");
    copy_dir(&fixture("runlogs/v1/eval-builtin"), &dir);
    let before = read_json(&dir.join("summary.json"));
    let text = std::fs::read_to_string(dir.join("results.jsonl")).expect("rows");
    let kept: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("results.jsonl"), kept).expect("cut");
    netlogs()
        .args(["eval", "--resume"])
        .arg(&dir)
        .assert()
        .success();
    let meta = read_json(&dir.join("metadata.json"));
    assert_eq!(meta["schema_version"], 2);
    assert_eq!(meta["status"]["state"], "finished");
    assert_eq!(meta["settings"]["seed"], 42);
    assert!(meta.get("seed").is_none(), "settings are stored once");
    let after = read_json(&dir.join("summary.json"));
    assert_eq!(after["n"], 4);
    assert_eq!(after["mean_reward"], before["mean_reward"]);
    let rows = read_rows(&dir);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3]["schema_version"], 2, "new rows carry their version");
}

#[test]
fn resume_refuses_flags_that_shape_the_run_and_names_them() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("run");
    copy_dir(&fixture("runlogs/v1/eval-builtin"), &dir);
    for (flags, named) in [
        (
            &["-n", "500", "-m", "builtin:always-malicious"][..],
            "--model, --num-examples",
        ),
        (&["--preset", "legacy"], "--preset"),
        (&["--context", "3"], "--context"),
        (&["--capture-from", "file"], "--capture-from"),
        (&["-s", "elsewhere"], "--save-dir"),
    ] {
        let mut cmd = netlogs();
        cmd.args(["eval", "--resume"]).arg(&dir).args(flags);
        let (_, stderr) = fails(&mut cmd);
        assert!(
            stderr.contains("--resume finishes a run with the settings stored in it")
                && stderr.contains(&format!("and {named} would change")),
            "{flags:?}: {stderr}"
        );
    }
    // What does not shape the run may change between sessions.
    netlogs()
        .args(["eval", "-c", "4", "--no-cache", "--resume"])
        .arg(&dir)
        .assert()
        .success();
}
