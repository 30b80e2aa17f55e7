//! `netlogs data build|inspect|audit|export|synth`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{bail, Context, Result};
use netlogs_data::{
    build_dataset, bundled_iot23, contexts_in_memory, inspect, synthesize, write_examples_parquet,
    write_hf_parquet, write_prepared, write_zeek, Auditor, BuildOptions, ContextSpec, DataError,
    Example, Inspector, LabeledFlow, Row, RowSink, SampleCaps, SplitRatios, StratifiedSample,
    SynthConfig, Template, SPLITS,
};

use netlogs_data::source::{self, SourceInfo, SourceSpec};

use crate::args::{DataBuildArgs, DataCommand, DataInputs, DataSynthArgs};

pub fn run(cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Build(a) => build(&a),
        DataCommand::Inspect(a) => {
            let mut inspector = Inspector::new(a.inputs.template);
            let source = stream(&a.inputs, &mut |row| {
                inspector.add(row);
                Ok(())
            })?;
            let mut i = inspector.finish();
            i.unlabelled = source.unlabelled.clone();
            if a.json {
                println!("{}", serde_json::to_string_pretty(&i)?);
            } else {
                print!("{}", render_inspection(&i));
                print!("{}", render_read(&source));
            }
            Ok(())
        }
        DataCommand::Audit(a) => {
            let mut auditor = Auditor::new(a.inputs.template);
            let source = stream(&a.inputs, &mut |row| {
                auditor.add(row);
                Ok(())
            })?;
            let r = auditor.finish();
            if a.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", render_audit(&r));
                print!("{}", render_read(&source));
            }
            Ok(())
        }
        DataCommand::Export(a) => match a.context.spec()? {
            Some(spec) => export_with_context(&a.inputs, &a.output, spec),
            None => export(&a.inputs, &a.output),
        },
        DataCommand::Synth(a) => synth(&a),
        DataCommand::Index(a) => index(&a),
        DataCommand::Select(a) => super::select::run(&a),
    }
}

fn synth(a: &DataSynthArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&a.ambiguity) {
        bail!("--ambiguity must lie in [0, 1], got {}", a.ambiguity);
    }
    let flows = synthesize(
        &SynthConfig {
            n: a.num,
            seed: a.seed,
            ambiguity: a.ambiguity,
        },
        &bundled_iot23()?,
    );
    let ext = a.output.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "jsonl" => {
            let ex: Vec<Example> = flows
                .iter()
                .map(|f| Example::from_flow(f, Template::Zeek))
                .collect();
            write_file(&a.output, |w| Ok(write_prepared(&ex, w)?))?;
        }
        "parquet" => write_file(&a.output, |w| Ok(write_hf_parquet(&flows, w)?))?,
        _ => write_file(&a.output, |w| {
            Ok(std::io::Write::write_all(w, write_zeek(&flows).as_bytes())?)
        })?,
    }
    println!(
        "wrote {} SYNTHETIC flows (seed {}, ambiguity {}) to {}",
        flows.len(),
        a.seed,
        a.ambiguity,
        a.output.display()
    );
    Ok(())
}

fn write_file(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let tmp = netlogs_runlog::temporary_of(path);
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut w = BufWriter::new(file);
    f(&mut w)?;
    std::io::Write::flush(&mut w)?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// What the data flags name (no file digests: the data commands record none).
fn source_spec(inputs: &DataInputs) -> SourceSpec<'_> {
    SourceSpec {
        data: &inputs.input,
        format: inputs.input_format,
        capture: inputs.read.capture.as_deref(),
        capture_from: inputs.read.capture_from,
        skip_bad_rows: inputs.read.skip_bad_rows,
        unlabelled: inputs.read.unlabelled,
        skip_digests: true,
        synth: (0, 0),
    }
}

