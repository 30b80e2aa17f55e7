//! Prepared JSONL of the Python reference: one `{"question", "answer", "meta": {...}}` per line,
//! the prompt already rendered. Read for evaluation, written by `netlogs data export`.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::digest::sha256_hex;
use crate::error::{DataError, UnlabelledRow};
use crate::example::{Example, ExampleInfo};
use crate::record::{Label, LabelCell, Provenance};

fn meta_str(meta: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| meta.get(*k))
        .and_then(|v| match v {
            Value::String(s) if !s.is_empty() && s != "-" => Some(s.clone()),
            Value::Null | Value::String(_) => None,
            other => Some(other.to_string()),
        })
}

/// Parse prepared JSONL. Errors name the line and field; an unlabelled answer (`Background`,
/// `Unknown`, …) is an error here, which [`crate::DataReader`] counts instead.
pub fn parse_prepared(file: &Path, bytes: &[u8]) -> Result<Vec<Example>, DataError> {
    let mut unlabelled = Vec::new();
    let examples = parse_prepared_rows(file, bytes, &mut unlabelled)?;
    match unlabelled.first() {
        Some(u) => Err(u.error(file)),
        None => Ok(examples),
    }
}

/// [`parse_prepared`], with its unlabelled rows listed in `unlabelled`.
pub(crate) fn parse_prepared_rows(
    file: &Path,
    bytes: &[u8],
    unlabelled: &mut Vec<UnlabelledRow<'static>>,
) -> Result<Vec<Example>, DataError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        DataError::NotUtf8 {
            file: file.to_path_buf(),
            line,
        }
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| DataError::BadLine {
            file: file.to_path_buf(),
            line: n,
            message: format!("not valid JSON: {e}"),
        })?;
        let question = v
            .get("question")
            .and_then(Value::as_str)
            .ok_or_else(|| DataError::bad_value(file, n, "question", "missing or not a string"))?;
        let answer_raw = v
            .get("answer")
            .ok_or_else(|| DataError::bad_value(file, n, "answer", "missing"))?;
        let answer = match answer_raw {
            Value::String(s) => match LabelCell::read(s) {
                LabelCell::Gold(label) => Some(label),
                LabelCell::Unlabelled(tag) => {
                    unlabelled.push(UnlabelledRow::owned(n, "answer", tag));
                    continue;
                }
                LabelCell::Other => None,
            },
            Value::Number(x) if x.as_f64() == Some(1.0) => Some(Label::Malicious),
            Value::Number(x) if x.as_f64() == Some(0.0) => Some(Label::Benign),
            Value::Bool(b) => Some(if *b { Label::Malicious } else { Label::Benign }),
            _ => None,
        }
        .ok_or_else(|| {
            DataError::bad_value(file, n, "answer", format!("unknown label {answer_raw}"))
        })?;
        let empty = Map::new();
        let meta = v.get("meta").and_then(Value::as_object).unwrap_or(&empty);
        let example_id = meta_str(meta, &["example_id", "id"]).unwrap_or_else(|| {
            sha256_hex(format!("{question}\n{answer}").as_bytes())[..16].to_string()
        });
        out.push(Example {
            example_id,
            prompt: question.to_string(),
            answer,
            info: ExampleInfo {
                source: meta_str(meta, &["source", "dataset"]).unwrap_or_else(|| "prepared".into()),
                capture: meta_str(meta, &["capture", "scenario"]),
                family: meta_str(meta, &["family", "attack_family", "detailed_label"]),
                file: Provenance::file_label(file).to_string(),
                split: meta_str(meta, &["split"]),
                conflict: meta
                    .get("conflict")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                ts: meta.get("ts").and_then(Value::as_f64),
                full_label: meta_str(meta, &["full_label"]),
            },
        });
    }
    if out.is_empty() && unlabelled.is_empty() {
        return Err(DataError::NoRows {
            file: file.to_path_buf(),
        });
    }
    Ok(out)
}

/// Write examples as prepared JSONL.
pub fn write_prepared(examples: &[Example], out: &mut impl Write) -> std::io::Result<()> {
    for e in examples {
        let mut line = json!({
            "question": e.prompt,
            "answer": e.answer.as_str(),
            "meta": {
                "example_id": e.example_id,
                "source": e.info.source,
                "capture": e.info.capture,
                "family": e.info.family,
                "split": e.info.split,
                "conflict": e.info.conflict,
            }
        });
        if let Some(ts) = e.info.ts {
            line["meta"]["ts"] = json!(ts);
        }
        if let Some(d) = &e.info.full_label {
            line["meta"]["full_label"] = json!(d);
        }
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
