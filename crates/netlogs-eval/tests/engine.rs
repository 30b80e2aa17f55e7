//! The engine called as a library, without the binary: runs, the ledger, resume
//! reconciliation, early stop, offline scoring and the run log's schema check.

use std::io::Write;
use std::path::{Path, PathBuf};

use netlogs_eval::stub::{Fault, StubConfig, StubServer};
use netlogs_eval::{
    run_eval, score_file, BuiltinPolicy, EvalError, EvalPlan, EvalSettings, ModelSpec, RunLog,
    RunStart, ScorePlan, Silent,
};
use netlogs_runlog::{Metadata, RunKind, RunStatus, Summary, RESULTS_FILE};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn plan(start: RunStart) -> EvalPlan {
    EvalPlan {
        start,
        max_concurrent: 8,
        cache_dir: None,
        prices: None,
        traces: None,
    }
}

fn heuristic(n: usize, rollouts: u32) -> EvalSettings {
    let mut s = EvalSettings::new(ModelSpec::Builtin(BuiltinPolicy::Heuristic));
    s.num_examples = n;
    s.rollouts_per_example = rollouts;
    s
}

fn run(settings: EvalSettings, save: &Path) -> Result<RunLog, EvalError> {
    let start = RunStart::New {
        settings: Box::new(settings),
        save_dir: save.to_path_buf(),
    };
    runtime().block_on(run_eval(plan(start), &mut Silent))
}

fn resume(dir: &Path) -> Result<RunLog, EvalError> {
    runtime().block_on(run_eval(
        plan(RunStart::Resume(dir.to_path_buf())),
        &mut Silent,
    ))
}

fn lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(RESULTS_FILE))
        .expect("results")
        .lines()
        .map(str::to_string)
        .collect()
}

/// A copy of a run directory whose results.jsonl holds `rows` (plus `tail`, unterminated).
fn copy_run(from: &Path, to: &Path, rows: &[String], tail: &str) -> PathBuf {
    std::fs::create_dir_all(to).expect("dir");
    std::fs::copy(from.join("metadata.json"), to.join("metadata.json")).expect("meta");
    let mut f = std::fs::File::create(to.join(RESULTS_FILE)).expect("results");
    for r in rows {
        writeln!(f, "{r}").expect("row");
    }
    f.write_all(tail.as_bytes()).expect("tail");
    to.to_path_buf()
}

#[test]
fn a_run_log_reads_back_as_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = run(heuristic(40, 2), tmp.path()).expect("run");
    assert_eq!(lines(&log.dir).len(), 80);
    assert_eq!(log.summary.metrics.n, 80);
    assert_eq!(log.metadata.kind(), RunKind::Eval);
    assert_eq!(log.metadata.status, RunStatus::Finished);
    assert_eq!(Metadata::read(&log.dir).expect("metadata"), log.metadata);
    assert_eq!(Summary::read(&log.dir).expect("summary"), log.summary);
    let t = log.metadata.timings_s.expect("timings");
    assert!(t.load >= 0.0 && t.requests >= 0.0 && t.summary >= 0.0);
}

#[test]
fn resume_after_a_torn_line_summarises_like_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().expect("tmp");
    let full = run(heuristic(30, 2), &tmp.path().join("full")).expect("run");
    let rows = lines(&full.dir);
    // Keep 25 rows out of completion order, and half of the 26th.
    let mut kept: Vec<String> = rows[..25].to_vec();
    kept.reverse();
    let torn = &rows[25][..rows[25].len() / 2];
    let part = copy_run(&full.dir, &tmp.path().join("part"), &kept, torn);
    let resumed = resume(&part).expect("resume");
    assert_eq!(lines(&part).len(), 60, "torn line cut, 35 rows added");
    assert_eq!(resumed.summary.metrics, full.summary.metrics);
    assert_eq!(resumed.metadata.resumed_at.len(), 1);
}

#[test]
fn resume_refuses_repeated_and_foreign_rows_naming_the_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let full = run(heuristic(10, 1), &tmp.path().join("full")).expect("run");
    let rows = lines(&full.dir);

    let repeated = vec![rows[0].clone(), rows[1].clone(), rows[0].clone()];
    let dir = copy_run(&full.dir, &tmp.path().join("rep"), &repeated, "");
    let err = resume(&dir).expect_err("repeated row").to_string();
    assert!(
        err.contains(":3:") && err.contains("appears twice"),
        "{err}"
    );

    let foreign = rows[1].replacen("\"example_id\":\"", "\"example_id\":\"zz", 1);
    let dir = copy_run(
        &full.dir,
        &tmp.path().join("foreign"),
        &[rows[0].clone(), foreign],
        "",
    );
    let err = resume(&dir).expect_err("foreign row").to_string();
    assert!(
        err.contains(":2:") && err.contains("not in this run's sample"),
        "{err}"
    );
}

