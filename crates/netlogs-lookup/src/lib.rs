//! netlogs-lookup: the tools of the multi-turn lookup mode, where the model may ask for more
//! of the log before it answers. The tools answer from the same data the flow was drawn from
//! (and from its capture, when one is known), deterministically, with flow fields only: never
//! a label, a family or a capture. The CLI, `netlogs.LookupTools` and the trainer adapters
//! all answer through this crate.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use compact_str::CompactString;
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
                "properties": with(window("flows to the port"), "port", json!({"type": "integer"}))}
        }},
        {"type": "function", "function": {
            "name": "host_summary",
            "description": "What one host did in the window before the flow: flows, distinct destinations and ports, connection rate, share of unanswered (S0/REJ) connections, bytes.",
            "parameters": {"type": "object", "required": ["host"], "properties": {
                "host": {"type": "string"},
                "window_s": {"type": "number", "description": "seconds before the flow (default 300, at most 86400)"}
            }}
        }}
    ]);
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

type ByKey<K> = HashMap<(Option<Arc<str>>, K), Vec<usize>>;

/// The data the tools read, indexed by host and by destination port (each list by time).
pub struct FlowTable {
    flows: Vec<LabeledFlow>,
    by_host: ByKey<CompactString>,
    by_port: ByKey<u32>,
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

impl FlowTable {
    /// Index `flows` (rows without a timestamp are left out: no window holds them).
    pub fn new(flows: Vec<LabeledFlow>) -> FlowTable {
        let mut by_host: ByKey<CompactString> = HashMap::new();
        let mut by_port: ByKey<u32> = HashMap::new();
        for (i, f) in flows.iter().enumerate() {
            if f.record.ts.is_none() {
                continue;
            }
            let capture = &f.provenance.capture;
            let hosts: HashSet<&CompactString> = [&f.record.orig_h, &f.record.resp_h]
                .into_iter()
                .flatten()
                .collect();
            for h in hosts {
                by_host
                    .entry((capture.clone(), h.clone()))
                    .or_default()
                    .push(i);
            }
            if let Some(p) = f.record.resp_p {
                by_port.entry((capture.clone(), p)).or_default().push(i);
            }
        }
        let ts = |i: &usize| flows[*i].record.ts.unwrap_or(0.0);
        for v in by_host.values_mut().chain(by_port.values_mut()) {
            v.sort_by(|a, b| ts(a).total_cmp(&ts(b)));
        }
        FlowTable {
            flows,
            by_host,
            by_port,
        }
    }

    /// Run one tool call; the text is what the model reads back (a JSON object, or an error
    /// message it can correct).
    pub fn call(&self, at: &Anchor, name: &str, arguments: &str) -> String {
        let result = serde_json::from_str::<WindowArgs>(if arguments.trim().is_empty() {
            "{}"
        } else {
            arguments
        })
        .map_err(|e| format!("arguments are not a valid JSON object for {name}: {e}"))
        .and_then(|args| match name {
            "flows_for_host" => self.flows_for_host(at, &args),
            "flows_to_port" => self.flows_to_port(at, &args),
            "host_summary" => self.host_summary(at, &args),
            other => Err(format!(
                "unknown tool `{other}`: the tools are flows_for_host, flows_to_port and host_summary"
            )),
        });
        match result {
            Ok(v) => v.to_string(),
            Err(message) => json!({"error": message}).to_string(),
        }
    }

    fn window_of(&self, list: Option<&Vec<usize>>, lo: f64, hi: f64) -> Vec<usize> {
        let Some(list) = list else { return Vec::new() };
        let ts = |i: usize| self.flows[i].record.ts.unwrap_or(0.0);
        let from = list.partition_point(|&i| ts(i) < lo);
        let to = list.partition_point(|&i| ts(i) <= hi);
        list[from..to].to_vec()
    }

