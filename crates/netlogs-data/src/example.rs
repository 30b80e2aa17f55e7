//! An evaluation example: a rendered prompt, its gold answer and the provenance that stays out
//! of the prompt.

use crate::digest::sha256_hex;
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
                source: flow.provenance.source.clone(),
                capture: flow.provenance.capture.clone(),
                family: flow.provenance.family.clone(),
                file: flow.provenance.file.clone(),
                split: None,
            },
        }
    }
}

/// Hash of the whole source row (record, label and provenance), hex, 16 characters.
pub fn row_id(flow: &LabeledFlow) -> String {
    // serde_json output of these plain structs is deterministic (field order, shortest floats).
    let canonical = serde_json::to_vec(&(
        &flow.record,
        flow.label,
        &flow.provenance.source,
        &flow.provenance.capture,
        &flow.provenance.family,
    ))
    .unwrap_or_default();
    sha256_hex(&canonical)[..16].to_string()
}
