//! An evaluation example: a rendered prompt, its gold answer and the provenance that stays out
//! of the prompt.

use sha2::{Digest, Sha256};

use crate::field::Field;
use serde::{Deserialize, Serialize};

use crate::prompt::{render_prompt, Template};
use crate::record::{Label, LabeledFlow};

/// Provenance and split of an example, carried into every result row for breakdowns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExampleInfo {
    pub source: String,
    pub capture: Option<String>,
    pub family: Option<String>,
    pub file: String,
    pub split: Option<String>,
    /// Another row renders to the same prompt with the other label (label noise: the cases
    /// where abstaining is right).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conflict: bool,
}

/// One evaluation example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Stable id: a hash of the source row, the same on every machine and every run.
    pub example_id: String,
    /// The user message (the rendered flow).
    pub prompt: String,
    pub answer: Label,
    pub info: ExampleInfo,
}

impl Example {
    pub fn from_flow(flow: &LabeledFlow, template: Template) -> Example {
        Example {
            example_id: row_id(flow),
            prompt: render_prompt(flow, template),
            answer: flow.label,
            info: ExampleInfo {
                source: flow.provenance.source.to_string(),
                capture: flow.provenance.capture.clone(),
                family: flow.provenance.family.clone(),
                file: flow.provenance.file.to_string(),
                split: None,
                conflict: false,
            },
        }
    }
}

/// The whole source row (record, label and provenance) as a canonical byte string: fields in
/// a fixed order, text as UTF-8, numbers by their bits. Equal rows give equal bytes on every
/// machine, with no text formatting.
pub fn row_key(flow: &LabeledFlow) -> Vec<u8> {
    let mut out = Vec::with_capacity(192);
    let mut put = |tag: u8, bytes: &[u8]| {
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    for (i, f) in Field::ALL.into_iter().enumerate() {
        if let Some(v) = flow.record.get_raw(f) {
            put(i as u8, &v);
        }
    }
    put(100, flow.label.as_str().as_bytes());
    let p = &flow.provenance;
    put(101, p.source.as_bytes());
    if let Some(c) = &p.capture {
        put(102, c.as_bytes());
    }
    if let Some(f) = &p.family {
        put(103, f.as_bytes());
    }
    out
}

/// Stable example id: SHA-256 of [`row_key`], 16 hex characters.
pub fn row_id(flow: &LabeledFlow) -> String {
    Sha256::digest(row_key(flow))[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
