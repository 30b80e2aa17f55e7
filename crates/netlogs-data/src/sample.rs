//! Seeded sampling in bounded memory, one pass over any number of rows.
//!
//! Every row gets a seeded 128-bit key from what its prompt shows and its label. A
//! [`Reservoir`] keeps the `k` rows with the smallest keys ("bottom-k"): a uniform sample of
//! the *distinct* rows, whatever the order they arrive in, and duplicates (equal keys) are
//! dropped for free. Memory is `k` rows, not the input. ChaCha8 and xxh3 keep the same seed
//! giving the same sample on every machine.

use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::example::Example;
use crate::prompt::{with_shown_bytes, Template};
use crate::record::{Label, LabeledFlow};

/// The seed every sampling defaults to (`--seed`, Python's `seed=`).
pub const DEFAULT_SEED: u64 = 42;

/// What happened to a row offered to a reservoir.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Kept,
    /// A row with the same key is already held.
    Duplicate,
    /// Full, and the row's key is larger than every key held.
    Passed,
}

/// The `cap` rows with the smallest keys seen so far. Keys are found by hash in a small
/// key → slot table (a repeated row costs one cache-friendly lookup); the rows sit in slots
/// beside it; a max-heap of the keys gives the one to evict.
#[derive(Debug)]
pub struct Reservoir<T> {
    cap: usize,
    index: HashMap<u128, u32, foldhash::fast::FixedState>,
    slots: Vec<Option<T>>,
    free: Vec<u32>,
    keys: BinaryHeap<u128>,
}

impl<T> Reservoir<T> {
    pub fn new(cap: usize) -> Reservoir<T> {
        Reservoir {
            cap,
            index: HashMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            keys: BinaryHeap::new(),
        }
    }

    pub fn offer(&mut self, key: u128, row: T) -> Offer {
        self.offer_with(key, || row)
    }

