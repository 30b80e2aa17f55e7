//! `netlogs export`: a run in another tool's format.

use anyhow::{Context, Result};
use netlogs_inspect::{export_run, LOG_VERSION};

use crate::args::ExportCommand;

pub fn run(cmd: ExportCommand) -> Result<()> {
    match cmd {
        ExportCommand::Inspect(a) => {
            let done = export_run(&a.run, &a.output)
                .with_context(|| format!("exporting {}", a.run.display()))?;
            println!(
                "{}: inspect EvalLog (version {LOG_VERSION}), {} samples, {} scored · open it with `inspect view --log-dir {}`",
                a.output.display(),
                done.samples,
                done.scored,
                a.output
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| ".".to_string(), |p| p.display().to_string())
            );
            Ok(())
        }
    }
}
