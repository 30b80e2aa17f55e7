//! One conversation, one reward, whichever path scores it: the live run, `--resume`,
//! `netlogs score` and `serve`'s `/v1/score`. The hard case is a lookup rollout that ran out
//! of turns: it ends on a tool result, and its last assistant turn holds answer-shaped text
//! beside a tool call. No path may read that text as the answer.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{body_of, http, read_json, rows, run_dir, Server};
use netlogs_eval::stub::{StubConfig, StubServer, ToolScript, ANSWER_BESIDE_CALLS};
use serde_json::{json, Value};

fn netlogs() -> Command {
    Command::cargo_bin("netlogs").expect("binary")
}

/// Rewards by (example_id, rollout).
fn rewards(rows: &[Value]) -> Vec<(String, u64, f64)> {
    let mut out: Vec<(String, u64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r["example_id"].as_str().expect("id").to_string(),
                r["rollout"].as_u64().unwrap_or(0),
                r["reward"].as_f64().expect("reward"),
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    out
}

fn score(input: &Path, out: &Path, extra: &[&str]) -> Vec<Value> {
    netlogs()
        .args(["score", "--input"])
        .arg(input)
        .arg("--output")
        .arg(out)
        .args(extra)
        .assert()
        .success();
    rows(out)
}

fn serve_rewards(input: &[Value], extra: &[&str]) -> Vec<f64> {
    let server = Server::start(extra, &[]);
    let items: Vec<Value> = input
        .iter()
        .map(|r| json!({"completion": r["completion"], "answer": r["answer"], "info": r["info"]}))
        .collect();
    let body = json!({ "items": items }).to_string();
    let response = http(&server.addr(), "POST", "/v1/score", &body, None);
    let v: Value = serde_json::from_str(body_of(&response)).expect("json");
    server.terminate();
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["reward"].as_f64().expect("reward"))
        .collect()
}

#[test]
fn an_out_of_turns_lookup_row_gets_one_reward_on_every_path() {
    let tmp = tempfile::tempdir().expect("tmp");
    let stub = StubServer::start(StubConfig {
        tools: ToolScript::EndlessWithAnswerText,
        ..StubConfig::default()
    })
    .expect("stub");
    let save = tmp.path().join("runs");
    netlogs()
        .env("OPENAI_API_KEY", "sk-test")
        .args([
            "eval",
            "-m",
            "stub-model",
            "-b",
            &stub.base_url(),
            "--no-cache",
        ])
        .args([
            "--mode",
            "lookup",
            "--max-turns",
            "2",
            "--tool-cost",
            "0.05",
        ])
        .args(["-n", "6", "-s"])
        .arg(&save)
        .assert()
        .success();
    let dir = run_dir(&save);
    let live = rows(&dir);
    assert_eq!(live.len(), 6);
    for r in &live {
        let turns = r["completion"].as_array().expect("messages");
        assert_eq!(turns.last().expect("last")["role"], "tool", "{r}");
        assert_eq!(turns[0]["content"], ANSWER_BESIDE_CALLS);
        assert_eq!(r["parsed"]["outcome"], "invalid", "{r}");
    }
    let live_rewards = rewards(&live);
    let summary = read_json(&dir.join("summary.json"));

    // score
    let scored = score(
        &dir.join("results.jsonl"),
        &tmp.path().join("scored"),
        &["--tool-cost", "0.05"],
    );
    assert_eq!(rewards(&scored), live_rewards, "score agrees with eval");
    assert!(scored.iter().all(|r| r["parsed"]["outcome"] == "invalid"));

    // serve
    let served = serve_rewards(&live, &["--tool-cost", "0.05"]);
    let mut want: Vec<f64> = live
        .iter()
        .map(|r| r["reward"].as_f64().expect("r"))
        .collect();
    let mut got = served.clone();
    want.sort_by(f64::total_cmp);
    got.sort_by(f64::total_cmp);
    assert_eq!(got, want, "serve agrees with eval");

    // resume: keep half the rows, finish the run, and the summary is the same.
    let text = std::fs::read_to_string(dir.join("results.jsonl")).expect("rows");
    let kept: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("results.jsonl"), kept).expect("cut");
    netlogs()
        .env("OPENAI_API_KEY", "sk-test")
        .args(["eval", "--no-cache", "--resume"])
        .arg(&dir)
        .assert()
        .success();
    let resumed = read_json(&dir.join("summary.json"));
    assert_eq!(resumed["mean_reward"], summary["mean_reward"]);
    assert_eq!(resumed["detection"], summary["detection"]);
    assert_eq!(
        rewards(&rows(&dir)),
        live_rewards,
        "resume agrees with eval"
    );
}

/// The conversations every trainer adapter is tested on (written by
/// `crates/netlogs-py/tests/fixtures/make_conversations.py`) score as they say, through
/// `netlogs score` and `/v1/score` alike.
#[test]
fn the_shared_conversations_score_as_expected_on_the_cli_paths() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../netlogs-py/tests/fixtures/conversations.jsonl");
    let text = std::fs::read_to_string(&path).expect("conversations fixture");
    let convs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    assert!(convs.len() >= 3, "the fixture has its cases");
    let tmp = tempfile::tempdir().expect("tmp");
    for (i, conv) in convs.iter().enumerate() {
        let cost = conv["rubric"]["tool_cost"]
            .as_f64()
            .unwrap_or(0.0)
            .to_string();
        let input = tmp.path().join(format!("conv{i}.jsonl"));
        std::fs::write(&input, format!("{conv}\n")).expect("input");
        let scored = score(
            &input,
            &tmp.path().join(format!("s{i}")),
            &["--tool-cost", &cost],
        );
        let expect = &conv["expect"];
        assert_eq!(
            scored[0]["parsed"]["outcome"], expect["outcome"],
            "{}: outcome",
            conv["id"]
        );
        let served = serve_rewards(std::slice::from_ref(conv), &["--tool-cost", &cost]);
        assert_eq!(
            Some(served[0]),
            scored[0]["reward"].as_f64(),
            "{}: serve and score",
            conv["id"]
        );
    }
}
