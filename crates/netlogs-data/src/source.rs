//! Where an eval's or a data command's examples come from: the bundled IoT-23 set, data files
//! of any supported format, a built dataset (with splits), the dataset `cargo xtask
//! fetch-data` built, or (asked for by name) the synthetic generator.
//!
//! Everything streams: rows go one at a time into a sink (a sampler, a counter, a writer), so
//! a 5 GB log is read in bounded memory. [`draw`] is the eval's sample: a seeded, class-balanced
//! reservoir, so only the rows drawn are ever rendered.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::bundled::{bundled_iot23, BUNDLED_IOT23};
use crate::capture::CaptureFrom;
use crate::context::{ContextIndex, ContextSpec};
use crate::digest::sha256_hex;
use crate::error::DataError;
use crate::example::Example;
use crate::format::SourceFormat;
use crate::manifest::Manifest;
use crate::prompt::Template;
use crate::record::LabeledFlow;
use crate::sample::{example_key, flow_key, BalancedDraw};
use crate::stream::{
    unlabelled_line, BadRows, DataReader, ReadOptions, ReadReport, Row, RowSink, Unlabelled,
    UnlabelledCounts,
};
use crate::synth::{synthesize, SynthConfig};

type Result<T, E = DataError> = std::result::Result<T, E>;

/// `--data synthetic` asks for generated flows instead of files.
pub const SYNTHETIC: &str = "synthetic";

/// Rows of a synthetic set when no sample size is asked for.
pub const DEFAULT_SYNTHETIC_ROWS: usize = 100;

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct SourceSpec<'a> {
    /// Files; empty means the fetched dataset if there is one, else the bundled set.
    pub data: &'a [PathBuf],
    pub format: Option<SourceFormat>,
    pub capture: Option<&'a str>,
    pub capture_from: CaptureFrom,
    pub skip_bad_rows: bool,
    pub unlabelled: Unlabelled,
    /// Leave the files' SHA-256 out (data commands that record none).
    pub skip_digests: bool,
    /// Size and seed of a synthetic set.
    pub synth: (usize, u64),
}

/// A file a source read, with its digest.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    pub name: String,
    pub sha256: String,
    /// Rows read (none recorded for the compiled-in set).
    pub rows: Option<usize>,
}

/// Where rows came from, once they have all streamed past.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    pub name: String,
    pub files: Vec<SourceFile>,
    pub synthetic: bool,
    pub bad_rows: BadRows,
    /// Unlabelled rows left out, by label.
    pub unlabelled: UnlabelledCounts,
    /// How rows were read, worth telling the user (capture rules that fell back).
    pub notes: Vec<String>,
}

impl SourceInfo {
    /// The lines a command prints about the read: notes, then the unlabelled rows left out.
    pub fn messages(&self) -> Vec<String> {
        let mut out = self.notes.clone();
        out.extend(unlabelled_line(&self.unlabelled));
        out
    }
}