    fn listing(
        &self,
        at: &Anchor,
        args: &WindowArgs,
        list: Option<&Vec<usize>>,
    ) -> Result<Value, String> {
        let before = seconds(args.before_s, 60.0, 3600.0)?;
        let after = seconds(args.after_s, 0.0, 3600.0)?;
        let limit = args.limit.unwrap_or(20).clamp(1, 100);
        let mut rows = self.window_of(list, at.ts - before, at.ts + after);
        let total = rows.len();
        // Nearest in time first when cut, then shown in time order.
        let ts = |i: usize| self.flows[i].record.ts.unwrap_or(0.0);
        rows.sort_by(|&a, &b| (ts(a) - at.ts).abs().total_cmp(&(ts(b) - at.ts).abs()));
        rows.truncate(limit);
        rows.sort_by(|&a, &b| ts(a).total_cmp(&ts(b)));
        let flows: Vec<Value> = rows.iter().map(|&i| self.describe(i, at.ts)).collect();
        Ok(
            json!({"window_s": [-before, after], "total": total, "shown": flows.len(), "flows": flows}),
        )
    }

    fn flows_for_host(&self, at: &Anchor, args: &WindowArgs) -> Result<Value, String> {
        let host = args.host.as_deref().ok_or("flows_for_host needs `host`")?;
        let list = self
            .by_host
            .get(&(at.capture.clone(), CompactString::from(host)));
        let mut out = self.listing(at, args, list)?;
        out["host"] = json!(host);
        Ok(out)
    }

    fn flows_to_port(&self, at: &Anchor, args: &WindowArgs) -> Result<Value, String> {
        let port = args.port.ok_or("flows_to_port needs `port` (0..=65535)")?;
        let list = self.by_port.get(&(at.capture.clone(), port));
        let mut out = self.listing(at, args, list)?;
        out["port"] = json!(port);
        Ok(out)
    }

    fn host_summary(&self, at: &Anchor, args: &WindowArgs) -> Result<Value, String> {
        let host = args.host.as_deref().ok_or("host_summary needs `host`")?;
        let window = seconds(args.window_s, 300.0, 86_400.0)?;
        let list = self
            .by_host
            .get(&(at.capture.clone(), CompactString::from(host)));
        let rows = self.window_of(list, at.ts - window, at.ts);
        let (mut dsts, mut ports) = (HashSet::new(), HashSet::new());
        let (mut unanswered, mut orig_bytes, mut resp_bytes) = (0usize, 0u64, 0u64);
        for &i in &rows {
            let r = &self.flows[i].record;
            dsts.extend(r.resp_h.as_deref());
            ports.extend(r.resp_p);
            unanswered += usize::from(matches!(r.conn_state.as_deref(), Some("S0" | "REJ")));
            orig_bytes += r.orig_bytes.unwrap_or(0);
            resp_bytes += r.resp_bytes.unwrap_or(0);
        }
        let n = rows.len();
        let share = (n > 0).then(|| unanswered as f64 / n as f64);
        Ok(json!({
            "host": host,
            "window_s": window,
            "flows": n,
            "distinct_destinations": dsts.len(),
            "distinct_ports": ports.len(),
            "flows_per_s": n as f64 / window.max(1e-9),
            "s0_rej_share": share,
            "orig_bytes": orig_bytes,
            "resp_bytes": resp_bytes,
        }))
    }

    /// A flow as the tools show it: time relative to the judged flow and conn fields.
    fn describe(&self, i: usize, t: f64) -> Value {
        let r = &self.flows[i].record;
        let mut v = json!({"dt": ((r.ts.unwrap_or(t) - t) * 1000.0).round() / 1000.0});
        for f in [
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
        ] {
            if let Some(x) = r.get(f) {
                // Counts and ports as numbers, the duration as a number, the rest as text.
                v[f.name()] = match (x.parse::<u64>(), x.parse::<f64>()) {
                    (Ok(n), _) => json!(n),
                    (_, Ok(d)) if f == Field::Duration => json!(d),
                    _ => json!(x),
                };
            }
        }
        v
    }
}
