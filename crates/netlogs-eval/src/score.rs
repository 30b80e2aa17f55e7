//! Offline scoring of saved completions (`netlogs score`): a netlogs or verifiers
//! results.jsonl in, a run log out, with the same metadata.json and summary.json shapes as an
//! eval. Input rows keep their fields and order; the rubric's fields are set on each.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use netlogs_data::{held_out, Sha256Stream};
use netlogs_rubric::{
    completion_text, score_completion, tool_results_in, Gold, RubricConfig, ScoredRow,
};
use serde_json::{Map, Value};

use crate::error::{EvalError, Result};
use crate::ledger::{Ledger, RowResult, Served};
use crate::prices::PriceTable;
use crate::run_dir::{new_run_id, sanitize, RunDir};
use crate::run_log::{
    info_key, DatasetInfo, FileDigest, Metadata, RunKind, ScoredInputRow, CAPTURE_KEYS,
    FAMILY_KEYS, SCHEMA_VERSION, SOURCE_KEYS,
};

/// What `netlogs score` runs.
#[derive(Debug, Clone)]
pub struct ScorePlan {
    pub input: PathBuf,
    /// The output folder; `None`: `outputs/scores/<input stem>/<run id>`.
    pub output: Option<PathBuf>,
    pub rubric: RubricConfig,
    /// Seeds the bootstrap.
    pub seed: u64,
}

/// What an input row adds to the summary.
enum InputOutcome {
    Scored(ScoredRow),
    /// The row carried an error instead of a completion.
    Failed {
        id: String,
        error: String,
    },
}

/// Score one input row: its output line and what the ledger records.
fn score_row(
    mut input: Map<String, Value>,
    line: usize,
    path: &Path,
    cfg: &RubricConfig,
) -> Result<(ScoredInputRow, InputOutcome)> {
    let id = input
        .get("example_id")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .unwrap_or_else(|| format!("line-{line}"));
    if let Some(err) = input.get("error").filter(|e| !e.is_null()) {
        let message = err.as_str().map_or_else(|| err.to_string(), str::to_string);
        for k in ["reward", "metrics"] {
            input.remove(k);
        }
        let row = ScoredInputRow {
            input,
            reward: None,
            metrics: None,
            parsed: None,
        };
        return Ok((row, InputOutcome::Failed { id, error: message }));
    }
    let missing = |field: &str| EvalError::content(path, line, format!("missing field `{field}`"));
    let completion = input
        .get("completion")
        .ok_or_else(|| missing("completion"))?;
    let (text, tool_calls) = (completion_text(completion), tool_results_in(completion));
    let answer = input.get("answer").ok_or_else(|| missing("answer"))?;
    let gold = Gold::from_value(answer)
        .map_err(|e| EvalError::content(path, line, format!("field `answer`: {e}")))?;
    // A lookup conversation's tool calls cost what the rubric says, as in eval and serve.
    let score = score_completion(cfg, &text, gold).after_tool_calls(tool_calls, cfg);
    let info = input.get("info");
    let scored = ScoredRow {
        score,
        gold,
        source: info_key(info, &SOURCE_KEYS).map(Arc::from),
        capture: info_key(info, &CAPTURE_KEYS).map(Arc::from),
        family: info_key(info, &FAMILY_KEYS).map(Arc::from),
        held_out: info_key(info, &["split"]).and_then(|s| held_out(&s)),
    };
    for k in ["reward", "metrics", "parsed"] {
        input.remove(k);
    }
    let row = ScoredInputRow {
        input,
        reward: Some(score.reward),
        metrics: Some(score.components),
        parsed: Some((&score).into()),
    };
    Ok((row, InputOutcome::Scored(scored)))
}

fn score_metadata(plan: &ScorePlan, run_id: &str, rows: usize, sha256: String) -> Metadata {
    let input = plan.input.display().to_string();
    Metadata {
        schema_version: SCHEMA_VERSION,
        tool: "netlogs".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: RunKind::Score,
        run_id: run_id.to_string(),
        model: format!("scored:{input}"),
        api_base: None,
        seed: plan.seed,
        num_examples: rows,
        rollouts_per_example: 1,
        sampling_args: Map::new(),
        template: None,
        system_prompt: None,
        dataset: DatasetInfo {
            name: format!("file:{input}"),
            files: vec![FileDigest {
                name: input,
                sha256,
                rows: Some(rows),
            }],
            split: None,
            rows_available: rows,
            sampling: "every row, in input order".into(),
            synthetic: false,
            ..DatasetInfo::default()
        },
        rubric: plan.rubric,
        settings: None,
        started_at: chrono::Utc::now().to_rfc3339(),
        finished_at: None,
        resumed_at: Vec::new(),
        timings_s: None,
    }
}

/// Score every row of `plan.input`, streaming it (rows are written as they are scored; only
/// their outcomes stay in memory); a malformed line stops the run with an error naming it.
pub fn score_file(plan: &ScorePlan) -> Result<crate::eval::RunLog> {
    let file = std::fs::File::open(&plan.input).map_err(EvalError::io("read", &plan.input))?;
    let run_id = new_run_id();
    let out = plan.output.clone().unwrap_or_else(|| {
        let stem = plan
            .input
            .file_stem()
            .map_or_else(|| "input".into(), |s| sanitize(&s.to_string_lossy()));
        Path::new("outputs").join("scores").join(stem).join(&run_id)
    });
    let mut dir = RunDir::create(out, run_id)?;
    let mut ledger = Ledger::default();
    let mut digest = Sha256Stream::default();
    let mut reader = BufReader::new(file);
    let mut raw = Vec::new();
    for n in 1.. {
        raw.clear();
        let read = reader
            .read_until(b'\n', &mut raw)
            .map_err(EvalError::io("read", &plan.input))?;
        if read == 0 {
            break;
        }
        digest.update(&raw);
        let line = std::str::from_utf8(&raw)
            .map_err(|_| EvalError::content(&plan.input, n, "not valid UTF-8"))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .map_err(|e| EvalError::content(&plan.input, n, format!("malformed JSON: {e}")))?;
        let Value::Object(input) = value else {
            return Err(EvalError::content(
                &plan.input,
                n,
                "expected a JSON object per line",
            ));
        };
        let (row, outcome) = score_row(input, n, &plan.input, &plan.rubric)?;
        dir.append(&row)?;
        let key = (ledger.len(), 0);
        match outcome {
            InputOutcome::Scored(scored) => ledger.record_foreign(key, scored),
            InputOutcome::Failed { id, error } => {
                ledger.record(key, RowResult::FailedInput { id, error }, Served::default())
            }
        }
    }
    let mut meta = score_metadata(plan, &dir.run_id, ledger.len(), digest.finish());
    let prices = PriceTable::load(None)?;
    let summary = ledger.summarise(&plan.rubric, plan.seed, &meta.model, &prices);
    summary.write(&dir)?;
    meta.finished_at = Some(chrono::Utc::now().to_rfc3339());
    meta.write(&dir)?;
    Ok(crate::eval::RunLog {
        dir: dir.path.clone(),
        metadata: meta,
        summary,
        stopped: None,
    })
}
