//! `--preset grounded` end to end: the heuristic cites when the grounded system prompt asks,
//! every path (eval, `--resume`, `netlogs score`) checks the citations against the prompt each
//! row holds and agrees, context and lookup fields count, `proper` runs are untouched, and the
//! paths that cannot see the flow refuse instead of guessing.

mod common;

use std::collections::HashMap;
use std::path::Path;

use assert_cmd::Command;
use common::{fails, read_json, rows, run_dir};
use netlogs_eval::stub::{StubConfig, StubServer, ToolScript};
use serde_json::Value;

fn netlogs(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.current_dir(dir)
        .env("OPENAI_API_KEY", "sk-test")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
    c
}

fn by_key(rows: &[Value]) -> HashMap<(String, i64), Value> {
    rows.iter()
        .map(|r| {
            (
                (
                    r["example_id"].as_str().expect("id").to_string(),
                    r["rollout"].as_i64().expect("rollout"),
                ),
                r.clone(),
            )
        })
        .collect()
}

fn answer(row: &Value) -> Value {
    let text = row["completion"][0]["content"].as_str().expect("text");
    serde_json::from_str(text).expect("json answer")
}

#[test]
fn the_heuristic_cites_and_every_path_agrees() {
    let tmp = tempfile::tempdir().expect("tmp");
    netlogs(tmp.path())
        .args(["eval", "-n", "40", "--preset", "grounded", "-s", "g"])
        .assert()
        .success()
        .stdout(predicates::str::contains("mean grounding"));
    let dir = run_dir(&tmp.path().join("g"));
    let rows = rows(&dir);
    for r in &rows {
        assert!(r["prompt"][0]["content"]
            .as_str()
            .expect("system")
            .contains(netlogs_rubric::EVIDENCE_REQUEST));
        let a = answer(r);
        let evidence = a["evidence"].as_array().expect("the heuristic cites");
        let user = r["prompt"][1]["content"].as_str().expect("user");
        for c in evidence {
            let shown = format!(
                "{}={}",
                c["field"].as_str().expect("field"),
                c["value"].as_str().expect("value")
            );
            assert!(user.split(' ').any(|t| t == shown), "{shown} is in {user}");
        }
        assert_eq!(r["metrics"]["grounding"], 1.0, "{a}");
    }
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["mean_grounding"], 1.0);
    let report = std::fs::read_to_string(dir.join("report.md")).expect("report");
    assert!(report.contains("**Grounding:** weight 0.3") && report.contains("grounding component"));

    // netlogs score reads each row's prompt and gives the same rewards.
    netlogs(tmp.path())
        .args(["score", "--input"])
        .arg(dir.join("results.jsonl"))
        .args(["--preset", "grounded", "--output", "scored"])
        .assert()
        .success();
    let scored = by_key(&common::rows(&tmp.path().join("scored")));
    for r in &rows {
        let k = (
            r["example_id"].as_str().expect("id").to_string(),
            r["rollout"].as_i64().expect("r"),
        );
        assert_eq!(scored[&k]["reward"], r["reward"]);
        assert_eq!(scored[&k]["metrics"], r["metrics"]);
    }

    // A resumed run re-scores its stored rows against their prompts: the same rewards.
    let cut: Vec<String> = std::fs::read_to_string(dir.join("results.jsonl"))
        .expect("rows")
        .lines()
        .take(15)
        .map(String::from)
        .collect();
    std::fs::write(dir.join("results.jsonl"), cut.join("\n") + "\n").expect("cut");
    netlogs(tmp.path())
        .args(["eval", "--resume"])
        .arg(&dir)
        .assert()
        .success();
    let resumed = read_json(&dir.join("summary.json"));
    assert_eq!(resumed["mean_reward"], summary["mean_reward"]);
    assert_eq!(resumed["mean_grounding"], 1.0);

    // A row without its prompt cannot be checked: named, not guessed.
    let bare = tmp.path().join("bare.jsonl");
    std::fs::write(
        &bare,
        "{\"completion\": \"{\\\"label\\\": \\\"Malicious\\\", \\\"confidence\\\": 0.9}\", \"answer\": \"Malicious\"}\n",
    )
    .expect("write");
    let (_, err) = fails(
        netlogs(tmp.path())
            .args(["score", "--input"])
            .arg(&bare)
            .args(["--preset", "grounded"]),
    );
    assert!(
        err.contains("bare.jsonl") && err.contains(":1") && err.contains("prompt"),
        "{err}"
    );
}

#[test]
fn proper_runs_neither_cite_nor_score_grounding() {
    let tmp = tempfile::tempdir().expect("tmp");
    netlogs(tmp.path())
        .args(["eval", "-n", "10", "-s", "p"])
        .assert()
        .success();
    let dir = run_dir(&tmp.path().join("p"));
    for r in rows(&dir) {
        assert!(answer(&r).get("evidence").is_none());
        assert!(r["metrics"].get("grounding").is_none());
    }
    assert!(read_json(&dir.join("summary.json"))
        .get("mean_grounding")
        .is_none());
}

