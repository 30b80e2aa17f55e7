//! The three tools: their OpenAI definitions, their arguments, and their answers, computed
//! the same way over any [`FlowStore`] (the in-memory table or the on-disk index).

use std::collections::HashSet;
use std::sync::Arc;

use netlogs_data::{Field, LabeledFlow};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// The version of the tools' answers, recorded by every lookup run (`lookup_tools` in its
/// settings) and bumped whenever an answer changes meaning, so a run says which tools answered
/// it. 1: `host_summary` counted a host that only received as its own destination. 2: its
/// destinations and ports are those the host reached as originator; unknown argument keys are
/// refused.
pub const TOOLS_VERSION: u32 = 2;

/// The tools offered, as an OpenAI `tools` array.
pub fn tool_definitions() -> Box<RawValue> {
    let window = |what: &str| {
        json!({
            "before_s": {"type": "number", "description": format!("seconds before the flow to include {what} (default 60, at most 3600)")},
            "after_s": {"type": "number", "description": "seconds after the flow to include (default 0, at most 3600)"},
            "limit": {"type": "integer", "description": "flows to return, nearest in time first (default 20, at most 100)"}
        })
    };
    let with = |mut props: Value, key: &str, spec: Value| {
        props[key] = spec;
        props
    };
    let tools = json!([
        {"type": "function", "function": {
            "name": "flows_for_host",
            "description": "Flows of one host (as originator or responder) around the flow being judged, in the same capture.",
            "parameters": {"type": "object", "required": ["host"],
                "properties": with(window("flows of the host"), "host", json!({"type": "string", "description": "an IP address"}))}
        }},
        {"type": "function", "function": {
            "name": "flows_to_port",
            "description": "Flows to one destination port around the flow being judged, in the same capture.",
            "parameters": {"type": "object", "required": ["port"],
                "properties": with(window("flows to the port"), "port", json!({"type": "integer", "description": "a destination port (0 to 65535)"}))}
        }},
        {"type": "function", "function": {
            "name": "host_summary",
            "description": "What one host did in the window before the flow: flows, distinct destinations and ports, connection rate, share of unanswered (S0/REJ) connections, bytes.",
            "parameters": {"type": "object", "required": ["host"], "properties": {
                "host": {"type": "string", "description": "an IP address"},
                "window_s": {"type": "number", "description": "seconds before the flow (default 300, at most 86400)"}
            }}
        }}
    ]);
    // A literal of strings and numbers serialises without fail.
    serde_json::value::to_raw_value(&tools).unwrap_or_default()
}

/// The flow being judged: where its tools look.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub capture: Option<Arc<str>>,
    pub ts: f64,
}

/// Why a flow cannot anchor the tools: the one check every caller (eval, Python, the trainer
/// adapters) makes before a lookup rollout.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnchorError {
    #[error("lookup needs the flow's time (`ts`, info['ts']) and this flow has none: load raw flows, not a built dataset without it")]
    NoTime,
    #[error("lookup needs a finite flow time (`ts`, info['ts']), got {0}")]
    NotFinite(f64),
}

impl Anchor {
    /// The anchor at `ts` in `capture`, when `ts` is a finite time.
    pub fn at(ts: Option<f64>, capture: Option<Arc<str>>) -> Result<Anchor, AnchorError> {
        match ts {
            None => Err(AnchorError::NoTime),
            Some(t) if !t.is_finite() => Err(AnchorError::NotFinite(t)),
            Some(ts) => Ok(Anchor { capture, ts }),
        }
    }

    /// A flow's anchor: its time and capture.
    pub fn of(flow: &LabeledFlow) -> Result<Anchor, AnchorError> {
        Anchor::at(flow.record.ts, flow.provenance.capture.clone())
    }
}

/// The fields a tool shows of a flow, in the order it shows them.
pub const SHOWN: [Field; 11] = [
    Field::OrigH,
    Field::OrigP,
    Field::RespH,
    Field::RespP,
    Field::Proto,
    Field::Service,
    Field::ConnState,
    Field::Duration,
    Field::OrigBytes,
    Field::RespBytes,
    Field::History,
];

/// A flow as the tools read it: its time and the [`SHOWN`] fields as text.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolFlow {
    pub ts: f64,
    pub fields: [Option<String>; 11],
}

impl ToolFlow {
    pub fn of(flow: &LabeledFlow) -> Option<ToolFlow> {
        Some(ToolFlow {
            ts: flow.record.ts?,
            fields: SHOWN.map(|f| flow.record.get(f)),
        })
    }

    pub fn get(&self, f: Field) -> Option<&str> {
        let i = SHOWN.iter().position(|s| *s == f)?;
        self.fields[i].as_deref()
    }
}

