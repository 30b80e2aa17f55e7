//! OTLP traces of `netlogs eval`, sent to a loopback OTLP/HTTP receiver that decodes the
//! protobuf: one span per rollout with GenAI and netlogs attributes, a child span per tool
//! call in lookup mode, headers and resource attributes from the environment, content only
//! when asked, the header's key in no span, and a run that finishes whole when nothing listens.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use common::{rows, run_dir};
use netlogs_eval::stub::{StubConfig, StubServer, ToolScript};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

const KEY: &str = "wandb-key-KEYCHECK-123";

/// One request the receiver got: its path, headers and decoded body.
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: ExportTraceServiceRequest,
}

/// An OTLP/HTTP receiver on 127.0.0.1 (HTTP/1.1, keep-alive, protobuf bodies).
struct Receiver {
    addr: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = sink.clone();
                std::thread::spawn(move || serve(stream, &sink));
            }
        });
        Receiver { addr, got }
    }

    fn spans(&self) -> Vec<(Vec<KeyValue>, Span)> {
        let got = self.got.lock().expect("lock");
        got.iter()
            .flat_map(|r| r.body.resource_spans.iter())
            .flat_map(|rs| {
                let resource = rs
                    .resource
                    .as_ref()
                    .map(|r| r.attributes.clone())
                    .unwrap_or_default();
                rs.scope_spans
                    .iter()
                    .flat_map(|ss| ss.spans.iter())
                    .map(move |s| (resource.clone(), s.clone()))
            })
            .collect()
    }
}

fn serve(stream: TcpStream, sink: &Mutex<Vec<Received>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_string();
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let decoded = ExportTraceServiceRequest::decode(body.as_slice()).expect("OTLP protobuf");
        sink.lock().expect("lock").push(Received {
            path,
            headers,
            body: decoded,
        });
        let _ = out.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n",
        );
    }
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

