//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A fixture file of the workspace.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

/// Every run directory under `save/evals/*/`, sorted.
pub fn run_dirs(save: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for model in std::fs::read_dir(save.join("evals"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for run in std::fs::read_dir(model.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(run.path());
        }
    }
    out.sort();
    out
}

/// The only run directory under `save`.
pub fn run_dir(save: &Path) -> PathBuf {
    let dirs = run_dirs(save);
    assert_eq!(dirs.len(), 1, "expected one run under {}", save.display());
    dirs[0].clone()
}

/// A run's results.jsonl rows.
pub fn rows(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("results.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("row"))
        .collect()
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file")).expect("json")
}

/// Run `cmd`, which must fail: its output, and its stderr as text.
pub fn fails(cmd: &mut assert_cmd::Command) -> (std::process::Output, String) {
    let out = cmd.assert().failure().get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}
