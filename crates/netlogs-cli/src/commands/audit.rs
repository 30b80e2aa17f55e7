//! `netlogs audit`: print what a rubric rewards, with no model and no data.

use std::fmt::Write;

use anyhow::{bail, Result};
use netlogs_rubric::{audit_rubric, RubricAudit};

use crate::args::AuditArgs;

pub fn run(a: AuditArgs) -> Result<()> {
    if let Some(p) = a.prior {
        if !(0.0..=1.0).contains(&p) {
            bail!("--prior must lie in [0, 1], got {p}");
        }
    }
    let cfg = a.rubric.config()?;
    let report = audit_rubric(&cfg, a.prior);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(())
}

/// The text form of an audit.
pub fn render(r: &RubricAudit) -> String {
    let mut o = String::new();
    let c = &r.config;
    let w = c.weights;
    let grounding = if c.scores_grounding() {
        format!("/{}", w.grounding)
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "Rubric audit · preset {} · weights {}/{}/{}/{}{grounding} · fn_cost {} fp_cost {} abstain_cost {} abstain_credit {}\n",
        c.preset, w.accuracy, w.format, w.calibration, w.cost, c.fn_cost, c.fp_cost, c.abstain_cost, c.abstain_credit
    );
    let prior_col = r.prior.map(|p| format!("  prior {p}"));
    let _ = writeln!(
        o,
        "Constant policies (expected reward)\n  {:<24} {:>9}{}",
        "policy",
        "balanced",
        prior_col.as_deref().unwrap_or("")
    );
    for p in &r.constant_policies {
        let at = p
            .at_prior
            .map(|v| format!("  {v:>9.3}"))
            .unwrap_or_default();
        let _ = writeln!(o, "  {:<24} {:>9.3}{at}", p.name, p.balanced);
    }
    let _ = writeln!(o, "\nBest response by P(malicious) (honest confidence)");
    for b in &r.best_response {
        let _ = writeln!(
            o,
            "  p={:.2}  {:<9} conf {:.2}  E[reward] {:.3}",
            b.p,
            b.action.as_str(),
            b.confidence,
            b.expected_reward
        );
    }
    let band = match r.abstain_band {
        Some([lo, hi]) => format!("Abstain is optimal for P(malicious) in [{lo:.3}, {hi:.3}]"),
        None => "Abstain is never optimal".to_string(),
    };
    let _ = writeln!(o, "\nAbstention band: {band}");
    let _ = writeln!(
        o,
        "Informed policy: {:.3} · best constant policy: {} at {:.3} · gap {:.3}",
        r.informed_reward, r.best_constant.name, r.best_constant.balanced, r.best_constant_gap
    );
    let f = &r.skill_floor;
    let _ = writeln!(
        o,
        "Skill floor at P(malicious) = {}: best constant {} at {:.3} · perfect policy {:.3} (skill 0 and 1)",
        f.malicious_share,
        f.best_constant.name(),
        f.best_constant.mean_reward,
        f.perfect_reward
    );
    if let Some(g) = &r.grounding {
        let _ = writeln!(
            o,
            "\nCitations (a correct Malicious answer at confidence 0.9; the flow has {} fields; threshold {}, at most {} counted)",
            g.flow_fields, c.grounding_threshold, c.grounding_max_cited
        );
        for s in &g.styles {
            let _ = writeln!(
                o,
                "  {:<34} {:>2} cited  grounding {:.3}  reward {:.3}",
                s.name, s.cited, s.grounding, s.reward
            );
        }
        let _ = writeln!(
            o,
            "Lowest reward of a correct uncited answer {:.3} · highest of an incorrect cited one {:.3}",
            g.correct_uncited_min, g.incorrect_cited_max
        );
    }
    let _ = writeln!(o, "\nFindings:");
    if r.findings.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for f in &r.findings {
        let _ = writeln!(o, "  [{}] {}", f.id, f.message);
    }
    o
}
