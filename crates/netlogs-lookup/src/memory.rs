//! The tools' data held in memory: every flow, indexed by host and by destination port (each
//! list by time). For data that fits; [`crate::FlowIndex`] serves whole captures from disk.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use compact_str::CompactString;
use netlogs_data::LabeledFlow;

use crate::tools::{FlowStore, Key, ToolFlow, Window};

type ByKey<K> = HashMap<(Option<Arc<str>>, K), Vec<usize>>;

/// Flows by host and by destination port, per capture, by time.
pub struct FlowTable {
    flows: Vec<ToolFlow>,
    by_host: ByKey<CompactString>,
    by_port: ByKey<u32>,
}

impl FlowTable {
    /// Index `flows` (rows without a timestamp are left out: no window holds them).
    pub fn new(flows: &[LabeledFlow]) -> FlowTable {
        let mut table = FlowTable {
            flows: Vec::new(),
            by_host: HashMap::new(),
            by_port: HashMap::new(),
        };
        for f in flows {
            let Some(row) = ToolFlow::of(f) else { continue };
            let i = table.flows.len();
            let capture = &f.provenance.capture;
            let hosts: HashSet<&CompactString> = [&f.record.orig_h, &f.record.resp_h]
                .into_iter()
                .flatten()
                .collect();
            for h in hosts {
                table
                    .by_host
                    .entry((capture.clone(), h.clone()))
                    .or_default()
                    .push(i);
            }
            if let Some(p) = f.record.resp_p {
                table
                    .by_port
                    .entry((capture.clone(), p))
                    .or_default()
                    .push(i);
            }
            table.flows.push(row);
        }
        let flows = &table.flows;
        for v in table.by_host.values_mut().chain(table.by_port.values_mut()) {
            v.sort_by(|a, b| flows[*a].ts.total_cmp(&flows[*b].ts));
        }
        table
    }
}

impl FlowStore for FlowTable {
    fn window(&self, w: Window) -> Result<Vec<ToolFlow>, String> {
        let Window {
            capture,
            key,
            lo,
            hi,
        } = w;
        let capture: Option<Arc<str>> = capture.map(Arc::from);
        let list = match key {
            Key::Host(h) => self.by_host.get(&(capture, CompactString::from(h))),
            Key::Port(p) => self.by_port.get(&(capture, p)),
        };
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let ts = |i: usize| self.flows[i].ts;
        let from = list.partition_point(|&i| ts(i) < lo);
        let to = list.partition_point(|&i| ts(i) <= hi);
        Ok(list[from..to]
            .iter()
            .map(|&i| self.flows[i].clone())
            .collect())
    }
}
