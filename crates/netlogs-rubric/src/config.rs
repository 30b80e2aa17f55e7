//! Rubric configuration: preset, weights and costs, from defaults, TOML, or flags.

use serde::{Deserialize, Serialize};

use crate::error::RubricError;

/// Which scoring rules apply. `seed`, the preset's first name, still parses (a deprecated
/// alias): it said "the seed environment" but read as the RNG seed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Preset {
    /// Strict format, proper (Brier) calibration, abstention and asymmetric costs done right.
    #[default]
    #[serde(alias = "seed")]
    #[strum(to_string = "proper", serialize = "seed")]
    Proper,
    /// The Python reference, reproduced exactly.
    Legacy,
    /// `proper`, plus the `grounding` component: a confident `Malicious` answer must cite
    /// the flow fields it rests on (`evidence`), and every citation must match the flow.
    Grounded,
}

/// Weight of each component in the total reward. Written as a table
/// `{accuracy, format, calibration, cost, grounding}` (`grounding` optional, 0 when left
/// out) or as four or five numbers in that order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WeightsForm")]
pub struct Weights {
    pub accuracy: f64,
    pub format: f64,
    pub calibration: f64,
    pub cost: f64,
    /// 0 (and then left out of the stored config) except under `grounded`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub grounding: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            accuracy: 1.0,
            format: 0.1,
            calibration: 0.2,
            cost: 0.5,
            grounding: 0.0,
        }
    }
}

/// The forms weights are written in.
#[derive(Deserialize)]
#[serde(untagged)]
enum WeightsForm {
    List(Vec<f64>),
    Table(WeightsTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightsTable {
    accuracy: f64,
    format: f64,
    calibration: f64,
    cost: f64,
    #[serde(default)]
    grounding: f64,
}

const WEIGHTS_LIST: &str = "four or five numbers `accuracy,format,calibration,cost[,grounding]`";

impl TryFrom<WeightsForm> for Weights {
    type Error = String;

    fn try_from(form: WeightsForm) -> Result<Weights, Self::Error> {
        match form {
            WeightsForm::List(list) => Weights::from_list(&list)
                .ok_or_else(|| format!("weights take {WEIGHTS_LIST}, got {} numbers", list.len())),
            WeightsForm::Table(t) => Ok(Weights {
                accuracy: t.accuracy,
                format: t.format,
                calibration: t.calibration,
                cost: t.cost,
                grounding: t.grounding,
            }),
        }
    }
}

impl Weights {
    fn from_list(list: &[f64]) -> Option<Weights> {
        let (&[accuracy, format, calibration, cost], grounding) = match list {
            [a, f, c, k] => (&[*a, *f, *c, *k], 0.0),
            [a, f, c, k, g] => (&[*a, *f, *c, *k], *g),
            _ => return None,
        };
        Some(Weights {
            accuracy,
            format,
            calibration,
            cost,
            grounding,
        })
    }

    /// Parse `a,f,c,k[,g]` as given to `--weights`.
    pub fn parse_list(s: &str) -> Result<Weights, RubricError> {
        let parts: Result<Vec<f64>, _> = s.split(',').map(|p| p.trim().parse::<f64>()).collect();
        parts
            .ok()
            .and_then(|p| Weights::from_list(&p))
            .ok_or_else(|| {
                RubricError::Config(format!("--weights takes {WEIGHTS_LIST}, got `{s}`"))
            })
    }
}

/// Everything that defines a rubric. Serialised into every run's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RubricConfig {
    pub preset: Preset,
    pub weights: Weights,
    /// Penalty for a missed attack (Benign, or an unreadable answer, on Malicious gold).
    pub fn_cost: f64,
    /// Penalty for a false alarm (Malicious on Benign gold). Proper preset only.
    pub fp_cost: f64,
    /// Penalty for abstaining. Proper preset only.
    pub abstain_cost: f64,
    /// Accuracy credit for abstaining. Proper preset only. 0.75 makes abstention the best action
    /// for P(malicious) in about (0.35, 0.53) with default weights (`netlogs audit`).
    pub abstain_credit: f64,
    /// Reward taken off per tool call in the multi-turn lookup mode (0: tools are free).
    #[serde(default)]
    pub tool_cost: f64,
    /// A `Malicious` answer at this confidence or above is high-stakes: uncited, it scores 0
    /// on `grounding`.
    #[serde(
        default = "default_grounding_threshold",
        skip_serializing_if = "is_default_grounding_threshold"
    )]
    pub grounding_threshold: f64,
    /// Citations beyond this many count as unmatched, so citing every field cannot beat
    /// citing the right ones.
    #[serde(
        default = "default_grounding_max_cited",
        skip_serializing_if = "is_default_grounding_max_cited"
    )]
    pub grounding_max_cited: u32,
}

