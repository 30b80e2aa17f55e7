//! report.md and the terminal summary, beside report.html so one crate words every report.
//! Deterministic for given metrics (no clock), so they can be snapshot-tested.

use std::collections::BTreeMap;
use std::fmt::Write;

use netlogs_rubric::{held_out, GroupStats, RubricConfig, RunMetrics, HELD_OUT, SEEN};
use netlogs_runlog::{RunKind, RunRecord};

use crate::error::ReportError;
use crate::facts::{dataset_fact, skill_fact, status_fact, truncation_fact};
use crate::html::write_html_report;

fn f(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

fn ci(m: &RunMetrics, accuracy: bool) -> String {
    let i = if accuracy {
        m.reward.accuracy_ci95
    } else {
        m.reward.mean_reward_ci95
    };
    i.map_or_else(
        || "n/a".to_string(),
        |i| format!("[{:.3}, {:.3}]", i.lo, i.hi),
    )
}

/// Skill with its floor, or `n/a` (no rows, or a summary written before skill existed).
fn skill_line(m: &RunMetrics) -> String {
    m.skill
        .as_ref()
        .and_then(skill_fact)
        .unwrap_or_else(|| "n/a".to_string())
}

/// The short table printed at the end of a run.
pub fn terminal_summary(m: &RunMetrics) -> String {
    let d = &m.detection;
    let rows = [
        ("rows scored", m.n.to_string()),
        ("error rows", m.n_errors.to_string()),
        (
            "mean reward",
            format!("{} 95% CI {}", f(m.mean_reward), ci(m, false)),
        ),
        ("skill", skill_line(m)),
        (
            "accuracy",
            format!("{} 95% CI {}", f(m.accuracy), ci(m, true)),
        ),
        ("format rate", f(m.format_rate)),
        ("abstain rate", f(m.abstain_rate)),
        ("TPR / FPR", format!("{} / {}", f(d.tpr), f(d.fpr))),
        (
            "ECE / Brier",
            format!("{} / {}", f(m.calibration.ece), f(m.calibration.brier)),
        ),
        (
            "tp tn fp fn",
            format!("{} {} {} {}", d.tp, d.tn, d.fp, d.fn_),
        ),
        ("abstain invalid", format!("{} {}", d.abstain, d.invalid)),
    ];
    // Only a rubric that weighs grounding scores it.
    let grounding = m.mean_grounding.map(|g| ("mean grounding", f(Some(g))));
    let rows: Vec<(&str, String)> = rows.into_iter().chain(grounding).collect();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        let _ = writeln!(out, "  {k:<width$}  {v}");
    }
    if let Some(line) = exposure_line(m) {
        let _ = writeln!(out, "  {:<width$}  {line}", "seen / held out");
    }
    out
}

/// The human-readable report of a run.
pub fn render_markdown(
    title: &str,
    facts: &[(&str, String)],
    m: &RunMetrics,
    cfg: &RubricConfig,
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {title}\n");
    for (k, v) in facts {
        let _ = writeln!(o, "- **{k}:** {v}");
    }
    let w = cfg.weights;
    let _ = writeln!(
        o,
        "- **Rubric:** preset `{}`, weights accuracy {} / format {} / calibration {} / cost {}; fn_cost {}, fp_cost {}, abstain_cost {}, abstain_credit {}\n",
        cfg.preset, w.accuracy, w.format, w.calibration, w.cost, cfg.fn_cost, cfg.fp_cost, cfg.abstain_cost, cfg.abstain_credit
    );
    if cfg.scores_grounding() {
        let _ = writeln!(
            o,
            "- **Grounding:** weight {}; a Malicious answer at confidence {} or above must cite; at most {} citations counted\n",
            w.grounding, cfg.grounding_threshold, cfg.grounding_max_cited
        );
    }
    if cfg.tool_cost > 0.0 {
        let _ = writeln!(
            o,
            "- **Tool cost:** {} per tool call (lookup mode)\n",
            cfg.tool_cost
        );
    }

    let _ = writeln!(o, "## Reward\n\n| metric | value |\n|---|---|");
    for (k, v) in [
        ("rows scored", m.n.to_string()),
        ("error rows", m.n_errors.to_string()),
        ("mean reward", f(m.mean_reward)),
        ("mean reward 95% CI", ci(m, false)),
        ("skill over the best constant", skill_line(m)),
        (
            "best constant answer",
            m.skill.as_ref().map_or_else(
                || "n/a".to_string(),
                |s| {
                    format!(
                        "{} ({:.3})",
                        s.best_constant.name(),
                        s.best_constant.mean_reward
                    )
                },
            ),
        ),
        (
            "perfect policy",
            f(m.skill.as_ref().map(|s| s.perfect_reward)),
        ),
        ("accuracy component", f(m.mean_accuracy)),
        ("format component", f(m.mean_format)),
        ("calibration component", f(m.mean_calibration)),
        ("cost component", f(m.mean_cost)),
    ]
    .into_iter()
    .chain(
        m.mean_grounding
            .map(|g| ("grounding component", f(Some(g)))),
    ) {
        let _ = writeln!(o, "| {k} | {v} |");
    }

    detection_table(&mut o, m);
    calibration_table(&mut o, m);
    if !m.breakdown.exposure.is_empty() {
        let _ = writeln!(
            o,
            "\n## Captures seen in training against held-out captures\n\nA split dataset keeps each capture in one split: rows of `train` captures were seen in training, rows of `dev` and `test` captures were not."
        );
        group_rows(&mut o, "captures", &m.breakdown.exposure);
    }
    for (name, groups) in [
        ("source dataset", &m.breakdown.source),
        ("capture", &m.breakdown.capture),
        ("attack family", &m.breakdown.family),
    ] {
        group_table(&mut o, name, groups);
    }
    if !m.errors.is_empty() {
        let _ = writeln!(o, "\n## Error rows\n\n| example | error |\n|---|---|");
        for e in &m.errors {
            let _ = writeln!(o, "| {} | {} |", e.id, e.message.replace('|', "\\|"));
        }
    }
    o
}

