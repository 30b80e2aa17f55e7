//! `netlogs score`: score saved completions offline, keeping the input rows and their order.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use netlogs_rubric::{completion_text, score_completion, Gold, RowOutcome, RunMetrics, ScoredRow};
use serde_json::{json, Map, Value};

use crate::args::ScoreArgs;
use crate::report::{render_markdown, terminal_summary};
use crate::rows::parsed_summary;
use crate::run_dir::{new_run_id, sanitize, RunDir};

/// A breakdown key from `info`, under any of the names verifiers environments use.
fn info_key(info: Option<&Value>, keys: &[&str]) -> Option<String> {
    let info = info?.as_object()?;
    keys.iter()
        .find_map(|k| info.get(*k))
        .and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
}

/// Score one input row in place; returns the metrics view of it.
fn score_row(
    row: &mut Map<String, Value>,
    line: usize,
    file: &Path,
    cfg: &netlogs_rubric::RubricConfig,
) -> Result<RowOutcome> {
    let at = || format!("{}:{line}", file.display());
    let id = row
        .get("example_id")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .unwrap_or_else(|| format!("line-{line}"));
    if let Some(err) = row.get("error").filter(|e| !e.is_null()) {
        let message = err.as_str().map_or_else(|| err.to_string(), str::to_string);
        row.insert("reward".into(), Value::Null);
        row.insert("metrics".into(), Value::Null);
        return Ok(RowOutcome::Error { id, message });
    }
    let completion = row
        .get("completion")
        .ok_or_else(|| anyhow!("{}: missing field `completion`", at()))?;
    let text = completion_text(completion);
    let answer = row
        .get("answer")
        .ok_or_else(|| anyhow!("{}: missing field `answer`", at()))?;
    let gold = Gold::from_value(answer).with_context(|| format!("{}: field `answer`", at()))?;
    let score = score_completion(cfg, &text, gold);
    row.insert("reward".into(), json!(score.reward));
    row.insert("metrics".into(), serde_json::to_value(score.components)?);
    row.insert(
        "parsed".into(),
        serde_json::to_value(parsed_summary(&score))?,
    );
    let info = row.get("info");
    Ok(RowOutcome::Scored(ScoredRow {
        score,
        gold,
        source: info_key(info, &["source", "dataset"]).map(Arc::from),
        capture: info_key(info, &["capture", "scenario"]).map(Arc::from),
        family: info_key(info, &["family", "attack_family", "detailed_label"]).map(Arc::from),
    }))
}

pub fn run(a: ScoreArgs) -> Result<()> {
    let cfg = a.rubric.config()?;
    let file = std::fs::File::open(&a.input)
        .with_context(|| format!("cannot open {}", a.input.display()))?;
    let run_id = new_run_id();
    let out = match &a.output {
        Some(p) => p.clone(),
        None => {
            let stem = a
                .input
                .file_stem()
                .map(|s| sanitize(&s.to_string_lossy()))
                .unwrap_or_else(|| "input".into());
            Path::new("outputs").join("scores").join(stem).join(&run_id)
        }
    };
    let mut dir = RunDir::create(out, run_id)?;
    let mut outcomes = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let n = i + 1;
        let line = line.with_context(|| format!("{}:{n}: cannot read line", a.input.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line)
            .with_context(|| format!("{}:{n}: malformed JSON", a.input.display()))?;
        let Value::Object(mut row) = value else {
            anyhow::bail!("{}:{n}: expected a JSON object per line", a.input.display());
        };
        outcomes.push(score_row(&mut row, n, &a.input, &cfg)?);
        dir.append(&row)?;
    }
    let metrics = RunMetrics::compute(&outcomes, &cfg, a.seed);
    dir.write_json("summary.json", &metrics)?;
    let facts = [("Input", a.input.display().to_string())];
    dir.write_text(
        "report.md",
        &render_markdown("netlogs score", &facts, &metrics, &cfg),
    )?;
    dir.write_json(
        "metadata.json",
        &json!({
            "tool": "netlogs",
            "version": env!("CARGO_PKG_VERSION"),
            "command": "score",
            "input": a.input.display().to_string(),
            "rubric": cfg,
            "seed": a.seed,
            "finished_at": chrono::Utc::now().to_rfc3339(),
        }),
    )?;
    println!(
        "netlogs score · {} · preset {}",
        a.input.display(),
        cfg.preset.name()
    );
    print!("{}", terminal_summary(&metrics));
    println!("output: {}", dir.path.display());
    Ok(())
}
