//! `netlogs baseline train`: the learned baseline, trained on one split of a built dataset and
//! calibrated on another.

use anyhow::{bail, Context, Result};
use netlogs_baseline::{train, TrainData};
use netlogs_data::source::{self, SourceSpec};
use netlogs_data::{Example, Template};

use crate::args::{BaselineCommand, BaselineTrainArgs};

pub fn run(cmd: BaselineCommand) -> Result<()> {
    match cmd {
        BaselineCommand::Train(a) => train_model(&a),
    }
}

fn split(a: &BaselineTrainArgs, name: &str) -> Result<Vec<Example>> {
    let spec = SourceSpec {
        data: &a.data,
        ..SourceSpec::default()
    };
    let rows = source::all_examples(&spec, Template::default(), Some(name), None, &mut |_| {})
        .with_context(|| format!("reading split `{name}`"))?;
    if rows.is_empty() {
        bail!("split `{name}` of {} is empty: the baseline trains on a dataset built by `netlogs data build`", a.data[0].display());
    }
    Ok(rows)
}

fn train_model(a: &BaselineTrainArgs) -> Result<()> {
    if a.split == a.calibrate_on {
        bail!("--split and --calibrate-on are both `{}`: calibrating on the training rows makes the confidence mean nothing", a.split);
    }
    let (train_rows, cal_rows) = (split(a, &a.split)?, split(a, &a.calibrate_on)?);
    let data = TrainData {
        dataset: a
            .data
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        train_split: a.split.clone(),
        train: &train_rows,
        calibration_split: a.calibrate_on.clone(),
        calibration: &cal_rows,
    };
    let (model, report) = train(&data, a.seed)?;
    model.save(&a.output)?;
    println!(
        "trained on {} rows of `{}` ({} captures), calibrated on {} rows of `{}`: Brier {:.4} before calibration, {:.4} after",
        report.train_rows,
        a.split,
        model.file.trained_on.train_captures.len(),
        report.calibration_rows,
        a.calibrate_on,
        report.brier_raw,
        report.brier_calibrated
    );
    println!(
        "wrote {} (run it with: netlogs eval -m builtin:learned --baseline {})",
        a.output.display(),
        a.output.display()
    );
    Ok(())
}
