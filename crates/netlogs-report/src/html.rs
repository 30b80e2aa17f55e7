//! `report.html`: one self-contained page (inline SVG, CSS and JS; no CDN; opens from
//! `file://`). The per-sample table renders one page of rows at a time from an embedded JSON
//! payload, so a 100k-row run stays usable; filters and search can also be set in the URL
//! hash (`#filter=wrong&capture=…&q=…`).

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use netlogs_rubric::{held_out, HELD_OUT, SEEN};
use netlogs_runlog::RunKind;

use crate::error::ReportError;

use crate::data::{ReportData, SampleRow};
use crate::facts::{dataset_fact, skill_fact, status_fact, truncation_fact};
use crate::plots;

pub const REPORT_FILE: &str = "report.html";

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) const STYLE: &str = r#"
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 6px;vertical-align:top}
th{background:#f4f4f4;text-align:left}.num{text-align:right}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plot{border:1px solid #eee;overflow-x:auto}
.facts td:first-child{font-weight:600}.warn{color:#a40}
.controls{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:10px 0}
details summary{cursor:pointer;color:#36c}pre{white-space:pre-wrap;max-width:700px;margin:4px 0}
tr.wrong td.outcome{color:#b00}tr.error td{background:#fff4f4}
"#;

fn facts(d: &ReportData) -> String {
    let m = &d.metadata;
    let s = &d.summary.metrics;
    let f = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"));
    let mut rows = vec![
        ("Model", m.model.clone()),
        ("Dataset", dataset_fact(m)),
        ("Rows", format!("{} scored, {} errors", s.n, s.n_errors)),
        ("Mean reward", f(s.mean_reward)),
        (
            "Skill over the best constant",
            s.skill
                .as_ref()
                .and_then(skill_fact)
                .unwrap_or_else(|| "n/a".to_string()),
        ),
        ("Accuracy", f(s.accuracy)),
        (
            "Abstain / invalid rate",
            format!("{} / {}", f(s.abstain_rate), f(s.invalid_rate)),
        ),
        ("Rubric", format!("preset {}", m.rubric().preset)),
    ];
    if let Some(status) = status_fact(m) {
        rows.insert(1, ("Status", status));
    }
    if let Some(split) = &m.dataset.split {
        rows.push(("Split", split.clone()));
    }
    if let Some(t) = truncation_fact(m, &d.summary) {
        rows.push(("Truncated answers", t));
    }
    let mut o = String::from("<table class=\"facts\">");
    for (k, v) in rows {
        let _ = write!(o, "<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(&v));
    }
    o.push_str("</table>");
    o
}

fn plots_html(d: &ReportData) -> String {
    let s = &d.summary.metrics;
    let mut plots = vec![
        (
            "reliability",
            plots::reliability(&s.calibration.bins, s.calibration.ece),
        ),
        ("risk-coverage", plots::risk_coverage(&d.rows, s.aurc)),
        ("confusion", plots::confusion(&d.rows)),
        ("rewards", plots::reward_histogram(&d.rows)),
        (
            "by-capture",
            plots::accuracy_by(&d.rows, "Accuracy by capture", |r| r.capture.as_deref()),
        ),
        (
            "by-family",
            plots::accuracy_by(&d.rows, "Accuracy by family", |r| r.family.as_deref()),
        ),
    ];
    if d.rows.iter().any(|r| r.split.is_some()) {
        plots.push((
            "by-split",
            plots::accuracy_by(
                &d.rows,
                "Captures seen in training against held-out captures",
                |r| {
                    r.split
                        .as_deref()
                        .and_then(held_out)
                        .map(|h| if h { HELD_OUT } else { SEEN })
                },
            ),
        ));
    }
    plots
        .into_iter()
        .map(|(id, svg)| format!("<div class=\"plot\" id=\"plot-{id}\">{svg}</div>"))
        .collect()
}

/// One row as a compact array, in the table's column order.
struct RowTuple<'a>(&'a SampleRow);

impl serde::Serialize for RowTuple<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        (
            &r.id,
            r.rollout,
            &r.capture,
            &r.family,
            &r.split,
            &r.answer,
            &r.label,
            r.confidence,
            r.outcome,
            r.reward,
            r.metrics,
            &r.error,
            r.truncated,
            r.prompt,
            &r.completion,
            r.correct(),
        )
            .serialize(s)
    }
}

/// The page's data payload: the rows as compact arrays and the prompts once each. Serialised
/// straight from the rows (no JSON tree), so a 100k-row run costs little beyond its text.
#[derive(serde::Serialize)]
struct Payload<'a> {
    prompts: &'a [String],
    rows: Vec<RowTuple<'a>>,
}

fn payload_of(d: &ReportData) -> Payload<'_> {
    Payload {
        prompts: &d.prompts,
        rows: d.rows.iter().map(RowTuple).collect(),
    }
}