#[test]
fn identical_first_failures_stop_the_run_without_showing_the_key() {
    let stub = StubServer::start(StubConfig {
        always: Some(Fault::Unauthorized),
        ..StubConfig::default()
    })
    .expect("stub");
    let var = "NETLOGS_ENGINE_TEST_KEY";
    std::env::set_var(var, "sk-engine-secret-4711");
    let mut s = EvalSettings::new(ModelSpec::Remote("stub-model".into()));
    s.api_base = Some(stub.base_url());
    s.api_key_var = var.into();
    s.num_examples = 50;
    s.max_attempts = 1;
    let tmp = tempfile::tempdir().expect("tmp");
    let log = run(s, tmp.path()).expect("run ends with a log");
    // The early stop is on disk, not only in memory.
    let on_disk = Metadata::read(&log.dir).expect("metadata");
    let RunStatus::StoppedEarly { reason } = &on_disk.status else {
        panic!("status on disk: {:?}", on_disk.status);
    };
    assert!(reason.contains("the first 5 requests"), "{reason}");
    assert!(!reason.contains("4711"), "{reason}");
    assert!(lines(&log.dir).len() < 50, "no new requests after the stop");
    assert_eq!(log.summary.metrics.n_errors, lines(&log.dir).len());
    let message = log.stop_message().expect("message");
    assert!(
        message.contains(var) && !message.contains("4711"),
        "{message}"
    );
}

#[test]
fn score_writes_the_eval_shapes_and_the_same_rewards() {
    let tmp = tempfile::tempdir().expect("tmp");
    let eval = run(heuristic(25, 1), &tmp.path().join("eval")).expect("run");
    let scored = score_file(&ScorePlan {
        input: eval.dir.join(RESULTS_FILE),
        output: Some(tmp.path().join("scored")),
        rubric: *eval.metadata.rubric(),
        seed: eval.metadata.seed(),
    })
    .expect("score");
    assert_eq!(
        Metadata::read(&scored.dir).expect("meta").kind(),
        RunKind::Score
    );
    let summary = Summary::read(&scored.dir).expect("summary");
    // Rows are summed in file order here and in sample order there: equal up to rounding.
    let (a, b) = (
        summary.metrics.mean_reward,
        eval.summary.metrics.mean_reward,
    );
    assert!(
        (a.expect("mean") - b.expect("mean")).abs() < 1e-12,
        "{a:?} vs {b:?}"
    );
    assert_eq!(summary.metrics.detection, eval.summary.metrics.detection);
}

#[test]
fn a_run_log_of_another_version_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = run(heuristic(5, 1), tmp.path()).expect("run");
    let path = log.dir.join("metadata.json");
    let text = std::fs::read_to_string(&path).expect("meta");
    std::fs::write(
        &path,
        text.replace("\"schema_version\": 2", "\"schema_version\": 99"),
    )
    .expect("write");
    let err = Metadata::read(&log.dir)
        .expect_err("version 99")
        .to_string();
    assert!(
        err.contains("schema_version 99") && err.contains("metadata.json"),
        "{err}"
    );
    let err = resume(&log.dir)
        .expect_err("resume refuses it too")
        .to_string();
    assert!(err.contains("schema_version 99"), "{err}");
}

#[test]
fn answers_cut_at_the_token_limit_are_counted_and_survive_resume() {
    let stub = StubServer::start(StubConfig {
        script: vec![Some(Fault::Length); 7],
        ..StubConfig::default()
    })
    .expect("stub");
    let var = "NETLOGS_ENGINE_TEST_KEY_LENGTH";
    std::env::set_var(var, "k");
    let mut s = EvalSettings::new(ModelSpec::Remote("stub-model".into()));
    s.api_base = Some(stub.base_url());
    s.api_key_var = var.into();
    s.num_examples = 20;
    s.max_tokens = Some(96);
    let tmp = tempfile::tempdir().expect("tmp");
    let mut plan = plan(RunStart::New {
        settings: Box::new(s),
        save_dir: tmp.path().to_path_buf(),
    });
    plan.max_concurrent = 1;
    let log = runtime()
        .block_on(run_eval(plan, &mut Silent))
        .expect("run");
    assert_eq!(log.summary.truncated, 7);
    assert_eq!(Summary::read(&log.dir).expect("summary").truncated, 7);
    // Read back from the rows, as --resume does.
    let rows = lines(&log.dir);
    let dir = copy_run(&log.dir, &tmp.path().join("again"), &rows[..15], "");
    let resumed = resume(&dir).expect("resume");
    assert_eq!(resumed.summary.truncated, 7);
}

#[test]
fn score_counts_answers_cut_at_the_token_limit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"example_id": "a", "completion": "{\"label\": \"Mal", "answer": "Malicious", "finish_reason": "length"}"#,
            "\n",
            r#"{"example_id": "b", "completion": "{\"label\": \"Benign\", \"confidence\": 0.9}", "answer": "Benign", "finish_reason": "stop"}"#,
            "\n"
        ),
    )
    .expect("write");
    let scored = score_file(&ScorePlan {
        input,
        output: Some(tmp.path().join("out")),
        rubric: Default::default(),
        seed: 1,
    })
    .expect("score");
    assert_eq!(scored.summary.truncated, 1);
}
