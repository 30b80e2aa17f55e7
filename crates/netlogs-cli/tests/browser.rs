//! Reports in a real browser: headless Chromium loads report.html, a comparison page and the
//! `netlogs view` index, and the DOM after its scripts ran is checked. `scripts/test` installs
//! Chromium (Debian's package) when it is missing.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{rows, run_dirs};
use serde_json::Value;

fn chromium() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
        .expect(
            "Chromium is needed for the report tests: apt-get install chromium (scripts/test does)",
        )
}

/// The DOM after the page's scripts ran, and Chromium's log.
fn dump_dom(url: &str) -> (String, String) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ])
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn no_console_errors(log: &str) {
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error"))),
            "JavaScript error: {line}"
        );
    }
}

fn netlogs() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("netlogs"));
    c.env_remove("OPENAI_API_KEY").env_remove("OPENAI_BASE_URL");
    c
}

fn eval(save: &Path, model: &str) -> PathBuf {
    let ok = netlogs()
        .args(["eval", "-m", model, "-n", "120", "-s"])
        .arg(save)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("eval");
    assert!(ok.success());
    run_dirs(save).pop().expect("run dir")
}

fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

/// The `N of M rows` text of the sample table.
fn shown(dom: &str) -> String {
    let at = dom.find("id=\"count\">").expect("count element") + "id=\"count\">".len();
    dom[at..].split('<').next().unwrap_or("").trim().to_string()
}

#[test]
fn report_html_plots_table_and_filters() {
    let tmp = tempfile::tempdir().expect("tmp");
    let run = eval(&tmp.path().join("runs"), "builtin:heuristic");
    let report = run.join("report.html");
    let url = format!("file://{}", report.display());
    let (dom, log) = dump_dom(&url);
    no_console_errors(&log);
    assert_eq!(
        count(&dom, "<div class=\"plot\""),
        6,
        "six plots without splits"
    );
    assert!(count(&dom, "<svg") >= 6);
    assert_eq!(count(&dom, "<tr class=\"sample"), 50, "one page of rows");
    assert_eq!(shown(&dom), "120 of 120 rows · page 1 of 3");

    let stored = rows(&run);
    let wrong = stored
        .iter()
        .filter(|r| {
            let outcome = r["parsed"]["outcome"].as_str().unwrap_or("");
            !matches!(outcome, "true_positive" | "true_negative" | "abstain")
                && r["error"].is_null()
        })
        .count();
    assert!(wrong > 0 && wrong < 120);
    let (dom, log) = dump_dom(&format!("{url}#filter=wrong"));
    no_console_errors(&log);
    assert_eq!(
        shown(&dom),
        format!("{wrong} of 120 rows · page 1 of {}", wrong.div_ceil(50))
    );
    assert_eq!(count(&dom, "<tr class=\"sample"), wrong.min(50));
    let (dom, _) = dump_dom(&format!("{url}#q=zzzz-no-such-text"));
    assert_eq!(shown(&dom), "0 of 120 rows · page 1 of 1");
    let size = std::fs::metadata(&report).expect("report").len();
    assert!(size < 1_000_000, "report.html of 120 rows is {size} bytes");
}

#[test]
fn compare_page_lists_flipped_examples() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = eval(&tmp.path().join("a"), "builtin:always-malicious");
    let b = eval(&tmp.path().join("b"), "builtin:heuristic");
    let html = tmp.path().join("compare.html");
    let out = netlogs()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--html")
        .arg(&html)
        .output()
        .expect("compare");
    assert!(out.status.success());
    let md = String::from_utf8_lossy(&out.stdout);
    let flipped: usize = ["## Right in A, wrong in B (", "## Wrong in A, right in B ("]
        .iter()
        .map(|h| {
            let at = md.find(h).expect("heading") + h.len();
            md[at..]
                .split(')')
                .next()
                .unwrap_or("0")
                .parse::<usize>()
                .expect("count")
        })
        .sum();
    assert!(flipped > 0);
    let (dom, log) = dump_dom(&format!("file://{}", html.display()));
    no_console_errors(&log);
    assert_eq!(count(&dom, "<tr class=\"flip "), flipped);
    assert!(dom.contains("id=\"mcnemar\""));
}

struct Viewer(std::process::Child);

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn view_lists_runs_skips_foreign_folders_and_serves_nothing_outside() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("outputs");
    let a = eval(&root, "builtin:heuristic");
    let b = eval(&root, "builtin:always-benign");
    // A foreign folder that looks like a run, and a secret beside the served folder.
    std::fs::create_dir_all(root.join("junk")).expect("junk");
    std::fs::write(root.join("junk/metadata.json"), "{not json").expect("junk");
    std::fs::write(tmp.path().join("secret.txt"), "TOP-SECRET").expect("secret");
    // A link back up the tree must not trap the walk, nor lead outside.
    std::os::unix::fs::symlink(tmp.path(), root.join("loop")).expect("symlink");

    let mut child = netlogs()
        .arg("view")
        .arg(&root)
        .args(["--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("view");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("address");
    let _viewer = Viewer(child);
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("url")
        .to_string();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();

    let (dom, log) = dump_dom(&url);
    no_console_errors(&log);
    assert_eq!(count(&dom, "<tr class=\"run\""), 2, "{dom}");
    assert!(dom.contains("skipped junk"), "{dom}");

    let rel = |d: &Path| d.strip_prefix(&root).expect("inside").display().to_string();
    let report = get(&addr, &format!("/runs/{}/report.html", rel(&a)));
    assert!(report.starts_with("HTTP/1.1 200") && report.contains("id=\"samples\""));
    let compare = get(&addr, &format!("/compare?a={}&b={}", rel(&a), rel(&b)));
    assert!(compare.starts_with("HTTP/1.1 200") && compare.contains("id=\"flipped\""));
    for path in [
        "/runs/../secret.txt",
        "/runs/..%2Fsecret.txt",
        "/runs/%2E%2E/secret.txt",
        "/runs//etc/passwd",
        "/runs/loop/secret.txt",
        "/compare?a=../..&b=..%2F..",
    ] {
        let answer = get(&addr, path);
        assert!(
            !answer.contains("TOP-SECRET") && !answer.contains("root:"),
            "{path}: {answer}"
        );
        assert!(!answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
    }
    let api: Value = serde_json::from_str(
        get(&addr, "/api/runs")
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or("{}"),
    )
    .expect("json");
    assert_eq!(api["runs"].as_array().map(Vec::len), Some(2));
}
