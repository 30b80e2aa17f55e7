//! kill -9 in the middle of every command that writes a file (`data build`, `data index`,
//! `baseline train`, `export inspect`, `eval`, `bench`): what it leaves is never a partial file under
//! the final name, the same command run again succeeds, and no temporary file outlives it.
//! Each command is first run whole to time it, then killed at about half that time (or as soon
//! as its temporary file appears, when it has one).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bench_suite, fixture, read_json, run_dir};

fn netlogs() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("netlogs"));
    c.env("NO_COLOR", "1").env_remove("OPENAI_API_KEY");
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

/// Run `args` to the end; how long it took.
fn run_whole(args: &[&std::ffi::OsStr], envs: &[(&str, &Path)]) -> Duration {
    let started = Instant::now();
    let out = netlogs()
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

/// Start `args`, and kill -9 it once `under_way()` holds or `after` has passed, whichever is
/// first. False when it finished before it could be killed.
fn kill_midway(
    args: &[&std::ffi::OsStr],
    envs: &[(&str, &Path)],
    after: Duration,
    under_way: impl Fn() -> bool,
) -> bool {
    let mut child = netlogs()
        .args(args)
        .envs(envs.iter().copied())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("poll").is_some() {
            return false;
        }
        if under_way() || started.elapsed() >= after {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    true
}

/// Files under `dir` (at any depth) whose name says they are temporary.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    files_where(dir, |n| n.contains(".tmp"))
}

/// Files under `dir` (at any depth) whose name passes `keep`.
fn files_where(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().and_then(|n| n.to_str()).is_some_and(&keep) {
                out.push(p);
            }
        }
    }
    out
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(Into::into).collect()
}

/// Kill `args` midway; check `whole` of what it left under the final name (when anything);
/// run it again; check again and that no temporary file is left under `dir`.
fn crash_and_rerun(
    args: &[std::ffi::OsString],
    envs: &[(&str, &Path)],
    dir: &Path,
    output: &Path,
    whole: impl Fn(&Path),
) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let full = run_whole(&args, envs);
    whole(output);
    std::fs::remove_file(output).ok();
    std::fs::remove_dir_all(output).ok();
    // A command may run faster the second time (a warm page cache): an earlier kill then.
    let killed = (1..=6).any(|k| {
        kill_midway(&args, envs, full / (1 << k), || {
            !temporaries(dir).is_empty()
        })
    });
    assert!(killed, "{args:?} always finished before it could be killed");
    if output.exists() {
        whole(output);
    }
    run_whole(&args, envs);
    whole(output);
    assert_eq!(temporaries(dir), Vec::<PathBuf>::new(), "{args:?}");
}

#[test]
fn data_build_killed_midway() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("built.jsonl");
    let mut args = os(&["data", "build", "--output"]);
    args.push(out.clone().into());
    args.push(fixture("iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled").into());
    crash_and_rerun(&args, &[], tmp.path(), &out, |p| {
        let text = std::fs::read_to_string(p).expect("read");
        assert!(text.ends_with('\n') && text.lines().count() > 100);
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).expect("whole lines");
        }
    });
}

#[test]
fn data_index_killed_midway() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("lookup");
    let mut args = os(&["data", "index", "--index-dir"]);
    args.push(dir.clone().into());
    args.push(fixture("iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled").into());
    let index = || -> Option<PathBuf> {
        std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "sqlite"))
    };
    let argv: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let full = run_whole(&argv, &[]);
    let built = index().expect("an index");
    std::fs::remove_file(&built).expect("remove");
    assert!(kill_midway(&argv, &[], full / 2, || !temporaries(&dir).is_empty()));
    assert!(
        index().is_none(),
        "a killed build leaves no index under its name"
    );
    run_whole(&argv, &[]);
    assert_eq!(index(), Some(built));
    assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
}

#[test]
fn baseline_train_killed_midway() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("iot23.parquet");
    let built = netlogs()
        .args(["data", "build", "--output"])
        .arg(&data)
        .arg(fixture("iot23"))
        .output()
        .expect("build");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let model = tmp.path().join("model.json");
    let mut args = os(&["baseline", "train", "--data"]);
    args.push(data.into());
    args.push("--output".into());
    args.push(model.clone().into());
    crash_and_rerun(&args, &[], tmp.path(), &model, |p| {
        netlogs_baseline::LearnedModel::load(p).expect("a whole model file");
    });
}

