//! Rubric configuration: preset, weights and costs, from defaults, TOML, or flags.

use serde::{Deserialize, Serialize};

use crate::error::RubricError;

/// Which scoring rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Strict format, proper calibration, abstention and asymmetric costs done right.
    #[default]
    Seed,
    /// The Python reference, reproduced exactly.
    Legacy,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Seed => "seed",
            Preset::Legacy => "legacy",
        }
    }

    pub fn parse(s: &str) -> Option<Preset> {
        match s {
            "seed" => Some(Preset::Seed),
            "legacy" => Some(Preset::Legacy),
            _ => None,
        }
    }
}

/// Weight of each component in the total reward.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub accuracy: f64,
    pub format: f64,
    pub calibration: f64,
    pub cost: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            accuracy: 1.0,
            format: 0.1,
            calibration: 0.2,
            cost: 0.5,
        }
    }
}

impl Weights {
    /// Parse `a,f,c,k` as given to `--weights`.
    pub fn parse_list(s: &str) -> Result<Weights, RubricError> {
        let parts: Result<Vec<f64>, _> = s.split(',').map(|p| p.trim().parse::<f64>()).collect();
        match parts.as_deref() {
            Ok([a, f, c, k]) => Ok(Weights {
                accuracy: *a,
                format: *f,
                calibration: *c,
                cost: *k,
            }),
            _ => Err(RubricError::Config(format!(
                "--weights takes four numbers `accuracy,format,calibration,cost`, got `{s}`"
            ))),
        }
    }
}

/// Everything that defines a rubric. Serialised into every run's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RubricConfig {
    pub preset: Preset,
    pub weights: Weights,
    /// Penalty for a missed attack (Benign, or an unreadable answer, on Malicious gold).
    pub fn_cost: f64,
    /// Penalty for a false alarm (Malicious on Benign gold). Seed preset only.
    pub fp_cost: f64,
    /// Penalty for abstaining. Seed preset only.
    pub abstain_cost: f64,
    /// Accuracy credit for abstaining. Seed preset only. 0.75 makes abstention the best action
    /// for P(malicious) in about (0.35, 0.53) with default weights (`netlogs audit`).
    pub abstain_credit: f64,
}

impl Default for RubricConfig {
    fn default() -> Self {
        RubricConfig::preset(Preset::Seed)
    }
}

/// The TOML file form: every key optional, laid over the preset's defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RubricFile {
    preset: Option<Preset>,
    weights: Option<Weights>,
    fn_cost: Option<f64>,
    fp_cost: Option<f64>,
    abstain_cost: Option<f64>,
    abstain_credit: Option<f64>,
}

impl RubricConfig {
    pub fn preset(preset: Preset) -> RubricConfig {
        RubricConfig {
            preset,
            weights: Weights::default(),
            fn_cost: 1.0,
            fp_cost: 0.0,
            abstain_cost: 0.0,
            abstain_credit: match preset {
                Preset::Seed => 0.75,
                Preset::Legacy => 0.0,
            },
        }
    }

    /// Read a rubric TOML. `preset` given here (e.g. by a flag) wins over the file's.
    pub fn from_toml(text: &str, preset: Option<Preset>) -> Result<RubricConfig, RubricError> {
        let file: RubricFile =
            toml::from_str(text).map_err(|e| RubricError::Config(e.to_string()))?;
        let mut cfg = RubricConfig::preset(preset.or(file.preset).unwrap_or_default());
        if let Some(w) = file.weights {
            cfg.weights = w;
        }
        if let Some(v) = file.fn_cost {
            cfg.fn_cost = v;
        }
        if let Some(v) = file.fp_cost {
            cfg.fp_cost = v;
        }
        if let Some(v) = file.abstain_cost {
            cfg.abstain_cost = v;
        }
        if let Some(v) = file.abstain_credit {
            cfg.abstain_credit = v;
        }
        cfg.validate()
    }

    /// Reject values that make the reward meaningless.
    pub fn validate(self) -> Result<RubricConfig, RubricError> {
        let w = self.weights;
        for (name, v) in [
            ("weights.accuracy", w.accuracy),
            ("weights.format", w.format),
            ("weights.calibration", w.calibration),
            ("weights.cost", w.cost),
        ] {
            if !v.is_finite() {
                return Err(RubricError::Config(format!(
                    "{name} must be finite, got {v}"
                )));
            }
        }
        for (name, v) in [
            ("fn_cost", self.fn_cost),
            ("fp_cost", self.fp_cost),
            ("abstain_cost", self.abstain_cost),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(RubricError::Config(format!(
                    "{name} must be a non-negative number, got {v}"
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.abstain_credit) {
            return Err(RubricError::Config(format!(
                "abstain_credit must lie in [0, 1], got {}",
                self.abstain_credit
            )));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_defaults() {
        let c = RubricConfig::from_toml(
            "fn_cost = 2.0\n[weights]\naccuracy=1\nformat=0\ncalibration=0\ncost=1\n",
            None,
        )
        .expect("valid");
        assert_eq!(c.preset, Preset::Seed);
        assert_eq!(c.fn_cost, 2.0);
        assert_eq!(c.abstain_credit, 0.75);
        assert_eq!(c.weights.format, 0.0);
        assert!(RubricConfig::from_toml("bogus = 1", None).is_err());
        assert!(RubricConfig::from_toml("abstain_credit = 2", None).is_err());
        let l = RubricConfig::from_toml("preset = \"legacy\"", None).expect("legacy");
        assert_eq!(l.preset, Preset::Legacy);
    }

    #[test]
    fn weights_list() {
        assert_eq!(
            Weights::parse_list("1,0.1,0.2,0.5").expect("ok"),
            Weights::default()
        );
        assert!(Weights::parse_list("1,2").is_err());
    }
}
