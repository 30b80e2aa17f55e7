//! `netlogs compare RUN_A RUN_B [RUN_C…]`: every later run against the first, as markdown
//! (and HTML with `--html`).

use anyhow::{bail, Context, Result};
use netlogs_report::{compare_runs, render_compare, render_compare_markdown};

use crate::args::CompareArgs;

pub fn run(a: CompareArgs) -> Result<()> {
    if a.runs.len() < 2 {
        bail!("netlogs compare needs at least two run directories");
    }
    let (mut markdown, mut html) = (String::new(), String::new());
    for b in &a.runs[1..] {
        let c = compare_runs(&a.runs[0], b, a.seed)?;
        markdown.push_str(&render_compare_markdown(&c));
        html.push_str(&render_compare(&c));
    }
    if let Some(path) = &a.html {
        std::fs::write(path, &html).with_context(|| format!("cannot write {}", path.display()))?;
    }
    match &a.output {
        Some(path) => std::fs::write(path, &markdown)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{markdown}"),
    }
    Ok(())
}