#[test]
fn context_and_tool_results_can_be_cited() {
    let tmp = tempfile::tempdir().expect("tmp");
    netlogs(tmp.path())
        .args([
            "eval",
            "-n",
            "60",
            "--preset",
            "grounded",
            "-m",
            "builtin:heuristic-context",
        ])
        .args(["--context", "10", "-s", "ctx"])
        .assert()
        .success();
    let ctx = rows(&run_dir(&tmp.path().join("ctx")));
    let context_cites = ctx
        .iter()
        .flat_map(|r| {
            answer(r)["evidence"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|c| {
            c["field"]
                .as_str()
                .is_some_and(|f| f.starts_with("context["))
        })
        .count();
    assert!(context_cites > 0, "window rules cite context lines");
    assert!(ctx.iter().all(|r| r["metrics"]["grounding"] == 1.0));

    // Lookup: an answer citing a tool result's field.
    let stub = StubServer::start(StubConfig {
        tools: ToolScript::LookThenAnswer,
        ..StubConfig::default()
    })
    .expect("stub");
    netlogs(tmp.path())
        .args([
            "eval",
            "-m",
            "stub-model",
            "-b",
            &stub.base_url(),
            "--no-cache",
        ])
        .args([
            "--mode", "lookup", "-n", "4", "--preset", "grounded", "-s", "look",
        ])
        .assert()
        .success();
    let look = rows(&run_dir(&tmp.path().join("look")));
    assert!(look.iter().all(|r| r["metrics"]["grounding"] == 1.0));
    // Re-score one conversation with its last answer citing `tool[0]…`: it matches only
    // because the tool result showed it.
    let r = &look[0];
    let mut turns = r["completion"].as_array().expect("turns").clone();
    let tool: Value =
        serde_json::from_str(turns[1]["content"].as_str().expect("tool text")).expect("json");
    let (key, value) = tool
        .as_object()
        .expect("object")
        .iter()
        .find(|(_, v)| v.is_string() || v.is_number())
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("a scalar field");
    let cite = |v: &Value| {
        serde_json::json!({"label": "Malicious", "confidence": 0.9, "evidence": [{"field": format!("tool[0].{key}"), "value": v}]})
            .to_string()
    };
    let last = turns.len() - 1;
    let mut rows_in = String::new();
    for v in [value.clone(), Value::from("not-what-it-showed")] {
        turns[last]["content"] = Value::from(cite(&v));
        let row =
            serde_json::json!({"prompt": r["prompt"], "completion": turns, "answer": r["answer"]});
        rows_in.push_str(&format!("{row}\n"));
    }
    let input = tmp.path().join("tools.jsonl");
    std::fs::write(&input, rows_in).expect("write");
    netlogs(tmp.path())
        .args(["score", "--input"])
        .arg(&input)
        .args(["--preset", "grounded", "--output", "tools"])
        .assert()
        .success();
    let scored = common::rows(&tmp.path().join("tools"));
    assert_eq!(scored[0]["metrics"]["grounding"], 1.0, "{key}={value}");
    assert_eq!(scored[1]["metrics"]["grounding"], 0.0);
}

#[test]
fn serve_and_legacy_refuse_grounding_and_audit_shows_the_checks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, err) =
        fails(netlogs(tmp.path()).args(["serve", "--port", "0", "--preset", "grounded"]));
    assert!(
        err.contains("grounding") && err.contains("netlogs score"),
        "{err}"
    );
    let (_, err) = fails(netlogs(tmp.path()).args([
        "audit",
        "--preset",
        "legacy",
        "--weights",
        "1,0.1,0.2,0.5,0.3",
    ]));
    assert!(err.contains("legacy"), "{err}");
    let out = netlogs(tmp.path())
        .args(["audit", "--preset", "grounded", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let audit: Value = serde_json::from_slice(&out).expect("json");
    let styles = audit["grounding"]["styles"].as_array().expect("styles");
    let reward = |name: &str| {
        styles
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["reward"].as_f64())
            .expect("style")
    };
    assert!(reward("every field") < reward("the right fields"));
    assert!(
        audit["grounding"]["correct_uncited_min"].as_f64()
            > audit["grounding"]["incorrect_cited_max"].as_f64()
    );
    let ids: Vec<&str> = audit["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(ids, ["grounding_invites_shading"]);
    let text = netlogs(tmp.path())
        .args(["audit", "--preset", "grounded"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("weights 1/0.1/0.2/0.5/0.3") && text.contains("Citations"),
        "{text}"
    );
}
