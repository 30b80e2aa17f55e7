//! `netlogs bench` on a small suite of the bundled files: bench.json per model, skill 0 for a
//! constant answer, folds, resume, and a tampered file that stops the run naming it.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{bench_suite as suite, fails, read_json};
use netlogs_eval::stub::{StubConfig, StubServer};
use serde_json::Value;

fn netlogs() -> Command {
    Command::cargo_bin("netlogs").expect("binary")
}

fn bench(dir: &Path, suite: &Path, model: &str) -> Command {
    let mut c = netlogs();
    c.args(["bench", "-m", model, "--suite"])
        .arg(suite)
        .arg("-s")
        .arg(dir.join("out"));
    c
}

fn task<'a>(b: &'a Value, name: &str) -> &'a Value {
    b["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["task"] == name)
        .unwrap_or_else(|| panic!("no task {name} in {b}"))
}

#[test]
fn abstain_has_skill_zero_and_folds_are_reported() {
    let tmp = tempfile::tempdir().expect("tmp");
    let suite = suite(tmp.path());
    let out = bench(tmp.path(), &suite, "builtin:abstain")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let row = String::from_utf8_lossy(&out);
    assert!(row.contains("| builtin:abstain |"), "{row}");
    let b = read_json(&tmp.path().join("out/builtin-abstain/bench.json"));
    assert_eq!(b["suite"], "test-suite-1");
    let unsw = task(&b, "unsw");
    assert_eq!(unsw["n"], 40);
    assert_eq!(unsw["best_constant"], "always-Abstain");
    assert!(
        unsw["skill"].as_f64().expect("skill").abs() < 1e-9,
        "{unsw}"
    );
    let folds = &task(&b, "folds")["folds"];
    let n = folds["folds"].as_array().expect("folds").len();
    assert!(n >= 1, "{folds}");
    assert!(folds["mean_skill"].as_f64().expect("mean").abs() < 1e-9);
    assert!(folds["worst"]["capture"].is_string(), "{folds}");
    // Each fold is an eval run that held its capture out.
    let run = tmp
        .path()
        .join("out/builtin-abstain")
        .join(folds["folds"][0]["run"].as_str().expect("run"));
    let meta = read_json(&run.join("metadata.json"));
    assert_eq!(meta["dataset"]["split"], "test");
}

#[test]
fn learned_trains_per_fold_and_resume_keeps_finished_tasks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let suite = suite(tmp.path());
    bench(tmp.path(), &suite, "builtin:learned")
        .args(["--tasks", "folds"])
        .assert()
        .success();
    let b = read_json(&tmp.path().join("out/builtin-learned/bench.json"));
    assert_eq!(b["tasks"].as_array().map(Vec::len), Some(1));
    let folds = task(&b, "folds")["folds"]["folds"]
        .as_array()
        .expect("folds")
        .clone();
    let data = tmp.path().join("out/data/test-suite-1");
    let models = std::fs::read_dir(&data)
        .expect("data")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".learned.json"))
        .count();
    assert_eq!(models, folds.len(), "one learned model per fold");
    // --resume keeps each finished run: the same run directories, the same figures.
    bench(tmp.path(), &suite, "builtin:learned")
        .args(["--tasks", "folds", "--resume"])
        .assert()
        .success();
    let again = read_json(&tmp.path().join("out/builtin-learned/bench.json"));
    assert_eq!(again, b);
}

#[test]
fn a_tampered_file_stops_the_run_naming_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let suite = suite(tmp.path());
    let victim = tmp
        .path()
        .join("data/UNSW_NB15_testing-set_excerpt.shared_half.csv");
    let mut text = std::fs::read_to_string(&victim).expect("read");
    text.push('\n');
    std::fs::write(&victim, text).expect("tamper");
    let (_, stderr) = fails(&mut bench(tmp.path(), &suite, "builtin:heuristic"));
    assert!(
        stderr.contains("UNSW_NB15_testing-set_excerpt.shared_half.csv")
            && stderr.contains("SHA-256"),
        "{stderr}"
    );
    assert!(
        !tmp.path().join("out/builtin-heuristic").exists(),
        "nothing ran"
    );
}

#[test]
fn an_unknown_task_is_an_error_listing_the_tasks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let suite = suite(tmp.path());
    let (_, stderr) =
        fails(bench(tmp.path(), &suite, "builtin:heuristic").args(["--tasks", "nope"]));
    assert!(
        stderr.contains("no task `nope`") && stderr.contains("unsw, folds"),
        "{stderr}"
    );
}

#[test]
fn a_remote_model_gets_the_client_flags_and_matches_the_policy_it_serves() {
    // The stub answers as builtin:heuristic does, so the bench must equal the offline one.
    let stub = StubServer::start(StubConfig::default()).expect("stub");
    let tmp = tempfile::tempdir().expect("tmp");
    let suite = suite(tmp.path());
    bench(tmp.path(), &suite, "stub-model")
        .env("NETLOGS_TEST_KEY", "sk-bench-secret")
        .env_remove("OPENAI_BASE_URL")
        .args([
            "--tasks",
            "unsw",
            "-b",
            &stub.base_url(),
            "-k",
            "NETLOGS_TEST_KEY",
        ])
        .args(["-c", "4", "-t", "64", "--no-cache"])
        .assert()
        .success();
    bench(tmp.path(), &suite, "builtin:heuristic")
        .args(["--tasks", "unsw"])
        .assert()
        .success();
    let remote = read_json(&tmp.path().join("out/stub-model/bench.json"));
    let local = read_json(&tmp.path().join("out/builtin-heuristic/bench.json"));
    let figures = |b: &Value| {
        let t = task(b, "unsw");
        (t["n"].clone(), t["skill"].clone(), t["accuracy"].clone())
    };
    assert_eq!(figures(&remote), figures(&local));
    let bodies = stub.bodies();
    assert_eq!(bodies.len(), 40, "one request a flow");
    assert!(
        bodies.iter().all(|b| b["max_tokens"] == 64),
        "-t reached every request"
    );
    assert!(stub
        .authorizations()
        .iter()
        .all(|a| a == "Bearer sk-bench-secret"));
    let text =
        std::fs::read_to_string(tmp.path().join("out/stub-model/bench.json")).expect("bench");
    assert!(!text.contains("sk-bench-secret"));
}
