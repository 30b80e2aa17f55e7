//! The HTML of a run comparison (`netlogs compare --html`, and the viewer's compare page).

use std::fmt::Write as _;

use netlogs_eval::{Flip, GroupDelta, RunComparison};

use crate::html::{escape, STYLE};

fn signed(x: f64) -> String {
    format!("{x:+.3}")
}

fn groups(o: &mut String, name: &str, id: &str, groups: &[GroupDelta]) {
    let _ = write!(
        o,
        "<h2>Accuracy by {name}</h2><table id=\"{id}\"><tr><th>{name}</th><th>n</th><th>A</th><th>B</th><th>B − A</th></tr>"
    );
    for g in groups {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td></tr>",
            escape(&g.key),
            g.n,
            g.accuracy_a,
            g.accuracy_b,
            signed(g.accuracy_b - g.accuracy_a)
        );
    }
    o.push_str("</table>");
}

/// One table row per flipped example; `class` says which way it flipped.
fn flips(o: &mut String, class: &str, flips: &[Flip]) {
    for f in flips {
        let _ = write!(
            o,
            "<tr class=\"flip {class}\"><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&f.example_id),
            f.rollout,
            escape(f.capture.as_deref().unwrap_or("-")),
            escape(f.family.as_deref().unwrap_or("-")),
            f.outcome_a.as_str(),
            f.outcome_b.as_str()
        );
    }
}

/// A self-contained page for B against A.
pub fn render_compare(c: &RunComparison) -> String {
    let title = format!("{} vs {}", c.b.model, c.a.model);
    let mut o = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>",
        t = escape(&title)
    );
    let _ = write!(
        o,
        "<table class=\"facts\"><tr><td>A</td><td>{} on {} ({} rows)</td></tr><tr><td>B</td><td>{} on {} ({} rows)</td></tr><tr><td>Paired rows</td><td>{} ({} with an error left out)</td></tr></table>",
        escape(&c.a.model), escape(&c.a.dataset), c.a.rows, escape(&c.b.model), escape(&c.b.dataset), c.b.rows, c.pairs, c.errors_skipped
    );
    o.push_str("<h2>Metrics</h2><table id=\"metrics\"><tr><th>metric</th><th>A</th><th>B</th><th>B − A</th><th>95% CI (paired bootstrap)</th></tr>");
    for (name, d) in &c.metrics {
        let ci = d.ci95.map_or_else(
            || "n/a".into(),
            |i| format!("[{}, {}]", signed(i.lo), signed(i.hi)),
        );
        let _ = write!(
            o,
            "<tr><td>{name}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td><td>{ci}</td></tr>",
            d.mean_a,
            d.mean_b,
            signed(d.delta)
        );
    }
    let m = &c.mcnemar;
    let _ = write!(
        o,
        "</table><p id=\"mcnemar\">McNemar on accuracy: {} right only in A, {} right only in B, p = {:.4}.</p>",
        m.a_only, m.b_only, m.p_value
    );
    groups(&mut o, "capture", "by-capture", &c.by_capture);
    groups(&mut o, "family", "by-family", &c.by_family);
    let _ = write!(
        o,
        "<h2>Flipped examples ({})</h2><table id=\"flipped\"><tr><th>example</th><th>rollout</th><th>capture</th><th>family</th><th>A</th><th>B</th></tr>",
        c.now_wrong.len() + c.now_right.len()
    );
    flips(&mut o, "now-wrong", &c.now_wrong);
    flips(&mut o, "now-right", &c.now_right);
    o.push_str("</table>");
    let _ = write!(
        o,
        "<p>{} right in A and wrong in B; {} wrong in A and right in B.</p></body></html>",
        c.now_wrong.len(),
        c.now_right.len()
    );
    o
}