/// The lookup index of the inputs, built unless it exists.
fn index(a: &crate::args::DataIndexArgs) -> Result<()> {
    let dir = a
        .index_dir
        .clone()
        .unwrap_or_else(netlogs_lookup::default_index_dir);
    let started = std::time::Instant::now();
    let index =
        netlogs_lookup::index_for(&source_spec(&a.inputs), &dir, &mut |n| eprintln!("{n}"))?;
    println!(
        "lookup index: {} ({} flows; {:.1} s)",
        index.path().display(),
        index.rows,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Every row the inputs hold, one at a time, into `sink`.
fn stream(inputs: &DataInputs, sink: &mut RowSink) -> Result<SourceInfo> {
    let spec = source_spec(inputs);
    Ok(source::stream_rows(
        &spec,
        &mut |note| eprintln!("{note}"),
        sink,
    )?)
}

/// Rendered examples are written as they stream past: nothing is held.
fn export(inputs: &DataInputs, output: &Path) -> Result<()> {
    let mut written = 0usize;
    let mut source = None;
    write_file(output, |w| {
        source = Some(stream(inputs, &mut |row| {
            let written_row = match row {
                Row::Flow(f) => write_prepared(&[Example::from_flow(f, inputs.template)], w),
                Row::Example(e) => write_prepared(std::slice::from_ref(e), w),
            };
            written_row.map_err(|source| DataError::Write {
                file: output.to_path_buf(),
                source,
            })?;
            written += 1;
            Ok(())
        })?);
        Ok(())
    })?;
    println!("wrote {written} examples to {}", output.display());
    if let Some(s) = source {
        print!("{}", render_read(&s));
    }
    Ok(())
}

/// Flows go through a stratified reservoir (bounded by the caps); prepared examples are
/// rebuilt as they are.
fn build(a: &DataBuildArgs) -> Result<()> {
    let ratios = SplitRatios::parse(&a.ratios).with_context(|| {
        format!(
            "--ratios takes three non-negative numbers `train,dev,test`, got `{}`",
            a.ratios
        )
    })?;
    let ext = a.output.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext, "jsonl" | "parquet") {
        bail!(
            "--output must end in .jsonl or .parquet: {}",
            a.output.display()
        );
    }
    let caps = SampleCaps {
        per_capture: a.per_capture,
        max_rows: a.max_rows,
    };
    let template = a.inputs.template;
    let mut sample = StratifiedSample::new(caps, template, a.seed);
    let mut prepared: Vec<Example> = Vec::new();
    let mut rows_read = 0usize;
    let source = stream(&a.inputs, &mut |row| {
        rows_read += 1;
        match row {
            Row::Flow(f) => sample.offer(f),
            Row::Example(e) => prepared.push(e.clone()),
        }
        Ok(())
    })?;
    let sampled_duplicates = sample.duplicates;
    let flows = sample.finish();
    let mut ex: Vec<Example> = match a.context.spec()? {
        Some(spec) => with_context(&a.inputs, &flows, spec)?,
        None => flows
            .iter()
            .map(|f| Example::from_flow(f, template))
            .collect(),
    };
    ex.append(&mut prepared);
    let opts = BuildOptions {
        ratios,
        seed: a.seed,
        balance: a.balance,
        test_captures: a.test_captures.clone(),
    };
    let (built, report) = build_dataset(ex, &opts)?;
    match ext {
        "jsonl" => write_file(&a.output, |w| Ok(write_prepared(&built, w)?))?,
        _ => write_file(&a.output, |w| Ok(write_examples_parquet(&built, w)?))?,
    }
    print!(
        "{}",
        render_build(
            a,
            &report,
            rows_read,
            sampled_duplicates + report.duplicates_dropped
        )
    );
    let i = inspect(&built);
    println!("rows by split: {}", counts(&i.by_split));
    print!("{}", render_read(&source));
    Ok(())
}

/// The sampled flows rendered with their context, found in a second pass over the inputs.
/// Every flow needs a capture: context stays inside a capture, and so inside a split.
fn with_context(
    inputs: &DataInputs,
    flows: &[LabeledFlow],
    spec: ContextSpec,
) -> Result<Vec<Example>> {
    if let Some(f) = flows.iter().find(|f| f.provenance.capture.is_none()) {
        bail!("--context in a build needs a capture on every row, so that context never crosses splits; {} has rows without one (use --capture-from auto or host-session, or --capture)", f.provenance.file);
    }
    Ok(source::examples_with_context(
        &source_spec(inputs),
        flows,
        inputs.template,
        spec,
    )?)
}

/// Export with context: every flow is a target, so the flows are held (context of all rows
/// needs them all).
fn export_with_context(inputs: &DataInputs, output: &Path, spec: ContextSpec) -> Result<()> {
    let mut flows: Vec<LabeledFlow> = Vec::new();
    let source = stream(inputs, &mut |row| match row {
        Row::Flow(f) => {
            flows.push(f.clone());
            Ok(())
        }
        Row::Example(_) => Err(DataError::Options(
            "--context renders raw flows; these are prepared examples with fixed prompts".into(),
        )),
    })?;
    let contexts = contexts_in_memory(&flows, spec)?;
    write_file(output, |w| {
        for (f, ctx) in flows.iter().zip(&contexts) {
            let ctx: Vec<&LabeledFlow> = ctx.iter().map(|&i| &flows[i]).collect();
            write_prepared(&[Example::with_context(f, inputs.template, &ctx, spec)], w)?;
        }
        Ok(())
    })?;
    println!("wrote {} examples to {}", flows.len(), output.display());
    print!("{}", render_read(&source));
    Ok(())
}

fn render_build(
    a: &DataBuildArgs,
    report: &netlogs_data::BuildReport,
    rows_read: usize,
    duplicates: usize,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "built {}: {} rows read, {} duplicates dropped, {} prompts with conflicting labels (kept, flagged), {} rows out",
        a.output.display(),
        rows_read,
        duplicates,
        report.conflicts.len(),
        report.rows_out
    );
    if a.per_capture.is_some() || a.max_rows.is_some() {
        let _ = writeln!(
            o,
            "sampled (seed {}): at most {} per capture, {} in all; distinct rows only",
            a.seed,
            a.per_capture.map_or("all".into(), |n| n.to_string()),
            a.max_rows.map_or("all".into(), |n| n.to_string()),
        );
    }
    if report.capture_disjoint {
        let chosen = if a.test_captures.is_empty() {
            format!("test captures chosen by seed {}", a.seed)
        } else {
            "test captures named by --test-captures".to_string()
        };
        let _ = writeln!(o, "capture-disjoint splits ({chosen}):");
        for split in SPLITS {
            let names: Vec<&str> = report
                .captures
                .iter()
                .filter(|(_, s)| s.as_str() == split)
                .map(|(c, _)| c.as_str())
                .collect();
            let _ = writeln!(
                o,
                "  {split:<5} {} captures: {}",
                names.len(),
                names.join(", ")
            );
        }
    }
    o
}

