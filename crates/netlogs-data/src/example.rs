//! An evaluation example: a rendered prompt, its gold answer and the provenance that stays out
//! of the prompt.

use sha2::{Digest, Sha256};

use crate::field::Field;
use serde::{Deserialize, Serialize};

use crate::context::{render_with_context, ContextSpec};
use crate::prompt::{render_prompt, Template};
use crate::record::{Label, LabeledFlow, RawField};

/// Provenance and split of an example, carried into every result row for breakdowns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The source row's timestamp (never shown in a prompt by this field): where lookup tools
    /// look around the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<f64>,
    /// The whole detailed label, when `family` was read out of a structured one
    /// (Stratosphere's `From_…-To_…-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_label: Option<String>,
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
        Example::with_prompt(flow, render_prompt(flow, template))
    }

    /// [`Example::from_flow`] with the host's earlier flows under the prompt.
    pub fn with_context(
        flow: &LabeledFlow,
        template: Template,
        context: &[&LabeledFlow],
        spec: ContextSpec,
    ) -> Example {
        Example::with_prompt(flow, render_with_context(flow, template, context, spec))
    }

    fn with_prompt(flow: &LabeledFlow, prompt: String) -> Example {
        Example {
            example_id: row_id(flow),
            prompt,
            answer: flow.label,
            info: ExampleInfo {
                source: flow.provenance.source.to_string(),
                capture: flow.provenance.capture.as_deref().map(str::to_string),
                family: flow.provenance.family.as_deref().map(str::to_string),
                file: flow.provenance.file.to_string(),
                split: None,
                conflict: false,
                ts: flow.record.ts,
                full_label: flow.provenance.detailed.as_deref().map(str::to_string),
            },
        }
    }
}

/// The whole source row (record, label and provenance) as tagged canonical parts: fields in
/// a fixed order, text as UTF-8, numbers by their bits. Equal rows give equal parts on every
/// machine, with no text formatting.
fn canonical_parts(flow: &LabeledFlow) -> impl Iterator<Item = (u8, RawField<'_>)> {
    let p = &flow.provenance;
    let fields = Field::ALL
        .into_iter()
        .enumerate()
        .filter_map(|(i, f)| flow.record.get_raw(f).map(|v| (i as u8, v)));
    fn text(s: &Option<std::sync::Arc<str>>) -> Option<RawField<'_>> {
        s.as_deref().map(|s| RawField::Text(s.as_bytes()))
    }
    let tail = [
        (100, Some(RawField::Text(flow.label.as_str().as_bytes()))),
        (101, Some(RawField::Text(p.source.as_bytes()))),
        (102, text(&p.capture)),
        (103, text(&p.family)),
    ];
    fields.chain(tail.into_iter().filter_map(|(t, v)| v.map(|v| (t, v))))
}

/// [`canonical_parts`] as one byte string (tag, length, bytes per part).
pub fn row_key(flow: &LabeledFlow) -> Vec<u8> {
    let mut out = Vec::with_capacity(192);
    for (tag, v) in canonical_parts(flow) {
        let bytes = v.as_bytes();
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// A row hashed and compared by its canonical parts (what [`row_key`] encodes), without
/// building the bytes: duplicate detection over a whole dataset allocates nothing per row.
#[derive(Debug, Clone, Copy)]
pub struct RowIdentity<'a>(pub &'a LabeledFlow);

impl PartialEq for RowIdentity<'_> {
    fn eq(&self, other: &Self) -> bool {
        canonical_parts(self.0).eq(canonical_parts(other.0))
    }
}

impl Eq for RowIdentity<'_> {}

impl std::hash::Hash for RowIdentity<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for (tag, v) in canonical_parts(self.0) {
            state.write_u8(tag);
            state.write(v.as_bytes());
        }
    }
}

/// Stable example id: SHA-256 of [`row_key`], 16 hex characters.
pub fn row_id(flow: &LabeledFlow) -> String {
    Sha256::digest(row_key(flow))[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, RandomState};

    use super::*;
    use crate::bundled_iot23;

    #[test]
    fn row_identity_agrees_with_row_key() {
        let flows = bundled_iot23().expect("bundled");
        let hasher = RandomState::new();
        let a = &flows[0];
        let mut same = a.clone();
        let mut other_family = a.clone();
        other_family.provenance.family = Some("Okiru".into());
        let mut other_port = a.clone();
        other_port.record.resp_p = other_port.record.resp_p.map(|p| p + 1);
        same.record.uid = a.record.uid.clone();
        for b in [
            &same,
            &other_family,
            &other_port,
            &flows[1],
            &flows[flows.len() - 1],
        ] {
            let equal = row_key(a) == row_key(b);
            assert_eq!(RowIdentity(a) == RowIdentity(b), equal);
            if equal {
                assert_eq!(
                    hasher.hash_one(RowIdentity(a)),
                    hasher.hash_one(RowIdentity(b))
                );
            }
        }
        assert!(RowIdentity(a) == RowIdentity(&same));
        assert!(RowIdentity(a) != RowIdentity(&other_family));
        assert!(RowIdentity(a) != RowIdentity(&other_port));
    }
}
