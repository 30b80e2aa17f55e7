//! Temporal context: under a flow, the flows of the same local host just before it. An analyst
//! judges a flow with the host's recent history beside it (fan-out, bursts of failed
//! connections, a beacon at a fixed period); one flow alone is often undecidable.
//!
//! Context comes only from the same capture (so, in a capture-disjoint build, the same split)
//! and the same local host, from the `window_s` seconds before the flow. It shows flow fields
//! only: never a context flow's label, family or capture.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use compact_str::CompactString;

use crate::capture::local_host;
use crate::error::DataError;
use crate::field::Field;
use crate::prompt::{render_prompt, Template, CONTEXT_HEADING};
use crate::record::LabeledFlow;

/// How much context: up to `k` flows from the `window_s` seconds before.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContextSpec {
    pub k: usize,
    pub window_s: f64,
}

/// The default window: one minute.
pub const DEFAULT_WINDOW_S: f64 = 60.0;

/// The fields a context line shows, after its time offset.
const LINE_FIELDS: [Field; 10] = [
    Field::Proto,
    Field::RespH,
    Field::RespP,
    Field::Service,
    Field::ConnState,
    Field::Duration,
    Field::OrigBytes,
    Field::RespBytes,
    Field::OrigPkts,
    Field::RespPkts,
];

/// Where context is looked for: one capture's one local host.
type HostKey = (Option<Arc<str>>, CompactString);

fn host_key(flow: &LabeledFlow) -> Option<(HostKey, f64)> {
    let host = local_host(flow)?.clone();
    Some(((flow.provenance.capture.clone(), host), flow.record.ts?))
}

fn no_context(flow: &LabeledFlow) -> DataError {
    DataError::Options(format!(
        "--context needs a timestamp and addresses on every flow, and {} has rows without them (the Hugging Face preprocessed set and partitioned UNSW-NB15 have none)",
        flow.provenance.file
    ))
}

/// Collects the context of a few flows (the targets) while every row streams past once.
pub struct ContextIndex {
    spec: ContextSpec,
    /// Per host, the targets' (time, index), sorted by time.
    targets: HashMap<HostKey, Vec<(f64, usize)>>,
    /// Per target, its latest context flows so far, oldest first.
    found: Vec<Vec<(f64, LabeledFlow)>>,
}

impl ContextIndex {
    /// An index for `targets`; each needs a timestamp and a local host.
    pub fn new(spec: ContextSpec, targets: &[LabeledFlow]) -> Result<ContextIndex, DataError> {
        let mut by_host: HashMap<HostKey, Vec<(f64, usize)>> = HashMap::new();
        for (i, t) in targets.iter().enumerate() {
            let (key, ts) = host_key(t).ok_or_else(|| no_context(t))?;
            by_host.entry(key).or_default().push((ts, i));
        }
        for v in by_host.values_mut() {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Ok(ContextIndex {
            spec,
            targets: by_host,
            found: vec![Vec::new(); targets.len()],
        })
    }

    /// A row of the same data: kept as context for every target it precedes by at most the
    /// window.
    pub fn offer(&mut self, flow: &LabeledFlow) {
        let Some((key, ts)) = host_key(flow) else {
            return;
        };
        let Some(targets) = self.targets.get(&key) else {
            return;
        };
        // Targets strictly after `ts` and at most a window later.
        let from = targets.partition_point(|(t, _)| *t <= ts);
        let to = targets.partition_point(|(t, _)| *t <= ts + self.spec.window_s);
        for &(_, i) in &targets[from..to] {
            keep_latest(&mut self.found[i], ts, flow, self.spec.k);
        }
    }

    /// Each target's context, oldest first.
    pub fn finish(self) -> Vec<Vec<LabeledFlow>> {
        self.found
            .into_iter()
            .map(|v| v.into_iter().map(|(_, f)| f).collect())
            .collect()
    }
}

/// Insert (`ts`, `flow`) into `kept` (sorted by time), keeping the `k` latest.
fn keep_latest(kept: &mut Vec<(f64, LabeledFlow)>, ts: f64, flow: &LabeledFlow, k: usize) {
    if k == 0 || (kept.len() == k && kept[0].0 >= ts) {
        return;
    }
    let at = kept.partition_point(|(t, _)| *t <= ts);
    kept.insert(at, (ts, flow.clone()));
    if kept.len() > k {
        kept.remove(0);
    }
}

/// The context of every flow of an in-memory set, by index: per host, sorted by time, the up
/// to `k` flows before each within the window.
pub fn contexts_in_memory(
    flows: &[LabeledFlow],
    spec: ContextSpec,
) -> Result<Vec<Vec<usize>>, DataError> {
    let mut by_host: HashMap<HostKey, Vec<(f64, usize)>> = HashMap::new();
    for (i, f) in flows.iter().enumerate() {
        let (key, ts) = host_key(f).ok_or_else(|| no_context(f))?;
        by_host.entry(key).or_default().push((ts, i));
    }
    let mut out = vec![Vec::new(); flows.len()];
    for rows in by_host.values_mut() {
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (p, &(t, i)) in rows.iter().enumerate() {
            let earlier = rows[..p]
                .iter()
                .rev()
                .skip_while(|(s, _)| *s >= t)
                .take_while(|(s, _)| *s >= t - spec.window_s)
                .take(spec.k)
                .map(|&(_, j)| j);
            let mut ctx: Vec<usize> = earlier.collect();
            ctx.reverse();
            out[i] = ctx;
        }
    }
    Ok(out)
}

/// One context line read back from a prompt: what a policy sees of an earlier flow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextFlow {
    /// Seconds before the flow (negative).
    pub dt: f64,
    pub proto: Option<String>,
    pub resp_h: Option<String>,
    pub resp_p: Option<u32>,
    pub conn_state: Option<String>,
    pub orig_bytes: Option<u64>,
    pub resp_bytes: Option<u64>,
}