/// The payload as JSON (what the page embeds), for tests and tools.
pub fn payload(d: &ReportData) -> serde_json::Value {
    serde_json::to_value(payload_of(d)).unwrap_or_default()
}

/// Escapes `</` in the JSON stream, so the payload cannot end its `<script>` element.
struct ScriptSafe<W: Write>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut start = 0;
        for i in 0..buf.len() {
            if buf[i] == b'/' && i > 0 && buf[i - 1] == b'<' {
                self.0.write_all(&buf[start..i])?;
                self.0.write_all(b"\\")?;
                start = i;
            }
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Write the whole page to `out`, streaming the rows.
pub fn render_report_to(d: &ReportData, out: &mut impl Write) -> std::io::Result<()> {
    let kind = match d.metadata.kind() {
        RunKind::Eval => "netlogs eval",
        RunKind::Score => "netlogs score",
    };
    let title = escape(&format!("{kind}: {}", d.metadata.model));
    let synthetic = if d.metadata.dataset.synthetic {
        "<p class=\"warn\">This run used SYNTHETIC data, not real flows.</p>"
    } else {
        ""
    };
    write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>\
<h1>{title}</h1>{synthetic}{facts}<h2>Plots</h2><div class=\"plots\">{plots}</div>{CONTROLS}\
<script type=\"application/json\" id=\"data\">",
        facts = facts(d),
        plots = plots_html(d),
    )?;
    serde_json::to_writer(ScriptSafe(&mut *out), &payload_of(d))?;
    write!(out, "</script><script>{SCRIPT}</script></body></html>")
}

/// The whole page as a string (the viewer serves it).
pub fn render_report(d: &ReportData) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = render_report_to(d, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

const CONTROLS: &str = "<h2>Samples</h2><div class=\"controls\">\
<label>Show <select id=\"filter\"><option value=\"all\">all</option><option value=\"wrong\">wrong</option><option value=\"abstained\">abstained</option><option value=\"invalid\">invalid</option><option value=\"error\">error</option><option value=\"truncated\">truncated</option></select></label>\
<label>Capture <select id=\"capture\"><option value=\"\">any</option></select></label>\
<label>Family <select id=\"family\"><option value=\"\">any</option></select></label>\
<label>Search <input id=\"search\" type=\"search\" placeholder=\"text in prompt, answer, id\"></label>\
<button id=\"prev\">◀</button><span id=\"count\"></span><button id=\"next\">▶</button></div>\
<table id=\"samples\"><thead><tr><th>example</th><th>rollout</th><th>capture</th><th>family</th><th>gold</th><th>answer</th><th>conf.</th><th>outcome</th><th>reward</th><th>acc / fmt / cal / cost</th><th>prompt and completion</th></tr></thead><tbody id=\"rows-body\"></tbody></table>";

/// Write `report.html` into the run directory.
pub fn write_html_report(dir: &Path) -> Result<std::path::PathBuf, ReportError> {
    let data = ReportData::read(dir)?;
    let path = dir.join(REPORT_FILE);
    let written = std::fs::File::create(&path).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        render_report_to(&data, &mut out)?;
        out.flush()
    });
    written.map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