    /// [`Reservoir::offer`], making the row only when it is kept.
    pub fn offer_with(&mut self, key: u128, make: impl FnOnce() -> T) -> Offer {
        if self.cap == 0 {
            return Offer::Passed;
        }
        if self.index.len() >= self.cap && self.keys.peek().is_some_and(|&max| key > max) {
            return Offer::Passed;
        }
        if self.index.contains_key(&key) {
            return Offer::Duplicate;
        }
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(make());
                s
            }
            None => {
                self.slots.push(Some(make()));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        self.keys.push(key);
        if self.index.len() > self.cap {
            let evicted = self.keys.pop().and_then(|max| self.index.remove(&max));
            if let Some(s) = evicted {
                self.slots[s as usize] = None;
                self.free.push(s);
            }
        }
        Offer::Kept
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The rows held, smallest key first.
    pub fn into_rows(mut self) -> impl Iterator<Item = T> {
        let mut keyed: Vec<(u128, u32)> = self.index.into_iter().collect();
        keyed.sort_unstable_by_key(|(k, _)| *k);
        keyed
            .into_iter()
            .filter_map(move |(_, s)| self.slots[s as usize].take())
    }
}

/// The seeded sampling key of a flow: equal for rows whose prompts and labels are equal.
pub fn flow_key(flow: &LabeledFlow, template: Template, seed: u64) -> u128 {
    let seed = label_seed(seed, flow.label);
    with_shown_bytes(flow, template, |b| {
        xxhash_rust::xxh3::xxh3_128_with_seed(b, seed)
    })
}

/// The label folded into the seed, so one hash call keys prompt and label together.
fn label_seed(seed: u64, label: Label) -> u64 {
    seed ^ (label as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The seeded sampling key of a prepared example: its prompt and label.
pub fn example_key(example: &Example, seed: u64) -> u128 {
    let seed = label_seed(seed, example.answer);
    xxhash_rust::xxh3::xxh3_128_with_seed(example.prompt.as_bytes(), seed)
}

/// A class-balanced draw of up to `n` distinct rows: the `n` smallest keys of each label are
/// held; [`BalancedDraw::finish`] takes half from each and fills from the other label when one
/// runs short, then shuffles.
#[derive(Debug)]
pub struct BalancedDraw<T> {
    n: usize,
    seed: u64,
    benign: Reservoir<T>,
    malicious: Reservoir<T>,
}

impl<T> BalancedDraw<T> {
    pub fn new(n: usize, seed: u64) -> BalancedDraw<T> {
        BalancedDraw {
            n,
            seed,
            benign: Reservoir::new(n),
            malicious: Reservoir::new(n),
        }
    }

    /// Offer a row, made only if it is kept.
    pub fn offer_with(&mut self, key: u128, label: Label, make: impl FnOnce() -> T) -> Offer {
        match label {
            Label::Benign => self.benign.offer_with(key, make),
            Label::Malicious => self.malicious.offer_with(key, make),
        }
    }

    pub fn finish(self) -> Vec<T> {
        let n = self.n;
        let half = n / 2;
        let take_m = (n - half).min(self.malicious.len());
        let take_b = (n - take_m).min(self.benign.len());
        let take_m = (n - take_b).min(self.malicious.len());
        let mut out: Vec<T> = self.benign.into_rows().take(take_b).collect();
        out.extend(self.malicious.into_rows().take(take_m));
        out.shuffle(&mut ChaCha8Rng::seed_from_u64(self.seed));
        out
    }
}

/// One stratum of a stratified sample: capture × label × family.
type Stratum = (Option<Arc<str>>, Label, Option<Arc<str>>);
type StratumRows = (Stratum, Reservoir<LabeledFlow>);

/// Whether two strata are the same, by pointer when the strings are shared (the usual case).
fn same_stratum(a: &Stratum, b: &Stratum) -> bool {
    fn same(x: &Option<Arc<str>>, y: &Option<Arc<str>>) -> bool {
        match (x, y) {
            (Some(x), Some(y)) => Arc::ptr_eq(x, y) || x == y,
            (None, None) => true,
            _ => false,
        }
    }
    a.1 == b.1 && same(&a.0, &b.0) && same(&a.2, &b.2)
}

/// Caps of a stratified sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SampleCaps {
    /// Rows per capture (rows without a capture count as one capture).
    pub per_capture: Option<usize>,
    /// Rows in all.
    pub max_rows: Option<usize>,
}

impl SampleCaps {
    /// No stratum can ever contribute more than this.
    fn per_stratum(&self) -> usize {
        self.per_capture
            .unwrap_or(usize::MAX)
            .min(self.max_rows.unwrap_or(usize::MAX))
    }
}

/// A stratified sample of distinct flows: a reservoir per capture × label × family, so rare
/// families and small captures are kept. [`StratifiedSample::finish`] shares each capture's
/// rows evenly between labels, then between families, and `max_rows` evenly between captures.
#[derive(Debug)]
pub struct StratifiedSample {
    caps: SampleCaps,
    template: Template,
    seed: u64,
    /// Hashed, not ordered: the lookup runs once per row; `finish` sorts.
    index: HashMap<Stratum, usize, foldhash::fast::FixedState>,
    strata: Vec<StratumRows>,
    /// The last row's stratum: consecutive rows mostly share one, and its strings are the
    /// same interned `Arc`s, so a pointer check skips the lookup.
    last: Option<usize>,
    /// Rows offered that matched a row already held.
    pub duplicates: usize,
}

impl StratifiedSample {
    pub fn new(caps: SampleCaps, template: Template, seed: u64) -> StratifiedSample {
        StratifiedSample {
            caps,
            template,
            seed,
            index: HashMap::default(),
            strata: Vec::new(),
            last: None,
            duplicates: 0,
        }
    }

    /// Offer a flow; it is cloned only if kept.
    pub fn offer(&mut self, flow: &LabeledFlow) {
        let key = flow_key(flow, self.template, self.seed);
        let p = &flow.provenance;
        let stratum = (p.capture.clone(), flow.label, p.family.clone());
        let i = match self
            .last
            .filter(|&i| same_stratum(&self.strata[i].0, &stratum))
        {
            Some(i) => i,
            None => {
                let next = self.strata.len();
                let i = *self.index.entry(stratum.clone()).or_insert(next);
                if i == next {
                    let cap = self.caps.per_stratum();
                    self.strata.push((stratum, Reservoir::new(cap)));
                }
                i
            }
        };
        self.last = Some(i);
        if self.strata[i].1.offer_with(key, || flow.clone()) == Offer::Duplicate {
            self.duplicates += 1;
        }
    }

    /// The sample, by capture, label and family, smallest keys first within each.
    pub fn finish(self) -> Vec<LabeledFlow> {
        let mut by_capture: BTreeMap<Option<Arc<str>>, Vec<StratumRows>> = BTreeMap::new();
        for (stratum, r) in self.strata {
            by_capture
                .entry(stratum.0.clone())
                .or_default()
                .push((stratum, r));
        }
        let per_capture = self.caps.per_capture.unwrap_or(usize::MAX);
        let budgets: Vec<usize> = by_capture
            .values()
            .map(|s| per_capture.min(s.iter().map(|(_, r)| r.len()).sum()))
            .collect();
        let budgets = match self.caps.max_rows {
            Some(m) => water_fill(m, &budgets),
            None => budgets,
        };
        let mut out = Vec::new();
        for (strata, budget) in by_capture.into_values().zip(budgets) {
            take_from_capture(strata, budget, &mut out);
        }
        out
    }
}

/// `budget` rows of one capture: split evenly between labels, then between families.
fn take_from_capture(strata: Vec<StratumRows>, budget: usize, out: &mut Vec<LabeledFlow>) {
    let mut by_label: BTreeMap<Label, Vec<Reservoir<LabeledFlow>>> = BTreeMap::new();
    for ((_, label, _), r) in strata {
        by_label.entry(label).or_default().push(r);
    }
    let label_sizes: Vec<usize> = by_label
        .values()
        .map(|fams| fams.iter().map(Reservoir::len).sum())
        .collect();
    for (families, share) in by_label.into_values().zip(water_fill(budget, &label_sizes)) {
        let sizes: Vec<usize> = families.iter().map(Reservoir::len).collect();
        for (r, take) in families.into_iter().zip(water_fill(share, &sizes)) {
            out.extend(r.into_rows().take(take));
        }
    }
}

/// Share `total` between parts of the given sizes as evenly as they allow: small parts are
/// taken whole and what they leave goes to the larger ones. Never more than `sizes` in all.
pub fn water_fill(total: usize, sizes: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (sizes[i], i));
    let mut left = total;
    let mut out = vec![0; sizes.len()];
    for (k, &i) in order.iter().enumerate() {
        let remaining = sizes.len() - k;
        let share = left.div_ceil(remaining);
        out[i] = sizes[i].min(share);
        left -= out[i];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reservoir_keeps_the_smallest_keys_once() {
        let mut r = Reservoir::new(3);
        for k in [9u128, 4, 7, 4, 1, 8, 2] {
            r.offer(k, k);
        }
        assert_eq!(r.into_rows().collect::<Vec<_>>(), [1, 2, 4]);
        let mut r = Reservoir::new(5);
        assert_eq!(r.offer(3, ()), Offer::Kept);
        assert_eq!(r.offer(3, ()), Offer::Duplicate);
    }

    #[test]
    fn balanced_draw_fills_from_the_larger_class_and_is_seeded() {
        let draw = |n: usize, seed: u64| {
            let mut d = BalancedDraw::new(n, seed);
            for i in 0..110u32 {
                let label = if i < 10 {
                    Label::Benign
                } else {
                    Label::Malicious
                };
                let key = xxhash_rust::xxh3::xxh3_128_with_seed(
                    &i.to_le_bytes(),
                    label_seed(seed, label),
                );
                d.offer_with(key, label, || i);
            }
            d.finish()
        };
        let a = draw(20, 7);
        assert_eq!(a, draw(20, 7));
        assert_ne!(a, draw(20, 8));
        assert_eq!(a.iter().filter(|&&i| i < 10).count(), 10);
        let b = draw(40, 7);
        assert_eq!(b.len(), 40);
        assert_eq!(b.iter().filter(|&&i| i < 10).count(), 10);
    }

    proptest! {
        #[test]
        fn water_fill_is_even_and_bounded(total in 0usize..1000, sizes in proptest::collection::vec(0usize..300, 0..12)) {
            let got = water_fill(total, &sizes);
            let sum: usize = got.iter().sum();
            prop_assert_eq!(sum, total.min(sizes.iter().sum()));
            for (g, s) in got.iter().zip(&sizes) {
                prop_assert!(g <= s);
            }
            // Any part short of its size got at least as much as every other part.
            let max = got.iter().copied().max().unwrap_or(0);
            for (g, s) in got.iter().zip(&sizes) {
                if g < s {
                    prop_assert!(*g + 1 >= max);
                }
            }
        }

        #[test]
        fn reservoir_equals_sorting_the_distinct_keys(keys in proptest::collection::vec(0u128..50, 0..200), cap in 0usize..20) {
            let mut r = Reservoir::new(cap);
            for k in &keys {
                r.offer(*k, *k);
            }
            let mut want: Vec<u128> = keys.clone();
            want.sort_unstable();
            want.dedup();
            want.truncate(cap);
            prop_assert_eq!(r.into_rows().collect::<Vec<_>>(), want);
        }
    }
}
