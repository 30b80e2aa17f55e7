//! `netlogs eval --mode lookup` against a stub that calls tools on a script: a lookup then an
//! answer, bad calls, and a loop that `--max-turns` ends. The rows keep whole conversations;
//! tool results never carry a label; `--tool-cost` comes off the reward.

mod common;

use std::path::PathBuf;

use assert_cmd::Command;
use common::{read_json, rows, run_dir};
use netlogs_eval::stub::{StubConfig, StubServer, ToolScript};
use serde_json::Value;

fn stub(tools: ToolScript) -> StubServer {
    StubServer::start(StubConfig {
        tools,
        ..StubConfig::default()
    })
    .expect("stub")
}

fn eval(stub: &StubServer, save: &PathBuf, extra: &[&str]) {
    Command::cargo_bin("netlogs")
        .expect("binary")
        .env("OPENAI_API_KEY", "sk-test")
        .args([
            "eval",
            "-m",
            "stub-model",
            "-b",
            &stub.base_url(),
            "--no-cache",
        ])
        .args(["--mode", "lookup", "-n", "6", "-s"])
        .arg(save)
        .args(extra)
        .assert()
        .success();
}

fn turns(row: &Value) -> &Vec<Value> {
    row["completion"].as_array().expect("completion messages")
}

#[test]
fn a_lookup_then_an_answer_keeps_the_conversation_and_costs_per_call() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = stub(ToolScript::LookThenAnswer);
    let (free, costly) = (tmp.path().join("free"), tmp.path().join("costly"));
    eval(&server, &free, &[]);
    eval(&server, &costly, &["--tool-cost", "0.05"]);
    // Rows are written as they finish: pair them by example.
    let sorted = |dir: &PathBuf| {
        let mut r = rows(&run_dir(dir));
        r.sort_by_key(|x| x["example_id"].as_str().unwrap_or("").to_string());
        r
    };
    let (free_rows, costly_rows) = (sorted(&free), sorted(&costly));
    assert_eq!(free_rows.len(), 6);
    for (a, b) in free_rows.iter().zip(&costly_rows) {
        let t = turns(a);
        // assistant(tool_calls) → tool → tool → assistant(answer)
        let roles: Vec<&str> = t
            .iter()
            .map(|m| m["role"].as_str().expect("role"))
            .collect();
        assert_eq!(roles, ["assistant", "tool", "tool", "assistant"], "{t:?}");
        assert_eq!(t[0]["tool_calls"][0]["function"]["name"], "flows_for_host");
        for tool in &t[1..3] {
            let content = tool["content"].as_str().expect("tool text");
            let lower = content.to_lowercase();
            assert!(
                !lower.contains("malicious") && !lower.contains("benign"),
                "{content}"
            );
            assert!(!content.contains("CTU-"), "a capture id leaked: {content}");
            let v: Value = serde_json::from_str(content).expect("tool output is JSON");
            assert!(v.get("error").is_none(), "{v}");
        }
        let final_text = t[3]["content"].as_str().expect("answer");
        assert!(final_text.contains("\"label\""), "{final_text}");
        let (ra, rb) = (
            a["reward"].as_f64().expect("r"),
            b["reward"].as_f64().expect("r"),
        );
        assert!(
            (ra - rb - 0.10).abs() < 1e-9,
            "two calls at 0.05: {ra} vs {rb}"
        );
    }
    // `netlogs score` on the stored conversations gives the same costly rewards.
    let out = tmp.path().join("rescored");
    Command::cargo_bin("netlogs")
        .expect("binary")
        .args(["score", "--tool-cost", "0.05", "--input"])
        .arg(run_dir(&free).join("results.jsonl"))
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    let mut rescored = rows(&out);
    rescored.sort_by_key(|x| x["example_id"].as_str().unwrap_or("").to_string());
    for (a, b) in rescored.iter().zip(&costly_rows) {
        assert_eq!(
            a["reward"], b["reward"],
            "score and eval agree on the tool cost"
        );
    }
    // The stub saw the tools offered, and the tool results sent back.
    let bodies = server.bodies();
    assert!(bodies
        .iter()
        .all(|b| b["tools"].as_array().is_some_and(|t| t.len() == 3)));
    assert!(bodies.iter().any(|b| b["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .any(|m| m["role"] == "tool")));
}

#[test]
fn bad_calls_get_tool_errors_and_an_endless_loop_ends_as_invalid() {
    let tmp = tempfile::tempdir().expect("tmp");
    let bad = stub(ToolScript::BadCalls);
    let save = tmp.path().join("bad");
    eval(&bad, &save, &[]);
    for r in rows(&run_dir(&save)) {
        let t = turns(&r);
        let errors: Vec<String> = t[1..3]
            .iter()
            .map(|m| {
                let v: Value =
                    serde_json::from_str(m["content"].as_str().expect("text")).expect("json");
                v["error"]
                    .as_str()
                    .expect("an error for the model")
                    .to_string()
            })
            .collect();
        assert!(
            errors[0].contains("unknown tool `drop_table`"),
            "{errors:?}"
        );
        assert!(errors[1].contains("not a valid JSON object"), "{errors:?}");
        assert!(r["reward"].as_f64().is_some() && r["error"].is_null());
    }

    let endless = stub(ToolScript::Endless);
    let save = tmp.path().join("endless");
    eval(&endless, &save, &["--max-turns", "3"]);
    let run = run_dir(&save);
    for r in rows(&run) {
        let t = turns(&r);
        let calls = t.iter().filter(|m| m["role"] == "assistant").count();
        assert_eq!(calls, 3, "three model turns, then stop");
        assert_eq!(r["finish_reason"], "out of turns: no final answer");
        assert_eq!(r["parsed"]["outcome"], "invalid", "{r}");
    }
    assert_eq!(endless.served(), 6 * 3);
    let summary = read_json(&run.join("summary.json"));
    assert_eq!(summary["detection"]["invalid"], 6);
}
