//! An OpenAI-compatible stub server for tests and benches (feature `stub`). It binds only to
//! 127.0.0.1, answers `POST /chat/completions` with the builtin heuristic's answer to the
//! prompt, and can follow a script of faults, or draw faults at a seeded random rate.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::builtin::BuiltinPolicy;
use netlogs_client::ChatMessage;

/// A scripted misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: secs`.
    RateLimited {
        retry_after_secs: u32,
    },
    /// 5xx with an error body.
    ServerError(u16),
    /// Answer correctly, but only after this delay.
    Slow(Duration),
    /// Start a 200 response, then break the connection mid-body.
    Reset,
    /// 200 with a body that is not JSON.
    MalformedBody,
    /// 200 with `choices: []`.
    EmptyChoices,
    /// 200, truncated content and `finish_reason: "length"`.
    Length,
    Unauthorized,
    NotFound,
}

/// How the stub uses tools a request offers (lookup mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ToolScript {
    /// Answer at once, tools or not.
    #[default]
    Answer,
    /// First turn: look at the flow's host (`flows_for_host` and `host_summary`); then answer.
    LookThenAnswer,
    /// First turn: an unknown tool and a call with broken arguments; then answer.
    BadCalls,
    /// Call a tool on every turn, never answering.
    Endless,
    /// Call a tool on every turn with a well-formed answer written beside each call: the
    /// turns run out, and no message is the final answer, however answer-like its text.
    EndlessWithAnswerText,
}

/// What [`ToolScript::EndlessWithAnswerText`] writes beside each call.
pub const ANSWER_BESIDE_CALLS: &str =
    r#"{"label": "Malicious", "confidence": 0.9, "rationale": "telnet scan"}"#;

/// How the stub behaves.
#[derive(Debug, Clone)]
pub struct StubConfig {
    /// Faults for the first requests, in arrival order (`None` answers normally).
    pub script: Vec<Option<Fault>>,
    /// After the script: the share of requests that get a random fault from `mix`.
    pub fault_rate: f64,
    pub mix: Vec<Fault>,
    pub seed: u64,
    /// Delay before every normal answer.
    pub delay: Duration,
    /// Answer requests carrying a `json_schema` response_format with HTTP 500, as
    /// llama-cpp-python does.
    pub reject_json_schema: bool,
    /// Every request gets this fault.
    pub always: Option<Fault>,
    /// What to do when a request offers tools.
    pub tools: ToolScript,
}

impl Default for StubConfig {
    fn default() -> Self {
        StubConfig {
            script: Vec::new(),
            fault_rate: 0.0,
            mix: Vec::new(),
            seed: 0,
            delay: Duration::ZERO,
            reject_json_schema: false,
            always: None,
            tools: ToolScript::Answer,
        }
    }
}

struct Shared {
    config: StubConfig,
    rng: Mutex<ChaCha8Rng>,
    served: AtomicU64,
    bodies: Mutex<Vec<Value>>,
    keys: Mutex<Vec<String>>,
}

