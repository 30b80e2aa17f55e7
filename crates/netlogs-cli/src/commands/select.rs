//! `netlogs data select`: the next training or evaluation set from past runs, and how it
//! compares with a random pick of the same size on the runs' own rollouts.

use std::fmt::Write;

use anyhow::{Context, Result};
use netlogs_select::{select, write_selection, Pool, SelectionReport};

use crate::args::DataSelectArgs;

/// Random picks averaged for the comparison.
const RANDOM_DRAWS: usize = 1000;

pub fn run(a: &DataSelectArgs) -> Result<()> {
    let pool = Pool::read(&a.runs)?;
    let selection = select(&pool, a.strategy, a.n, !a.no_balance)?;
    write_selection(&pool, &selection.picked, &a.output)
        .with_context(|| format!("writing {}", a.output.display()))?;
    let report = SelectionReport::new(&pool, &selection, RANDOM_DRAWS, a.seed);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report, a.n, &a.output.display().to_string()));
    }
    Ok(())
}

fn render(r: &SelectionReport, asked: usize, output: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} examples selected by {} (of {} that qualify, {} in the runs; {} error rows left out) → {output}",
        r.selected.n, r.strategy, r.qualified, r.candidates, r.error_rows
    );
    if r.bandless_runs > 0 {
        let _ = writeln!(
            o,
            "note: {} run(s) score with a rubric that has no abstain band (legacy): their beliefs are measured from 0.5",
            r.bandless_runs
        );
    }
    if r.selected.n < asked {
        let _ = writeln!(
            o,
            "note: {asked} were asked for, and only {} qualify",
            r.qualified
        );
    }
    let _ = writeln!(
        o,
        "\n  {:<22} {:>10} {:>12}",
        "on the runs' rollouts",
        "selected",
        format!("random ×{}", r.random.draws)
    );
    let (s, m) = (&r.selected, &r.random.mean);
    let rows: [(&str, f64, f64); 6] = [
        ("reward varies", s.signal_share, m.signal_share),
        ("mean reward std", s.mean_reward_std, m.mean_reward_std),
        ("accuracy", s.accuracy, m.accuracy),
        ("mean reward", s.mean_reward, m.mean_reward),
        ("belief in abstain band", s.in_band_share, m.in_band_share),
        ("malicious share", s.malicious_share, m.malicious_share),
    ];
    for (name, sel, rnd) in rows {
        let _ = writeln!(o, "  {name:<22} {sel:>10.3} {rnd:>12.3}");
    }
    o
}
