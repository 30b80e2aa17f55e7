//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join("results.jsonl").display()))
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

/// `netlogs serve` on a free loopback port.
pub struct Server {
    pub child: Child,
    pub base: String,
    stderr: BufReader<std::process::ChildStderr>,
}

impl Server {
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("netlogs"))
            .args(["serve", "--port", "0"])
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn netlogs serve");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        let base = loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).expect("log") > 0,
                "server exited"
            );
            if let Some(at) = line.find("listening on http://") {
                let rest = &line[at + "listening on ".len()..];
                break rest.split_whitespace().next().unwrap_or("").to_string();
            }
        };
        Server {
            child,
            base,
            stderr,
        }
    }

    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// SIGTERM, then the exit status and the rest of the log.
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        let status = self.child.wait().expect("wait");
        let mut rest = String::new();
        self.stderr.read_to_string(&mut rest).expect("log");
        (status, rest)
    }
}

/// A test that fails half-way still stops its server.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request over a fresh connection; the whole response text.
pub fn http(addr: &str, method: &str, path: &str, body: &str, auth: Option<&str>) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

pub fn body_of(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// A suite over copies of the fixtures (so a test may tamper with them), with the shipped
/// suite's digests.
pub fn bench_suite(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("dir");
    let copy = |rel: &str| {
        let name = Path::new(rel).file_name().expect("name");
        std::fs::copy(fixture(rel), data.join(name)).expect("copy");
    };
    copy("unsw_nb15/UNSW_NB15_testing-set_excerpt.shared_half.csv");
    copy("iot23/iot23_multicapture_pool_subset.csv");
    let text = r#"
version = "test-suite-1"

[files]
unsw = { path = "data/UNSW_NB15_testing-set_excerpt.shared_half.csv", sha256 = "15cfa725dcdc445eb3da506204b3122003a631f456c5b3e8125a855944e230d1" }
pool = { path = "data/iot23_multicapture_pool_subset.csv", sha256 = "b6afaf66a7bcaf11399d1aca209980d4ec72b2c80a64fa6dae438cf737c02f6c" }

[builds]

[[task]]
name = "unsw"
about = "out of distribution"
files = ["unsw"]
n = 40

[[task]]
name = "folds"
about = "leave one host session out"
folds = { files = ["pool"], min_per_label = 30 }
n = 40
"#;
    let path = dir.join("suite.toml");
    std::fs::write(&path, text).expect("suite");
    path
}
