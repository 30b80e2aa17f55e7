//! The `netlogs-serve` binary, the server a trainer host installs alone: it serves the same
//! reward as the library, on 127.0.0.1, and refuses what `netlogs serve` refuses.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use netlogs_rubric::{score_row, Completion, RubricConfig, TrainerLabel};
use serde_json::Value;

const ANSWER: &str = r#"{"label": "Malicious", "confidence": 0.8, "rationale": "telnet scan"}"#;

fn post(addr: &str, path: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let (_, json) = response.split_once("\r\n\r\n").expect("headers end");
    (status, serde_json::from_str(json).expect("JSON body"))
}

#[test]
fn serves_the_reward_of_the_library() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netlogs-serve"))
        .args(["--port", "0", "--fp-cost", "0.7"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn netlogs-serve");
    let mut log = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(log.read_line(&mut line).expect("log") > 0, "server exited");
        if let Some((_, rest)) = line.split_once("listening on http://") {
            break rest.split_whitespace().next().unwrap_or("").to_string();
        }
    };
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let body =
        serde_json::json!({"query": [ANSWER, "not json"], "labels": ["Benign", "Malicious"]});
    let (status, got) = post(&addr, "/get_reward", &body.to_string());
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{got}");
    let config = RubricConfig {
        fp_cost: 0.7,
        ..RubricConfig::default()
    };
    let want: Vec<f64> = [(ANSWER, "Benign"), ("not json", "Malicious")]
        .iter()
        .map(|(text, label)| {
            let gold = TrainerLabel::parse(label).expect("label").gold;
            score_row(&config, &Completion::Text(text), gold).reward
        })
        .collect();
    assert_eq!(got["rewards"], serde_json::json!(want));
}

#[test]
fn refuses_a_rubric_it_cannot_score_and_says_why() {
    let out = Command::new(env!("CARGO_BIN_EXE_netlogs-serve"))
        .args(["--port", "0", "--preset", "grounded"])
        .output()
        .expect("run netlogs-serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot score `grounding`"), "{stderr}");
}
