//! Seeded sampling. ChaCha8 keeps the same seed giving the same examples on every machine and
//! every platform.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::example::Example;
use crate::record::Label;

/// Draw up to `n` examples with equal class counts (the smaller class is taken whole if it
/// cannot fill its half). Duplicate example ids are dropped first. Output order is shuffled.
pub fn sample_balanced(examples: &[Example], n: usize, seed: u64) -> Vec<Example> {
    let unique = dedup(examples);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut benign: Vec<&Example> = unique
        .iter()
        .copied()
        .filter(|e| e.answer == Label::Benign)
        .collect();
    let mut malicious: Vec<&Example> = unique
        .iter()
        .copied()
        .filter(|e| e.answer == Label::Malicious)
        .collect();
    benign.shuffle(&mut rng);
    malicious.shuffle(&mut rng);
    let half = n / 2;
    let take_m = (n - half).min(malicious.len());
    let take_b = (n - take_m).min(benign.len());
    let take_m = (n - take_b).min(malicious.len());
    let mut out: Vec<Example> = benign[..take_b]
        .iter()
        .chain(&malicious[..take_m])
        .map(|e| (*e).clone())
        .collect();
    out.shuffle(&mut rng);
    out
}

/// Draw up to `n` examples uniformly without replacement.
pub fn sample_examples(examples: &[Example], n: usize, seed: u64) -> Vec<Example> {
    let mut unique = dedup(examples);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    unique.shuffle(&mut rng);
    unique.into_iter().take(n).cloned().collect()
}

fn dedup(examples: &[Example]) -> Vec<&Example> {
    let mut seen = std::collections::HashSet::new();
    examples
        .iter()
        .filter(|e| seen.insert(e.example_id.as_str()))
        .collect()
}
