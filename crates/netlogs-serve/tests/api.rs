//! The service in-process: every endpoint, every client error, and 100k random and mutated
//! bodies that must never panic or answer 5xx.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use netlogs_rubric::{score_row, Completion, RubricConfig, TrainerLabel};
use netlogs_serve::{router, ServeConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use tower::ServiceExt;

const GOOD: &str = r#"{"label": "Malicious", "confidence": 0.9, "rationale": "telnet scan"}"#;

fn app(config: ServeConfig) -> Router {
    router(config)
}

async fn call(app: &Router, method: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value)
}

async fn post(app: &Router, path: &str, body: Value) -> (StatusCode, Value) {
    call(app, "POST", path, body.to_string().into_bytes()).await
}

fn expected(text: &str, label: &str) -> f64 {
    let gold = TrainerLabel::parse(label).expect("label").gold;
    score_row(&RubricConfig::default(), &Completion::Text(text), gold).reward
}

#[tokio::test]
async fn get_reward_reads_templated_queries_and_both_label_forms() {
    let app = app(ServeConfig::default());
    let chatml_prompt = "<|im_start|>system\nYou are an analyst.<|im_end|>\n<|im_start|>user\nflow<|im_end|>\n<|im_start|>assistant\n";
    let llama = format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nflow<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{GOOD}<|eot_id|>");
    let body = json!({
        "query": [format!("{chatml_prompt}{GOOD}<|im_end|>"), llama, "not json at all"],
        "prompts": [chatml_prompt, "a prompt that is not a prefix", ""],
        "labels": ["malicious", r#"{"answer": "Benign", "info": {"capture": "34-1"}}"#, "Benign"],
    });
    let (status, v) = post(&app, "/get_reward", body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let rewards: Vec<f64> = serde_json::from_value(v["rewards"].clone()).expect("rewards");
    assert_eq!(
        rewards,
        vec![
            expected(GOOD, "Malicious"),
            expected(GOOD, "Benign"),
            expected("not json at all", "Benign"),
        ]
    );
    assert_eq!(v["scores"], v["rewards"]);
    for k in ["accuracy", "format", "calibration", "cost"] {
        assert_eq!(v["extra_logs"][k].as_array().map(Vec::len), Some(3), "{k}");
    }
    assert_eq!(v["extra_logs"]["accuracy"], json!([1.0, 0.0, 0.0]));
}

#[tokio::test]
async fn client_errors_name_the_field_and_index() {
    let app = app(ServeConfig {
        max_batch: 3,
        max_body: 4096,
        ..ServeConfig::default()
    });
    let cases = [
        (
            json!({"query": ["a", "b"], "labels": ["Benign"]}),
            StatusCode::BAD_REQUEST,
            "labels",
        ),
        (
            json!({"query": ["a"], "prompts": [], "labels": ["Benign"]}),
            StatusCode::BAD_REQUEST,
            "prompts",
        ),
        (
            json!({"query": ["a", "b"], "labels": ["Benign", "Abstain"]}),
            StatusCode::BAD_REQUEST,
            "labels[1]",
        ),
        (
            json!({"labels": ["Benign"]}),
            StatusCode::BAD_REQUEST,
            "missing field `query`",
        ),
        (
            json!({"query": ["a", 7], "labels": ["x", "y"]}),
            StatusCode::BAD_REQUEST,
            "query[1]",
        ),
        (
            json!({"query": vec!["a"; 4], "labels": vec!["Benign"; 4]}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "--max-batch limit of 3",
        ),
    ];
    for (body, status, needle) in cases {
        let (got, v) = post(&app, "/get_reward", body.clone()).await;
        assert_eq!(got, status, "{body}: {v}");
        let text = v["error"].to_string();
        assert!(text.contains(needle), "{body}: {text}");
    }
    let (got, v) = post(&app, "/v1/score", json!({"items": [{"completion": GOOD, "answer": "Benign"}, {"completion": GOOD, "answer": 5}]})).await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "items[1].answer");
    let (got, v) = call(&app, "POST", "/v1/score", b"{\"items\": [".to_vec()).await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("malformed JSON")),
        "{v}"
    );
    let (got, v) = call(&app, "POST", "/v1/score", vec![b' '; 5000]).await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(v["error"]["message"].to_string().contains("4096"), "{v}");
}

