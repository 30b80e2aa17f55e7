//! `netlogs score`: score saved completions offline, keeping the input rows and their order.

use anyhow::Result;
use netlogs_eval::{score_file, ScorePlan};

use crate::args::ScoreArgs;
use netlogs_report::{run_lines, write_reports};

pub fn run(a: ScoreArgs) -> Result<()> {
    let plan = ScorePlan {
        input: a.input,
        output: a.output,
        rubric: a.rubric.config()?,
        seed: a.seed,
    };
    let log = score_file(&plan)?;
    write_reports(&log)?;
    print!("{}", run_lines(&log));
    Ok(())
}
