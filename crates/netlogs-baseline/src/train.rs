//! Training: boosted trees on the train split, isotonic calibration on another split (dev), so
//! the model's confidence means what the rubric's calibration term asks.

use std::collections::BTreeSet;

use forust_ml::{GradientBooster, Matrix};
use netlogs_data::{Example, Label};
use serde::Serialize;

use crate::calibrate::Isotonic;
use crate::error::BaselineError;
use crate::features::features;
use crate::model::{raw_probabilities, LearnedModel, TrainedOn};

/// The examples to train on and to calibrate on, and where they came from.
#[derive(Debug)]
pub struct TrainData<'a> {
    pub dataset: String,
    pub train_split: String,
    pub train: &'a [Example],
    pub calibration_split: String,
    pub calibration: &'a [Example],
}

/// Boosting rounds, learning rate and depth: XGBoost's usual defaults scaled to tens of
/// thousands of rows.
const ROUNDS: usize = 150;
const LEARNING_RATE: f32 = 0.1;
const MAX_DEPTH: usize = 5;

/// What training measured, for the command to print.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub train_rows: usize,
    pub calibration_rows: usize,
    /// Brier score on the calibration split, before and after calibration.
    pub brier_raw: f64,
    pub brier_calibrated: f64,
}

fn matrix_of(examples: &[Example]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let rows = examples.iter().map(|e| features(&e.prompt)).collect();
    let y = examples
        .iter()
        .map(|e| f64::from(u8::from(e.answer == Label::Malicious)))
        .collect();
    (rows, y)
}

fn brier(p: &[f64], y: &[f64]) -> f64 {
    p.iter().zip(y).map(|(p, y)| (p - y).powi(2)).sum::<f64>() / p.len().max(1) as f64
}

fn check(examples: &[Example], split: &str) -> Result<(), BaselineError> {
    let malicious = examples
        .iter()
        .filter(|e| e.answer == Label::Malicious)
        .count();
    if examples.is_empty() || malicious == 0 || malicious == examples.len() {
        return Err(BaselineError::Data(format!(
            "split `{split}` has {} rows, {malicious} malicious: training needs both labels",
            examples.len()
        )));
    }
    Ok(())
}

/// Train and calibrate a model (seeded: the same data and seed give the same model).
pub fn train(data: &TrainData, seed: u64) -> Result<(LearnedModel, TrainReport), BaselineError> {
    check(data.train, &data.train_split)?;
    check(data.calibration, &data.calibration_split)?;
    let (rows, y) = matrix_of(data.train);
    let cols = rows.first().map_or(0, Vec::len);
    let mut column_major = Vec::with_capacity(rows.len() * cols);
    for c in 0..cols {
        column_major.extend(rows.iter().map(|r| r[c]));
    }
    let matrix = Matrix::new(&column_major, rows.len(), cols);
    let mut booster = GradientBooster::default()
        .set_iterations(ROUNDS)
        .set_learning_rate(LEARNING_RATE)
        .set_max_depth(MAX_DEPTH)
        .set_seed(seed);
    booster
        .fit_unweighted(&matrix, &y, None)
        .map_err(|e| BaselineError::Model(e.to_string()))?;
    let (cal_rows, cal_y) = matrix_of(data.calibration);
    let raw = raw_probabilities(&booster, &cal_rows);
    let pairs: Vec<(f64, bool)> = raw
        .iter()
        .zip(&cal_y)
        .map(|(p, y)| (*p, *y > 0.5))
        .collect();
    let calibration = Isotonic::fit(&pairs);
    let calibrated: Vec<f64> = raw.iter().map(|p| calibration.apply(*p)).collect();
    let report = TrainReport {
        train_rows: rows.len(),
        calibration_rows: cal_rows.len(),
        brier_raw: brier(&raw, &cal_y),
        brier_calibrated: brier(&calibrated, &cal_y),
    };
    let captures: BTreeSet<String> = data
        .train
        .iter()
        .filter_map(|e| e.info.capture.clone())
        .collect();
    let trained_on = TrainedOn {
        dataset: data.dataset.clone(),
        train_split: data.train_split.clone(),
        train_rows: rows.len(),
        train_captures: captures.into_iter().collect(),
        calibration_split: data.calibration_split.clone(),
        calibration_rows: cal_rows.len(),
    };
    Ok((LearnedModel::new(booster, calibration, trained_on)?, report))
}