/// `grounding_threshold` when none is given.
pub const GROUNDING_THRESHOLD: f64 = 0.8;
/// `grounding_max_cited` when none is given.
pub const GROUNDING_MAX_CITED: u32 = 5;

fn default_grounding_threshold() -> f64 {
    GROUNDING_THRESHOLD
}

fn is_default_grounding_threshold(x: &f64) -> bool {
    *x == GROUNDING_THRESHOLD
}

fn default_grounding_max_cited() -> u32 {
    GROUNDING_MAX_CITED
}

fn is_default_grounding_max_cited(x: &u32) -> bool {
    *x == GROUNDING_MAX_CITED
}

impl Default for RubricConfig {
    fn default() -> Self {
        RubricConfig::preset(Preset::Proper)
    }
}

/// Changes laid over a preset's defaults: the form of a rubric TOML file, of the command-line
/// flags and of the Python keyword arguments alike. Every key is optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricOverrides {
    pub preset: Option<Preset>,
    pub weights: Option<Weights>,
    pub fn_cost: Option<f64>,
    pub fp_cost: Option<f64>,
    pub abstain_cost: Option<f64>,
    pub abstain_credit: Option<f64>,
    pub tool_cost: Option<f64>,
    pub grounding_threshold: Option<f64>,
    pub grounding_max_cited: Option<u32>,
}

impl From<RubricConfig> for RubricOverrides {
    /// Every key of `cfg`, so laying these over anything gives `cfg`.
    fn from(cfg: RubricConfig) -> RubricOverrides {
        RubricOverrides {
            preset: Some(cfg.preset),
            weights: Some(cfg.weights),
            fn_cost: Some(cfg.fn_cost),
            fp_cost: Some(cfg.fp_cost),
            abstain_cost: Some(cfg.abstain_cost),
            abstain_credit: Some(cfg.abstain_credit),
            tool_cost: Some(cfg.tool_cost),
            grounding_threshold: Some(cfg.grounding_threshold),
            grounding_max_cited: Some(cfg.grounding_max_cited),
        }
    }
}

impl RubricOverrides {
    /// The keys of a rubric file, of Python's keyword arguments and of the flags.
    pub const KEYS: [&'static str; 9] = [
        "preset",
        "weights",
        "fn_cost",
        "fp_cost",
        "abstain_cost",
        "abstain_credit",
        "tool_cost",
        "grounding_threshold",
        "grounding_max_cited",
    ];

    /// Overrides given as JSON (Python's keyword arguments): the same keys and forms as a
    /// rubric file.
    pub fn from_json(value: serde_json::Value) -> Result<RubricOverrides, RubricError> {
        serde_json::from_value(value).map_err(|e| RubricError::Config(e.to_string()))
    }

    /// Read a rubric TOML file's text.
    pub fn from_toml(text: &str) -> Result<RubricOverrides, RubricError> {
        toml::from_str(text).map_err(|e| {
            let message = e.to_string();
            // toml gives no line for some errors (nesting past its recursion limit): say
            // what a rubric file may hold instead.
            RubricError::Config(match e.span() {
                Some(_) => message,
                None => format!(
                    "{} (no line given; a rubric file holds the keys {} and a [weights] table)",
                    message.trim_end(),
                    Self::KEYS.join(", ")
                ),
            })
        })
    }