/// Where `cargo xtask fetch-data` puts the prepared dataset: `$NETLOGS_DATA_DIR`, else `data/`.
pub fn fetched_data_dir() -> PathBuf {
    std::env::var_os("NETLOGS_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from)
}

fn read_paths(paths: &[&Path], spec: &SourceSpec, sink: &mut RowSink) -> Result<ReadReport> {
    let mut reader = DataReader::new(ReadOptions {
        format: spec.format,
        capture: spec.capture.map(str::to_string),
        capture_from: spec.capture_from,
        skip_bad_rows: spec.skip_bad_rows,
        unlabelled: spec.unlabelled,
        skip_digests: spec.skip_digests,
    });
    for p in paths {
        reader.read(p, sink)?;
    }
    Ok(reader.finish())
}

/// What a source reports after its rows streamed past.
fn info(name: String, report: ReadReport) -> SourceInfo {
    let files = report
        .files
        .into_iter()
        .map(|f| SourceFile {
            name: f.name,
            sha256: f.sha256,
            rows: Some(f.rows),
        })
        .collect();
    SourceInfo {
        name,
        files,
        synthetic: false,
        bad_rows: report.bad_rows,
        unlabelled: report.unlabelled,
        notes: report.notes,
    }
}

/// The dataset a spec names, picked before any row is read.
enum Chosen {
    Fetched(PathBuf, Box<Manifest>),
    Bundled,
    Synthetic(usize, u64),
    Files,
}

impl Chosen {
    fn of(spec: &SourceSpec, note: &mut dyn FnMut(&str)) -> Result<Chosen> {
        if spec.data.is_empty() {
            let dir = fetched_data_dir();
            if let Some(manifest) = Manifest::read(&dir)? {
                note(&format!(
                    "dataset: {} from {} (split test unless --split)",
                    manifest.dataset_name(),
                    dir.display()
                ));
                return Ok(Chosen::Fetched(dir, Box::new(manifest)));
            }
            note("dataset: the bundled real IoT-23 fixture (`cargo xtask fetch-data` builds the full Hugging Face set)");
            return Ok(Chosen::Bundled);
        }
        if spec.data.len() == 1 && spec.data[0] == Path::new(SYNTHETIC) {
            let (n, seed) = spec.synth;
            note(&format!("WARNING: using SYNTHETIC flows (generator seeded {seed}), not real data: figures from this run say nothing about real traffic"));
            return Ok(Chosen::Synthetic(n, seed));
        }
        Ok(Chosen::Files)
    }

    fn default_split(&self) -> Option<&'static str> {
        matches!(self, Chosen::Fetched(..)).then_some("test")
    }

    fn stream(&self, spec: &SourceSpec, sink: &mut RowSink) -> Result<SourceInfo> {
        Ok(match self {
            Chosen::Fetched(dir, manifest) => {
                let path = manifest.dataset_path(dir);
                let mut i = info(manifest.dataset_name(), read_paths(&[&path], spec, sink)?);
                for f in &mut i.files {
                    f.sha256.clone_from(&manifest.sha256);
                }
                i
            }
            Chosen::Bundled => {
                for flow in bundled_iot23()? {
                    sink(Row::Flow(&flow))?;
                }
                let mut i = info("bundled:iot23".into(), ReadReport::default());
                i.files = BUNDLED_IOT23
                    .iter()
                    .map(|f| SourceFile {
                        name: f.name.to_string(),
                        sha256: if spec.skip_digests {
                            String::new()
                        } else {
                            sha256_hex(f.bytes)
                        },
                        rows: None,
                    })
                    .collect();
                i
            }
            Chosen::Synthetic(n, seed) => {
                let config = SynthConfig {
                    n: *n,
                    seed: *seed,
                    ambiguity: 0.0,
                };
                for flow in synthesize(&config, &bundled_iot23()?) {
                    sink(Row::Flow(&flow))?;
                }
                let mut i = info(format!("synthetic:seed{seed}"), ReadReport::default());
                i.synthetic = true;
                i
            }
            Chosen::Files => {
                let paths: Vec<&Path> = spec.data.iter().map(PathBuf::as_path).collect();
                info("files".into(), read_paths(&paths, spec, sink)?)
            }
        })
    }

    /// A further pass over the same rows, after the first: nothing to record, so no digests.
    fn stream_again(&self, spec: &SourceSpec, sink: &mut RowSink) -> Result<()> {
        let again = SourceSpec {
            skip_digests: true,
            ..spec.clone()
        };
        self.stream(&again, sink).map(|_| ())
    }
}

/// What `spec` reads, as text that changes when the data or the way it is read changes:
/// each file's canonical path, size and modification time, the fetched dataset's digest, the
/// bundled set's digests, the synthetic seed; and the read options. Derived data (a lookup
/// index) is kept under a digest of it.
pub fn identity(spec: &SourceSpec) -> Result<String> {
    let mut out = format!(
        "format={:?} capture={:?} capture_from={} unlabelled={}\n",
        spec.format.map(|f| f.to_string()),
        spec.capture,
        spec.capture_from,
        spec.unlabelled
    );
    match Chosen::of(spec, &mut |_| {})? {
        Chosen::Fetched(dir, manifest) => {
            out.push_str(&format!("fetched {} {}\n", dir.display(), manifest.sha256));
        }
        Chosen::Bundled => {
            for f in &BUNDLED_IOT23 {
                out.push_str(&format!("bundled {} {}\n", f.name, sha256_hex(f.bytes)));
            }
        }
        Chosen::Synthetic(n, seed) => out.push_str(&format!("synthetic {n} {seed}\n")),
        Chosen::Files => {
            // Every file a folder holds, so that editing one inside it changes the identity.
            let files = spec
                .data
                .iter()
                .map(|p| crate::inputs::data_files(p))
                .collect::<Result<Vec<_>, _>>()?;
            for p in files.iter().flatten() {
                let io = |e| DataError::Io {
                    file: p.clone(),
                    source: e,
                };
                let canonical = p.canonicalize().map_err(io)?;
                let meta = std::fs::metadata(&canonical).map_err(io)?;
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                out.push_str(&format!(
                    "file {} {} {modified}\n",
                    canonical.display(),
                    meta.len()
                ));
            }
        }
    }
    Ok(out)
}