/// The context lines of a prompt rendered by [`render_with_context`] (none without a block).
pub fn parse_context(prompt: &str) -> Vec<ContextFlow> {
    let Some((_, block)) = prompt.split_once(CONTEXT_HEADING) else {
        return Vec::new();
    };
    block
        .lines()
        .filter(|l| l.starts_with("dt="))
        .map(|line| {
            let mut c = ContextFlow::default();
            for (k, v) in line.split(' ').filter_map(|t| t.split_once('=')) {
                let text = (v != "-").then(|| v.to_string());
                match k {
                    "dt" => c.dt = v.parse().unwrap_or(0.0),
                    "proto" => c.proto = text,
                    "id.resp_h" => c.resp_h = text,
                    "id.resp_p" => c.resp_p = v.parse().ok(),
                    "conn_state" => c.conn_state = text,
                    "orig_bytes" => c.orig_bytes = v.parse().ok(),
                    "resp_bytes" => c.resp_bytes = v.parse().ok(),
                    _ => {}
                }
            }
            c
        })
        .collect()
}

/// The prompt of `flow` with its context block under it.
pub fn render_with_context(
    flow: &LabeledFlow,
    template: Template,
    context: &[&LabeledFlow],
    spec: ContextSpec,
) -> String {
    let mut out = render_prompt(flow, template);
    let host = local_host(flow).map_or("-", |h| h.as_str());
    let _ = write!(
        out,
        "\n\n{CONTEXT_HEADING} ({host}), at most {} from the {} s before this one, oldest first ({} shown):",
        spec.k,
        spec.window_s,
        context.len()
    );
    let t = flow.record.ts.unwrap_or(0.0);
    for c in context {
        let dt = c.record.ts.unwrap_or(t) - t;
        let _ = write!(out, "\ndt={dt:.3}");
        for f in LINE_FIELDS {
            let v = c.record.get(f);
            let _ = write!(out, " {}={}", f.name(), v.as_deref().unwrap_or("-"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FlowRecord, Label, Provenance};
    use crate::FieldSet;

    fn flow(ts: f64, host: &str, port: u32, capture: &str) -> LabeledFlow {
        LabeledFlow {
            record: FlowRecord {
                ts: Some(ts),
                orig_h: Some(host.into()),
                resp_h: Some("8.8.8.8".into()),
                resp_p: Some(port),
                proto: Some("tcp".into()),
                conn_state: Some("S0".into()),
                ..FlowRecord::default()
            },
            fields: [
                Field::Ts,
                Field::OrigH,
                Field::RespH,
                Field::RespP,
                Field::Proto,
            ]
            .into_iter()
            .collect::<FieldSet>(),
            label: Label::Malicious,
            provenance: Provenance::of_file("iot23", Some(capture), std::path::Path::new("x.log")),
        }
    }

    #[test]
    fn streamed_and_in_memory_context_agree_and_respect_host_capture_and_window() {
        let rows = vec![
            flow(100.0, "10.0.0.1", 1, "a"),
            flow(130.0, "10.0.0.1", 2, "a"),
            flow(131.0, "10.0.0.2", 3, "a"),
            flow(132.0, "10.0.0.1", 4, "b"),
            flow(150.0, "10.0.0.1", 5, "a"),
            flow(171.0, "10.0.0.1", 6, "a"),
            flow(171.0, "10.0.0.1", 7, "a"),
        ];
        let spec = ContextSpec {
            k: 2,
            window_s: 60.0,
        };
        let all = contexts_in_memory(&rows, spec).expect("context");
        let ports = |idx: &[usize]| -> Vec<u32> {
            idx.iter().filter_map(|&i| rows[i].record.resp_p).collect()
        };
        assert_eq!(ports(&all[0]), Vec::<u32>::new());
        assert_eq!(
            ports(&all[4]),
            [1, 2],
            "other host and other capture left out"
        );
        assert_eq!(
            ports(&all[5]),
            [2, 5],
            "k latest; 100.0 is outside the window"
        );
        assert_eq!(
            ports(&all[6]),
            [2, 5],
            "a flow at the same instant is not earlier"
        );

        let targets = vec![rows[4].clone(), rows[5].clone()];
        let mut index = ContextIndex::new(spec, &targets).expect("index");
        for r in rows.iter().rev() {
            index.offer(r);
        }
        let got: Vec<Vec<u32>> = index
            .finish()
            .iter()
            .map(|c| c.iter().filter_map(|f| f.record.resp_p).collect())
            .collect();
        assert_eq!(
            got,
            [vec![1, 2], vec![2, 5]],
            "order of arrival does not matter"
        );
    }

    #[test]
    fn flows_without_time_or_address_are_refused_by_name() {
        let mut f = flow(1.0, "10.0.0.1", 1, "a");
        f.record.ts = None;
        let err = contexts_in_memory(
            &[f],
            ContextSpec {
                k: 3,
                window_s: 60.0,
            },
        )
        .expect_err("no ts")
        .to_string();
        assert!(err.contains("x.log") && err.contains("timestamp"), "{err}");
    }
}