    /// `top` laid over `self`: each key `top` sets wins.
    pub fn then(self, top: RubricOverrides) -> RubricOverrides {
        RubricOverrides {
            preset: top.preset.or(self.preset),
            weights: top.weights.or(self.weights),
            fn_cost: top.fn_cost.or(self.fn_cost),
            fp_cost: top.fp_cost.or(self.fp_cost),
            abstain_cost: top.abstain_cost.or(self.abstain_cost),
            abstain_credit: top.abstain_credit.or(self.abstain_credit),
            tool_cost: top.tool_cost.or(self.tool_cost),
            grounding_threshold: top.grounding_threshold.or(self.grounding_threshold),
            grounding_max_cited: top.grounding_max_cited.or(self.grounding_max_cited),
        }
    }

    /// The preset's defaults (`proper` when none is named) with these changes, validated.
    pub fn resolve(self) -> Result<RubricConfig, RubricError> {
        let base = RubricConfig::preset(self.preset.unwrap_or_default());
        RubricConfig {
            preset: base.preset,
            weights: self.weights.unwrap_or(base.weights),
            fn_cost: self.fn_cost.unwrap_or(base.fn_cost),
            fp_cost: self.fp_cost.unwrap_or(base.fp_cost),
            abstain_cost: self.abstain_cost.unwrap_or(base.abstain_cost),
            abstain_credit: self.abstain_credit.unwrap_or(base.abstain_credit),
            tool_cost: self.tool_cost.unwrap_or(base.tool_cost),
            grounding_threshold: self.grounding_threshold.unwrap_or(base.grounding_threshold),
            grounding_max_cited: self.grounding_max_cited.unwrap_or(base.grounding_max_cited),
        }
        .validate()
    }
}

/// The `grounding` weight of the `grounded` preset. Small enough that a correct answer that
/// cites nothing still scores above every incorrect answer (`netlogs audit --preset
/// grounded` checks it), large enough to pay for a citation.
pub const GROUNDED_WEIGHT: f64 = 0.3;

impl RubricConfig {
    pub fn preset(preset: Preset) -> RubricConfig {
        RubricConfig {
            preset,
            weights: Weights {
                grounding: match preset {
                    Preset::Grounded => GROUNDED_WEIGHT,
                    Preset::Proper | Preset::Legacy => 0.0,
                },
                ..Weights::default()
            },
            fn_cost: 1.0,
            fp_cost: 0.0,
            abstain_cost: 0.0,
            abstain_credit: match preset {
                Preset::Proper | Preset::Grounded => 0.75,
                Preset::Legacy => 0.0,
            },
            tool_cost: 0.0,
            grounding_threshold: GROUNDING_THRESHOLD,
            grounding_max_cited: GROUNDING_MAX_CITED,
        }
    }

    /// Whether rows are scored on `grounding` (its weight is not 0). Only then is the
    /// component computed, so runs under `proper` and `legacy` read exactly as before.
    pub fn scores_grounding(&self) -> bool {
        self.weights.grounding != 0.0
    }

    /// Read a rubric TOML. `preset` given here (e.g. by a flag) wins over the file's.
    pub fn from_toml(text: &str, preset: Option<Preset>) -> Result<RubricConfig, RubricError> {
        RubricOverrides::from_toml(text)?
            .then(RubricOverrides {
                preset,
                ..RubricOverrides::default()
            })
            .resolve()
    }