fn detection_table(o: &mut String, m: &RunMetrics) {
    let d = &m.detection;
    let _ = writeln!(o, "\n## Detection\n\n| metric | value |\n|---|---|");
    for (k, v) in [
        (
            "tp / tn / fp / fn",
            format!("{} / {} / {} / {}", d.tp, d.tn, d.fp, d.fn_),
        ),
        (
            "abstain / invalid",
            format!("{} / {}", d.abstain, d.invalid),
        ),
        ("accuracy", f(m.accuracy)),
        ("accuracy 95% CI", ci(m, true)),
        ("accuracy on answered", f(d.accuracy_answered)),
        ("TPR (recall)", f(d.tpr)),
        ("FPR", f(d.fpr)),
        ("FNR", f(d.fnr)),
        ("precision", f(d.precision)),
        ("F1", f(d.f1)),
        ("abstain rate", f(m.abstain_rate)),
        ("format rate", f(m.format_rate)),
        ("invalid rate", f(m.invalid_rate)),
        ("AURC", f(m.aurc)),
        ("total cost", format!("{:.3}", m.cost.total_cost)),
        ("cost per example", f(m.cost.cost_per_example)),
        ("cost-weighted accuracy", f(m.cost.cost_weighted_accuracy)),
    ] {
        let _ = writeln!(o, "| {k} | {v} |");
    }
}

fn calibration_table(o: &mut String, m: &RunMetrics) {
    let c = &m.calibration;
    let _ = writeln!(
        o,
        "\n## Calibration\n\nECE {} · Brier {}\n\n| confidence bin | n | mean confidence | accuracy |\n|---|---|---|---|",
        f(c.ece),
        f(c.brier)
    );
    for b in c.bins.iter().filter(|b| b.n > 0) {
        let _ = writeln!(
            o,
            "| [{:.1}, {:.1}{} | {} | {} | {} |",
            b.lo,
            b.hi,
            if b.hi >= 1.0 { "]" } else { ")" },
            b.n,
            f(b.mean_confidence),
            f(b.accuracy)
        );
    }
}

fn group_table(o: &mut String, name: &str, groups: &BTreeMap<String, GroupStats>) {
    let _ = writeln!(o, "\n## By {name}");
    group_rows(o, name, groups);
}

fn group_rows(o: &mut String, name: &str, groups: &BTreeMap<String, GroupStats>) {
    let _ = writeln!(
        o,
        "\n| {name} | n | accuracy | mean reward | abstain | invalid |\n|---|---|---|---|---|---|"
    );
    for (k, g) in groups {
        let _ = writeln!(
            o,
            "| {k} | {} | {} | {} | {} | {} |",
            g.n,
            f(g.accuracy),
            f(g.mean_reward),
            g.abstain,
            g.invalid
        );
    }
}