/// The bad-row count and the first few errors, when any were skipped.
/// What the read left out or decided: bad rows skipped, notes, unlabelled rows.
fn render_read(source: &SourceInfo) -> String {
    let mut o = String::new();
    let bad = &source.bad_rows;
    if !bad.is_empty() {
        let _ = writeln!(
            o,
            "skipped {} bad rows (--skip-bad-rows); the first:",
            bad.count
        );
        for m in &bad.first {
            let _ = writeln!(o, "  {m}");
        }
    }
    for line in source.messages() {
        let _ = writeln!(o, "{line}");
    }
    o
}

fn counts(m: &BTreeMap<String, usize>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_inspection(i: &netlogs_data::Inspection) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "rows: {}", i.rows);
    for (name, m) in [
        ("label", &i.by_label),
        ("family", &i.by_family),
        ("capture", &i.by_capture),
        ("split", &i.by_split),
    ] {
        let _ = writeln!(o, "\nby {name}:");
        for (k, v) in m {
            let _ = writeln!(o, "  {k:<40} {v:>8}");
        }
    }
    if !i.unlabelled.is_empty() {
        let _ = writeln!(o, "\nunlabelled rows, left out (--unlabelled skip):");
        for (k, v) in &i.unlabelled {
            let _ = writeln!(o, "  {k:<40} {v:>8}");
        }
    }
    let _ = writeln!(
        o,
        "\nconflicting-label duplicates (same prompt, both labels): {}",
        i.conflicting_prompts
    );
    for c in i.conflicts.iter().take(10) {
        let preview: String = c.prompt.chars().take(100).collect();
        let _ = writeln!(
            o,
            "  benign {} / malicious {}: {preview}…",
            c.benign, c.malicious
        );
    }
    o
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn render_audit(a: &netlogs_data::LeakageAudit) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "prompts shared across splits: {}",
        a.prompts_shared_across_splits
    );
    let _ = writeln!(
        o,
        "\n| split | rows | malicious | (proto, port) lookup, fitted on split | fitted on train |\n|---|---|---|---|---|"
    );
    let mut names: Vec<&String> = a.splits.keys().collect();
    names.sort_by_key(|n| SPLITS.iter().position(|s| s == n).unwrap_or(9));
    for n in names {
        let s = &a.splits[n];
        let _ = writeln!(
            o,
            "| {n} | {} | {} | {} | {} |",
            s.rows,
            pct(s.malicious_share),
            pct(s.port_lookup_within),
            pct(s.port_lookup_from_train)
        );
    }
    o
}