#[tokio::test]
async fn score_health_rubric_and_metrics() {
    let app = app(ServeConfig::default());
    let messages =
        json!([{"role": "user", "content": "flow"}, {"role": "assistant", "content": GOOD}]);
    let (status, v) = post(
        &app,
        "/v1/score",
        json!({"items": [
            {"completion": GOOD, "answer": "Malicious", "info": {"capture": "x"}},
            {"completion": messages, "answer": 1},
            {"completion": "", "answer": false},
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let results = v["results"].as_array().expect("results");
    assert_eq!(results[0]["reward"], results[1]["reward"]);
    assert_eq!(results[2]["parsed"]["outcome"], "invalid");
    assert_eq!(call(&app, "GET", "/health", vec![]).await.1["status"], "ok");
    let (_, rubric) = call(&app, "GET", "/v1/rubric", vec![]).await;
    assert_eq!(rubric["config"]["preset"], "proper");
    assert!(rubric["findings"].is_array());
    let request = Request::get("/metrics").body(Body::empty()).expect("req");
    let response = app.clone().oneshot(request).await.expect("metrics");
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .expect("b")
            .to_bytes()
            .to_vec(),
    )
    .expect("utf8");
    assert!(
        text.contains("netlogs_serve_items_scored_total{endpoint=\"/v1/score\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("netlogs_serve_requests_total{endpoint=\"/v1/score\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("netlogs_serve_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("netlogs_serve_in_flight"), "{text}");
}

#[tokio::test]
async fn bearer_token_when_required() {
    let app = app(ServeConfig {
        api_key: Some("s3cret-token".into()),
        ..ServeConfig::default()
    });
    let body = json!({"items": [{"completion": GOOD, "answer": "Benign"}]}).to_string();
    for (auth, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some("Bearer wrong"), StatusCode::UNAUTHORIZED),
        (Some("Bearer s3cret-token"), StatusCode::OK),
    ] {
        let mut request = Request::post("/v1/score").header("content-type", "application/json");
        if let Some(a) = auth {
            request = request.header("authorization", a);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::from(body.clone())).expect("req"))
            .await
            .expect("call");
        assert_eq!(response.status(), status, "{auth:?}");
        let bytes = response.into_body().collect().await.expect("b").to_bytes();
        assert!(!String::from_utf8_lossy(&bytes).contains("s3cret"));
    }
    assert_eq!(
        call(&app, "GET", "/health", vec![]).await.0,
        StatusCode::OK,
        "health needs no key"
    );
}

/// A random JSON value, shallow.
fn random_value(rng: &mut ChaCha8Rng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<f64>() * 1e6 - 5e5),
        3 => json!(
            [
                "Benign",
                "malicious",
                "Abstain",
                GOOD,
                "",
                "{",
                "<|im_start|>assistant\n"
            ][rng.random_range(0..7)]
        ),
        4 => json!(rng.random::<i64>()),
        5 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "query",
                "prompts",
                "labels",
                "items",
                "completion",
                "answer",
                "info",
            ];
            Value::Object(
                (0..rng.random_range(0..4))
                    .map(|_| {
                        (
                            keys[rng.random_range(0..keys.len())].to_string(),
                            random_value(rng, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
    }
}

/// A valid body, then damaged: bytes flipped, cut, spliced, or replaced by random JSON.
fn mutated_body(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let valid = if rng.random::<bool>() {
        json!({"query": [format!("<|im_start|>assistant\n{GOOD}<|im_end|>"), "x"], "prompts": ["", "y"], "labels": ["Malicious", "{\"answer\": \"Benign\"}"]})
    } else {
        json!({"items": [{"completion": GOOD, "answer": "Benign"}, {"completion": [{"role": "assistant", "content": GOOD}], "answer": 0}]})
    };
    let mut bytes = match rng.random_range(0..4) {
        0 => random_value(rng, 0).to_string().into_bytes(),
        _ => valid.to_string().into_bytes(),
    };
    for _ in 0..rng.random_range(0..4) {
        if bytes.is_empty() {
            break;
        }
        let i = rng.random_range(0..bytes.len());
        match rng.random_range(0..4) {
            0 => bytes[i] = rng.random(),
            1 => bytes.truncate(i),
            2 => {
                let pool = b"{}[]\",:\\0";
                bytes.insert(i, pool[rng.random_range(0..pool.len())]);
            }
            _ => {
                bytes.remove(i);
            }
        }
    }
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_bad_bodies_never_panic_or_5xx() {
    let app = app(ServeConfig {
        max_batch: 8,
        ..ServeConfig::default()
    });
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..100_000 {
        let path = if n % 2 == 0 {
            "/get_reward"
        } else {
            "/v1/score"
        };
        let (status, _) = call(&app, "POST", path, mutated_body(&mut rng)).await;
        assert!(!status.is_server_error(), "case {n}: {status}");
        *by_status.entry(status.as_u16()).or_default() += 1;
    }
    assert!(
        by_status.get(&200).is_some_and(|&n| n > 1000),
        "{by_status:?}"
    );
    assert!(
        by_status.get(&400).is_some_and(|&n| n > 10_000),
        "{by_status:?}"
    );
}