/// Stream every row `spec` names into `sink`. `note` is told which dataset was picked.
pub fn stream_rows(
    spec: &SourceSpec,
    note: &mut dyn FnMut(&str),
    sink: &mut RowSink,
) -> Result<SourceInfo> {
    Chosen::of(spec, note)?.stream(spec, sink)
}

/// Every example `spec` names (flows rendered with `template`, and with their host's earlier
/// flows under them when `context` is given), from `split` when given (a fetched dataset's
/// default is `test`). For data that fits in memory.
pub fn all_examples(
    spec: &SourceSpec,
    template: Template,
    split: Option<&str>,
    context: Option<ContextSpec>,
    note: &mut dyn FnMut(&str),
) -> Result<Vec<Example>> {
    let chosen = Chosen::of(spec, note)?;
    let split = split.or(chosen.default_split());
    let (mut out, mut flows) = (Vec::new(), Vec::new());
    let mut kinds = Kinds::default();
    chosen.stream(spec, &mut |row| {
        kinds.see(row)?;
        match row {
            Row::Flow(_) if split.is_some() => Err(needs_splits()),
            Row::Flow(f) if context.is_some() => {
                flows.push(f.clone());
                Ok(())
            }
            Row::Flow(f) => {
                out.push(Example::from_flow(f, template));
                Ok(())
            }
            Row::Example(_) if context.is_some() => Err(context_needs_flows()),
            Row::Example(e) => {
                if split.is_none_or(|s| e.info.split.as_deref() == Some(s)) {
                    out.push(e.clone());
                }
                Ok(())
            }
        }
    })?;
    match context {
        Some(c) => with_context(&chosen, spec, &flows, template, c),
        None => Ok(out),
    }
}

fn context_needs_flows() -> DataError {
    DataError::Options("--context renders raw flows; a built dataset's prompts are fixed: build it with `netlogs data build --context K` instead".into())
}

fn needs_splits() -> DataError {
    DataError::Options(
        "--split needs a built dataset with splits (netlogs data build), not raw flow files".into(),
    )
}

/// What an eval draws: how many, how rendered, from which split.
#[derive(Debug, Clone, Copy)]
pub struct DrawSpec<'a> {
    pub template: Template,
    pub n: usize,
    pub seed: u64,
    pub split: Option<&'a str>,
    /// Render each flow with its host's earlier flows under it.
    pub context: Option<ContextSpec>,
    /// The setting that needs raw flows rather than prepared examples (`--mode lookup`),
    /// if any: prepared examples are then an error at the first one.
    pub raw_flows_for: Option<&'a str>,
}

/// What an eval's run log records of where its sample came from.
#[derive(Debug, Clone)]
pub struct DrawnFrom {
    pub source: SourceInfo,
    pub split: Option<String>,
    /// Rows the sample was drawn from.
    pub rows_available: usize,
    /// How the sample was drawn, in words.
    pub sampling: &'static str,
    /// Split → the captures a built dataset put in it (empty for raw flows).
    pub captures: BTreeMap<String, Vec<String>>,
}

/// An eval's sample and the dataset facts its metadata records.
pub struct Drawn {
    pub examples: Vec<Example>,
    pub dataset: DrawnFrom,
    /// The drawn raw flows, in the order of the first `flows.len()` examples (none for a
    /// built dataset).
    pub flows: Vec<LabeledFlow>,
}

/// Every raw flow `spec` names, held (lookup mode's tools read them at random).
pub fn all_flows(spec: &SourceSpec) -> Result<Vec<LabeledFlow>> {
    let chosen = Chosen::of(spec, &mut |_| {})?;
    let mut out = Vec::new();
    chosen.stream_again(spec, &mut |row| {
        if let Row::Flow(f) = row {
            out.push(f.clone());
        }
        Ok(())
    })?;
    Ok(out)
}

/// Which kind of rows a source turned out to hold (they may not mix).
#[derive(Default)]
struct Kinds {
    flows: bool,
    examples: bool,
}

impl Kinds {
    fn see(&mut self, row: Row<'_>) -> std::result::Result<(), DataError> {
        match row {
            Row::Flow(_) => self.flows = true,
            Row::Example(_) => self.examples = true,
        }
        if self.flows && self.examples {
            return Err(DataError::Options("--data mixes raw flow files with prepared examples; build one dataset first (netlogs data build)".into()));
        }
        Ok(())
    }
}

