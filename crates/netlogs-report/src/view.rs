//! `netlogs view`: a local web server (127.0.0.1 only) over a folder of runs. The index lists
//! every run found under the folder and refreshes itself as runs appear; each run links to its
//! report (rendered on the fly when the run has no report.html yet); two picked runs open a
//! comparison. Paths outside the folder are never served.

use std::future::Future;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use netlogs_runlog::{find_runs, RunRecord};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::data::ReportData;
use crate::html::{escape, render_report, REPORT_FILE, STYLE};
use crate::pairing::compare_runs;
use crate::render_compare;

/// One run in the index.
#[derive(Debug, Clone, Serialize)]
pub struct RunEntry {
    /// Relative to the served folder, with `/` separators.
    pub path: String,
    pub kind: String,
    pub model: String,
    pub dataset: String,
    pub split: Option<String>,
    pub n: usize,
    pub mean_reward: Option<f64>,
    /// Skill over the best constant answer (`None` for summaries written before it).
    pub skill: Option<f64>,
    pub accuracy: Option<f64>,
    pub date: String,
    /// `finished`, `stopped early` or `interrupted`.
    pub status: String,
}

/// A folder under the root that looked like a run but could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunIndex {
    pub runs: Vec<RunEntry>,
    pub skipped: Vec<Skipped>,
}

fn relative(root: &Path, dir: &Path) -> String {
    dir.strip_prefix(root)
        .unwrap_or(dir)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every run under `root`, newest first; unreadable ones listed as skipped, never fatal.
pub fn index(root: &Path) -> RunIndex {
    let (mut runs, mut skipped) = (Vec::new(), Vec::new());
    let found = find_runs(root);
    for (dir, reason) in found.unreadable {
        skipped.push(Skipped {
            path: relative(root, &dir),
            reason: format!("cannot list the folder: {reason}"),
        });
    }
    for dir in found.runs {
        let path = relative(root, &dir);
        match RunRecord::read(&dir) {
            Ok(r) => runs.push(RunEntry {
                path,
                kind: format!("{:?}", r.metadata.kind()).to_lowercase(),
                status: r.metadata.status.word().to_string(),
                model: r.metadata.model,
                dataset: r.metadata.dataset.name,
                split: r.metadata.dataset.split,
                n: r.summary.metrics.n,
                mean_reward: r.summary.metrics.mean_reward,
                skill: r.summary.metrics.skill.as_ref().and_then(|s| s.skill),
                accuracy: r.summary.metrics.accuracy,
                date: r.metadata.started_at,
            }),
            Err(e) => skipped.push(Skipped {
                path,
                reason: e.to_string(),
            }),
        }
    }
    runs.sort_by(|a, b| b.date.cmp(&a.date));
    RunIndex { runs, skipped }
}

/// `rel` inside `root`, or `None` when it would leave it (`..`, absolute paths, symlinks out).
pub fn resolve(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let root = root.canonicalize().ok()?;
    let path = root.join(rel).canonicalize().ok()?;
    path.starts_with(&root).then_some(path)
}

struct ViewState {
    root: PathBuf,
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(format!("<p>not found: {}</p>", escape(what))),
    )
        .into_response()
}