const SCRIPT: &str = r#"
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const PAGE = 50;
  const [ID, RO, CAP, FAM, SPLIT, GOLD, LABEL, CONF, OUT, REW, MET, ERR, TRUNC, PROMPT, COMP, OK] = [...Array(16).keys()];
  const el = (id) => document.getElementById(id);
  const state = { filter: "all", capture: "", family: "", q: "", page: 0 };
  const fmt = (x) => (x === null || x === undefined ? "–" : (typeof x === "number" ? x.toFixed(3) : String(x)));
  function options(select, index) {
    const values = [...new Set(D.rows.map((r) => r[index] || "-"))].sort();
    for (const v of values) { const o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o); }
  }
  options(el("capture"), CAP);
  options(el("family"), FAM);
  function keep(r) {
    switch (state.filter) {
      case "wrong": if (r[ERR] || r[OK] || r[OUT] === "abstain") return false; break;
      case "abstained": if (r[OUT] !== "abstain") return false; break;
      case "invalid": if (r[OUT] !== "invalid") return false; break;
      case "error": if (!r[ERR]) return false; break;
      case "truncated": if (!r[TRUNC]) return false; break;
    }
    if (state.capture && (r[CAP] || "-") !== state.capture) return false;
    if (state.family && (r[FAM] || "-") !== state.family) return false;
    if (state.q) {
      const hay = (r[ID] + " " + (D.prompts[r[PROMPT]] || "") + " " + r[COMP] + " " + (r[ERR] || "")).toLowerCase();
      if (!hay.includes(state.q)) return false;
    }
    return true;
  }
  function cell(tr, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
  function render() {
    const rows = D.rows.filter(keep);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const body = el("rows-body");
    body.replaceChildren();
    for (const r of rows.slice(state.page * PAGE, (state.page + 1) * PAGE)) {
      const tr = document.createElement("tr");
      tr.className = "sample" + (r[ERR] ? " error" : (!r[OK] ? " wrong" : ""));
      cell(tr, r[ID]); cell(tr, r[RO], "num"); cell(tr, r[CAP] || "-"); cell(tr, r[FAM] || "-");
      cell(tr, r[GOLD]); cell(tr, r[LABEL] || "–"); cell(tr, fmt(r[CONF]), "num"); cell(tr, r[ERR] ? "error" : (r[OUT] || "–"), "outcome");
      cell(tr, fmt(r[REW]), "num"); cell(tr, r[MET] ? r[MET].map((x) => x.toFixed(2)).join(" / ") : "–", "num");
      const td = cell(tr, "");
      const det = document.createElement("details");
      const sum = document.createElement("summary"); sum.textContent = r[ERR] ? "error" : "show";
      const p = document.createElement("pre"); p.textContent = D.prompts[r[PROMPT]] || "";
      const c = document.createElement("pre"); c.textContent = r[ERR] ? r[ERR] : r[COMP];
      det.append(sum, p, c); td.appendChild(det);
      body.appendChild(tr);
    }
    el("count").textContent = " " + rows.length + " of " + D.rows.length + " rows · page " + (state.page + 1) + " of " + pages + " ";
  }
  function fromHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    state.filter = h.get("filter") || "all"; state.capture = h.get("capture") || ""; state.family = h.get("family") || "";
    state.q = (h.get("q") || "").toLowerCase(); state.page = Math.max(0, (parseInt(h.get("page") || "1", 10) || 1) - 1);
    el("filter").value = state.filter; el("capture").value = state.capture; el("family").value = state.family; el("search").value = state.q;
  }
  el("filter").addEventListener("change", (e) => { state.filter = e.target.value; state.page = 0; render(); });
  el("capture").addEventListener("change", (e) => { state.capture = e.target.value; state.page = 0; render(); });
  el("family").addEventListener("change", (e) => { state.family = e.target.value; state.page = 0; render(); });
  el("search").addEventListener("input", (e) => { state.q = e.target.value.toLowerCase(); state.page = 0; render(); });
  el("prev").addEventListener("click", () => { state.page = Math.max(0, state.page - 1); render(); });
  el("next").addEventListener("click", () => { state.page += 1; render(); });
  window.addEventListener("hashchange", () => { fromHash(); render(); });
  fromHash();
  render();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_escapes_closing_tags_and_keeps_json() {
        let value = serde_json::json!({"completion": "x</script><script>alert(1)</script>", "ok": "a/b <c"});
        let mut out = Vec::new();
        serde_json::to_writer(ScriptSafe(&mut out), &value).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert!(!text.contains("</"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
    }
}
