//! Isotonic calibration: a monotone map from the model's raw probability to the share of
//! malicious rows seen at that score on held-back data, fitted by pool-adjacent-violators.

use serde::{Deserialize, Serialize};

/// A non-decreasing step function: `p` maps to the `value` of the last step whose `from` is
/// at or below it (the first step below that).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isotonic {
    pub from: Vec<f64>,
    pub value: Vec<f64>,
}

impl Isotonic {
    /// Fit on (score, is malicious) pairs. Scores that are not finite are left out; with no
    /// pairs left the map is the identity.
    pub fn fit(pairs: &[(f64, bool)]) -> Isotonic {
        let mut pairs: Vec<(f64, f64)> = pairs
            .iter()
            .filter(|(s, _)| s.is_finite())
            .map(|&(s, y)| (s, f64::from(u8::from(y))))
            .collect();
        if pairs.is_empty() {
            return Isotonic {
                from: vec![0.0],
                value: vec![f64::NAN],
            };
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Equal scores are one point (score, sum of labels, count) before any merging, so a
        // tie never straddles two blocks whatever the input order.
        let mut points: Vec<(f64, f64, f64)> = Vec::new();
        for (s, y) in pairs {
            match points.last_mut() {
                Some(last) if last.0 == s => {
                    last.1 += y;
                    last.2 += 1.0;
                }
                _ => points.push((s, y, 1.0)),
            }
        }
        // Blocks of (first score, sum, count), merged while their rates decrease.
        let mut blocks: Vec<(f64, f64, f64)> = Vec::with_capacity(points.len());
        for point in points {
            blocks.push(point);
            while blocks.len() > 1 {
                let n = blocks.len();
                let (a, b) = (blocks[n - 2], blocks[n - 1]);
                if a.1 / a.2 <= b.1 / b.2 {
                    break;
                }
                blocks[n - 2] = (a.0, a.1 + b.1, a.2 + b.2);
                blocks.pop();
            }
        }
        Isotonic {
            from: blocks.iter().map(|b| b.0).collect(),
            value: blocks.iter().map(|b| b.1 / b.2).collect(),
        }
    }

    /// Why a map read from a file cannot be applied, if it cannot: `apply` indexes it.
    pub fn check(&self) -> Result<(), String> {
        if self.from.is_empty() || self.from.len() != self.value.len() {
            return Err(format!(
                "calibration has {} steps (`from`) and {} values: they must be as many, and at least one",
                self.from.len(),
                self.value.len()
            ));
        }
        if let Some(i) = self.from.iter().position(|f| !f.is_finite()) {
            return Err(format!("calibration `from[{i}]` is not a finite number"));
        }
        if let Some(i) = self.from.windows(2).position(|w| w[0] > w[1]) {
            return Err(format!("calibration `from` decreases at index {}", i + 1));
        }
        if let Some(i) = self.value.iter().position(|v| !(0.0..=1.0).contains(v)) {
            return Err(format!(
                "calibration `value[{i}]` is not a probability in [0, 1]"
            ));
        }
        Ok(())
    }

    /// The calibrated probability of a raw score (the raw score where the map is empty).
    pub fn apply(&self, p: f64) -> f64 {
        let i = self.from.partition_point(|&f| f <= p);
        let v = self.value[i.saturating_sub(1)];
        if v.is_nan() {
            p
        } else {
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_that_cannot_be_applied_is_refused_by_name() {
        let refused = |from: Vec<f64>, value: Vec<f64>| match (Isotonic { from, value }).check() {
            Err(message) => message,
            Ok(()) => String::from("accepted"),
        };
        assert!(refused(vec![], vec![]).contains("at least one"));
        assert!(refused(vec![0.0, 0.5], vec![0.1]).contains("2 steps"));
        assert!(refused(vec![0.5, 0.1], vec![0.1, 0.2]).contains("index 1"));
        assert!(refused(vec![0.0], vec![1.5]).contains("value[0]"));
        assert!(refused(vec![f64::NAN], vec![0.5]).contains("from[0]"));
        assert_eq!(refused(vec![0.0, 0.5], vec![0.1, 0.9]), "accepted");
    }

    #[test]
    fn tied_scores_are_pooled_whatever_their_order() {
        let one = Isotonic::fit(&[(0.2, true), (0.4, false), (0.4, true)]);
        let other = Isotonic::fit(&[(0.2, true), (0.4, true), (0.4, false)]);
        assert_eq!(one, other);
        for p in [0.2, 0.4, 0.9] {
            assert!(
                (one.apply(p) - 2.0 / 3.0).abs() < 1e-12,
                "{p}: {}",
                one.apply(p)
            );
        }
    }

    #[test]
    fn the_fit_is_monotone_and_matches_the_rates_it_saw() {
        let pairs = [
            (0.1, false),
            (0.2, true),
            (0.3, false),
            (0.4, false),
            (0.6, true),
            (0.7, true),
            (0.8, false),
            (0.9, true),
        ];
        let iso = Isotonic::fit(&pairs);
        let mut last = 0.0;
        for i in 0..=100 {
            let v = iso.apply(f64::from(i) / 100.0);
            assert!(v >= last - 1e-12, "monotone");
            last = v;
        }
        assert_eq!(
            iso.apply(0.05),
            0.0,
            "below the first score: the first block"
        );
        assert!(
            (iso.apply(0.25) - 1.0 / 3.0).abs() < 1e-12,
            "0.2..0.4 pooled"
        );
        assert!((iso.apply(0.95) - 1.0).abs() < 1e-12);
        assert_eq!(Isotonic::fit(&[]).apply(0.37), 0.37);
    }
}