    /// Reject values that make the reward meaningless.
    pub fn validate(self) -> Result<RubricConfig, RubricError> {
        let w = self.weights;
        for (name, v) in [
            ("weights.accuracy", w.accuracy),
            ("weights.format", w.format),
            ("weights.calibration", w.calibration),
            ("weights.cost", w.cost),
            ("weights.grounding", w.grounding),
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
            ("tool_cost", self.tool_cost),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(RubricError::Config(format!(
                    "{name} must be a non-negative number, got {v}"
                )));
            }
        }
        if self.preset == Preset::Legacy && self.scores_grounding() {
            return Err(RubricError::Config(format!(
                "weights.grounding must be 0 under the legacy preset (the reference has no such component), got {}; use preset `grounded`",
                w.grounding
            )));
        }
        if !(0.0..=1.0).contains(&self.grounding_threshold) {
            return Err(RubricError::Config(format!(
                "grounding_threshold must lie in [0, 1], got {}",
                self.grounding_threshold
            )));
        }
        if self.grounding_max_cited == 0 {
            return Err(RubricError::Config(
                "grounding_max_cited must be at least 1".into(),
            ));
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

    /// Found by the `rubric_toml` fuzz target: a dotted key nested past toml's recursion limit
    /// failed with "recursion limit" alone, naming neither a line nor a key.
    #[test]
    fn nesting_past_the_limit_says_what_a_rubric_holds() {
        let text = format!("{} = 1", vec!["a"; 200].join("."));
        let message = RubricConfig::from_toml(&text, None)
            .expect_err("too deep")
            .to_string();
        assert!(message.contains("recursion limit"), "{message}");
        assert!(
            message.contains("fn_cost") && message.contains("[weights]"),
            "{message}"
        );
    }

    #[test]
    fn toml_overrides_defaults() {
        let c = RubricConfig::from_toml(
            "fn_cost = 2.0\n[weights]\naccuracy=1\nformat=0\ncalibration=0\ncost=1\n",
            None,
        )
        .expect("valid");
        assert_eq!(c.preset, Preset::Proper);
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
        assert_eq!(
            Weights::parse_list("1,0.1,0.2,0.5,0.3")
                .expect("ok")
                .grounding,
            0.3
        );
        assert!(Weights::parse_list("1,2").is_err());
        assert!(Weights::parse_list("1,2,3,4,5,6").is_err());
        let c = RubricConfig::from_toml("weights = [1, 0, 0, 0, 0.5]", None).expect("five");
        assert_eq!(c.weights.grounding, 0.5);
        assert!(RubricConfig::from_toml("weights = [1, 0]", None).is_err());
    }

    #[test]
    fn grounding_options() {
        let g = RubricConfig::preset(Preset::Grounded);
        assert_eq!(g.weights.grounding, GROUNDED_WEIGHT);
        assert!(g.scores_grounding());
        assert!(!RubricConfig::preset(Preset::Proper).scores_grounding());
        let c = RubricConfig::from_toml(
            "preset = \"grounded\"\ngrounding_threshold = 0.9\ngrounding_max_cited = 3",
            None,
        )
        .expect("valid");
        assert_eq!((c.grounding_threshold, c.grounding_max_cited), (0.9, 3));
        let err = RubricConfig::from_toml(
            "preset = \"legacy\"\n[weights]\naccuracy=1\nformat=0\ncalibration=0\ncost=0\ngrounding=0.2",
            None,
        )
        .expect_err("legacy has no grounding");
        assert!(err.to_string().contains("legacy"), "{err}");
        assert!(RubricConfig::from_toml("grounding_threshold = 1.5", None).is_err());
        assert!(RubricConfig::from_toml("grounding_max_cited = 0", None).is_err());
        // Configs that do not use grounding serialise as they did before it existed.
        let stored = serde_json::to_value(RubricConfig::default()).expect("json");
        assert!(stored.get("grounding_threshold").is_none(), "{stored}");
        assert!(stored["weights"].get("grounding").is_none(), "{stored}");
        let back: RubricConfig = serde_json::from_value(stored).expect("read back");
        assert_eq!(back, RubricConfig::default());
    }
}