/// What a tool looks flows up by.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    /// Flows with the host at either end (once each).
    Host(&'a str),
    /// Flows to the destination port.
    Port(u32),
}

/// What `host_summary` counts over a host's flows in a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostCounts {
    pub flows: usize,
    /// Distinct responders and destination ports of the flows the host originated.
    pub destinations: usize,
    pub ports: usize,
    /// Flows in state S0 or REJ.
    pub unanswered: usize,
    pub orig_bytes: u64,
    pub resp_bytes: u64,
}

/// A window's flows as a listing shows them: how many there are, and the `limit` nearest in
/// time to `t` (ties by time, then source order), in that order.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub total: usize,
    pub nearest: Vec<ToolFlow>,
}

/// Where a tool's window is: the capture, the key, `lo <= ts <= hi`.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub capture: Option<&'a str>,
    pub key: Key<'a>,
    pub lo: f64,
    pub hi: f64,
}

/// Flows by key, time and capture: what the tools read.
pub trait FlowStore {
    /// The flows of a window, by time (ties in source order).
    fn window(&self, w: Window) -> Result<Vec<ToolFlow>, String>;

    /// How many flows the window holds, and the `limit` nearest to `t`.
    fn listing(&self, w: Window, t: f64, limit: usize) -> Result<Listing, String> {
        let mut rows = self.window(w)?;
        let total = rows.len();
        // Stable: ties in |dt| keep time, then source order.
        rows.sort_by(|a, b| (a.ts - t).abs().total_cmp(&(b.ts - t).abs()));
        rows.truncate(limit);
        Ok(Listing {
            total,
            nearest: rows,
        })
    }

    /// `host_summary`'s counts over a window of a host's flows.
    fn host_counts(&self, w: Window) -> Result<HostCounts, String> {
        let rows = self.window(w)?;
        let (mut dsts, mut ports) = (HashSet::new(), HashSet::new());
        let mut c = HostCounts {
            flows: rows.len(),
            ..HostCounts::default()
        };
        let count = |f: &ToolFlow, field| f.get(field).and_then(|v| v.parse::<u64>().ok());
        let originates = |f: &ToolFlow| match w.key {
            Key::Host(h) => f.get(Field::OrigH) == Some(h),
            Key::Port(_) => true,
        };
        for f in &rows {
            if originates(f) {
                dsts.extend(f.get(Field::RespH));
                ports.extend(f.get(Field::RespP));
            }
            c.unanswered += usize::from(matches!(f.get(Field::ConnState), Some("S0" | "REJ")));
            c.orig_bytes = c
                .orig_bytes
                .saturating_add(count(f, Field::OrigBytes).unwrap_or(0));
            c.resp_bytes = c
                .resp_bytes
                .saturating_add(count(f, Field::RespBytes).unwrap_or(0));
        }
        c.destinations = dsts.len();
        c.ports = ports.len();
        Ok(c)
    }
}

/// `flows_for_host`'s arguments. Unknown keys are refused, naming the key, so a model's typo
/// (`hosts`, `before`) is an error it can correct rather than a default it never asked for.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HostArgs {
    host: Option<String>,
    before_s: Option<f64>,
    after_s: Option<f64>,
    limit: Option<usize>,
}

/// `flows_to_port`'s arguments.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PortArgs {
    port: Option<u32>,
    before_s: Option<f64>,
    after_s: Option<f64>,
    limit: Option<usize>,
}

/// `host_summary`'s arguments.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryArgs {
    host: Option<String>,
    window_s: Option<f64>,
}

/// A listing's window and size, as both listing tools take them.
struct Span {
    before_s: Option<f64>,
    after_s: Option<f64>,
    limit: Option<usize>,
}

/// A tool's arguments read from the model's JSON text (empty text is no arguments).
fn args<T: serde::de::DeserializeOwned>(name: &str, arguments: &str) -> Result<T, String> {
    let text = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    if !text.trim_start().starts_with('{') {
        // serde would read a JSON array as the fields in order: a model names its arguments.
        return Err(match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => format!(
                "arguments for {name} must be a JSON object of named arguments, not {}",
                json_kind(&v)
            ),
            Err(e) => format!("arguments are not a valid JSON object for {name}: {e}"),
        });
    }
    serde_json::from_str(text).map_err(|e| match e.classify() {
        // JSON of the wrong shape: an unknown key (named), a missing or mistyped value.
        serde_json::error::Category::Data => format!("arguments for {name}: {e}"),
        _ => format!("arguments are not a valid JSON object for {name}: {e}"),
    })
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A tool's bounded, finite number argument.
fn seconds(v: Option<f64>, default: f64, max: f64) -> Result<f64, String> {
    match v {
        None => Ok(default),
        Some(s) if s.is_finite() && s >= 0.0 => Ok(s.min(max)),
        Some(s) => Err(format!(
            "a non-negative number of seconds is needed, got {s}"
        )),
    }
}

