//! `netlogs compare` on builtin runs over the bundled set.

mod common;

use assert_cmd::Command;
use common::{fails, run_dirs};

fn netlogs() -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.env_remove("OPENAI_API_KEY").env_remove("OPENAI_BASE_URL");
    c
}

fn eval(save: &std::path::Path, model: &str, n: &str) -> std::path::PathBuf {
    netlogs()
        .args(["eval", "-m", model, "-n", n, "-r", "2", "-s"])
        .arg(save)
        .assert()
        .success();
    run_dirs(save).pop().expect("run dir")
}

#[test]
fn compare_markdown_snapshot_and_flips() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = eval(&tmp.path().join("a"), "builtin:always-malicious", "60");
    let b = eval(&tmp.path().join("b"), "builtin:heuristic", "60");
    let out = netlogs()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .get_output()
        .clone();
    let md = String::from_utf8(out.stdout).expect("utf8");
    assert!(md.contains("## Right in A, wrong in B ("), "{md}");
    assert!(
        md.contains("| example | rollout | capture | family | A | B |"),
        "{md}"
    );
    insta::assert_snapshot!(md);
}

#[test]
fn runs_that_do_not_pair_are_refused_with_counts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = eval(&tmp.path().join("a"), "builtin:heuristic", "40");
    let b = eval(&tmp.path().join("b"), "builtin:heuristic", "30");
    let err = fails(netlogs().arg("compare").arg(&a).arg(&b)).1;
    assert!(
        err.contains("the runs do not pair")
            && err.contains("of 80 rows")
            && err.contains("60 rows"),
        "{err}"
    );
}
