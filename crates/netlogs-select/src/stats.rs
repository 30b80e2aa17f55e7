//! What a pick is worth, measured on the runs' own rollouts, against a random pick of the
//! same size.

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use netlogs_data::Label;

use crate::pool::Pool;

/// Rewards that differ by less than this count as equal.
const SAME_REWARD: f64 = 1e-9;

/// A picked set, described by what its examples' rollouts did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SelectionStats {
    pub n: usize,
    /// Share of the examples whose rollouts got different rewards: the ones a GRPO group
    /// learns from (a non-zero advantage).
    pub signal_share: f64,
    /// Mean within-example standard deviation of the reward: the size of the advantages.
    pub mean_reward_std: f64,
    /// Share of the rollouts that answered correctly (lower: a harder set).
    pub accuracy: f64,
    pub mean_reward: f64,
    /// Share of the rollouts whose stated belief lies in the abstain band (or abstained).
    pub in_band_share: f64,
    /// Share of the examples whose gold label is Malicious.
    pub malicious_share: f64,
}

impl SelectionStats {
    pub fn of(pool: &Pool, picked: &[usize]) -> SelectionStats {
        let n = picked.len();
        let nf = n.max(1) as f64;
        let examples = picked.iter().map(|&i| &pool.candidates[i]);
        let rollouts: Vec<_> = examples.clone().flat_map(|c| c.rollouts.iter()).collect();
        let rf = rollouts.len().max(1) as f64;
        SelectionStats {
            n,
            signal_share: examples
                .clone()
                .filter(|c| c.reward_std() > SAME_REWARD)
                .count() as f64
                / nf,
            mean_reward_std: examples.clone().map(|c| c.reward_std()).sum::<f64>() / nf,
            accuracy: rollouts.iter().filter(|r| r.correct).count() as f64 / rf,
            mean_reward: rollouts.iter().map(|r| r.reward).sum::<f64>() / rf,
            in_band_share: rollouts
                .iter()
                .filter(|r| r.band_distance == Some(0.0))
                .count() as f64
                / rf,
            malicious_share: examples
                .filter(|c| c.example.answer == Label::Malicious)
                .count() as f64
                / nf,
        }
    }

    fn add(&mut self, o: &SelectionStats) {
        self.signal_share += o.signal_share;
        self.mean_reward_std += o.mean_reward_std;
        self.accuracy += o.accuracy;
        self.mean_reward += o.mean_reward;
        self.in_band_share += o.in_band_share;
        self.malicious_share += o.malicious_share;
    }

    fn scale(&mut self, k: f64) {
        self.signal_share *= k;
        self.mean_reward_std *= k;
        self.accuracy *= k;
        self.mean_reward *= k;
        self.in_band_share *= k;
        self.malicious_share *= k;
    }
}

/// Random picks of a size, averaged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RandomBaseline {
    pub draws: usize,
    pub seed: u64,
    pub mean: SelectionStats,
}

/// The mean stats of `draws` seeded random picks of `n` candidates (without replacement).
pub fn random_baseline(pool: &Pool, n: usize, draws: usize, seed: u64) -> RandomBaseline {
    let n = n.min(pool.candidates.len());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut total = SelectionStats::of(pool, &[]);
    total.scale(0.0);
    total.n = n;
    for _ in 0..draws {
        let picked = sample(&mut rng, pool.candidates.len(), n).into_vec();
        total.add(&SelectionStats::of(pool, &picked));
    }
    total.scale(1.0 / draws.max(1) as f64);
    RandomBaseline {
        draws,
        seed,
        mean: total,
    }
}