async fn api_runs(State(s): State<Arc<ViewState>>) -> Json<RunIndex> {
    let root = s.root.clone();
    Json(
        tokio::task::spawn_blocking(move || index(&root))
            .await
            .unwrap_or(RunIndex {
                runs: Vec::new(),
                skipped: Vec::new(),
            }),
    )
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("jsonl" | "md" | "txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn run_file(State(s): State<Arc<ViewState>>, UrlPath(rel): UrlPath<String>) -> Response {
    // A run's report, rendered on the fly when the run predates report.html.
    if let Some(dir_rel) = rel.strip_suffix(&format!("/{REPORT_FILE}")) {
        if let Some(dir) = resolve(&s.root, dir_rel) {
            if !dir.join(REPORT_FILE).is_file() {
                return match ReportData::read(&dir) {
                    Ok(d) => Html(render_report(&d)).into_response(),
                    Err(e) => not_found(&e.to_string()),
                };
            }
        }
    }
    let Some(path) = resolve(&s.root, &rel).filter(|p| p.is_file()) else {
        return not_found(&rel);
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response(),
        Err(_) => not_found(&rel),
    }
}

#[derive(Debug, Deserialize)]
struct Pair {
    a: String,
    b: String,
}

async fn compare(State(s): State<Arc<ViewState>>, Query(p): Query<Pair>) -> Response {
    let (Some(a), Some(b)) = (resolve(&s.root, &p.a), resolve(&s.root, &p.b)) else {
        return not_found("run");
    };
    match tokio::task::spawn_blocking(move || compare_runs(&a, &b, 42)).await {
        Ok(Ok(c)) => Html(render_compare(&c)).into_response(),
        Ok(Err(e)) => (
            StatusCode::BAD_REQUEST,
            Html(format!("<p>{}</p>", escape(&e.to_string()))),
        )
            .into_response(),
        Err(_) => not_found("comparison"),
    }
}

async fn index_page() -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>netlogs runs</title><style>{STYLE}</style></head><body>\
<h1>netlogs runs</h1><p><button id=\"compare\">Compare the two selected runs</button> <span id=\"status\"></span></p>\
<table id=\"runs\"><thead><tr><th></th><th>model</th><th>kind</th><th>dataset</th><th>split</th><th>N</th><th>mean reward</th><th>skill</th><th>accuracy</th><th>date</th><th>status</th></tr></thead><tbody></tbody></table>\
<div id=\"skipped\"></div><script>{INDEX_SCRIPT}</script></body></html>"
    ))
}

const INDEX_SCRIPT: &str = r##"
(function () {
  let last = "";
  const fmt = (x) => (x === null || x === undefined ? "–" : x.toFixed(3));
  function cell(tr, text) { const td = document.createElement("td"); td.textContent = text; tr.appendChild(td); return td; }
  function render(index) {
    const body = document.querySelector("#runs tbody");
    body.replaceChildren();
    for (const r of index.runs) {
      const tr = document.createElement("tr"); tr.className = "run";
      const box = document.createElement("input"); box.type = "checkbox"; box.value = r.path;
      const td = document.createElement("td"); td.appendChild(box); tr.appendChild(td);
      const link = document.createElement("a"); link.href = "/runs/" + r.path + "/report.html"; link.textContent = r.model;
      const m = document.createElement("td"); m.appendChild(link); tr.appendChild(m);
      cell(tr, r.kind); cell(tr, r.dataset); cell(tr, r.split || "all"); cell(tr, r.n); cell(tr, fmt(r.mean_reward)); cell(tr, fmt(r.skill)); cell(tr, fmt(r.accuracy)); cell(tr, r.date); cell(tr, r.status);
      body.appendChild(tr);
    }
    const sk = document.getElementById("skipped"); sk.replaceChildren();
    for (const s of index.skipped) { const p = document.createElement("p"); p.className = "skipped"; p.textContent = "skipped " + s.path + ": " + s.reason; sk.appendChild(p); }
    document.getElementById("status").textContent = index.runs.length + " runs";
  }
  async function refresh() {
    try {
      const res = await fetch("/api/runs");
      const text = await res.text();
      if (text !== last) { last = text; render(JSON.parse(text)); }
    } catch (e) { document.getElementById("status").textContent = "server not reachable"; }
  }
  document.getElementById("compare").addEventListener("click", () => {
    const picked = [...document.querySelectorAll("#runs input:checked")].map((b) => b.value);
    if (picked.length !== 2) { document.getElementById("status").textContent = "pick exactly two runs"; return; }
    location.href = "/compare?a=" + encodeURIComponent(picked[0]) + "&b=" + encodeURIComponent(picked[1]);
  });
  refresh();
  setInterval(refresh, 3000);
})();
"##;

pub fn router(root: PathBuf) -> Router {
    let state = Arc::new(ViewState { root });
    Router::new()
        .route("/", get(index_page))
        .route("/api/runs", get(api_runs))
        .route("/runs/{*path}", get(run_file))
        .route("/compare", get(compare))
        .with_state(state)
}

/// Serve `root` on `listener` until `shutdown` resolves.
pub async fn serve_view(
    listener: TcpListener,
    root: PathBuf,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(root))
        .with_graceful_shutdown(shutdown)
        .await
}
