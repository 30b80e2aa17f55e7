//! Fact lines every report of a run shows (report.md, report.html, the terminal summary), worded
//! once.

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
