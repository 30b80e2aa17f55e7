//! A run comparison as markdown (`netlogs compare`) and as a page (`--html`, the viewer). Both
//! formats print the same tables, built once here.

use std::fmt::Write as _;

use crate::pairing::{Flip, GroupDelta, RunComparison, RunName};

use crate::html::{escape, STYLE};

/// Flipped examples listed per direction in markdown, at most (the page lists them all).
const FLIPS_IN_MARKDOWN: usize = 25;

fn signed(x: f64) -> String {
    format!("{x:+.3}")
}

/// A table both formats print: a header and rows of cells (with a class for the page).
struct Table {
    id: &'static str,
    header: Vec<String>,
    rows: Vec<(Vec<String>, &'static str)>,
}

impl Table {
    fn markdown(&self, o: &mut String, limit: usize) {
        let _ = writeln!(o, "| {} |", self.header.join(" | "));
        let _ = writeln!(o, "|{}", "---|".repeat(self.header.len()));
        for (cells, _) in self.rows.iter().take(limit) {
            let _ = writeln!(o, "| {} |", cells.join(" | "));
        }
        if self.rows.len() > limit {
            let _ = writeln!(o, "\n…and {} more.", self.rows.len() - limit);
        }
    }

    fn html(&self, o: &mut String) {
        let _ = write!(o, "<table id=\"{}\"><tr>", self.id);
        for h in &self.header {
            let _ = write!(o, "<th>{}</th>", escape(h));
        }
        o.push_str("</tr>");
        for (cells, class) in &self.rows {
            let _ = write!(o, "<tr class=\"{class}\">");
            for c in cells {
                let _ = write!(o, "<td>{}</td>", escape(c));
            }
            o.push_str("</tr>");
        }
        o.push_str("</table>");
    }
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn metrics(c: &RunComparison) -> Table {
    let rows = c
        .metrics
        .iter()
        .map(|(name, d)| {
            let ci = d.ci95.map_or_else(
                || "n/a".into(),
                |i| format!("[{}, {}]", signed(i.lo), signed(i.hi)),
            );
            let cells = vec![
                name.clone(),
                format!("{:.3}", d.mean_a),
                format!("{:.3}", d.mean_b),
                signed(d.delta),
                ci,
            ];
            (cells, "metric")
        })
        .collect();
    Table {
        id: "metrics",
        header: header(&["metric", "A", "B", "B − A", "95% CI (paired bootstrap)"]),
        rows,
    }
}

fn groups(id: &'static str, name: &str, groups: &[GroupDelta]) -> Table {
    let rows = groups
        .iter()
        .map(|g| {
            let cells = vec![
                g.key.clone(),
                g.n.to_string(),
                format!("{:.3}", g.accuracy_a),
                format!("{:.3}", g.accuracy_b),
                signed(g.accuracy_b - g.accuracy_a),
            ];
            (cells, "group")
        })
        .collect();
    Table {
        id,
        header: header(&[name, "n", "A", "B", "B − A"]),
        rows,
    }
}

fn flips(id: &'static str, class: &'static str, flips: &[Flip]) -> Table {
    let rows = flips
        .iter()
        .map(|f| {
            let cells = vec![
                f.example_id.clone(),
                f.rollout.to_string(),
                f.capture.clone().unwrap_or_else(|| "-".into()),
                f.family.clone().unwrap_or_else(|| "-".into()),
                f.outcome_a.as_str().to_string(),
                f.outcome_b.as_str().to_string(),
            ];
            (cells, class)
        })
        .collect();
    Table {
        id,
        header: header(&["example", "rollout", "capture", "family", "A", "B"]),
        rows,
    }
}

/// `model on dataset (N rows)`, and how the run ended when it did not finish.
fn run_fact(r: &RunName) -> String {
    let mut s = format!("{} on {} ({} rows)", r.model, r.dataset, r.rows);
    if !r.status.is_finished() {
        let _ = write!(s, ", **{}**", r.status);
    }
    s
}

fn facts(c: &RunComparison) -> [(&'static str, String); 3] {
    [
        ("A", run_fact(&c.a)),
        ("B", run_fact(&c.b)),
        (
            "Paired rows",
            format!(
                "{} ({} with an error on either side left out)",
                c.pairs, c.errors_skipped
            ),
        ),
    ]
}

fn mcnemar_line(c: &RunComparison) -> String {
    let m = &c.mcnemar;
    format!(
        "McNemar on accuracy: {} right only in A, {} right only in B, p = {:.4}.",
        m.a_only, m.b_only, m.p_value
    )
}

/// B against A as markdown (no paths or run ids, so it snapshots stably).
pub fn render_compare_markdown(c: &RunComparison) -> String {
    let mut o = format!("# {} vs {}\n\n", c.b.model, c.a.model);
    for (k, v) in facts(c) {
        let _ = writeln!(o, "- **{k}:** {v}");
    }
    o.push('\n');
    metrics(c).markdown(&mut o, usize::MAX);
    let _ = writeln!(o, "\n{}", mcnemar_line(c));
    for (table, name) in [
        (groups("by-capture", "capture", &c.by_capture), "capture"),
        (groups("by-family", "family", &c.by_family), "family"),
    ] {
        let _ = writeln!(o, "\n## Accuracy by {name}\n");
        table.markdown(&mut o, usize::MAX);
    }
    for (title, list) in [
        ("Right in A, wrong in B", &c.now_wrong),
        ("Wrong in A, right in B", &c.now_right),
    ] {
        let _ = writeln!(o, "\n## {title} ({})\n", list.len());
        if !list.is_empty() {
            flips("flipped", "flip", list).markdown(&mut o, FLIPS_IN_MARKDOWN);
        }
    }
    o.push('\n');
    o
}

/// B against A as a self-contained page.
pub fn render_compare(c: &RunComparison) -> String {
    let title = escape(&format!("{} vs {}", c.b.model, c.a.model));
    let mut o = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1><table class=\"facts\">"
    );
    for (k, v) in facts(c) {
        let _ = write!(o, "<tr><td>{k}</td><td>{}</td></tr>", escape(&v));
    }
    o.push_str("</table><h2>Metrics</h2>");
    metrics(c).html(&mut o);
    let _ = write!(o, "<p id=\"mcnemar\">{}</p>", mcnemar_line(c));
    o.push_str("<h2>Accuracy by capture</h2>");
    groups("by-capture", "capture", &c.by_capture).html(&mut o);
    o.push_str("<h2>Accuracy by family</h2>");
    groups("by-family", "family", &c.by_family).html(&mut o);
    let mut all = flips("flipped", "flip now-wrong", &c.now_wrong);
    all.rows
        .extend(flips("flipped", "flip now-right", &c.now_right).rows);
    let _ = write!(
        o,
        "<h2>Flipped examples ({})</h2><p>{} right in A and wrong in B; {} wrong in A and right in B.</p>",
        all.rows.len(),
        c.now_wrong.len(),
        c.now_right.len()
    );
    all.html(&mut o);
    o.push_str("</body></html>");
    o
}
