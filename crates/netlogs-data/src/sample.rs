//! Seeded sampling over flows. ChaCha8 keeps the same seed giving the same examples on every
//! machine and platform. Sampling picks flow indices first, so only the chosen flows are
//! rendered into prompts.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::example::row_key;
use crate::record::{Label, LabeledFlow};

/// Indices of up to `n` flows with equal class counts; when one class runs short the other
/// fills the rest. Rows identical to an earlier one (same row id) are never drawn twice.
/// Output order is shuffled.
pub fn sample_balanced(flows: &[LabeledFlow], n: usize, seed: u64) -> Vec<usize> {
    let unique = unique_indices(flows);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut benign, mut malicious): (Vec<usize>, Vec<usize>) = unique
        .into_iter()
        .partition(|&i| flows[i].label == Label::Benign);
    benign.shuffle(&mut rng);
    malicious.shuffle(&mut rng);
    let half = n / 2;
    let take_m = (n - half).min(malicious.len());
    let take_b = (n - take_m).min(benign.len());
    let take_m = (n - take_b).min(malicious.len());
    let mut out: Vec<usize> = benign[..take_b]
        .iter()
        .chain(&malicious[..take_m])
        .copied()
        .collect();
    out.shuffle(&mut rng);
    out
}

/// Indices of up to `n` flows drawn uniformly without replacement.
pub fn sample_uniform(flows: &[LabeledFlow], n: usize, seed: u64) -> Vec<usize> {
    let mut unique = unique_indices(flows);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    unique.shuffle(&mut rng);
    unique.truncate(n);
    unique
}

fn unique_indices(flows: &[LabeledFlow]) -> Vec<usize> {
    let mut seen = std::collections::HashSet::with_capacity(flows.len());
    (0..flows.len())
        .filter(|&i| seen.insert(row_key(&flows[i])))
        .collect()
}
