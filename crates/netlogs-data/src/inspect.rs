//! `netlogs data inspect` in one streaming pass: counts by label, family, capture and split,
//! and the prompts that carry both labels. Rows are counted, not kept; conflicts are found by
//! a 64-bit prompt digest per distinct prompt (16 bytes each), and only conflicting prompts
//! are ever rendered.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::build::Conflict;
use crate::example::Example;
use crate::prompt::{prompt_digest, render_prompt, Template};
use crate::record::{Label, LabeledFlow};
use crate::stream::Row;

/// Conflicting prompts whose text is kept for the report.
const CONFLICT_TEXTS: usize = 1000;

/// Counts for `netlogs data inspect`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Inspection {
    pub rows: usize,
    pub by_label: BTreeMap<String, usize>,
    pub by_family: BTreeMap<String, usize>,
    pub by_capture: BTreeMap<String, usize>,
    pub by_split: BTreeMap<String, usize>,
    /// Distinct prompts seen with both labels.
    pub conflicting_prompts: usize,
    /// The largest of them (text kept for the first [`CONFLICT_TEXTS`] found).
    pub conflicts: Vec<Conflict>,
    /// Rows the read left out as unlabelled (`Background`, `Unknown`), by label: not in
    /// `rows` or the other counts.
    #[serde(default)]
    pub unlabelled: BTreeMap<String, usize>,
}

/// Builds an [`Inspection`] row by row.
pub struct Inspector {
    template: Template,
    out: Inspection,
    /// Prompt digest → (benign, malicious) rows.
    prompts: HashMap<u64, [usize; 2], foldhash::fast::FixedState>,
    texts: HashMap<u64, String, foldhash::fast::FixedState>,
}

fn key(o: Option<&str>) -> String {
    o.unwrap_or("-").to_string()
}

fn bump(m: &mut BTreeMap<String, usize>, k: Option<&str>) {
    match m.get_mut(k.unwrap_or("-")) {
        Some(n) => *n += 1,
        None => {
            m.insert(key(k), 1);
        }
    }
}

impl Inspector {
    /// `template` renders raw flows (prepared examples carry their prompt).
    pub fn new(template: Template) -> Inspector {
        Inspector {
            template,
            out: Inspection::default(),
            prompts: HashMap::default(),
            texts: HashMap::default(),
        }
    }

    pub fn add(&mut self, row: Row<'_>) {
        match row {
            Row::Flow(f) => self.add_flow(f),
            Row::Example(e) => self.add_example(e),
        }
    }

    pub fn add_flow(&mut self, f: &LabeledFlow) {
        let p = &f.provenance;
        let digest = prompt_digest(f, self.template) as u64;
        let template = self.template;
        let facts = (f.label, p.family.as_deref(), p.capture.as_deref(), None);
        self.count(facts, digest, || render_prompt(f, template));
    }

    pub fn add_example(&mut self, e: &Example) {
        let i = &e.info;
        let digest = xxhash_rust::xxh3::xxh3_64(e.prompt.as_bytes());
        let facts = (
            e.answer,
            i.family.as_deref(),
            i.capture.as_deref(),
            i.split.as_deref(),
        );
        self.count(facts, digest, || e.prompt.clone());
    }

    /// Count one row: its label, family, capture and split, and its prompt by digest.
    fn count(
        &mut self,
        (label, family, capture, split): (Label, Option<&str>, Option<&str>, Option<&str>),
        digest: u64,
        text: impl FnOnce() -> String,
    ) {
        let o = &mut self.out;
        o.rows += 1;
        bump(&mut o.by_label, Some(label.as_str()));
        bump(&mut o.by_family, family);
        bump(&mut o.by_capture, capture);
        bump(&mut o.by_split, split);
        let counts = self.prompts.entry(digest).or_default();
        counts[usize::from(label == Label::Malicious)] += 1;
        let conflicted = counts[0] > 0 && counts[1] > 0;
        if conflicted && self.texts.len() < CONFLICT_TEXTS && !self.texts.contains_key(&digest) {
            self.texts.insert(digest, text());
        }
    }

    pub fn finish(mut self) -> Inspection {
        self.out.conflicting_prompts = self
            .prompts
            .values()
            .filter(|[b, m]| *b > 0 && *m > 0)
            .count();
        let mut conflicts: Vec<Conflict> = self
            .texts
            .into_iter()
            .map(|(d, prompt)| {
                let [benign, malicious] = self.prompts[&d];
                Conflict {
                    prompt,
                    benign,
                    malicious,
                }
            })
            .collect();
        conflicts.sort_by(|a, b| {
            (b.benign + b.malicious)
                .cmp(&(a.benign + a.malicious))
                .then(a.prompt.cmp(&b.prompt))
        });
        self.out.conflicts = conflicts;
        self.out
    }
}

/// [`Inspector`] over examples held in memory.
pub fn inspect(examples: &[Example]) -> Inspection {
    let mut i = Inspector::new(Template::default());
    for e in examples {
        i.add_example(e);
    }
    i.finish()
}
