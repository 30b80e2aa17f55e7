//! The three tools: their OpenAI definitions, their arguments, and their answers, computed
//! the same way over any [`FlowStore`] (the in-memory table or the on-disk index).

use std::collections::HashSet;
use std::sync::Arc;

use netlogs_data::{Field, LabeledFlow};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

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

impl Anchor {
    /// `None` for a flow without a timestamp (the tools need one).
    pub fn of(flow: &LabeledFlow) -> Option<Anchor> {
        Some(Anchor {
            capture: flow.provenance.capture.clone(),
            ts: flow.record.ts?,
        })
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
    /// Distinct responders and distinct destination ports.
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
        for f in &rows {
            dsts.extend(f.get(Field::RespH));
            ports.extend(f.get(Field::RespP));
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

#[derive(Deserialize)]
struct WindowArgs {
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    port: Option<u32>,
    #[serde(default)]
    before_s: Option<f64>,
    #[serde(default)]
    after_s: Option<f64>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    window_s: Option<f64>,
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
    let result = serde_json::from_str::<WindowArgs>(if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    })
    .map_err(|e| format!("arguments are not a valid JSON object for {name}: {e}"))
    .and_then(|args| match name {
        "flows_for_host" => flows_for_host(store, at, &args),
        "flows_to_port" => flows_to_port(store, at, &args),
        "host_summary" => host_summary(store, at, &args),
        other => Err(format!(
            "unknown tool `{other}`: the tools are flows_for_host, flows_to_port and host_summary"
        )),
    });
    match result {
        Ok(v) => v.to_string(),
        Err(message) => json!({"error": message}).to_string(),
    }
}

fn listing(
    store: &dyn FlowStore,
    at: &Anchor,
    args: &WindowArgs,
    key: Key,
) -> Result<Value, String> {
    let before = seconds(args.before_s, 60.0, 3600.0)?;
    let after = seconds(args.after_s, 0.0, 3600.0)?;
    let limit = args.limit.unwrap_or(20).clamp(1, 100);
    let window = Window {
        capture: at.capture.as_deref(),
        key,
        lo: at.ts - before,
        hi: at.ts + after,
    };
    // Nearest in time first when cut, then shown in time order (a stable sort).
    let Listing { total, mut nearest } = store.listing(window, at.ts, limit)?;
    nearest.sort_by(|a, b| a.ts.total_cmp(&b.ts));
    let rows = nearest;
    let flows: Vec<Value> = rows.iter().map(|f| describe(f, at.ts)).collect();
    Ok(json!({"window_s": [-before, after], "total": total, "shown": flows.len(), "flows": flows}))
}

fn flows_for_host(store: &dyn FlowStore, at: &Anchor, args: &WindowArgs) -> Result<Value, String> {
    let host = args.host.as_deref().ok_or("flows_for_host needs `host`")?;
    let mut out = listing(store, at, args, Key::Host(host))?;
    out["host"] = json!(host);
    Ok(out)
}

fn flows_to_port(store: &dyn FlowStore, at: &Anchor, args: &WindowArgs) -> Result<Value, String> {
    let port = args.port.ok_or("flows_to_port needs `port` (0..=65535)")?;
    let mut out = listing(store, at, args, Key::Port(port))?;
    out["port"] = json!(port);
    Ok(out)
}

fn host_summary(store: &dyn FlowStore, at: &Anchor, args: &WindowArgs) -> Result<Value, String> {
    let host = args.host.as_deref().ok_or("host_summary needs `host`")?;
    let window = seconds(args.window_s, 300.0, 86_400.0)?;
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