/// Run one tool call against `store`; the text is what the model reads back (a JSON object,
/// or an error message it can correct).
pub fn call(store: &dyn FlowStore, at: &Anchor, name: &str, arguments: &str) -> String {
    let result = match name {
        "flows_for_host" => args(name, arguments).and_then(|a| flows_for_host(store, at, a)),
        "flows_to_port" => args(name, arguments).and_then(|a| flows_to_port(store, at, a)),
        "host_summary" => args(name, arguments).and_then(|a| host_summary(store, at, a)),
        other => Err(format!(
            "unknown tool `{other}`: the tools are flows_for_host, flows_to_port and host_summary"
        )),
    };
    match result {
        Ok(v) => v.to_string(),
        Err(message) => json!({"error": message}).to_string(),
    }
}

fn listing(store: &dyn FlowStore, at: &Anchor, span: Span, key: Key) -> Result<Value, String> {
    let before = seconds(span.before_s, 60.0, 3600.0)?;
    let after = seconds(span.after_s, 0.0, 3600.0)?;
    let limit = span.limit.unwrap_or(20).clamp(1, 100);
    let window = Window {
        capture: at.capture.as_deref(),
        key,
        lo: at.ts - before,
        hi: at.ts + after,
    };
    // Nearest in time first when cut, then shown in time order (a stable sort).
    let Listing { total, mut nearest } = store.listing(window, at.ts, limit)?;
    nearest.sort_by(|a, b| a.ts.total_cmp(&b.ts));
    let flows: Vec<Value> = nearest.iter().map(|f| describe(f, at.ts)).collect();
    Ok(json!({"window_s": [-before, after], "total": total, "shown": flows.len(), "flows": flows}))
}

fn flows_for_host(store: &dyn FlowStore, at: &Anchor, a: HostArgs) -> Result<Value, String> {
    let host = a.host.as_deref().ok_or("flows_for_host needs `host`")?;
    let span = Span {
        before_s: a.before_s,
        after_s: a.after_s,
        limit: a.limit,
    };
    let mut out = listing(store, at, span, Key::Host(host))?;
    out["host"] = json!(host);
    Ok(out)
}

fn flows_to_port(store: &dyn FlowStore, at: &Anchor, a: PortArgs) -> Result<Value, String> {
    let port = a.port.ok_or("flows_to_port needs `port` (0..=65535)")?;
    let span = Span {
        before_s: a.before_s,
        after_s: a.after_s,
        limit: a.limit,
    };
    let mut out = listing(store, at, span, Key::Port(port))?;
    out["port"] = json!(port);
    Ok(out)
}

/// A host's activity before the flow. Destinations and ports are those the host reached as
/// originator: a host that only receives has none (it is never its own destination).
fn host_summary(store: &dyn FlowStore, at: &Anchor, a: SummaryArgs) -> Result<Value, String> {
    let host = a.host.as_deref().ok_or("host_summary needs `host`")?;
    let window = seconds(a.window_s, 300.0, 86_400.0)?;
    let c = store.host_counts(Window {
        capture: at.capture.as_deref(),
        key: Key::Host(host),
        lo: at.ts - window,
        hi: at.ts,
    })?;
    let n = c.flows;
    let share = (n > 0).then(|| c.unanswered as f64 / n as f64);
    Ok(json!({
        "host": host,
        "window_s": window,
        "flows": n,
        "distinct_destinations": c.destinations,
        "distinct_ports": c.ports,
        "flows_per_s": n as f64 / window.max(1e-9),
        "s0_rej_share": share,
        "orig_bytes": c.orig_bytes,
        "resp_bytes": c.resp_bytes,
    }))
}

/// A flow as the tools show it: time relative to the judged flow and conn fields.
fn describe(f: &ToolFlow, t: f64) -> Value {
    let mut v = json!({"dt": ((f.ts - t) * 1000.0).round() / 1000.0});
    for (field, x) in SHOWN.iter().zip(&f.fields) {
        if let Some(x) = x {
            // Counts and ports as numbers, the duration as a number, the rest as text.
            v[field.name()] = match (x.parse::<u64>(), x.parse::<f64>()) {
                (Ok(n), _) => json!(n),
                (_, Ok(d)) if *field == Field::Duration => json!(d),
                _ => json!(x),
            };
        }
    }
    v
}