/// Capture ids by split, as a built dataset assigns them (empty for raw flows).
fn captures_by_split(captures: BTreeSet<(String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (split, capture) in captures {
        out.entry(split).or_default().push(capture);
    }
    out
}

/// `targets` (flows of the data `spec` names) rendered with their context, found in a
/// second pass over that data.
pub fn examples_with_context(
    spec: &SourceSpec,
    targets: &[LabeledFlow],
    template: Template,
    context: ContextSpec,
) -> Result<Vec<Example>> {
    with_context(
        &Chosen::of(spec, &mut |_| {})?,
        spec,
        targets,
        template,
        context,
    )
}

/// `targets` rendered with their context, found in a second pass over the same source.
fn with_context(
    chosen: &Chosen,
    spec: &SourceSpec,
    targets: &[LabeledFlow],
    template: Template,
    context: ContextSpec,
) -> Result<Vec<Example>> {
    let mut index = ContextIndex::new(context, targets)?;
    chosen.stream_again(spec, &mut |row| {
        if let Row::Flow(f) = row {
            index.offer(f);
        }
        Ok(())
    })?;
    Ok(targets
        .iter()
        .zip(index.finish())
        .map(|(f, ctx)| {
            let ctx: Vec<&LabeledFlow> = ctx.iter().collect();
            Example::with_context(f, template, &ctx, context)
        })
        .collect())
}

/// Up to `n` class-balanced examples (seeded), from `split` when given, in one pass. Only the
/// rows drawn are rendered.
pub fn draw(spec: &SourceSpec, want: &DrawSpec, note: &mut dyn FnMut(&str)) -> Result<Drawn> {
    let chosen = Chosen::of(spec, note)?;
    let split = want.split.or(chosen.default_split());
    let mut flows = BalancedDraw::new(want.n, want.seed);
    let mut examples = BalancedDraw::new(want.n, want.seed);
    let (mut kinds, mut available) = (Kinds::default(), 0usize);
    let mut split_captures: BTreeSet<(String, String)> = BTreeSet::new();
    let source = chosen.stream(spec, &mut |row| {
        kinds.see(row)?;
        match row {
            Row::Flow(_) if split.is_some() => return Err(needs_splits()),
            Row::Flow(f) => {
                available += 1;
                flows.offer_with(flow_key(f, want.template, want.seed), f.label, || f.clone());
            }
            Row::Example(e) => {
                if let Some(setting) = want.raw_flows_for {
                    return Err(DataError::Options(format!("{setting} needs raw flows (files, the bundled set): a built dataset's prompts carry no flow to look around")));
                }
                if want.context.is_some() {
                    return Err(context_needs_flows());
                }
                if let (Some(s), Some(c)) = (&e.info.split, &e.info.capture) {
                    split_captures.insert((s.clone(), c.clone()));
                }
                if split.is_none_or(|s| e.info.split.as_deref() == Some(s)) {
                    available += 1;
                    examples.offer_with(example_key(e, want.seed), e.answer, || e.clone());
                }
            }
        }
        Ok(())
    })?;
    let prepared = examples.finish();
    let flows = flows.finish();
    let mut drawn = match want.context {
        Some(spec_ctx) => with_context(&chosen, spec, &flows, want.template, spec_ctx)?,
        None => flows
            .iter()
            .map(|f| Example::from_flow(f, want.template))
            .collect(),
    };
    drawn.extend(prepared);
    if drawn.is_empty() {
        let what = match split {
            Some(s) => format!("no examples in split `{s}` of {}", source.name),
            None => format!("no examples to evaluate (dataset {} is empty)", source.name),
        };
        return Err(DataError::Options(what));
    }
    let dataset = DrawnFrom {
        source,
        split: split.map(str::to_string),
        rows_available: available,
        sampling: "class-balanced, seeded: the rows with the smallest xxh3 keys per label (one pass, bounded memory)",
        captures: captures_by_split(split_captures),
    };
    Ok(Drawn {
        examples: drawn,
        dataset,
        flows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folders_identity_changes_when_a_file_inside_it_does() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("x.conn.log.labeled");
        std::fs::write(&log, "#fields\tts\n").expect("write");
        let data = [dir.path().to_path_buf()];
        let spec = SourceSpec {
            data: &data,
            format: None,
            capture: None,
            capture_from: CaptureFrom::default(),
            skip_bad_rows: false,
            unlabelled: Unlabelled::default(),
            skip_digests: true,
            synth: (0, 0),
        };
        let before = identity(&spec).expect("identity");
        assert!(before.contains("x.conn.log.labeled"), "{before}");
        std::fs::write(&log, "#fields\tts\tuid\n").expect("rewrite");
        assert_ne!(identity(&spec).expect("identity"), before);
    }
}
