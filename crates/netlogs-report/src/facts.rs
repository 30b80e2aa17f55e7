//! Fact lines every report of a run shows (report.md, report.html, the terminal summary), worded
//! once.

use netlogs_rubric::Skill;
use netlogs_runlog::{Metadata, Summary};

/// `bundled:iot23 (34140 rows available)`.
pub fn dataset_fact(m: &Metadata) -> String {
    format!(
        "{} ({} rows available)",
        m.dataset.name, m.dataset.rows_available
    )
}

/// How the run ended, when it did not finish: `None` for a finished run.
pub fn status_fact(m: &Metadata) -> Option<String> {
    (!m.status.is_finished()).then(|| match &m.status {
        netlogs_runlog::RunStatus::Interrupted => "interrupted: no end was recorded (still running, or it crashed); `netlogs eval --resume` finishes it".to_string(),
        other => other.to_string(),
    })
}

/// How many answers hit the token limit, with the fix; `None` when none did.
pub fn truncation_fact(m: &Metadata, s: &Summary) -> Option<String> {
    let n = s.truncated;
    (n > 0).then(|| {
        let total = s.metrics.n + s.metrics.n_errors;
        let limit = m
            .eval()
            .and_then(|s| s.max_tokens)
            .map_or_else(|| "the server's default".to_string(), |t| t.to_string());
        format!("{n} of {total} answers hit the token limit ({limit}; finish_reason \"length\"): raise -t/--max-tokens")
    })
}

/// `0.512 95% CI [0.471, 0.553] over always-Abstain (1.050; perfect 1.800)`, with the reading
/// in words when the run is no better than a constant answer; `None` for a run with no rows.
pub fn skill_fact(s: &Skill) -> Option<String> {
    let skill = s.skill?;
    let ci = s.skill_ci95.map_or_else(String::new, |i| {
        format!(" 95% CI [{:.3}, {:.3}]", i.lo, i.hi)
    });
    let floor = format!(
        "{skill:.3}{ci} over {} ({:.3}; perfect {:.3})",
        s.best_constant.name(),
        s.best_constant.mean_reward,
        s.perfect_reward
    );
    let upper = s.skill_ci95.map_or(skill, |i| i.hi);
    Some(if upper < 0.0 {
        format!(
            "{floor}: WORSE than answering {} to every flow",
            s.best_constant.name()
        )
    } else if skill <= 0.0 {
        format!("{floor}: no better than answering the same thing to every flow")
    } else {
        floor
    })
}