#[test]
fn export_inspect_killed_midway() {
    let tmp = tempfile::tempdir().expect("tmp");
    let save = tmp.path().join("runs");
    let ran = netlogs()
        .args(["eval", "-n", "300", "--no-cache", "-s"])
        .arg(&save)
        .output()
        .expect("eval");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let out = tmp.path().join("run.eval");
    let mut args = os(&["export", "inspect"]);
    args.push(run_dir(&save).into());
    args.push("--output".into());
    args.push(out.clone().into());
    crash_and_rerun(&args, &[], tmp.path(), &out, |p| {
        let bytes = std::fs::read(p).expect("read");
        assert!(bytes.starts_with(b"PK"), "a zip");
        // A whole zip ends with its central directory's end record.
        let tail = &bytes[bytes.len().saturating_sub(22)..];
        assert!(tail.starts_with(&[0x50, 0x4b, 0x05, 0x06]), "a whole zip");
    });
}

#[test]
fn eval_killed_midway_says_so_and_resumes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let save = tmp.path().join("runs");
    let args = |save: &Path| {
        let mut a = os(&["eval", "-n", "400", "--no-cache", "-s"]);
        a.push(save.into());
        a
    };
    let whole_args = args(&tmp.path().join("whole"));
    let argv: Vec<&std::ffi::OsStr> = whole_args.iter().map(|a| a.as_os_str()).collect();
    let full = run_whole(&argv, &[]);
    let killed_args = args(&save);
    let argv: Vec<&std::ffi::OsStr> = killed_args.iter().map(|a| a.as_os_str()).collect();
    // Killed once rows are being written (a run directory at any depth with results).
    let results_started = || {
        common::run_dirs(&save)
            .iter()
            .any(|run| std::fs::metadata(run.join("results.jsonl")).is_ok_and(|m| m.len() > 0))
    };
    assert!(kill_midway(&argv, &[], full * 4, results_started));
    std::thread::sleep(Duration::from_millis(50));
    let dir = run_dir(&save);
    let meta = read_json(&dir.join("metadata.json"));
    assert_eq!(meta["status"]["state"], "interrupted", "{meta}");
    let resumed = netlogs()
        .args(["eval", "--no-cache", "--resume"])
        .arg(&dir)
        .output()
        .expect("resume");
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let meta = read_json(&dir.join("metadata.json"));
    assert_eq!(meta["status"]["state"], "finished", "{meta}");
    let rows = common::rows(&dir);
    assert_eq!(rows.len(), 400);
    assert_eq!(temporaries(tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn bench_killed_midway_resumes_to_the_same_figures() {
    let tmp = tempfile::tempdir().expect("tmp");
    let suite = bench_suite(tmp.path());
    let args = |out: &Path| {
        let mut a = os(&[
            "bench",
            "-m",
            "builtin:learned",
            "--tasks",
            "folds",
            "--suite",
        ]);
        a.push(suite.clone().into());
        a.push("-s".into());
        a.push(out.into());
        a
    };
    let bench_json = |out: &Path| out.join("builtin-learned/bench.json");
    let figures = |path: &Path| -> Vec<(String, String, String)> {
        let b = read_json(path);
        b["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| {
                let folds = t["folds"]["folds"].as_array().map(|f| {
                    f.iter()
                        .map(|f| format!("{} {}", f["capture"], f["skill"]))
                        .collect::<Vec<_>>()
                });
                (
                    t["task"].to_string(),
                    t["mean_reward"].to_string(),
                    format!("{} {folds:?}", t["skill"]),
                )
            })
            .collect()
    };
    let whole_out = tmp.path().join("whole");
    let whole_args = args(&whole_out);
    let argv: Vec<&std::ffi::OsStr> = whole_args.iter().map(|a| a.as_os_str()).collect();
    let full = run_whole(&argv, &[]);
    let want = figures(&bench_json(&whole_out));

    let out = tmp.path().join("out");
    let killed_args = args(&out);
    let argv: Vec<&std::ffi::OsStr> = killed_args.iter().map(|a| a.as_os_str()).collect();
    // Killed while its tasks run: once a task's run has rows, or at half the time.
    let under_way = || {
        files_where(&out, |n| n == "results.jsonl")
            .iter()
            .any(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
    };
    assert!(kill_midway(&argv, &[], full / 2, under_way));
    assert!(
        !bench_json(&out).exists(),
        "a killed bench leaves no bench.json"
    );
    let mut resume = killed_args.clone();
    resume.push("--resume".into());
    let argv: Vec<&std::ffi::OsStr> = resume.iter().map(|a| a.as_os_str()).collect();
    run_whole(&argv, &[]);
    assert_eq!(figures(&bench_json(&out)), want);
    assert_eq!(temporaries(tmp.path()), Vec::<PathBuf>::new());
}
