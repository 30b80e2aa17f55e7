//! Building a dataset from examples: dedup, conflicting-label flags, capture-disjoint splits,
//! optional class balance; and the statistics `data inspect` and `data audit` report.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::digest::sha256_hex;
use crate::example::Example;
use crate::prompt::PromptView;
use crate::record::Label;

pub const SPLITS: [&str; 3] = ["train", "dev", "test"];

/// Shares of train/dev/test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SplitRatios(pub [f64; 3]);

impl Default for SplitRatios {
    fn default() -> Self {
        SplitRatios([0.70, 0.15, 0.15])
    }
}

impl SplitRatios {
    /// Parse `70,15,15` (any positive scale).
    pub fn parse(s: &str) -> Option<SplitRatios> {
        let v: Vec<f64> = s
            .split(',')
            .map(|x| x.trim().parse().ok())
            .collect::<Option<_>>()?;
        let [a, b, c] = v.as_slice() else { return None };
        let sum = a + b + c;
        (sum > 0.0 && [a, b, c].iter().all(|x| **x >= 0.0))
            .then(|| SplitRatios([a / sum, b / sum, c / sum]))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    pub ratios: SplitRatios,
    pub seed: u64,
    /// Downsample the majority class within each split.
    pub balance: bool,
}

/// One prompt that carries both labels.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub prompt: String,
    pub benign: usize,
    pub malicious: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub rows_in: usize,
    pub duplicates_dropped: usize,
    pub conflicts: Vec<Conflict>,
    pub capture_disjoint: bool,
    pub captures: BTreeMap<String, String>,
    pub rows_out: usize,
}

fn unit_hash(seed: u64, key: &str) -> f64 {
    let h = sha256_hex(format!("{seed}:{key}").as_bytes());
    u64::from_str_radix(&h[..13], 16).map_or(0.0, |x| x as f64 / (1u64 << 52) as f64)
}

fn split_by_share(u: f64, r: &SplitRatios) -> &'static str {
    if u < r.0[0] {
        SPLITS[0]
    } else if u < r.0[0] + r.0[1] {
        SPLITS[1]
    } else {
        SPLITS[2]
    }
}

/// Conflicting-label groups: prompts rendered identically with both labels.
pub fn conflicts(examples: &[Example]) -> Vec<Conflict> {
    let mut by_prompt: HashMap<&str, (usize, usize)> = HashMap::new();
    for e in examples {
        let c = by_prompt.entry(e.prompt.as_str()).or_default();
        match e.answer {
            Label::Benign => c.0 += 1,
            Label::Malicious => c.1 += 1,
        }
    }
    let mut out: Vec<Conflict> = by_prompt
        .into_iter()
        .filter(|(_, (b, m))| *b > 0 && *m > 0)
        .map(|(p, (b, m))| Conflict {
            prompt: p.to_string(),
            benign: b,
            malicious: m,
        })
        .collect();
    out.sort_by(|a, b| {
        (b.benign + b.malicious)
            .cmp(&(a.benign + a.malicious))
            .then(a.prompt.cmp(&b.prompt))
    });
    out
}

/// Dedup, flag conflicts, split and (optionally) balance.
pub fn build_dataset(examples: Vec<Example>, opts: &BuildOptions) -> (Vec<Example>, BuildReport) {
    let rows_in = examples.len();
    // Keyed by a 128-bit digest of (prompt, label): 800k prompts are not copied to dedup them.
    let mut seen: HashSet<[u8; 16]> = HashSet::with_capacity(examples.len());
    let mut kept: Vec<Example> = examples
        .into_iter()
        .filter(|e| {
            let mut h = Sha256::new();
            h.update(e.prompt.as_bytes());
            h.update([e.answer as u8]);
            let d = h.finalize();
            let mut key = [0u8; 16];
            key.copy_from_slice(&d[..16]);
            seen.insert(key)
        })
        .collect();
    let duplicates_dropped = rows_in - kept.len();
    let conflicts = conflicts(&kept);
    let conflicted: HashSet<&str> = conflicts.iter().map(|c| c.prompt.as_str()).collect();
    let flags: Vec<bool> = kept
        .iter()
        .map(|e| conflicted.contains(e.prompt.as_str()))
        .collect();
    for (e, f) in kept.iter_mut().zip(flags) {
        e.info.conflict = f;
    }

    // Whole captures go to one split: greedily, in a seeded order, to the split furthest
    // below its target share of rows.
    let mut capture_rows: BTreeMap<String, usize> = BTreeMap::new();
    for e in &kept {
        if let Some(c) = &e.info.capture {
            *capture_rows.entry(c.clone()).or_default() += 1;
        }
    }
    let mut order: Vec<&String> = capture_rows.keys().collect();
    order.sort_by(|a, b| unit_hash(opts.seed, a).total_cmp(&unit_hash(opts.seed, b)));
    let total: usize = capture_rows.values().sum();
    let mut filled = [0usize; 3];
    let mut captures: BTreeMap<String, String> = BTreeMap::new();
    for c in order {
        let deficit = |i: usize| opts.ratios.0[i] * total as f64 - filled[i] as f64;
        let best = (0..3)
            .max_by(|&a, &b| deficit(a).total_cmp(&deficit(b)))
            .unwrap_or(0);
        filled[best] += capture_rows[c];
        captures.insert(c.clone(), SPLITS[best].to_string());
    }
    for e in &mut kept {
        let split = match &e.info.capture {
            Some(c) => captures.get(c).cloned().unwrap_or_else(|| SPLITS[0].into()),
            None => split_by_share(unit_hash(opts.seed, &e.example_id), &opts.ratios).to_string(),
        };
        e.info.split = Some(split);
    }
    if opts.balance {
        kept = balance(kept, opts.seed);
    }
    let report = BuildReport {
        rows_in,
        duplicates_dropped,
        conflicts,
        capture_disjoint: !captures.is_empty(),
        captures,
        rows_out: kept.len(),
    };
    (kept, report)
}

