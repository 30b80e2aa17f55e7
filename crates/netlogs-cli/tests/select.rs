//! `netlogs data select` on real run logs: an eval against the loopback stub, whose seeded
//! random truncations make an example's rollouts differ; then each strategy, the dataset it
//! writes read back by `netlogs eval --data` with the example ids kept, and refusals.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{fails, rows, run_dir};
use netlogs_eval::stub::{Fault, StubConfig, StubServer};
use serde_json::Value;

fn netlogs(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.current_dir(dir)
        .env("OPENAI_API_KEY", "sk-test")
        .env_remove("OPENAI_BASE_URL");
    c
}

/// A run of 30 examples × 4 rollouts where a seeded 30% of answers are cut at the token
/// limit (scored invalid), so rollouts of one example disagree.
fn varied_run(tmp: &Path) -> PathBuf {
    let stub = StubServer::start(StubConfig {
        fault_rate: 0.3,
        mix: vec![Fault::Length],
        seed: 7,
        ..StubConfig::default()
    })
    .expect("stub");
    netlogs(tmp)
        .args([
            "eval",
            "-m",
            "stub-model",
            "-b",
            &stub.base_url(),
            "--no-cache",
        ])
        .args(["-n", "30", "-r", "4", "-s", "runs"])
        .assert()
        .success();
    run_dir(&tmp.join("runs"))
}

/// Per example: its rollouts' (reward, label).
fn by_example(dir: &Path) -> BTreeMap<String, Vec<(f64, Value)>> {
    let mut out: BTreeMap<String, Vec<(f64, Value)>> = BTreeMap::new();
    for r in rows(dir) {
        let id = r["example_id"].as_str().expect("id").to_string();
        let reward = r["reward"].as_f64().expect("reward");
        out.entry(id)
            .or_default()
            .push((reward, r["parsed"]["label"].clone()));
    }
    out
}

fn select(tmp: &Path, run: &Path, strategy: &str, n: &str, out: &str) -> Value {
    let output = netlogs(tmp)
        .args(["data", "select", "--runs"])
        .arg(run)
        .args(["--strategy", strategy, "--n", n, "--output", out, "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).expect("report json")
}

fn ids_in(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("selection")
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("line");
            v["meta"]["example_id"].as_str().expect("id").to_string()
        })
        .collect()
}

