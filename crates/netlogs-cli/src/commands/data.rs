//! `netlogs data build|inspect|audit|export|synth`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{bail, Context, Result};
use netlogs_data::{
    audit_leakage, build_dataset, bundled_iot23, inspect, synthesize, write_examples_parquet,
    write_hf_parquet, write_prepared, write_zeek, BuildOptions, Example, SplitRatios, SynthConfig,
    Template, SPLITS,
};

use netlogs_eval::source::{self, SourceSpec};

use crate::args::{DataCommand, DataInputs};

pub fn run(cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Build(a) => build(&a.inputs, &a.output, &a.ratios, a.seed, a.balance),
        DataCommand::Inspect(a) => {
            let ex = examples(&a.inputs)?;
            let i = inspect(&ex);
            if a.json {
                println!("{}", serde_json::to_string_pretty(&i)?);
            } else {
                print!("{}", render_inspection(&i));
            }
            Ok(())
        }
        DataCommand::Audit(a) => {
            let ex = examples(&a.inputs)?;
            let r = audit_leakage(&ex);
            if a.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", render_audit(&r));
            }
            Ok(())
        }
        DataCommand::Export(a) => {
            let ex = examples(&a.inputs)?;
            write_file(&a.output, |w| Ok(write_prepared(&ex, w)?))?;
            println!("wrote {} examples to {}", ex.len(), a.output.display());
            Ok(())
        }
        DataCommand::Synth(a) => {
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
    }
}

fn write_file(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut w = BufWriter::new(file);
    f(&mut w)?;
    std::io::Write::flush(&mut w)?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn examples(inputs: &DataInputs) -> Result<Vec<Example>> {
    let spec = SourceSpec {
        data: &inputs.input,
        format: inputs.input_format,
        capture: inputs.capture.as_deref(),
        synth: (0, 0),
    };
    let d = source::load(&spec, &mut |note| eprintln!("{note}"))?;
    Ok(d.into_examples(inputs.template))
}

fn build(inputs: &DataInputs, output: &Path, ratios: &str, seed: u64, balance: bool) -> Result<()> {
    let ratios = SplitRatios::parse(ratios).with_context(|| {
        format!("--ratios takes three non-negative numbers `train,dev,test`, got `{ratios}`")
    })?;
    let ex = examples(inputs)?;
    let (built, report) = build_dataset(
        ex,
        &BuildOptions {
            ratios,
            seed,
            balance,
        },
    );
    let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "jsonl" => write_file(output, |w| Ok(write_prepared(&built, w)?))?,
        "parquet" => write_file(output, |w| Ok(write_examples_parquet(&built, w)?))?,
        _ => bail!(
            "--output must end in .jsonl or .parquet: {}",
            output.display()
        ),
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "built {}: {} rows in, {} exact duplicates dropped, {} prompts with conflicting labels (kept, flagged), {} rows out",
        output.display(),
        report.rows_in,
        report.duplicates_dropped,
        report.conflicts.len(),
        report.rows_out
    );
    if report.capture_disjoint {
        let _ = writeln!(o, "capture-disjoint splits:");
        for (c, s) in &report.captures {
            let _ = writeln!(o, "  {c} → {s}");
        }
    }
    let i = inspect(&built);
    let _ = writeln!(o, "rows by split: {}", counts(&i.by_split));
    print!("{o}");
    Ok(())
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
    let _ = writeln!(
        o,
        "\nconflicting-label duplicates (same prompt, both labels): {}",
        i.conflicts.len()
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
