//! Comparing two runs row by row: a paired bootstrap of the difference of means, and
//! McNemar's test on correctness. Pure functions over paired values.

use rand::distr::{Distribution, Uniform};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::interval::{percentile_interval, Interval};

const RESAMPLES: usize = 2000;

/// The difference `b − a` of two means over the same rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedDelta {
    pub mean_a: f64,
    pub mean_b: f64,
    pub delta: f64,
    /// Percentile bootstrap (2.5%, 97.5%) of the delta, resampling rows (pairs kept together).
    pub ci95: Option<Interval>,
}

/// `b − a` with a seeded paired bootstrap; `None` for no rows or unequal lengths.
pub fn paired_delta(a: &[f64], b: &[f64], seed: u64) -> Option<PairedDelta> {
    if a.is_empty() || a.len() != b.len() {
        return None;
    }
    let n = a.len();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
    let (mean_a, mean_b) = (mean(a), mean(b));
    let diffs: Vec<f64> = b.iter().zip(a).map(|(y, x)| y - x).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ci95 = Uniform::new(0, n).ok().map(|pick| {
        let mut means: Vec<f64> = (0..RESAMPLES)
            .map(|_| (0..n).map(|_| diffs[pick.sample(&mut rng)]).sum::<f64>() / n as f64)
            .collect();
        percentile_interval(&mut means)
    });
    Some(PairedDelta {
        mean_a,
        mean_b,
        delta: mean_b - mean_a,
        ci95,
    })
}

/// McNemar's test on paired correctness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Rows right in A and wrong in B.
    pub a_only: usize,
    /// Rows wrong in A and right in B.
    pub b_only: usize,
    /// Two-sided p-value: exact binomial up to 10,000 discordant rows, else the continuity-
    /// corrected chi-square.
    pub p_value: f64,
}

pub fn mcnemar(a_correct: &[bool], b_correct: &[bool]) -> McNemar {
    let a_only = a_correct
        .iter()
        .zip(b_correct)
        .filter(|(a, b)| **a && !**b)
        .count();
    let b_only = a_correct
        .iter()
        .zip(b_correct)
        .filter(|(a, b)| !**a && **b)
        .count();
    let n = a_only + b_only;
    let p_value = if n == 0 {
        1.0
    } else if n <= 10_000 {
        exact_two_sided(a_only.min(b_only), n)
    } else {
        let chi = ((a_only as f64 - b_only as f64).abs() - 1.0)
            .max(0.0)
            .powi(2)
            / n as f64;
        erfc((chi / 2.0).sqrt())
    };
    McNemar {
        a_only,
        b_only,
        p_value: p_value.min(1.0),
    }
}

/// P(X ≤ k) × 2 for X ~ Binomial(n, 1/2), summed in log space.
fn exact_two_sided(k: usize, n: usize) -> f64 {
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut total = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        total += (ln_choose + ln_half_n).exp();
    }
    2.0 * total
}

/// The complementary error function (Abramowitz and Stegun 7.1.26; absolute error < 1.5e-7).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    poly * (-x * x).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_and_interval() {
        let a = [0.0, 1.0, 0.0, 1.0];
        let b = [1.0, 1.0, 1.0, 1.0];
        let d = paired_delta(&a, &b, 1).expect("delta");
        assert_eq!((d.mean_a, d.mean_b, d.delta), (0.5, 1.0, 0.5));
        let ci = d.ci95.expect("ci");
        assert!(ci.lo >= 0.0 && ci.hi <= 1.0 && ci.lo <= 0.5 && ci.hi >= 0.5);
        assert_eq!(paired_delta(&a, &b, 1), Some(d), "seeded");
        assert!(paired_delta(&a, &b[..2], 1).is_none());
    }

    #[test]
    fn mcnemar_matches_known_values() {
        // 10 discordant rows, 9 to 1: p = 2 * (1 + 10) / 1024.
        let a: Vec<bool> = (0..10).map(|i| i == 0).collect();
        let b: Vec<bool> = (0..10).map(|i| i != 0).collect();
        let m = mcnemar(&a, &b);
        assert_eq!((m.a_only, m.b_only), (1, 9));
        assert!((m.p_value - 22.0 / 1024.0).abs() < 1e-12);
        assert_eq!(mcnemar(&a, &a).p_value, 1.0);
        // The normal branch agrees with the exact one near its threshold.
        assert!((erfc(1.959_963_985 / 2f64.sqrt()) - 0.05).abs() < 1e-6);
    }
}