fn text(attrs: &[KeyValue], key: &str) -> Option<String> {
    match attr(attrs, key)? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

fn number(attrs: &[KeyValue], key: &str) -> Option<f64> {
    match attr(attrs, key)? {
        any_value::Value::DoubleValue(x) => Some(*x),
        any_value::Value::IntValue(i) => Some(*i as f64),
        _ => None,
    }
}

/// Every string anywhere in a span's attributes.
fn strings(attrs: &[KeyValue]) -> Vec<String> {
    attrs
        .iter()
        .filter_map(|kv| kv.value.as_ref().and_then(|v| v.value.as_ref()))
        .map(|v| format!("{v:?}"))
        .collect()
}

fn netlogs(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("netlogs").expect("binary");
    c.current_dir(dir)
        .env("OPENAI_API_KEY", "sk-test")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env("OTEL_EXPORTER_OTLP_HEADERS", format!("wandb-api-key={KEY}"))
        .env(
            "OTEL_RESOURCE_ATTRIBUTES",
            "wandb.entity=netlogs-team,wandb.project=ids",
        );
    c
}

/// `eval` of 6 bundled examples × 2 rollouts (12 spans) traced to `endpoint`: its stderr.
fn traced_builtin_eval(dir: &Path, endpoint: &str) -> String {
    let out = netlogs(dir)
        .args([
            "eval",
            "-n",
            "6",
            "-r",
            "2",
            "-s",
            "runs",
            "--otlp-endpoint",
            endpoint,
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn one_span_per_rollout_with_genai_and_netlogs_attributes() {
    let rx = Receiver::start();
    let tmp = tempfile::tempdir().expect("tmp");
    let endpoint = format!("http://{}/v1/traces", rx.addr);
    let stderr = traced_builtin_eval(tmp.path(), &endpoint);
    assert!(!stderr.contains("traces:"), "every span arrived: {stderr}");
    let dir = run_dir(&tmp.path().join("runs"));
    let rows = rows(&dir);
    let spans = rx.spans();
    assert_eq!(spans.len(), rows.len(), "one span per rollout");
    assert_eq!(rows.len(), 12);
    {
        let got = rx.got.lock().expect("lock");
        assert!(got.iter().all(|r| r.path == "/v1/traces"));
        assert!(got
            .iter()
            .all(|r| r.headers.get("wandb-api-key").map(String::as_str) == Some(KEY)));
        assert!(got
            .iter()
            .all(|r| r.headers.get("content-type").map(String::as_str)
                == Some("application/x-protobuf")));
    }
    let reward_of: HashMap<(String, i64), f64> = rows
        .iter()
        .map(|r| {
            (
                (
                    r["example_id"].as_str().expect("id").to_string(),
                    r["rollout"].as_i64().expect("rollout"),
                ),
                r["reward"].as_f64().expect("reward"),
            )
        })
        .collect();
    for (resource, span) in &spans {
        let a = &span.attributes;
        assert_eq!(
            text(resource, "wandb.entity").as_deref(),
            Some("netlogs-team")
        );
        assert_eq!(text(resource, "wandb.project").as_deref(), Some("ids"));
        assert_eq!(text(resource, "service.name").as_deref(), Some("netlogs"));
        assert_eq!(text(a, "gen_ai.operation.name").as_deref(), Some("chat"));
        assert_eq!(
            text(a, "gen_ai.request.model").as_deref(),
            Some("builtin:heuristic")
        );
        assert_eq!(span.name, "chat builtin:heuristic");
        assert!(span.parent_span_id.is_empty(), "a rollout span is a root");
        assert!(
            span.end_time_unix_nano >= span.start_time_unix_nano && span.start_time_unix_nano > 0
        );
        let key = (
            text(a, "netlogs.example_id").expect("example id"),
            number(a, "netlogs.rollout").expect("rollout") as i64,
        );
        assert_eq!(
            number(a, "netlogs.reward"),
            reward_of.get(&key).copied(),
            "{key:?}"
        );
        for k in [
            "netlogs.components.accuracy",
            "netlogs.components.format",
            "netlogs.components.calibration",
            "netlogs.components.cost",
        ] {
            assert!(number(a, k).is_some(), "{k}");
        }
        assert!(text(a, "netlogs.outcome").is_some());
        assert!(text(a, "netlogs.capture").is_some());
        assert_eq!(
            text(a, "netlogs.run_id").as_deref(),
            dir.file_name().and_then(|n| n.to_str())
        );
        assert!(
            attr(a, "gen_ai.input.messages").is_none(),
            "no content without --otlp-content"
        );
        assert!(
            strings(a).iter().all(|s| !s.contains("KEYCHECK")),
            "the key is never in a span"
        );
    }
}

#[test]
fn lookup_tool_calls_are_child_spans_and_content_is_opt_in() {
    let rx = Receiver::start();
    let stub = StubServer::start(StubConfig {
        tools: ToolScript::LookThenAnswer,
        ..StubConfig::default()
    })
    .expect("stub");
    let tmp = tempfile::tempdir().expect("tmp");
    let endpoint = format!("http://{}", rx.addr);
    netlogs(tmp.path())
        // The standard variable: its base URL gets /v1/traces.
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
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
            "-n",
            "4",
            "-s",
            "runs",
            "--otlp-content",
        ])
        .assert()
        .success();
    let rows = rows(&run_dir(&tmp.path().join("runs")));
    let tool_messages: usize = rows
        .iter()
        .map(|r| {
            r["completion"]
                .as_array()
                .expect("turns")
                .iter()
                .filter(|m| m["role"] == "tool")
                .count()
        })
        .sum();
    assert!(
        tool_messages >= rows.len(),
        "the stub looks before it answers"
    );
    let spans = rx.spans();
    assert!(rx
        .got
        .lock()
        .expect("lock")
        .iter()
        .all(|r| r.path == "/v1/traces"));
    let (parents, children): (Vec<_>, Vec<_>) = spans
        .iter()
        .map(|(_, s)| s)
        .partition(|s| s.parent_span_id.is_empty());
    assert_eq!(parents.len(), rows.len());
    assert_eq!(
        children.len(),
        tool_messages,
        "one child span per tool call"
    );
    for child in &children {
        let parent = parents
            .iter()
            .find(|p| p.span_id == child.parent_span_id)
            .expect("the child's parent is a rollout span");
        assert_eq!(parent.trace_id, child.trace_id);
        assert!(child.start_time_unix_nano >= parent.start_time_unix_nano);
        assert!(child.end_time_unix_nano <= parent.end_time_unix_nano);
        let a = &child.attributes;
        assert_eq!(
            text(a, "gen_ai.operation.name").as_deref(),
            Some("execute_tool")
        );
        let tool = text(a, "gen_ai.tool.name").expect("tool name");
        assert_eq!(child.name, format!("execute_tool {tool}"));
        assert!(text(a, "gen_ai.tool.call.result").is_some_and(|r| r.starts_with('{')));
    }
    for parent in &parents {
        let a = &parent.attributes;
        assert_eq!(
            text(a, "gen_ai.request.model").as_deref(),
            Some("stub-model")
        );
        assert_eq!(text(a, "gen_ai.provider.name").as_deref(), Some("openai"));
        assert!(number(a, "gen_ai.usage.input_tokens").is_some_and(|n| n > 0.0));
        assert!(number(a, "gen_ai.usage.output_tokens").is_some());
        let input = text(a, "gen_ai.input.messages").expect("content on");
        assert!(input.contains("Zeek conn record"));
        assert!(text(a, "gen_ai.output.messages").is_some_and(|o| o.contains("tool_calls")));
        assert!(strings(a)
            .iter()
            .all(|s| !s.contains("KEYCHECK") && !s.contains("sk-test")));
    }
}

#[test]
fn a_run_finishes_whole_when_no_receiver_listens() {
    // A port nothing listens on: bind one, then let it go.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let tmp = tempfile::tempdir().expect("tmp");
    let endpoint = format!("http://127.0.0.1:{port}/v1/traces");
    let stderr = traced_builtin_eval(tmp.path(), &endpoint);
    assert!(
        stderr.contains(&format!("traces: 0 of 12 spans reached {endpoint}")),
        "{stderr}"
    );
    assert!(!stderr.contains("KEYCHECK"));
    let dir = run_dir(&tmp.path().join("runs"));
    assert_eq!(rows(&dir).len(), 12, "no row lost");
    let meta = common::read_json(&dir.join("metadata.json"));
    assert_eq!(meta["status"]["state"], "finished", "{}", meta["status"]);
    // Content without a destination is refused, not ignored.
    let (_, err) = common::fails(netlogs(tmp.path()).args(["eval", "-n", "2", "--otlp-content"]));
    assert!(err.contains("--otlp-endpoint"), "{err}");
}
