//! `netlogs eval` against OpenAI-compatible stub servers on 127.0.0.1: retries, faults,
//! early abort, structured output, cache, kill-and-resume, and that the key never leaks.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{fails, read_json, rows, run_dirs};
use netlogs_eval::stub::{Fault, StubConfig, StubServer};
use serde_json::Value;

const FAKE_KEY: &str = "sk-netlogs-test-LEAKCHECK-0123456789";

struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            tmp: tempfile::tempdir().expect("tmp"),
        }
    }
    fn save(&self) -> PathBuf {
        self.tmp.path().join("outputs")
    }
    fn cache(&self) -> PathBuf {
        self.tmp.path().join("cache")
    }
    fn cmd(&self, stub: &StubServer) -> Command {
        let mut c = Command::cargo_bin("netlogs").expect("binary");
        c.current_dir(self.tmp.path())
            .env("OPENAI_API_KEY", FAKE_KEY)
            .env("NETLOGS_CACHE_DIR", self.cache())
            .env_remove("OPENAI_BASE_URL")
            .args(["eval", "-m", "stub-model", "-b", &stub.base_url(), "-s"])
            .arg(self.save());
        c
    }
    /// No file under the temp dir (results, metadata, cache) holds the key.
    fn assert_no_key(&self, outputs: &[&[u8]]) {
        for o in outputs {
            assert!(
                !String::from_utf8_lossy(o).contains("LEAKCHECK"),
                "key in output"
            );
        }
        let mut stack = vec![self.tmp.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let bytes = std::fs::read(&p).expect("file");
                    assert!(
                        !String::from_utf8_lossy(&bytes).contains("LEAKCHECK"),
                        "key found in {}",
                        p.display()
                    );
                }
            }
        }
    }
}

fn summary(dir: &Path) -> Value {
    read_json(&dir.join("summary.json"))
}

fn keys(rows: &[Value]) -> Vec<(String, u64)> {
    let mut k: Vec<(String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["example_id"].as_str().expect("id").to_string(),
                r["rollout"].as_u64().expect("rollout"),
            )
        })
        .collect();
    k.sort();
    k
}

#[test]
fn remote_run_matches_the_policy_the_stub_serves() {
    let stub = StubServer::start(StubConfig::default()).expect("stub");
    let env = Env::new();
    let out = env
        .cmd(&stub)
        .args(["-n", "40", "-c", "8", "--no-cache"])
        .assert()
        .success()
        .get_output()
        .clone();
    let dir = &run_dirs(&env.save())[0];
    let remote = rows(dir);
    assert_eq!(remote.len(), 40);
    assert!(remote
        .iter()
        .all(|r| r["attempts"] == 1 && r["usage"]["prompt_tokens"].as_u64() > Some(0)));
    // The stub answers with the builtin heuristic, so rewards match an offline run.
    let offline = tempfile::tempdir().expect("tmp");
    Command::cargo_bin("netlogs")
        .expect("bin")
        .args(["eval", "-n", "40", "-s"])
        .arg(offline.path())
        .assert()
        .success();
    let local = rows(&run_dirs(offline.path())[0]);
    let by_id = |rs: &[Value]| -> BTreeMap<String, String> {
        rs.iter()
            .map(|r| (r["example_id"].to_string(), r["reward"].to_string()))
            .collect()
    };
    assert_eq!(by_id(&remote), by_id(&local));
    assert!(stub
        .authorizations()
        .iter()
        .all(|a| a == &format!("Bearer {FAKE_KEY}")));
    // The dataset seed is sent as the request seed.
    assert!(stub.bodies().iter().all(|b| b["seed"] == 42));
    let s = summary(dir);
    assert!(s["usage"]["prompt_tokens"].as_u64() > Some(0));
    env.assert_no_key(&[&out.stdout, &out.stderr]);
}

