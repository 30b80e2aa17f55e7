//! Percentile bootstrap intervals, shared by run metrics, skill and paired comparisons.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    /// The interval scaled by `k > 0` (a difference of rewards read as a difference of skill).
    pub fn scaled(self, k: f64) -> Interval {
        Interval {
            lo: self.lo * k,
            hi: self.hi * k,
        }
    }
}

/// The 2.5% and 97.5% percentiles of non-empty bootstrap draws (sorted in place).
pub(crate) fn percentile_interval(draws: &mut [f64]) -> Interval {
    draws.sort_by(f64::total_cmp);
    let last = draws.len().saturating_sub(1) as f64;
    let at = |q: f64| draws[(q * last).round() as usize];
    Interval {
        lo: at(0.025),
        hi: at(0.975),
    }
}
