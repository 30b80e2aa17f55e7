//! Building a dataset from examples: dedup, conflicting-label flags, capture-disjoint splits,
//! optional class balance; and the statistics `data inspect` and `data audit` report.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::digest::sha256_hex;
use crate::error::DataError;
use crate::example::Example;
use crate::record::Label;
use crate::sample::example_key;

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

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub ratios: SplitRatios,
    pub seed: u64,
    /// Downsample the majority class within each split.
    pub balance: bool,
    /// Captures that must form the test split; empty: chosen by the seed.
    pub test_captures: Vec<String>,
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
    /// Capture → split.
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

/// Whole captures go to one split. Named test captures go to `test`; the rest, greedily in a
/// seeded order, to the split furthest below its target share of rows.
fn assign_captures(
    kept: &[Example],
    opts: &BuildOptions,
) -> Result<BTreeMap<String, String>, DataError> {
    let mut capture_rows: BTreeMap<&str, usize> = BTreeMap::new();
    for e in kept {
        if let Some(c) = &e.info.capture {
            *capture_rows.entry(c.as_str()).or_default() += 1;
        }
    }
    if let Some(missing) = opts
        .test_captures
        .iter()
        .find(|c| !capture_rows.contains_key(c.as_str()))
    {
        let known: Vec<&str> = capture_rows.keys().copied().collect();
        return Err(DataError::Options(format!(
            "--test-captures names `{missing}`, which is not a capture of this data; captures: {}",
            known.join(", ")
        )));
    }
    let total: usize = capture_rows.values().sum();
    let mut filled = [0usize; 3];
    let mut captures: BTreeMap<String, String> = BTreeMap::new();
    for c in &opts.test_captures {
        filled[2] += capture_rows[c.as_str()];
        captures.insert(c.clone(), SPLITS[2].to_string());
    }
    // With test named, the others share train and dev only.
    let open_splits: &[usize] = if opts.test_captures.is_empty() {
        &[0, 1, 2]
    } else {
        &[0, 1]
    };
    let mut order: Vec<&str> = capture_rows
        .keys()
        .copied()
        .filter(|c| !captures.contains_key(*c))
        .collect();
    order.sort_by(|a, b| unit_hash(opts.seed, a).total_cmp(&unit_hash(opts.seed, b)));
    // With test named, train and dev share the rest in their own proportion.
    let [tr, dv, te] = opts.ratios.0;
    let targets = if opts.test_captures.is_empty() {
        [tr, dv, te].map(|r| r * total as f64)
    } else {
        let rest = (total - filled[2]) as f64 / (tr + dv).max(f64::MIN_POSITIVE);
        [tr * rest, dv * rest, 0.0]
    };
    for c in order {
        let deficit = |i: usize| targets[i] - filled[i] as f64;
        let best = open_splits
            .iter()
            .copied()
            .max_by(|&a, &b| deficit(a).total_cmp(&deficit(b)))
            .unwrap_or(0);
        filled[best] += capture_rows[c];
        captures.insert(c.to_string(), SPLITS[best].to_string());
    }
    Ok(captures)
}

/// Dedup, flag conflicts, split and (optionally) balance.
pub fn build_dataset(
    examples: Vec<Example>,
    opts: &BuildOptions,
) -> Result<(Vec<Example>, BuildReport), DataError> {
    let rows_in = examples.len();
    // Keyed by the sampling key of (prompt, label): 800k prompts are not copied to dedup them.
    let mut seen: HashSet<u128> = HashSet::with_capacity(examples.len());
    let mut kept: Vec<Example> = examples
        .into_iter()
        .filter(|e| seen.insert(example_key(e, 0)))
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

    let captures = assign_captures(&kept, opts)?;
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
    Ok((kept, report))
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