#[test]
fn fault_mix_gives_every_row_exactly_once() {
    let stub = StubServer::start(StubConfig {
        fault_rate: 0.2,
        mix: vec![
            Fault::RateLimited {
                retry_after_secs: 0,
            },
            Fault::ServerError(500),
            Fault::ServerError(503),
            Fault::Slow(Duration::from_millis(1500)),
            Fault::Reset,
            Fault::MalformedBody,
            Fault::EmptyChoices,
            Fault::Length,
        ],
        seed: 7,
        ..StubConfig::default()
    })
    .expect("stub");
    let env = Env::new();
    let out = env
        .cmd(&stub)
        .args([
            "-n",
            "500",
            "-c",
            "32",
            "--timeout",
            "0.5",
            "--max-attempts",
            "3",
            "--no-cache",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let dir = &run_dirs(&env.save())[0];
    let rs = rows(dir);
    assert_eq!(rs.len(), 500);
    let unique: HashSet<_> = keys(&rs).into_iter().collect();
    assert_eq!(unique.len(), 500, "duplicate rows");
    let errors = rs.iter().filter(|r| !r["error"].is_null()).count();
    for r in &rs {
        assert_ne!(
            r["error"].is_null(),
            r["reward"].is_null(),
            "row is both or neither"
        );
        let attempts = r["attempts"].as_u64().expect("attempts");
        assert!((1..=3).contains(&attempts));
        if !r["error"].is_null() {
            assert_eq!(attempts, 3, "an error row exhausted its attempts: {r}");
        }
    }
    let retried_ok = rs
        .iter()
        .filter(|r| r["error"].is_null() && r["attempts"].as_u64() > Some(1))
        .count();
    assert!(
        retried_ok > 20,
        "faulted-then-retried rows succeed ({retried_ok})"
    );
    assert!(rs.iter().any(|r| r["finish_reason"] == "length"));
    let s = summary(dir);
    assert_eq!(s["n"].as_u64(), Some((500 - errors) as u64));
    assert_eq!(s["n_errors"].as_u64(), Some(errors as u64));
    let attempts: u64 = rs.iter().map(|r| r["attempts"].as_u64().unwrap_or(0)).sum();
    assert_eq!(s["usage"]["http_attempts"].as_u64(), Some(attempts));
    assert_eq!(s["usage"]["retries"].as_u64(), Some(attempts - 500));
    assert_eq!(stub.served(), attempts);
    env.assert_no_key(&[&out.stdout, &out.stderr]);
}

#[test]
fn exhausted_row_is_an_error_row_not_a_model_answer() {
    let stub = StubServer::start(StubConfig {
        script: vec![Some(Fault::ServerError(500)); 3],
        ..StubConfig::default()
    })
    .expect("stub");
    let env = Env::new();
    env.cmd(&stub)
        .args(["-n", "6", "-c", "1", "--max-attempts", "3", "--no-cache"])
        .assert()
        .success();
    let dir = &run_dirs(&env.save())[0];
    let rs = rows(dir);
    assert_eq!(rs.len(), 6);
    let failed: Vec<&Value> = rs.iter().filter(|r| !r["error"].is_null()).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["error"]
        .as_str()
        .is_some_and(|e| e.contains("HTTP 500")));
    assert!(failed[0]["reward"].is_null() && failed[0]["completion"] == serde_json::json!([]));
    let s = summary(dir);
    assert_eq!(
        (s["n"].as_u64(), s["n_errors"].as_u64()),
        (Some(5), Some(1))
    );
    let report = std::fs::read_to_string(dir.join("report.md")).expect("report");
    assert!(report.contains("## Error rows"));
}

#[test]
fn retry_after_is_honoured() {
    let stub = StubServer::start(StubConfig {
        script: vec![Some(Fault::RateLimited {
            retry_after_secs: 1,
        })],
        ..StubConfig::default()
    })
    .expect("stub");
    let env = Env::new();
    env.cmd(&stub)
        .args(["-n", "1", "-c", "1", "--no-cache"])
        .assert()
        .success();
    let r = &rows(&run_dirs(&env.save())[0])[0];
    assert_eq!(r["attempts"], 2);
    assert!(r["latency_ms"].as_f64().expect("latency") >= 1000.0, "{r}");
}

#[test]
fn unauthorized_aborts_early_without_printing_the_key() {
    let stub = StubServer::start(StubConfig {
        always: Some(Fault::Unauthorized),
        ..StubConfig::default()
    })
    .expect("stub");
    let env = Env::new();
    let (out, stderr) = fails(env.cmd(&stub).args(["-n", "200", "-c", "4", "--no-cache"]));
    assert!(stderr.contains("HTTP 401"), "{stderr}");
    assert!(stderr.contains("the first 5 requests"), "{stderr}");
    assert!(stderr.contains("OPENAI_API_KEY"), "{stderr}");
    assert!(
        stub.served() < 20,
        "ground through {} requests",
        stub.served()
    );
    // What did run is on disk and summarised.
    let dir = &run_dirs(&env.save())[0];
    assert!(summary(dir)["n_errors"].as_u64() >= Some(5));
    env.assert_no_key(&[&out.stdout, &out.stderr]);
}

#[test]
fn not_found_names_the_model() {
    let stub = StubServer::start(StubConfig {
        always: Some(Fault::NotFound),
        ..StubConfig::default()
    })
    .expect("stub");
    let env = Env::new();
    let (out, stderr) = fails(env.cmd(&stub).args(["-n", "10", "-c", "2", "--no-cache"]));
    assert!(
        stderr.contains("HTTP 404") && stderr.contains("stub-model"),
        "{stderr}"
    );
    env.assert_no_key(&[&out.stdout, &out.stderr]);
}

#[test]
fn structured_output_sends_the_schema_and_reports_rejection() {
    let stub = StubServer::start(StubConfig::default()).expect("stub");
    let env = Env::new();
    env.cmd(&stub)
        .args([
            "-n",
            "3",
            "--structured-output",
            "json_schema",
            "--no-cache",
            "-S",
            r#"{"top_p": 0.5}"#,
        ])
        .assert()
        .success();
    let bodies = stub.bodies();
    assert_eq!(bodies.len(), 3);
    for b in &bodies {
        assert_eq!(b["response_format"]["type"], "json_schema");
        let schema = &b["response_format"]["json_schema"]["schema"];
        assert_eq!(
            schema["properties"]["label"]["enum"],
            serde_json::json!(["Benign", "Malicious", "Abstain"])
        );
        assert_eq!(b["top_p"], 0.5);
    }

    let picky = StubServer::start(StubConfig {
        reject_json_schema: true,
        ..StubConfig::default()
    })
    .expect("stub");
    let (_, stderr) = fails(env.cmd(&picky).args([
        "-n",
        "20",
        "-c",
        "2",
        "--structured-output",
        "json_schema",
        "--max-attempts",
        "2",
        "--no-cache",
    ]));
    assert!(
        stderr.contains("--structured-output json_object"),
        "{stderr}"
    );
}

#[test]
fn cache_serves_a_rerun_without_requests() {
    let stub = StubServer::start(StubConfig::default()).expect("stub");
    let env = Env::new();
    env.cmd(&stub).args(["-n", "10"]).assert().success();
    assert_eq!(stub.served(), 10);
    env.cmd(&stub).args(["-n", "10"]).assert().success();
    assert_eq!(stub.served(), 10, "second run must come from the cache");
    let dirs = run_dirs(&env.save());
    let second = rows(&dirs[1]);
    let first = rows(&dirs[0]);
    let (cached, fresh) = if second.iter().all(|r| r["cached"] == true) {
        (second, first)
    } else {
        (first, second)
    };
    assert!(cached
        .iter()
        .all(|r| r["cached"] == true && r["attempts"] == 0));
    assert_eq!(
        summary(&dirs[0])["mean_reward"],
        summary(&dirs[1])["mean_reward"]
    );
    assert!(fresh.iter().all(|r| r["cached"] == false));
    env.cmd(&stub)
        .args(["-n", "10", "--no-cache"])
        .assert()
        .success();
    assert_eq!(stub.served(), 20);
    env.assert_no_key(&[]);
}

/// Start a run, SIGKILL it once `after_rows` rows are on disk, append a torn line, resume.
fn kill_and_resume(after_rows: usize) -> (Vec<Value>, Value) {
    let stub = StubServer::start(StubConfig {
        delay: Duration::from_millis(25),
        ..StubConfig::default()
    })
    .expect("stub");
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("netlogs");
    let mut child = StdCommand::new(&bin)
        .current_dir(env.tmp.path())
        .env("OPENAI_API_KEY", FAKE_KEY)
        .args([
            "eval",
            "-m",
            "stub-model",
            "-b",
            &stub.base_url(),
            "-n",
            "60",
            "-c",
            "4",
            "--no-cache",
            "-s",
        ])
        .arg(env.save())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    let dir = loop {
        assert!(Instant::now() < deadline, "run never started");
        if let Some(d) = run_dirs(&env.save()).into_iter().next() {
            if d.join("metadata.json").exists() && rows_on_disk(&d) >= after_rows {
                break d;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let before = rows_on_disk(&dir);
    assert!(before < 60, "killed too late to test anything");
    // A crash mid-write leaves half a line; resume must cope.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("results.jsonl"))
        .expect("open");
    std::io::Write::write_all(&mut f, b"{\"example_id\": \"torn").expect("torn");
    drop(f);
    let out = Command::cargo_bin("netlogs")
        .expect("bin")
        .current_dir(env.tmp.path())
        .env("OPENAI_API_KEY", FAKE_KEY)
        .arg("eval")
        .arg("--resume")
        .arg(&dir)
        .arg("--no-cache")
        .assert()
        .success()
        .get_output()
        .clone();
    env.assert_no_key(&[&out.stdout, &out.stderr]);
    (rows(&dir), summary(&dir))
}

fn rows_on_disk(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("results.jsonl"))
        .map(|t| t.matches('\n').count())
        .unwrap_or(0)
}

fn comparable(rows: &[Value]) -> Vec<(String, u64, String, String)> {
    let mut v: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["example_id"].to_string(),
                r["rollout"].as_u64().unwrap_or(99),
                r["completion"].to_string(),
                r["reward"].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn kill_and_resume_equals_an_uninterrupted_run() {
    let stub = StubServer::start(StubConfig::default()).expect("stub");
    let env = Env::new();
    env.cmd(&stub)
        .args(["-n", "60", "-c", "4", "--no-cache"])
        .assert()
        .success();
    let full_dir = &run_dirs(&env.save())[0];
    let (full_rows, mut full_summary) = (rows(full_dir), summary(full_dir));
    full_summary["usage"]["http_attempts"] = Value::Null;
    for after in [0, 7, 30] {
        let (resumed_rows, mut resumed_summary) = kill_and_resume(after);
        assert_eq!(resumed_rows.len(), 60, "kill after {after}");
        assert_eq!(
            comparable(&resumed_rows),
            comparable(&full_rows),
            "kill after {after}"
        );
        resumed_summary["usage"]["http_attempts"] = Value::Null;
        assert_eq!(resumed_summary, full_summary, "kill after {after}");
    }
}

#[test]
fn request_body_is_what_the_row_records_and_sampling_args_win() {
    let stub = StubServer::start(StubConfig::default()).expect("stub");
    let env = Env::new();
    env.cmd(&stub)
        .args(["-n", "4", "-T", "0.3", "--no-cache"])
        .args(["-S", r#"{"temperature": 0.9, "top_p": 0.5}"#])
        .assert()
        .success();
    let bodies = stub.bodies();
    assert_eq!(bodies.len(), 4);
    let dirs = run_dirs(&env.save());
    let stored = rows(&dirs[0]);
    for b in &bodies {
        assert_eq!(b["model"], "stub-model");
        assert_eq!(b["temperature"], 0.9, "-S wins over -T");
        assert_eq!(b["top_p"], 0.5);
        assert_eq!(b["seed"], 42);
        assert_eq!(b["stream"], false);
        let messages = b["messages"].as_array().expect("messages");
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0]["role"], "system");
        assert_eq!(
            messages[0]["content"].as_str(),
            Some(netlogs_rubric::default_system_prompt().as_str())
        );
        assert_eq!(messages[1]["role"], "user");
        // The row stores exactly the messages sent.
        assert!(
            stored.iter().any(|r| r["prompt"] == b["messages"]),
            "no row records the messages {}",
            b["messages"]
        );
    }

    let (_, stderr) =
        fails(
            env.cmd(&stub)
                .args(["-n", "2", "--no-cache", "-S", r#"{"stream": true}"#]),
        );
    assert!(stderr.contains("may not set `stream`"), "{stderr}");
    assert_eq!(stub.bodies().len(), 4, "no request after a refused flag");
}

#[test]
fn truncated_answers_are_counted_with_a_hint() {
    let stub = StubServer::start(StubConfig {
        script: vec![Some(Fault::Length); 8],
        ..StubConfig::default()
    })
    .expect("stub");
    let env = Env::new();
    let out = env
        .cmd(&stub)
        .args(["-n", "20", "-c", "1", "-t", "96", "--no-cache"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("8 of 20 answers hit the token limit (96")
            && stdout.contains("raise -t/--max-tokens"),
        "{stdout}"
    );
    let dirs = run_dirs(&env.save());
    let dir = &dirs[0];
    assert_eq!(read_json(&dir.join("summary.json"))["truncated"], 8);
    let report = std::fs::read_to_string(dir.join("report.md")).expect("report");
    assert!(
        report.contains("**Truncated answers:** 8 of 20"),
        "{report}"
    );
}