/// A running stub. Dropping it stops the server thread.
pub struct StubServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StubServer {
    /// Start on an ephemeral port of 127.0.0.1, in a thread with its own runtime.
    pub fn start(config: StubConfig) -> std::io::Result<StubServer> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed)),
            config,
            served: AtomicU64::new(0),
            bodies: Mutex::new(Vec::new()),
            keys: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .route("/chat/completions", post(handle))
            .route("/v1/chat/completions", post(handle))
            .with_state(shared.clone());
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Ok(StubServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The API base to give a client, e.g. `http://127.0.0.1:4321/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Requests received so far.
    pub fn served(&self) -> u64 {
        self.shared.served.load(Ordering::SeqCst)
    }

    /// Every request body received, in arrival order.
    pub fn bodies(&self) -> Vec<Value> {
        self.shared
            .bodies
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default()
    }

    /// Every `Authorization` header received (to check keys reach only the server).
    pub fn authorizations(&self) -> Vec<String> {
        self.shared
            .keys
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default()
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn pick_fault(shared: &Shared, n: u64) -> Option<Fault> {
    let c = &shared.config;
    if c.always.is_some() {
        return c.always;
    }
    if let Some(f) = c.script.get(n as usize) {
        return *f;
    }
    if c.fault_rate <= 0.0 || c.mix.is_empty() {
        return None;
    }
    let mut rng = shared.rng.lock().ok()?;
    if rng.random_bool(c.fault_rate.min(1.0)) {
        let i = rng.random_range(0..c.mix.len());
        Some(c.mix[i])
    } else {
        None
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": "stub_error", "code": null}})),
    )
        .into_response()
}

/// The response a fault replaces the answer with; `None` for faults that still answer.
fn fault_response(fault: Fault, body: &Value) -> Option<Response> {
    let response = match fault {
        Fault::RateLimited { retry_after_secs } => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate limited");
            if let Ok(v) = retry_after_secs.to_string().parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::ServerError(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, "stub server error")
        }
        Fault::Unauthorized => error(StatusCode::UNAUTHORIZED, "Incorrect API key provided."),
        Fault::NotFound => {
            let model = body.get("model").and_then(Value::as_str).unwrap_or("?");
            error(
                StatusCode::NOT_FOUND,
                &format!("The model `{model}` does not exist"),
            )
        }
        Fault::MalformedBody => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"choices\": [",
        )
            .into_response(),
        Fault::EmptyChoices => {
            Json(json!({"id": "stub", "object": "chat.completion", "choices": []})).into_response()
        }
        Fault::Reset => {
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok("{\"id\": \"stub\", "),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "reset",
                )),
            ];
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(futures::stream::iter(chunks)),
            )
                .into_response()
        }
        Fault::Slow(_) | Fault::Length => return None,
    };
    Some(response)
}

/// The heuristic's answer to the request's messages (cut short for [`Fault::Length`]).
fn answer(n: u64, body: &Value, truncated: bool) -> Response {
    let messages: Vec<ChatMessage> = body
        .get("messages")
        .cloned()
        .and_then(|m| serde_json::from_value(m).ok())
        .unwrap_or_default();
    let mut text = BuiltinPolicy::Heuristic.complete(&messages).text;
    let mut finish = "stop";
    if truncated {
        text.truncate(text.len() / 2);
        finish = "length";
    }
    let prompt_chars: usize = messages.iter().map(|m| m.content.len()).sum();
    Json(json!({
        "id": format!("stub-{n}"),
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model").cloned().unwrap_or(Value::Null),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_chars / 4, "completion_tokens": text.len() / 4, "total_tokens": prompt_chars / 4 + text.len() / 4}
    }))
    .into_response()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let n = shared.served.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut b) = shared.bodies.lock() {
        b.push(body.clone());
    }
    if let (Ok(mut k), Some(a)) = (
        shared.keys.lock(),
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    ) {
        k.push(a.to_string());
    }
    if shared.config.reject_json_schema
        && body
            .pointer("/response_format/type")
            .and_then(Value::as_str)
            == Some("json_schema")
    {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "response_format json_schema is not supported",
        );
    }
    let fault = pick_fault(&shared, n);
    let delay = match fault {
        Some(Fault::Slow(d)) => d,
        _ => shared.config.delay,
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(response) = fault.and_then(|f| fault_response(f, &body)) {
        return response;
    }
    if let Some(calls) = scripted_calls(shared.config.tools, &body) {
        return tool_call_response(n, calls, shared.config.tools);
    }
    answer(n, &body, fault == Some(Fault::Length))
}

/// The tool calls the script makes on this turn, or `None` to answer.
fn scripted_calls(script: ToolScript, body: &Value) -> Option<Vec<(String, String)>> {
    body.get("tools")?;
    let messages = body.get("messages").and_then(Value::as_array)?;
    let looked = messages
        .iter()
        .any(|m| m.get("role").and_then(Value::as_str) == Some("tool"));
    let user = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .and_then(|m| m.get("content").and_then(Value::as_str))
        .unwrap_or("");
    let host = user
        .split_whitespace()
        .find_map(|t| t.strip_prefix("id.orig_h="))
        .unwrap_or("0.0.0.0");
    let call = |name: &str, args: Value| (name.to_string(), args.to_string());
    match script {
        ToolScript::Answer => None,
        ToolScript::LookThenAnswer if !looked => Some(vec![
            call(
                "flows_for_host",
                json!({"host": host, "before_s": 30, "limit": 3}),
            ),
            call("host_summary", json!({"host": host, "window_s": 120})),
        ]),
        ToolScript::BadCalls if !looked => Some(vec![
            call("drop_table", json!({"table": "flows"})),
            ("flows_to_port".to_string(), "{\"port\": ".to_string()),
        ]),
        ToolScript::Endless | ToolScript::EndlessWithAnswerText => {
            Some(vec![call("flows_to_port", json!({"port": 23}))])
        }
        _ => None,
    }
}

fn tool_call_response(n: u64, calls: Vec<(String, String)>, script: ToolScript) -> Response {
    let content = match script {
        ToolScript::EndlessWithAnswerText => Value::from(ANSWER_BESIDE_CALLS),
        _ => Value::Null,
    };
    let calls: Vec<Value> = calls
        .into_iter()
        .enumerate()
        .map(|(i, (name, arguments))| {
            json!({"id": format!("call_{n}_{i}"), "type": "function", "function": {"name": name, "arguments": arguments}})
        })
        .collect();
    Json(json!({
        "id": format!("stub-{n}"),
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "tool_calls": calls}, "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))
    .into_response()
}
