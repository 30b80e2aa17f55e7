//! `netlogs data audit` in one streaming pass: rows per split, prompts found in more than one
//! split, and how far a (proto, dest port) lookup gets, fitted on the split itself and on
//! `train`. Memory is the lookup's counts plus one byte-mask per distinct prompt.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::example::Example;
use crate::prompt::{prompt_digest, PromptView, Template};
use crate::record::{Label, LabeledFlow};
use crate::stream::Row;

/// Per-split figures of `netlogs data audit`.
#[derive(Debug, Clone, Serialize)]
pub struct SplitAudit {
    pub rows: usize,
    pub malicious_share: Option<f64>,
    /// Accuracy of the majority label by (proto, dest port), fitted on this split itself.
    pub port_lookup_within: Option<f64>,
    /// The same lookup fitted on `train` and applied here (unseen keys: majority of train).
    pub port_lookup_from_train: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeakageAudit {
    /// Distinct prompts found in more than one split (must be 0 for netlogs builds).
    pub prompts_shared_across_splits: usize,
    pub splits: BTreeMap<String, SplitAudit>,
}

type PortKey = (String, Option<u32>);
/// (benign, malicious) rows.
type Counts = [usize; 2];

/// Builds a [`LeakageAudit`] row by row.
pub struct Auditor {
    template: Template,
    splits: Vec<String>,
    lookups: Vec<HashMap<PortKey, Counts>>,
    /// Prompt digest → bit per split it appears in.
    prompt_splits: HashMap<u64, u64, foldhash::fast::FixedState>,
}

fn slot(label: Label) -> usize {
    usize::from(label == Label::Malicious)
}

/// The lookup's guess: malicious on ties.
fn majority([b, m]: Counts) -> Label {
    if m >= b {
        Label::Malicious
    } else {
        Label::Benign
    }
}

impl Auditor {
    pub fn new(template: Template) -> Auditor {
        Auditor {
            template,
            splits: Vec::new(),
            lookups: Vec::new(),
            prompt_splits: HashMap::default(),
        }
    }

    pub fn add(&mut self, row: Row<'_>) {
        match row {
            Row::Flow(f) => self.add_flow(f),
            Row::Example(e) => self.add_example(e),
        }
    }

    pub fn add_flow(&mut self, f: &LabeledFlow) {
        let key = (
            f.record.proto.as_deref().unwrap_or("").to_string(),
            f.record.resp_p,
        );
        let digest = prompt_digest(f, self.template) as u64;
        self.count("-", key, f.label, digest);
    }

    pub fn add_example(&mut self, e: &Example) {
        let view = PromptView::parse(&e.prompt);
        let key = (view.proto.unwrap_or_default(), view.resp_p);
        let digest = xxhash_rust::xxh3::xxh3_64(e.prompt.as_bytes());
        self.count(
            e.info.split.as_deref().unwrap_or("-"),
            key,
            e.answer,
            digest,
        );
    }

    fn count(&mut self, split: &str, key: PortKey, label: Label, digest: u64) {
        let i = match self.splits.iter().position(|s| s == split) {
            Some(i) => i,
            None => {
                self.splits.push(split.to_string());
                self.lookups.push(HashMap::new());
                self.splits.len() - 1
            }
        };
        self.lookups[i].entry(key).or_default()[slot(label)] += 1;
        *self.prompt_splits.entry(digest).or_default() |= 1u64 << i.min(63);
    }

    pub fn finish(self) -> LeakageAudit {
        let shared = self
            .prompt_splits
            .values()
            .filter(|mask| mask.count_ones() > 1)
            .count();
        let train = self
            .splits
            .iter()
            .position(|s| s == "train")
            .map(|i| &self.lookups[i]);
        let train_default = train.map(|t| {
            let total = t.values().fold([0, 0], |a, c| [a[0] + c[0], a[1] + c[1]]);
            majority(total)
        });
        let splits = self
            .splits
            .iter()
            .zip(&self.lookups)
            .map(|(name, lookup)| {
                let rows: usize = lookup.values().map(|c| c[0] + c[1]).sum();
                let malicious: usize = lookup.values().map(|c| c[1]).sum();
                let share = |n: usize| (rows > 0).then(|| n as f64 / rows as f64);
                let within: usize = lookup.values().map(|c| c[slot(majority(*c))]).sum();
                let from_train = train.zip(train_default).map(|(t, default)| {
                    lookup
                        .iter()
                        .map(|(k, c)| c[slot(t.get(k).map_or(default, |tc| majority(*tc)))])
                        .sum::<usize>()
                });
                let audit = SplitAudit {
                    rows,
                    malicious_share: share(malicious),
                    port_lookup_within: share(within),
                    port_lookup_from_train: from_train.and_then(share),
                };
                (name.clone(), audit)
            })
            .collect();
        LeakageAudit {
            prompts_shared_across_splits: shared,
            splits,
        }
    }
}

/// [`Auditor`] over examples held in memory.
pub fn audit_leakage(examples: &[Example]) -> LeakageAudit {
    let mut a = Auditor::new(Template::default());
    for e in examples {
        a.add_example(e);
    }
    a.finish()
}
