//! Offline scoring of saved completions (`netlogs score`): a netlogs or verifiers
//! results.jsonl in, a run log out, with the same metadata.json and summary.json shapes as an
//! eval. Input rows keep their fields and order; the rubric's fields are set on each.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use netlogs_data::Sha256Stream;
use netlogs_rubric::{score_row, Completion, Gold, RubricConfig, Score, Truth};
use netlogs_runlog::{
    info_key, new_run_id, now, sanitize, DatasetInfo, FileDigest, Metadata, Row, RunDir,
    RunSettings, RunStatus, ScoreRecord, ScoredLine, CAPTURE_KEYS, FAMILY_KEYS, SCHEMA_VERSION,
    SOURCE_KEYS,
};
use serde_json::{Map, Value};

use crate::error::{EvalError, Result};
use crate::eval::RunLog;
use crate::facts::flow_facts;
use crate::ledger::{Ledger, RowKeys, RowResult, Served};
use crate::prices::PriceTable;

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
    Scored(Score, Gold),
    /// The row carried an error instead of a completion.
    Failed {
        id: String,
        error: String,
    },
}

/// Score one input row through the one reward function: what the ledger records.
fn score_input(
    input: &Map<String, Value>,
    line: usize,
    path: &Path,
    cfg: &RubricConfig,
) -> Result<InputOutcome> {
    if let Some(err) = input.get("error").filter(|e| !e.is_null()) {
        let id = input
            .get("example_id")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .unwrap_or_else(|| format!("line-{line}"));
        let error = err.as_str().map_or_else(|| err.to_string(), str::to_string);
        return Ok(InputOutcome::Failed { id, error });
    }
    let bad = |m: String| EvalError::content(path, line, m);
    let field = |name: &str| {
        input
            .get(name)
            .ok_or_else(|| bad(format!("missing field `{name}`")))
    };
    let completion = Completion::from_value(field("completion")?)
        .map_err(|e| bad(format!("field `completion`: {e}")))?;
    let gold =
        Gold::from_value(field("answer")?).map_err(|e| bad(format!("field `answer`: {e}")))?;
    let facts = match cfg.scores_grounding() {
        false => None,
        true => Some(flow_facts(field("prompt")?).map_err(|m| bad(m.into()))?),
    };
    let truth = Truth {
        gold,
        flow: facts.as_ref(),
    };
    Ok(InputOutcome::Scored(
        score_row(cfg, &completion, truth),
        gold,
    ))
}

fn score_metadata(plan: &ScorePlan, run_id: &str, rows: usize, sha256: String) -> Metadata {
    let input = plan.input.display().to_string();
    Metadata {
        schema_version: SCHEMA_VERSION,
        tool: "netlogs".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        run_id: run_id.to_string(),
        settings: RunSettings::Score(ScoreRecord {
            input: input.clone(),
            rubric: plan.rubric,
            seed: plan.seed,
        }),
        model: format!("scored:{input}"),
        num_examples: rows,
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
        status: RunStatus::Interrupted,
        started_at: now(),
        finished_at: None,
        resumed_at: Vec::new(),
        timings_s: None,
    }
}

/// Score every row of `plan.input`, streaming it (rows are written as they are scored; only
/// their outcomes stay in memory); a malformed line stops the run with an error naming it.
pub fn score_file(plan: &ScorePlan) -> Result<RunLog> {
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
        let outcome = score_input(&input, n, &plan.input, &plan.rubric)?;
        // An answer cut at the token limit counts as truncated here as in eval.
        let served = Served {
            truncated: input.get("finish_reason").and_then(Value::as_str)
                == Some(Row::FINISH_LENGTH),
            ..Served::default()
        };
        let info = input.get("info");
        let (source, capture, family, split) = (
            info_key(info, &SOURCE_KEYS),
            info_key(info, &CAPTURE_KEYS),
            info_key(info, &FAMILY_KEYS),
            info_key(info, &["split"]),
        );
        let keys = RowKeys {
            source: source.as_deref(),
            capture: capture.as_deref(),
            family: family.as_deref(),
            split: split.as_deref(),
        };
        let (line, result) = match outcome {
            InputOutcome::Scored(score, gold) => (
                ScoredLine::new(
                    input,
                    Some(score.reward),
                    Some(score.components),
                    Some((&score).into()),
                ),
                RowResult::Scored { score, gold, keys },
            ),
            InputOutcome::Failed { id, error } => (
                ScoredLine::new(input, None, None, None),
                RowResult::Failed { id, error },
            ),
        };
        dir.append(&line)?;
        ledger.record((ledger.len(), 0), result, served);
    }
    let mut meta = score_metadata(plan, &dir.run_id, ledger.len(), digest.finish());
    let prices = PriceTable::load(None)?;
    let summary = ledger.summarise(&plan.rubric, plan.seed, &meta.model, &prices);
    summary.write(&dir)?;
    meta.end(RunStatus::Finished);
    meta.write(&dir)?;
    Ok(RunLog {
        dir: dir.path.clone(),
        metadata: meta,
        summary,
    })
}
