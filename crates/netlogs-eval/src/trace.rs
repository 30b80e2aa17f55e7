//! Traces of a run, to any OTLP/HTTP backend (W&B Weave, Jaeger, an OpenTelemetry
//! Collector): one span per rollout, with the OpenTelemetry GenAI semantic conventions
//! (`gen_ai.request.model`, `gen_ai.usage.input_tokens`, …) and netlogs' own attributes
//! (reward, components, outcome, capture, family), and in lookup mode one child span per tool
//! call. Spans go through a batch processor on its own thread, so a slow or absent receiver
//! never holds a row back; what could not be sent is counted and said in one note at the end.
//!
//! Headers (`OTEL_EXPORTER_OTLP_HEADERS`, where Weave takes `wandb-api-key`) and resource
//! attributes (`OTEL_RESOURCE_ATTRIBUTES`: `wandb.entity`, `wandb.project`) are read from the
//! environment by the exporter and the SDK; they never enter a span. Prompts and completions
//! enter spans only when [`TraceSettings::content`] says so.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use netlogs_rubric::{Gold, Score};
use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider, SpanData, SpanExporter,
};
use opentelemetry_sdk::Resource;
use serde_json::Value;

use crate::error::{EvalError, Result};

/// Where traces go and what they may carry. Not stored in the run: a resumed run may trace
/// elsewhere, or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceSettings {
    /// The traces URL as given (`--otlp-endpoint`, used as is); `None`: the exporter reads
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`.
    pub endpoint: Option<String>,
    /// Put prompts, completions, tool arguments and tool results into spans.
    pub content: bool,
}

impl TraceSettings {
    /// Tracing as the environment asks for it: on when an OTLP endpoint variable is set.
    pub fn from_env(content: bool) -> Option<TraceSettings> {
        let set = |v: &str| std::env::var(v).is_ok_and(|x| !x.trim().is_empty());
        (set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") || set("OTEL_EXPORTER_OTLP_ENDPOINT")).then_some(
            TraceSettings {
                endpoint: None,
                content,
            },
        )
    }
}

/// How the export went, counted by the exporter itself.
#[derive(Debug, Default)]
struct ExportStats {
    exported: AtomicU64,
    failed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// The OTLP exporter, counting what it sent and what it could not.
#[derive(Debug)]
struct Counted<E> {
    inner: E,
    stats: Arc<ExportStats>,
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len() as u64;
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => self.stats.exported.fetch_add(n, Ordering::Relaxed),
            Err(e) => {
                if let Ok(mut last) = self.stats.last_error.lock() {
                    *last = Some(e.to_string());
                }
                self.stats.failed.fetch_add(n, Ordering::Relaxed)
            }
        };
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// What every span of a run shares.
#[derive(Debug, Clone)]
pub struct TraceRun {
    /// Set once the run directory exists ([`RunTracer::set_run_id`]).
    pub run_id: String,
    pub model: String,
    /// `gen_ai.provider.name`: `openai` for an OpenAI-compatible server, `netlogs` for a
    /// builtin policy.
    pub provider: &'static str,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub mode: &'static str,
}

/// One tool call of a lookup rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCallSpan {
    pub id: String,
    pub name: String,
    pub arguments: String,
    pub result: String,
    pub start: SystemTime,
    pub end: SystemTime,
}

/// The tool calls of a conversation's turns (`tool` messages, each matched to the assistant
/// call it answers), with when each ran.
pub fn tool_call_spans(turns: &[Value], times: &[(SystemTime, SystemTime)]) -> Vec<ToolCallSpan> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let calls: Vec<&Value> = turns
        .iter()
        .filter_map(|m| m.get("tool_calls").and_then(Value::as_array))
        .flatten()
        .collect();
    turns
        .iter()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("tool"))
        .zip(times)
        .map(|(m, &(start, end))| {
            let id = text(m.get("tool_call_id"));
            let call = calls
                .iter()
                .find(|c| c.get("id").and_then(Value::as_str) == Some(id.as_str()));
            let function = call.and_then(|c| c.get("function"));
            ToolCallSpan {
                name: text(
                    m.get("name")
                        .or_else(|| function.and_then(|f| f.get("name"))),
                ),
                arguments: text(function.and_then(|f| f.get("arguments"))),
                result: text(m.get("content")),
                id,
                start,
                end,
            }
        })
        .collect()
}

/// One rollout, as its span describes it.
#[derive(Debug, Clone)]
pub struct RolloutSpan<'a> {
    pub example_id: &'a str,
    pub rollout: u32,
    pub gold: Gold,
    pub source: &'a str,
    pub capture: Option<&'a str>,
    pub family: Option<&'a str>,
    pub split: Option<&'a str>,
    pub start: SystemTime,
    pub end: SystemTime,
    /// The score, or the error the rollout failed with.
    pub outcome: std::result::Result<&'a Score, &'a str>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub finish_reason: Option<&'a str>,
    pub attempts: u32,
    pub cached: bool,
    /// The messages sent, as JSON (only with content on).
    pub input_messages: &'a str,
    /// The reply: the final text, or every message after the prompt in lookup mode (JSON).
    pub output_messages: Cow<'a, str>,
    pub tools: &'a [ToolCallSpan],
}

/// Spans of one run.
pub struct RunTracer {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    stats: Arc<ExportStats>,
    started: AtomicU64,
    run: TraceRun,
    content: bool,
    target: String,
}

/// The endpoint as a note may name it: no user info, no query.
fn shown_endpoint(endpoint: &str) -> String {
    let no_query = endpoint.split(['?', '#']).next().unwrap_or("");
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{rest}")
        }
        None => no_query.to_string(),
    }
}

fn kv(key: &'static str, value: impl Into<opentelemetry::Value>) -> KeyValue {
    KeyValue::new(key, value)
}

impl RunTracer {
    /// The exporter and its batch processor; an endpoint that is not a URL is an error now,
    /// a receiver that does not answer is a note at the end.
    pub fn open(settings: &TraceSettings, run: TraceRun) -> Result<RunTracer> {
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_timeout(Duration::from_secs(10));
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint.clone());
        }
        let exporter = builder
            .build()
            .map_err(|e| EvalError::invalid(format!("--otlp-endpoint: {e}")))?;
        let stats = Arc::new(ExportStats::default());
        let processor = BatchSpanProcessor::builder(Counted {
            inner: exporter,
            stats: stats.clone(),
        })
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(65_536)
                .with_scheduled_delay(Duration::from_millis(500))
                .build(),
        )
        .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_resource(Resource::builder().with_service_name("netlogs").build())
            .build();
        let tracer = provider.tracer("netlogs");
        let target = settings.endpoint.as_deref().map_or_else(
            || "the OTLP endpoint of OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT".to_string(),
            shown_endpoint,
        );
        Ok(RunTracer {
            provider,
            tracer,
            stats,
            started: AtomicU64::new(0),
            run,
            content: settings.content,
            target,
        })
    }

    pub fn set_run_id(&mut self, run_id: &str) {
        self.run.run_id = run_id.to_string();
    }

    fn rollout_attributes(&self, r: &RolloutSpan) -> Vec<KeyValue> {
        let run = &self.run;
        let mut a = vec![
            kv("gen_ai.operation.name", "chat"),
            kv("gen_ai.provider.name", run.provider),
            kv("gen_ai.request.model", run.model.clone()),
            kv("netlogs.run_id", run.run_id.clone()),
            kv("netlogs.mode", run.mode),
            kv("netlogs.example_id", r.example_id.to_string()),
            kv("netlogs.rollout", i64::from(r.rollout)),
            kv("netlogs.gold", r.gold.as_str()),
            kv("netlogs.source", r.source.to_string()),
            kv("netlogs.attempts", i64::from(r.attempts)),
            kv("netlogs.cached", r.cached),
        ];
        let optional = [
            ("netlogs.capture", r.capture),
            ("netlogs.family", r.family),
            ("netlogs.split", r.split),
        ];
        a.extend(
            optional
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| kv(k, v.to_string()))),
        );
        if let Some(t) = run.temperature {
            a.push(kv("gen_ai.request.temperature", t));
        }
        if let Some(m) = run.max_tokens {
            a.push(kv("gen_ai.request.max_tokens", i64::from(m)));
        }
        if let Some(n) = r.input_tokens {
            a.push(kv("gen_ai.usage.input_tokens", n as i64));
        }
        if let Some(n) = r.output_tokens {
            a.push(kv("gen_ai.usage.output_tokens", n as i64));
        }
        if let Some(f) = r.finish_reason {
            a.push(KeyValue::new(
                "gen_ai.response.finish_reasons",
                opentelemetry::Value::Array(
                    vec![opentelemetry::StringValue::from(f.to_string())].into(),
                ),
            ));
        }
        if let Ok(s) = r.outcome {
            let c = s.components;
            a.extend([
                kv("netlogs.reward", s.reward),
                kv("netlogs.outcome", s.outcome.as_str()),
                kv("netlogs.components.accuracy", c.accuracy),
                kv("netlogs.components.format", c.format),
                kv("netlogs.components.calibration", c.calibration),
                kv("netlogs.components.cost", c.cost),
            ]);
            if let Some(g) = c.grounding {
                a.push(kv("netlogs.components.grounding", g));
            }
            if let Some(l) = s.label {
                a.push(kv("netlogs.label", l.as_str()));
            }
            if let Some(conf) = s.confidence {
                a.push(kv("netlogs.confidence", conf));
            }
        }
        if self.content {
            a.push(kv("gen_ai.input.messages", r.input_messages.to_string()));
            a.push(kv("gen_ai.output.messages", r.output_messages.to_string()));
        }
        a
    }

    /// Export one rollout: its span, and a child span per tool call.
    pub fn rollout(&self, r: &RolloutSpan) {
        self.started
            .fetch_add(1 + r.tools.len() as u64, Ordering::Relaxed);
        let mut span = self
            .tracer
            .span_builder(format!("chat {}", self.run.model))
            .with_kind(SpanKind::Client)
            .with_start_time(r.start)
            .with_attributes(self.rollout_attributes(r))
            .start(&self.tracer);
        if let Err(message) = r.outcome {
            span.set_status(Status::error(message.to_string()));
        }
        let cx = Context::current_with_span(span);
        for t in r.tools {
            let mut attributes = vec![
                kv("gen_ai.operation.name", "execute_tool"),
                kv("gen_ai.tool.name", t.name.clone()),
                kv("gen_ai.tool.call.id", t.id.clone()),
                kv("gen_ai.tool.type", "function"),
            ];
            if self.content {
                attributes.push(kv("gen_ai.tool.call.arguments", t.arguments.clone()));
                attributes.push(kv("gen_ai.tool.call.result", t.result.clone()));
            }
            let mut child = self
                .tracer
                .span_builder(format!("execute_tool {}", t.name))
                .with_kind(SpanKind::Internal)
                .with_start_time(t.start)
                .with_attributes(attributes)
                .start_with_context(&self.tracer, &cx);
            child.end_with_timestamp(t.end);
        }
        cx.span().end_with_timestamp(r.end);
    }

    /// Send what is left and stop; a note when some spans did not reach the receiver.
    pub fn finish(&self) -> Option<String> {
        let shutdown = self.provider.shutdown();
        let started = self.started.load(Ordering::Relaxed);
        let exported = self.stats.exported.load(Ordering::Relaxed);
        if exported >= started {
            return None;
        }
        let why = self
            .stats
            .last_error
            .lock()
            .ok()
            .and_then(|e| e.clone())
            .or_else(|| shutdown.err().map(|e| e.to_string()))
            .unwrap_or_else(|| "dropped before they could be sent".into());
        Some(format!(
            "traces: {exported} of {started} spans reached {} ({why}); every row is in results.jsonl all the same",
            self.target
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_name_the_endpoint_without_credentials() {
        assert_eq!(
            shown_endpoint("https://user:pw@trace.example/otel/v1/traces?key=s"),
            "https://trace.example/otel/v1/traces"
        );
        assert_eq!(
            shown_endpoint("http://127.0.0.1:4318/v1/traces"),
            "http://127.0.0.1:4318/v1/traces"
        );
    }
}
