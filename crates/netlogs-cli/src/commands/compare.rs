//! `netlogs compare RUN_A RUN_B [RUN_C…]`: every later run against the first, as markdown.

use std::fmt::Write as _;

use anyhow::{bail, Context, Result};
use netlogs_eval::{compare_runs, Flip, GroupDelta, RunComparison};

use crate::args::CompareArgs;

/// Flipped examples listed per direction, at most.
const FLIPS_SHOWN: usize = 25;

pub fn run(a: CompareArgs) -> Result<()> {
    if a.runs.len() < 2 {
        bail!("netlogs compare needs at least two run directories");
    }
    let mut out = String::new();
    let mut html = String::new();
    for b in &a.runs[1..] {
        let c = compare_runs(&a.runs[0], b, a.seed)?;
        out.push_str(&render(&c));
        html.push_str(&netlogs_report::render_compare(&c));
    }
    if let Some(path) = &a.html {
        std::fs::write(path, &html).with_context(|| format!("cannot write {}", path.display()))?;
    }
    match &a.output {
        Some(path) => std::fs::write(path, &out)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{out}"),
    }
    Ok(())
}

fn signed(x: f64) -> String {
    format!("{x:+.3}")
}

/// The markdown of one comparison (no paths or run ids: it snapshots stably).
pub fn render(c: &RunComparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {} vs {}\n", c.b.model, c.a.model);
    let _ = writeln!(
        o,
        "- **A:** {} on {} ({} rows)\n- **B:** {} on {} ({} rows)\n- **Paired rows:** {} ({} with an error on either side left out)\n",
        c.a.model, c.a.dataset, c.a.rows, c.b.model, c.b.dataset, c.b.rows, c.pairs, c.errors_skipped
    );
    let _ = writeln!(
        o,
        "| metric | A | B | B − A | 95% CI (paired bootstrap) |\n|---|---|---|---|---|"
    );
    for (name, d) in &c.metrics {
        let ci = d.ci95.map_or_else(
            || "n/a".into(),
            |i| format!("[{}, {}]", signed(i.lo), signed(i.hi)),
        );
        let _ = writeln!(
            o,
            "| {name} | {:.3} | {:.3} | {} | {ci} |",
            d.mean_a,
            d.mean_b,
            signed(d.delta)
        );
    }
    let m = &c.mcnemar;
    let _ = writeln!(
        o,
        "\nMcNemar on accuracy: {} right only in A, {} right only in B, p = {:.4}.",
        m.a_only, m.b_only, m.p_value
    );
    groups(&mut o, "capture", &c.by_capture);
    groups(&mut o, "family", &c.by_family);
    flips(&mut o, "Right in A, wrong in B", &c.now_wrong);
    flips(&mut o, "Wrong in A, right in B", &c.now_right);
    o.push('\n');
    o
}

fn groups(o: &mut String, name: &str, groups: &[GroupDelta]) {
    let _ = writeln!(
        o,
        "\n## Accuracy by {name}\n\n| {name} | n | A | B | B − A |\n|---|---|---|---|---|"
    );
    for g in groups {
        let _ = writeln!(
            o,
            "| {} | {} | {:.3} | {:.3} | {} |",
            g.key,
            g.n,
            g.accuracy_a,
            g.accuracy_b,
            signed(g.accuracy_b - g.accuracy_a)
        );
    }
}

fn flips(o: &mut String, title: &str, flips: &[Flip]) {
    let _ = writeln!(o, "\n## {title} ({})\n", flips.len());
    if flips.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "| example | rollout | capture | family | A | B |\n|---|---|---|---|---|---|"
    );
    for f in flips.iter().take(FLIPS_SHOWN) {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            f.example_id,
            f.rollout,
            f.capture.as_deref().unwrap_or("-"),
            f.family.as_deref().unwrap_or("-"),
            f.outcome_a.as_str(),
            f.outcome_b.as_str()
        );
    }
    if flips.len() > FLIPS_SHOWN {
        let _ = writeln!(o, "\n…and {} more.", flips.len() - FLIPS_SHOWN);
    }
}
