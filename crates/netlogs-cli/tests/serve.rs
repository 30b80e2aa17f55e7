//! `netlogs serve` as a process, on 127.0.0.1: OpenRLHF's call from a Python standard-library
//! client, `/v1/score` against `netlogs score`, graceful shutdown with a batch in flight, and
//! the bearer token kept out of logs.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{body_of, http, rows, run_dir, Server};
use netlogs_rubric::{score_row, Completion, RubricConfig, TrainerLabel};
use serde_json::{json, Value};

const GOOD: &str = r#"{"label": "Malicious", "confidence": 0.8, "rationale": "telnet scan"}"#;

fn expected(text: &str, label: &str) -> f64 {
    score_row(
        &RubricConfig::default(),
        &Completion::Text(text),
        TrainerLabel::parse(label).expect("label").gold,
    )
    .reward
}

#[test]
fn openrlhf_call_from_a_python_standard_library_client() {
    let server = Server::start(&[], &[]);
    let chatml_prompt = "<|im_start|>system\nYou are an analyst.<|im_end|>\n<|im_start|>user\nZeek conn record: proto=tcp id.resp_p=23<|im_end|>\n<|im_start|>assistant\n";
    let llama_prompt = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nZeek conn record: proto=udp<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    let benign = r#"{"label": "Benign", "confidence": 0.7, "rationale": "dns"}"#;
    let queries = [
        format!("{chatml_prompt}{GOOD}<|im_end|>"),
        format!("{llama_prompt}{benign}<|eot_id|>"),
        format!("{chatml_prompt}<think>scan?</think>{GOOD}<|im_end|>\n<|endoftext|>"),
    ];
    let labels = [
        "Malicious",
        r#"{"answer": "benign", "info": {"capture": "CTU-Honeypot-Capture-4-1"}}"#,
        "MALICIOUS",
    ];
    // OpenRLHF's request_api_wrapper: requests.post(url, json=data, headers=...), then
    // response.json()["rewards"]; urllib here, so the test needs no package.
    let script = r#"
import json, sys, urllib.request
url, payload = sys.argv[1], json.loads(sys.stdin.read())
out = {}
for name, body in payload.items():
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        out[name] = json.loads(r.read())["rewards"]
print(json.dumps(out))
"#;
    let payload = json!({
        "with_prompts": {"query": queries, "prompts": [chatml_prompt, llama_prompt, chatml_prompt], "labels": labels},
        "without_prompts": {"query": queries, "labels": labels},
    });
    let mut python = Command::new("python3")
        .args(["-c", script, &format!("{}/get_reward", server.base)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    python
        .stdin
        .take()
        .expect("stdin")
        .write_all(payload.to_string().as_bytes())
        .expect("write");
    let out = python.wait_with_output().expect("python output");
    assert!(out.status.success(), "python client failed");
    let got: Value = serde_json::from_slice(&out.stdout).expect("json");
    let want = json!([
        expected(GOOD, "Malicious"),
        expected(benign, "Benign"),
        expected(&format!("<think>scan?</think>{GOOD}"), "Malicious"),
    ]);
    assert_eq!(got["with_prompts"], want);
    assert_eq!(got["without_prompts"], want);
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn v1_score_equals_netlogs_score_on_bundled_rows() {
    let tmp = tempfile::tempdir().expect("tmp");
    let save = tmp.path().join("runs");
    let ok = Command::new(assert_cmd::cargo::cargo_bin("netlogs"))
        .args(["eval", "-n", "150", "-s"])
        .arg(&save)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("eval");
    assert!(ok.success());
    // Bundled rows, plus a few broken completions.
    let mut input = rows(&run_dir(&save));
    for (i, bad) in [
        "",
        "{\"label\": \"Malicious\"",
        "Malicious!",
        "{\"label\": \"Abstain\", \"confidence\": 2}",
    ]
    .iter()
    .enumerate()
    {
        let mut r = input[i].clone();
        r["completion"] = json!([{"role": "assistant", "content": bad}]);
        input.push(r);
    }
    let file = tmp.path().join("input.jsonl");
    let text: String = input.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&file, text).expect("input");
    let scored_dir = tmp.path().join("scored");
    let ok = Command::new(assert_cmd::cargo::cargo_bin("netlogs"))
        .args(["score", "--input"])
        .arg(&file)
        .arg("--output")
        .arg(&scored_dir)
        .stdout(Stdio::null())
        .status()
        .expect("score");
    assert!(ok.success());
    let want: Vec<Value> = rows(&scored_dir)
        .iter()
        .map(|r| r["reward"].clone())
        .collect();

    let server = Server::start(&[], &[]);
    let items: Vec<Value> = input
        .iter()
        .map(|r| json!({"completion": r["completion"], "answer": r["answer"], "info": r["info"]}))
        .collect();
    let body = json!({ "items": items }).to_string();
    let response = http(&server.addr(), "POST", "/v1/score", &body, None);
    let v: Value = serde_json::from_str(body_of(&response)).expect("json");
    let got: Vec<Value> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["reward"].clone())
        .collect();
    assert_eq!(got.len(), 154);
    assert_eq!(got, want);
    server.terminate();
}

#[test]
fn sigterm_answers_the_batch_in_flight_then_exits_zero() {
    let server = Server::start(&[], &[]);
    let body = json!({"query": vec![format!("<|im_start|>assistant\n{GOOD}<|im_end|>"); 64], "labels": vec!["Malicious"; 64]}).to_string();
    let mut s = TcpStream::connect(server.addr()).expect("connect");
    write!(s, "POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).expect("headers");
    let (head, tail) = body.split_at(body.len() / 2);
    s.write_all(head.as_bytes()).expect("first half");
    s.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    std::thread::sleep(Duration::from_millis(300));
    // Still in flight: the rest of the body arrives after the signal.
    s.write_all(tail.as_bytes()).expect("second half");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let v: Value = serde_json::from_str(body_of(&response)).expect("json");
    assert_eq!(v["rewards"].as_array().map(Vec::len), Some(64));
    let mut server = server;
    let status = server.child.wait().expect("exit");
    let addr = server.addr();
    assert!(status.success(), "exit status {status}");
    // New connections are refused once it has stopped.
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn bearer_token_required_and_never_logged() {
    let key = "sk-serve-secret-9931";
    let server = Server::start(
        &["--api-key-var", "NETLOGS_TEST_SERVE_KEY"],
        &[("NETLOGS_TEST_SERVE_KEY", key)],
    );
    let body = json!({"items": [{"completion": GOOD, "answer": "Malicious"}]}).to_string();
    let addr = server.addr();
    assert!(http(&addr, "POST", "/v1/score", &body, None).starts_with("HTTP/1.1 401"));
    assert!(
        http(&addr, "POST", "/v1/score", &body, Some("Bearer nope")).starts_with("HTTP/1.1 401")
    );
    let wrong = http(
        &addr,
        "POST",
        "/v1/score",
        &body,
        Some(&format!("Bearer {key}x")),
    );
    assert!(wrong.starts_with("HTTP/1.1 401") && !wrong.contains(key));
    let ok = http(
        &addr,
        "POST",
        "/v1/score",
        &body,
        Some(&format!("Bearer {key}")),
    );
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let (status, log) = server.terminate();
    assert!(status.success());
    assert!(
        !log.contains(key) && !log.contains("9931"),
        "the key reached the log"
    );
    assert!(!log.contains("telnet scan"), "a completion reached the log");
}

#[test]
fn busy_server_answers_503_with_retry_after() {
    let server = Server::start(&["--concurrency", "1"], &[]);
    let addr = server.addr();
    // Hold the only slot with an unfinished upload.
    let mut holder = TcpStream::connect(&addr).expect("connect");
    write!(holder, "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{").expect("hold");
    std::thread::sleep(Duration::from_millis(300));
    let busy = http(&addr, "POST", "/v1/score", "{\"items\": []}", None);
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    assert!(
        busy.to_ascii_lowercase().contains("retry-after: 1"),
        "{busy}"
    );
    drop(holder);
    server.terminate();
}
