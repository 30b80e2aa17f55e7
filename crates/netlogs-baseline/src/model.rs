//! The model file (`model.json`): its own format, versioned. The boosted trees are forust's
//! JSON dump; the calibration and the facts of training sit beside them.

use std::path::Path;

use forust_ml::{GradientBooster, Matrix};
use netlogs_rubric::{best_action, AnswerLabel, RubricConfig};
use serde::{Deserialize, Serialize};

use crate::calibrate::Isotonic;
use crate::error::BaselineError;
use crate::features::{feature_names, features};

/// The version of the model file.
pub const MODEL_VERSION: u32 = 1;

/// What a model was trained and calibrated on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedOn {
    pub dataset: String,
    pub train_split: String,
    pub train_rows: usize,
    pub train_captures: Vec<String>,
    pub calibration_split: String,
    pub calibration_rows: usize,
}

/// `model.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    pub schema_version: u32,
    pub kind: String,
    /// The features, in order: what the model reads from a prompt.
    pub features: Vec<String>,
    pub trained_on: TrainedOn,
    /// forust's own JSON of the boosted trees.
    pub booster: serde_json::Value,
    pub calibration: Isotonic,
}

/// A loaded model: P(malicious) of a prompt, and the answer the rubric rewards most for it.
pub struct LearnedModel {
    booster: GradientBooster,
    pub file: ModelFile,
}

impl std::fmt::Debug for LearnedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LearnedModel")
            .field("trained_on", &self.file.trained_on)
            .finish_non_exhaustive()
    }
}

const KIND: &str = "netlogs-learned-baseline";

impl LearnedModel {
    pub(crate) fn new(
        booster: GradientBooster,
        calibration: Isotonic,
        trained_on: TrainedOn,
    ) -> Result<LearnedModel, BaselineError> {
        let json = booster
            .json_dump()
            .map_err(|e| BaselineError::Model(e.to_string()))?;
        let booster_value =
            serde_json::from_str(&json).map_err(|e| BaselineError::Model(e.to_string()))?;
        Ok(LearnedModel {
            booster,
            file: ModelFile {
                schema_version: MODEL_VERSION,
                kind: KIND.into(),
                features: feature_names(),
                trained_on,
                booster: booster_value,
                calibration,
            },
        })
    }

    /// Read a model file; a file of another kind, version or feature list is an error
    /// naming the file.
    pub fn load(path: &Path) -> Result<LearnedModel, BaselineError> {
        let bad = |m: String| BaselineError::File {
            path: path.to_path_buf(),
            message: m,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let file: ModelFile =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a model file: {e}")))?;
        if file.kind != KIND || file.schema_version != MODEL_VERSION {
            return Err(bad(format!(
                "a `{}` model file of version {}; this netlogs reads `{KIND}` version {MODEL_VERSION}",
                file.kind, file.schema_version
            )));
        }
        if file.features != feature_names() {
            return Err(bad(
                "its features are not the ones this netlogs reads: train it again".into(),
            ));
        }
        file.calibration.check().map_err(bad)?;
        let booster = GradientBooster::from_json(&file.booster.to_string())
            .map_err(|e| bad(format!("its trees do not load: {e}")))?;
        Ok(LearnedModel { booster, file })
    }

    /// Write the model file whole: to a temporary file beside it, then renamed over it, so a
    /// crash mid-write leaves the previous file (or none), never half of one.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let text =
            serde_json::to_string(&self.file).map_err(|e| BaselineError::Model(e.to_string()))?;
        let bad = |e: std::io::Error| BaselineError::File {
            path: path.to_path_buf(),
            message: format!("cannot write: {e}"),
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, text + "\n").map_err(bad)?;
        std::fs::rename(&tmp, path).map_err(bad)
    }

    /// The boosted trees' probability, before calibration, for rows of features.
    pub(crate) fn raw_probabilities(&self, rows: &[Vec<f64>]) -> Vec<f64> {
        raw_probabilities(&self.booster, rows)
    }

    /// The calibrated P(malicious) of a prompt.
    pub fn probability(&self, prompt: &str) -> f64 {
        let raw = self.raw_probabilities(&[features(prompt)])[0];
        self.file.calibration.apply(raw).clamp(0.0, 1.0)
    }

    /// The answer the rubric `cfg` rewards most at this prompt's calibrated probability: the
    /// label and the confidence to state, or Abstain inside the rubric's abstain band.
    pub fn answer(&self, prompt: &str, cfg: &RubricConfig) -> (AnswerLabel, f64, f64) {
        let p = self.probability(prompt);
        let (label, confidence) = best_action(cfg, p);
        (label, confidence, p)
    }
}

/// Column-major features (forust's layout) and the trees' sigmoid of their log-odds.
pub(crate) fn raw_probabilities(booster: &GradientBooster, rows: &[Vec<f64>]) -> Vec<f64> {
    let cols = rows.first().map_or(0, Vec::len);
    let mut data = Vec::with_capacity(rows.len() * cols);
    for c in 0..cols {
        data.extend(rows.iter().map(|r| r[c]));
    }
    let matrix = Matrix::new(&data, rows.len(), cols);
    booster
        .predict(&matrix, false)
        .into_iter()
        .map(|logit| 1.0 / (1.0 + (-logit).exp()))
        .collect()
}