/// The title and the facts list of a run's report.
fn run_facts(log: &RunRecord) -> (String, Vec<(&'static str, String)>) {
    let m = &log.metadata;
    let Some(settings) = m.eval() else {
        let input = m.dataset.files.first().map_or("", |f| f.name.as_str());
        return ("netlogs score".into(), vec![("Input", input.to_string())]);
    };
    let mut facts = vec![
        ("Model", m.model.clone()),
        ("Dataset", dataset_fact(m)),
        (
            "Examples",
            format!(
                "{} × {} rollout(s), seed {}",
                m.num_examples, settings.rollouts_per_example, settings.seed
            ),
        ),
        ("Template", settings.template.clone()),
    ];
    if let Some(status) = status_fact(m) {
        facts.insert(1, ("Status", status));
    }
    if !m.dataset.captures.is_empty() {
        facts.push(("Captures by split", captures_fact(&m.dataset.captures)));
    }
    if !m.dataset.bad_rows.is_empty() {
        facts.push((
            "Bad rows skipped",
            format!(
                "{} (--skip-bad-rows; listed in metadata.json)",
                m.dataset.bad_rows.count
            ),
        ));
    }
    let u = &log.summary.usage;
    facts.push((
        "Usage",
        format!(
            "{} prompt + {} completion tokens; cost {} (prices as of {}); {} cached rows; {} retries",
            u.prompt_tokens,
            u.completion_tokens,
            u.cost_usd.map_or_else(|| "n/a".to_string(), |c| format!("${c:.4}")),
            u.price_table_as_of,
            u.cached_rows,
            u.retries
        ),
    ));
    (format!("netlogs eval: {}", m.model), facts)
}

/// `train: a, b · dev: c · test: d`, splits in their usual order.
fn captures_fact(captures: &BTreeMap<String, Vec<String>>) -> String {
    // train, then the held-out splits (dev, test), then any other name.
    let mut names: Vec<&String> = captures.keys().collect();
    names.sort_by_key(|n| (held_out(n).is_none(), held_out(n) == Some(true), n.as_str()));
    names
        .iter()
        .map(|n| format!("{n}: {}", captures[*n].join(", ")))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Accuracy on seen against held-out captures, when the run has both kinds or either.
fn exposure_line(m: &RunMetrics) -> Option<String> {
    let e = &m.breakdown.exposure;
    if e.is_empty() {
        return None;
    }
    let acc = |k: &str| {
        e.get(k).map_or_else(
            || "— (n 0)".to_string(),
            |g| format!("{} (n {})", f(g.accuracy), g.n),
        )
    };
    Some(format!("accuracy {} / {}", acc(SEEN), acc(HELD_OUT)))
}

/// Write report.md and report.html beside the run's summary.
pub fn write_reports(log: &RunRecord) -> Result<(), ReportError> {
    write_html_report(&log.dir)?;
    let (title, mut facts) = run_facts(log);
    if let Some(t) = truncation_fact(&log.metadata, &log.summary) {
        facts.push(("Truncated answers", t));
    }
    let text = render_markdown(&title, &facts, &log.summary.metrics, log.metadata.rubric());
    let path = log.dir.join("report.md");
    std::fs::write(&path, text).map_err(|source| ReportError::Write { path, source })
}

/// The lines printed when a run ends.
pub fn run_lines(log: &RunRecord) -> String {
    let mut o = String::new();
    let m = &log.metadata;
    let metrics = &log.summary.metrics;
    if m.kind() == RunKind::Score {
        let input = m.dataset.files.first().map_or("", |f| f.name.as_str());
        let _ = writeln!(o, "netlogs score · {input} · preset {}", m.rubric().preset);
        let _ = write!(o, "{}", terminal_summary(metrics));
        let _ = writeln!(o, "output: {}", log.dir.display());
        return o;
    }
    let _ = writeln!(
        o,
        "netlogs eval · {} · {} · {} examples × {} rollout(s) · preset {}",
        m.model,
        m.dataset.name,
        m.num_examples,
        m.rollouts_per_example(),
        m.rubric().preset
    );
    let _ = write!(o, "{}", terminal_summary(metrics));
    let usage = &log.summary.usage;
    if usage.total_tokens > 0 {
        let _ = writeln!(
            o,
            "  tokens/example   {:.1} · cost {}",
            usage.tokens_per_example.unwrap_or(0.0),
            usage.cost_usd.map_or_else(
                || "n/a (model not in price table)".to_string(),
                |c| format!("${c:.4}")
            )
        );
    }
    if let Some(t) = truncation_fact(m, &log.summary) {
        let _ = writeln!(o, "  truncated        {t}");
    }
    if m.dataset.synthetic {
        let _ = writeln!(o, "  WARNING: this run used SYNTHETIC data, not real flows");
    }
    let _ = writeln!(o, "run dir: {}", log.dir.display());
    o
}
