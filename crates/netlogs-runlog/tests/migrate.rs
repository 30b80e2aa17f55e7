//! Run logs written by earlier netlogs versions read through the migrations. The logs under
//! `fixtures/runlogs/v1/` were written by netlogs 0.1.0 at commit 9ae2dcb (run-log version 1).

use std::path::{Path, PathBuf};

use netlogs_runlog::{
    for_each_line, Metadata, Row, RunKind, RunRecord, RunSettings, RunStatus, Summary,
    RESULTS_FILE, SCHEMA_VERSION,
};

fn v1(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/runlogs/v1")
        .join(name)
}

#[test]
fn a_version_1_eval_reads_with_its_settings_once_and_a_status() {
    let m = Metadata::read(&v1("eval-builtin")).expect("v1 eval metadata");
    assert_eq!(m.schema_version, SCHEMA_VERSION);
    assert_eq!(m.kind(), RunKind::Eval);
    assert_eq!(m.status, RunStatus::Finished);
    let s = m.eval().expect("eval settings");
    assert_eq!(s.model, "builtin:heuristic");
    assert_eq!(s.seed, 42);
    assert_eq!(s.max_attempts, 5, "max_retries was renamed");
    assert_eq!(s.template, "zeek");
    assert!(s
        .system_prompt
        .starts_with("You are a network security analyst"));
    assert_eq!(s.api_base, None, "a builtin policy sends no request");
    assert_eq!(m.rubric().preset.to_string(), "proper");
    let t = m.timings_s.expect("timings");
    assert!(t.load >= 0.0 && t.requests >= 0.0);
}

#[test]
fn a_version_1_remote_eval_keeps_the_api_base_it_used() {
    let m = Metadata::read(&v1("eval-lookup")).expect("v1 lookup metadata");
    let s = m.eval().expect("eval settings");
    assert_eq!(s.mode, "lookup");
    assert_eq!(s.max_turns, 2);
    assert!(s
        .api_base
        .as_deref()
        .is_some_and(|b| b.starts_with("http://127.0.0.1:")));
}

#[test]
fn a_version_1_early_stop_reads_as_finished_because_v1_never_recorded_one() {
    let m = Metadata::read(&v1("eval-stopped")).expect("v1 stopped metadata");
    assert_eq!(m.status, RunStatus::Finished);
    let summary = Summary::read(&v1("eval-stopped")).expect("summary");
    assert_eq!(summary.metrics.n, 0, "every row was an error row");
    assert!(summary.metrics.n_errors > 0);
}

#[test]
fn a_version_1_score_run_gets_a_score_record() {
    let r = RunRecord::read(&v1("score")).expect("v1 score run");
    let RunSettings::Score(s) = &r.metadata.settings else {
        panic!("a score run: {:?}", r.metadata.settings);
    };
    assert!(s.input.ends_with("results.jsonl"), "{}", s.input);
    assert_eq!(s.seed, 42);
    assert_eq!(r.summary.schema_version, SCHEMA_VERSION);
    assert_eq!(r.summary.metrics.n, 3);
}

#[test]
fn version_1_rows_read_as_rows_of_version_1() {
    for name in ["eval-builtin", "eval-lookup", "eval-stopped"] {
        let path = v1(name).join(RESULTS_FILE);
        let mut n = 0;
        for_each_line(&path, |_, text| {
            let row: Row = serde_json::from_str(text).expect("a v1 row");
            assert_eq!(row.schema_version, 1);
            row.check_version().expect("readable");
            row.completion.to_value().expect("messages");
            n += 1;
            Ok(())
        })
        .expect("rows");
        assert!(n > 0, "{name} has rows");
    }
}

#[test]
fn a_log_without_a_version_or_from_a_newer_netlogs_is_refused_by_name() {
    let tmp = tempfile::tempdir().expect("tmp");
    let meta = std::fs::read_to_string(v1("eval-builtin").join("metadata.json")).expect("meta");
    std::fs::write(
        tmp.path().join("metadata.json"),
        meta.replace("\"schema_version\": 1", "\"schema_version\": 7"),
    )
    .expect("write");
    let e = Metadata::read(tmp.path()).expect_err("newer").to_string();
    assert!(
        e.contains("schema_version 7 is newer") && e.contains("metadata.json"),
        "{e}"
    );
    std::fs::write(
        tmp.path().join("metadata.json"),
        meta.replace("\"schema_version\": 1,", ""),
    )
    .expect("write");
    let e = Metadata::read(tmp.path())
        .expect_err("unversioned")
        .to_string();
    assert!(e.contains("no schema_version"), "{e}");
}