#[test]
fn strategies_pick_what_they_promise_and_eval_reads_the_selection() {
    let tmp = tempfile::tempdir().expect("tmp");
    let run = varied_run(tmp.path());
    let examples = by_example(&run);
    assert_eq!(examples.len(), 30);
    let varies = |id: &str| {
        let r = &examples[id];
        r.iter().any(|(x, _)| (x - r[0].0).abs() > 1e-9)
    };
    let disputed = |id: &str| {
        let r = &examples[id];
        r.iter().any(|(_, l)| *l != r[0].1)
    };
    let n_varying = examples.keys().filter(|id| varies(id)).count();
    assert!(
        (5..30).contains(&n_varying),
        "the seeded faults give a mix: {n_varying} of 30 vary"
    );

    // zero-variance: only examples whose rewards differ, every one of them when n allows.
    let report = select(tmp.path(), &run, "zero-variance", "100", "zv.jsonl");
    let zv = ids_in(&tmp.path().join("zv.jsonl"));
    assert_eq!(zv.len(), n_varying);
    assert!(zv.iter().all(|id| varies(id)));
    assert_eq!(report["selected"]["signal_share"], 1.0);
    assert!(
        report["random"]["mean"]["signal_share"]
            .as_f64()
            .expect("share")
            < 1.0
    );
    let stds: Vec<f64> = report["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(stds.windows(2).all(|w| w[0] >= w[1]), "most spread first");

    // disagreement: rollouts with different labels, at most n.
    select(tmp.path(), &run, "disagreement", "5", "dis.jsonl");
    let dis = ids_in(&tmp.path().join("dis.jsonl"));
    assert_eq!(dis.len(), 5);
    assert!(dis.iter().all(|id| disputed(id)));

    // uncertainty: no unpicked example states a belief nearer the abstain band than a
    // picked one.
    let report = select(tmp.path(), &run, "uncertainty", "10", "unc.jsonl");
    let scores: Vec<f64> = report["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(scores.len(), 10);
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "nearest first");
    let share = |v: &Value| v["in_band_share"].as_f64().expect("in_band_share");
    assert!(share(&report["selected"]) >= share(&report["random"]["mean"]));
    assert_eq!(
        report["selected"]["malicious_share"], 0.5,
        "half from each label"
    );
    let top = netlogs(tmp.path())
        .args(["data", "select", "--runs"])
        .arg(&run)
        .args([
            "--strategy",
            "uncertainty",
            "--n",
            "10",
            "--output",
            "top.jsonl",
        ])
        .args(["--json", "--no-balance"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let top: Value = serde_json::from_slice(&top).expect("json");
    let top_scores: Vec<f64> = top["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(
        top_scores.iter().zip(&scores).all(|(t, b)| t <= b),
        "the unbalanced pick is the nearest ten"
    );

    // The selection is a dataset: eval reads it, with the original example ids.
    let unc = ids_in(&tmp.path().join("unc.jsonl"));
    netlogs(tmp.path())
        .args(["eval", "--data", "unc.jsonl", "-n", "10", "-s", "again"])
        .assert()
        .success();
    let again = run_dir(&tmp.path().join("again"));
    let evaluated: BTreeSet<String> = rows(&again)
        .iter()
        .map(|r| r["example_id"].as_str().expect("id").to_string())
        .collect();
    assert!(!evaluated.is_empty());
    let selected: BTreeSet<String> = unc.iter().cloned().collect();
    assert!(
        evaluated.is_subset(&selected),
        "{evaluated:?} ⊄ {selected:?}"
    );
    // The prompts are the ones the runs showed.
    let prompts: HashMap<String, String> = rows(&run)
        .iter()
        .map(|r| {
            (
                r["example_id"].as_str().expect("id").to_string(),
                r["prompt"][1]["content"]
                    .as_str()
                    .expect("user")
                    .to_string(),
            )
        })
        .collect();
    for r in rows(&again) {
        let id = r["example_id"].as_str().expect("id");
        assert_eq!(
            r["prompt"][1]["content"].as_str(),
            prompts.get(id).map(String::as_str)
        );
    }

    // The same selection as a parquet dataset.
    select(tmp.path(), &run, "uncertainty", "10", "unc.parquet");
    netlogs(tmp.path())
        .args(["eval", "--data", "unc.parquet", "-n", "10", "-s", "parquet"])
        .assert()
        .success();
    let from_parquet: BTreeSet<String> = rows(&run_dir(&tmp.path().join("parquet")))
        .iter()
        .map(|r| r["example_id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(from_parquet, evaluated);
}

#[test]
fn one_rollout_runs_and_bad_outputs_are_refused_by_name() {
    let tmp = tempfile::tempdir().expect("tmp");
    netlogs(tmp.path())
        .args(["eval", "-n", "6", "-s", "one"])
        .assert()
        .success();
    let run = run_dir(&tmp.path().join("one"));
    let (_, err) = fails(
        netlogs(tmp.path())
            .args(["data", "select", "--runs"])
            .arg(&run)
            .args([
                "--strategy",
                "zero-variance",
                "--n",
                "3",
                "--output",
                "x.jsonl",
            ]),
    );
    assert!(err.contains("-r 2"), "{err}");
    let (_, err) = fails(
        netlogs(tmp.path())
            .args(["data", "select", "--runs"])
            .arg(&run)
            .args(["--strategy", "uncertainty", "--n", "3", "--output", "x.csv"]),
    );
    assert!(err.contains("x.csv") && err.contains(".jsonl"), "{err}");
    let (_, err) = fails(
        netlogs(tmp.path())
            .args(["data", "select", "--runs", "nowhere"])
            .args([
                "--strategy",
                "uncertainty",
                "--n",
                "3",
                "--output",
                "x.jsonl",
            ]),
    );
    assert!(err.contains("nowhere"), "{err}");
    // A deterministic policy's rollouts never differ: nothing survives zero-variance.
    netlogs(tmp.path())
        .args(["eval", "-n", "6", "-r", "2", "-s", "two"])
        .assert()
        .success();
    let two = run_dir(&tmp.path().join("two"));
    let (_, err) = fails(
        netlogs(tmp.path())
            .args(["data", "select", "--runs"])
            .arg(&two)
            .args([
                "--strategy",
                "zero-variance",
                "--n",
                "3",
                "--output",
                "none.jsonl",
            ]),
    );
    assert!(
        err.contains("no example qualifies") && err.contains("one reward"),
        "{err}"
    );
    assert!(!tmp.path().join("none.jsonl").exists());
}
