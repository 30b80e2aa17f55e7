//! Seeded sampling. ChaCha8 keeps the same seed giving the same examples on every machine and
//! platform. Sampling picks indices first, so only the chosen flows are rendered into prompts.

use std::hash::Hash;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::example::{Example, RowIdentity};
use crate::record::{Label, LabeledFlow};

/// Indices of up to `n` items with equal class counts; when one class runs short the other
/// fills the rest. Items with a key seen before are never drawn. Output order is shuffled.
fn pick_balanced<K: Hash + Eq>(
    len: usize,
    label: impl Fn(usize) -> Label,
    key: impl Fn(usize) -> K,
    n: usize,
    seed: u64,
) -> Vec<usize> {
    let unique = unique_indices(len, key);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut benign, mut malicious): (Vec<usize>, Vec<usize>) =
        unique.into_iter().partition(|&i| label(i) == Label::Benign);
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

/// Class-balanced flow indices; identical rows are drawn once.
pub fn sample_balanced(flows: &[LabeledFlow], n: usize, seed: u64) -> Vec<usize> {
    pick_balanced(
        flows.len(),
        |i| flows[i].label,
        |i| RowIdentity(&flows[i]),
        n,
        seed,
    )
}

/// Class-balanced indices of prepared examples; one per example id.
pub fn sample_balanced_examples(examples: &[&Example], n: usize, seed: u64) -> Vec<usize> {
    pick_balanced(
        examples.len(),
        |i| examples[i].answer,
        |i| examples[i].example_id.as_str(),
        n,
        seed,
    )
}

fn unique_indices<K: Hash + Eq>(len: usize, key: impl Fn(usize) -> K) -> Vec<usize> {
    // Membership only, so the hasher's seed never shows; foldhash is several times faster
    // than SipHash on the many short field writes of a row.
    let mut seen = std::collections::HashSet::with_capacity_and_hasher(
        len,
        foldhash::fast::RandomState::default(),
    );
    (0..len).filter(|&i| seen.insert(key(i))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n_benign: usize, n_malicious: usize) -> Vec<Label> {
        let mut v = vec![Label::Benign; n_benign];
        v.extend(vec![Label::Malicious; n_malicious]);
        v
    }

    #[test]
    fn balanced_seeded_and_filled_from_the_larger_class() {
        let l = labels(10, 100);
        let pick = |n, seed| pick_balanced(l.len(), |i| l[i], |i| i, n, seed);
        let a = pick(20, 7);
        assert_eq!(a, pick(20, 7), "same seed, same draw");
        assert_ne!(a, pick(20, 8));
        assert_eq!(a.iter().filter(|&&i| l[i] == Label::Benign).count(), 10);
        // Only 10 benign exist: malicious fills the rest.
        let b = pick(40, 7);
        assert_eq!(b.len(), 40);
        assert_eq!(b.iter().filter(|&&i| l[i] == Label::Benign).count(), 10);
        let unique: std::collections::HashSet<_> = b.iter().collect();
        assert_eq!(unique.len(), 40);
    }

    #[test]
    fn duplicate_keys_are_drawn_once() {
        let l = labels(6, 6);
        // Keys 0..3 repeat: only 3 distinct benign and 6 distinct malicious items.
        let picked = pick_balanced(l.len(), |i| l[i], |i| if i < 6 { i % 3 } else { i }, 100, 1);
        assert_eq!(picked.len(), 9);
    }
}