fn balance(examples: Vec<Example>, seed: u64) -> Vec<Example> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut groups: BTreeMap<(String, Label), Vec<Example>> = BTreeMap::new();
    for e in examples {
        groups
            .entry((e.info.split.clone().unwrap_or_default(), e.answer))
            .or_default()
            .push(e);
    }
    let mut out = Vec::new();
    for split in SPLITS {
        let b = groups
            .remove(&(split.to_string(), Label::Benign))
            .unwrap_or_default();
        let m = groups
            .remove(&(split.to_string(), Label::Malicious))
            .unwrap_or_default();
        let n = b.len().min(m.len());
        for mut g in [b, m] {
            g.shuffle(&mut rng);
            g.truncate(n);
            out.extend(g);
        }
    }
    out
}

/// Counts for `netlogs data inspect`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Inspection {
    pub rows: usize,
    pub by_label: BTreeMap<String, usize>,
    pub by_family: BTreeMap<String, usize>,
    pub by_capture: BTreeMap<String, usize>,
    pub by_split: BTreeMap<String, usize>,
    pub conflicts: Vec<Conflict>,
}

pub fn inspect(examples: &[Example]) -> Inspection {
    let mut i = Inspection {
        rows: examples.len(),
        conflicts: conflicts(examples),
        ..Inspection::default()
    };
    let key = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    for e in examples {
        *i.by_label.entry(e.answer.as_str().into()).or_default() += 1;
        *i.by_family.entry(key(&e.info.family)).or_default() += 1;
        *i.by_capture.entry(key(&e.info.capture)).or_default() += 1;
        *i.by_split.entry(key(&e.info.split)).or_default() += 1;
    }
    i
}

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

fn port_key(prompt: &str) -> (String, Option<u32>) {
    let v = PromptView::parse(prompt);
    (v.proto.unwrap_or_default(), v.resp_p)
}

fn majority(examples: &[&Example]) -> (HashMap<(String, Option<u32>), Label>, Label) {
    let mut counts: HashMap<(String, Option<u32>), (usize, usize)> = HashMap::new();
    let (mut b, mut m) = (0, 0);
    for e in examples {
        let c = counts.entry(port_key(&e.prompt)).or_default();
        if e.answer == Label::Benign {
            c.0 += 1;
            b += 1;
        } else {
            c.1 += 1;
            m += 1;
        }
    }
    let pick = |b: usize, m: usize| {
        if m >= b {
            Label::Malicious
        } else {
            Label::Benign
        }
    };
    (
        counts
            .into_iter()
            .map(|(k, (b, m))| (k, pick(b, m)))
            .collect(),
        pick(b, m),
    )
}

fn lookup_accuracy(
    model: &(HashMap<(String, Option<u32>), Label>, Label),
    rows: &[&Example],
) -> Option<f64> {
    if rows.is_empty() {
        return None;
    }
    let right = rows
        .iter()
        .filter(|e| {
            model
                .0
                .get(&port_key(&e.prompt))
                .copied()
                .unwrap_or(model.1)
                == e.answer
        })
        .count();
    Some(right as f64 / rows.len() as f64)
}

pub fn audit_leakage(examples: &[Example]) -> LeakageAudit {
    let mut by_split: BTreeMap<String, Vec<&Example>> = BTreeMap::new();
    let mut prompt_splits: HashMap<&str, HashSet<&str>> = HashMap::new();
    for e in examples {
        let s = e.info.split.as_deref().unwrap_or("-");
        by_split.entry(s.to_string()).or_default().push(e);
        prompt_splits
            .entry(e.prompt.as_str())
            .or_default()
            .insert(s);
    }
    let shared = prompt_splits.values().filter(|s| s.len() > 1).count();
    let train = by_split.get("train").map(|t| majority(t));
    let splits = by_split
        .iter()
        .map(|(name, rows)| {
            let mal = rows.iter().filter(|e| e.answer == Label::Malicious).count();
            let a = SplitAudit {
                rows: rows.len(),
                malicious_share: (!rows.is_empty()).then(|| mal as f64 / rows.len() as f64),
                port_lookup_within: lookup_accuracy(&majority(rows), rows),
                port_lookup_from_train: train.as_ref().and_then(|t| lookup_accuracy(t, rows)),
            };
            (name.clone(), a)
        })
        .collect();
    LeakageAudit {
        prompts_shared_across_splits: shared,
        splits,
    }
}
