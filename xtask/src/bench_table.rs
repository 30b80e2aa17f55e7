//! `cargo xtask bench-table`: render the README's "Performance Benchmarks" tables from run
//! summaries, between `<!-- bench-table:start -->` and `<!-- bench-table:end -->`. The first
//! puts each policy's figures on captures it has seen beside its figures on captures it has
//! not; the second lists every run.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use netlogs_rubric::Preset;
use netlogs_runlog::{find_runs, RunKind, RunRecord, SUMMARY_FILE};

use crate::util::workspace_root;

pub const START: &str = "<!-- bench-table:start -->";
pub const END: &str = "<!-- bench-table:end -->";

#[derive(clap::Args)]
pub struct Args {
    /// Run directories, or folders holding them at any depth, such as an eval's `-s` save
    /// directory (default: every run under outputs/).
    #[arg(long, num_args = 1..)]
    runs: Vec<PathBuf>,
    /// The file to update (default: the workspace README.md).
    #[arg(long)]
    readme: Option<PathBuf>,
    /// Exit non-zero when the table is stale; write nothing.
    #[arg(long)]
    check: bool,
}

/// Which captures a run's examples come from, relative to training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The test split of a dataset without capture ids: random rows of captures the train
    /// split also holds (the literature's random split).
    InCapture,
    /// The test split of a capture-disjoint dataset: captures the train split never holds.
    HeldOut,
    /// Anything else (a whole dataset, a dev split, raw files).
    Other,
}

/// One table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    model: String,
    dataset: String,
    split: String,
    setting: Setting,
    n: u64,
    accuracy: Option<f64>,
    format: Option<f64>,
    calibration: Option<f64>,
    cost: Option<f64>,
    abstain: Option<f64>,
    ece: Option<f64>,
    mean_reward: Option<f64>,
    run: String,
}

/// What a run directory gives the table.
#[derive(Debug)]
pub enum Ranked {
    Row(Row),
    /// A `netlogs score` run, which evaluates no model.
    NotAnEval,
    /// A run that did not finish is never ranked: its status says why.
    Unfinished(String),
}

/// A run's row, from its metadata.json and summary.json (the typed run log).
pub fn row(dir: &Path) -> Result<Ranked> {
    let RunRecord {
        metadata: m,
        summary: s,
        ..
    } = RunRecord::read(dir)?;
    if m.kind() != RunKind::Eval {
        return Ok(Ranked::NotAnEval);
    }
    if !m.status.is_finished() {
        return Ok(Ranked::Unfinished(m.status.to_string()));
    }
    // Runs under a non-default rubric preset are marked, so rows stay distinguishable.
    let model = match m.rubric().preset {
        Preset::Proper => m.model.clone(),
        p => format!("{} [{p}]", m.model),
    };
    let setting = setting_of(&m.dataset);
    let dataset = match m.dataset.files.first() {
        Some(f) if m.dataset.name == "files" => file_name(&f.name),
        _ => m.dataset.name.clone(),
    };
    let s = s.metrics;
    Ok(Ranked::Row(Row {
        model,
        setting,
        dataset,
        split: m.dataset.split.clone().unwrap_or_else(|| "all".into()),
        n: s.n as u64,
        accuracy: s.accuracy,
        format: s.format_rate,
        calibration: s.mean_calibration,
        cost: s.mean_cost,
        abstain: s.abstain_rate,
        ece: s.calibration.ece,
        mean_reward: s.mean_reward,
        run: m.run_id,
    }))
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// In-capture, held-out or neither, from what the run's metadata records of its splits.
pub fn setting_of(d: &netlogs_runlog::DatasetInfo) -> Setting {
    if d.split.as_deref() != Some("test") {
        return Setting::Other;
    }
    match (d.captures.get("test"), d.captures.get("train")) {
        (None, None) if d.captures.is_empty() => Setting::InCapture,
        (Some(test), Some(train))
            if !test.is_empty() && test.iter().all(|c| !train.contains(c)) =>
        {
            Setting::HeldOut
        }
        _ => Setting::Other,
    }
}

/// Policies by row, their latest in-capture and held-out runs side by side.
pub fn render_settings(rows: &[Row]) -> String {
    let mut models: Vec<&str> = rows
        .iter()
        .filter(|r| r.setting != Setting::Other)
        .map(|r| r.model.as_str())
        .collect();
    models.sort();
    models.dedup();
    let latest = |model: &str, setting: Setting| {
        rows.iter()
            .filter(|r| r.model == model && r.setting == setting)
            .max_by(|a, b| a.run.cmp(&b.run))
    };
    let mut out = String::from(
        "| Model | In-capture accuracy | In-capture mean reward | Held-out accuracy | Held-out mean reward | Held-out ECE | Held-out abstain |\n|---|---|---|---|---|---|---|\n",
    );
    let cell =
        |r: Option<&Row>, f: fn(&Row) -> Option<f64>| r.map_or("—".to_string(), |r| num(f(r)));
    let mut sources: Vec<String> = Vec::new();
    for m in models {
        let (inc, held) = (latest(m, Setting::InCapture), latest(m, Setting::HeldOut));
        out.push_str(&format!(
            "| {m} | {} | {} | {} | {} | {} | {} |\n",
            cell(inc, |r| r.accuracy),
            cell(inc, |r| r.mean_reward),
            cell(held, |r| r.accuracy),
            cell(held, |r| r.mean_reward),
            cell(held, |r| r.ece),
            cell(held, |r| r.abstain),
        ));
        for (what, r) in [("in-capture", inc), ("held-out", held)] {
            if let Some(r) = r {
                let line = format!("{what}: {} split {} (N {})", r.dataset, r.split, r.n);
                if !sources.contains(&line) {
                    sources.push(line);
                }
            }
        }
    }
    out.push_str(&format!("\nSources: {}.\n", sources.join("; ")));
    out
}

fn num(x: Option<f64>) -> String {
    // Three decimals everywhere; `-0.000` is printed as `0.000`.
    x.map_or_else(
        || "—".into(),
        |v| format!("{:.3}", if v.abs() < 0.0005 { 0.0 } else { v }),
    )
}

/// The table, rows sorted by model, dataset, split, then run.
pub fn render(rows: &[Row]) -> String {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| {
        (&a.model, &a.dataset, &a.split, &a.run).cmp(&(&b.model, &b.dataset, &b.split, &b.run))
    });
    let mut out = String::from(
        "| Model | Dataset | Split | N | Accuracy | Format | Calibration | Cost | Abstain | ECE | Mean reward | Run |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in &rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.model,
            r.dataset,
            r.split,
            r.n,
            num(r.accuracy),
            num(r.format),
            num(r.calibration),
            num(r.cost),
            num(r.abstain),
            num(r.ece),
            num(r.mean_reward),
            r.run
        ));
    }
    out
}

/// `readme` with the table between the markers replaced by `table`.
pub fn splice(readme: &str, table: &str, name: &str) -> Result<String> {
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        bail!("{name} has no `{START}` … `{END}` markers: add them where the table belongs");
    };
    if b < a {
        bail!("{name}: `{END}` comes before `{START}`");
    }
    Ok(format!("{}{START}\n{table}{}", &readme[..a], &readme[b..]))
}

/// Every run directory under each of `dirs` (a run directory, a save dir, or any folder
/// above them) that has a summary.
pub fn run_dirs(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| find_runs(d).runs)
        .filter(|run| run.join(SUMMARY_FILE).is_file())
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn run(a: Args) -> Result<()> {
    let root = workspace_root();
    let runs = if a.runs.is_empty() {
        run_dirs(&[root.join("outputs")])
    } else {
        run_dirs(&a.runs)
    };
    let mut rows = Vec::new();
    for dir in &runs {
        match row(dir)? {
            Ranked::Row(r) => rows.push(r),
            Ranked::NotAnEval => {}
            Ranked::Unfinished(status) => {
                eprintln!("left out {}: {status}", dir.display());
            }
        }
    }
    let readme = a.readme.unwrap_or_else(|| root.join("README.md"));
    let old = std::fs::read_to_string(&readme)
        .with_context(|| format!("cannot read {}", readme.display()))?;
    let tables = if rows.iter().any(|r| r.setting != Setting::Other) {
        format!(
            "{}\nEvery run:\n\n{}",
            render_settings(&rows),
            render(&rows)
        )
    } else {
        render(&rows)
    };
    let new = splice(&old, &tables, &readme.display().to_string())?;
    if new == old {
        println!("{} is up to date ({} runs)", readme.display(), rows.len());
        return Ok(());
    }
    if a.check {
        bail!(
            "{} is stale: run `cargo xtask bench-table`",
            readme.display()
        );
    }
    std::fs::write(&readme, new)?;
    println!("updated {} ({} runs)", readme.display(), rows.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use netlogs_eval::{BuiltinPolicy, EvalSettings, ModelSpec};
    use netlogs_rubric::{RubricConfig, RunMetrics};
    use netlogs_runlog::{
        DatasetInfo, Metadata, RunSettings, RunStatus, Summary, UsageSummary, SCHEMA_VERSION,
    };

    fn fake_run(dir: &Path, model: &str, mean: f64, status: RunStatus) -> PathBuf {
        let run_id = format!("2026-{mean}");
        let run = dir
            .join("evals")
            .join(format!("netlogs--{model}"))
            .join(&run_id);
        std::fs::create_dir_all(&run).expect("dir");
        let cfg = RubricConfig::default();
        let settings = EvalSettings::new(ModelSpec::Builtin(BuiltinPolicy::Heuristic));
        let metadata = Metadata {
            schema_version: SCHEMA_VERSION,
            tool: "netlogs".into(),
            version: "0".into(),
            run_id,
            settings: RunSettings::Eval(Box::new(settings.to_record())),
            model: model.into(),
            num_examples: 100,
            status,
            dataset: DatasetInfo {
                name: "bundled:iot23".into(),
                files: Vec::new(),
                split: None,
                rows_available: 100,
                sampling: String::new(),
                synthetic: false,
                ..DatasetInfo::default()
            },
            started_at: String::new(),
            finished_at: None,
            resumed_at: Vec::new(),
            timings_s: None,
        };
        let mut metrics = RunMetrics::compute(&[], &cfg, 0);
        metrics.n = 100;
        metrics.accuracy = Some(0.76);
        metrics.format_rate = Some(1.0);
        metrics.mean_calibration = Some(0.8);
        metrics.mean_cost = Some(-0.0001);
        metrics.abstain_rate = Some(0.01);
        metrics.calibration.ece = Some(0.25);
        metrics.mean_reward = Some(mean);
        let summary = Summary {
            schema_version: SCHEMA_VERSION,
            metrics,
            truncated: 0,
            usage: UsageSummary::default(),
        };
        let write = |name: &str, text: String| std::fs::write(run.join(name), text).expect(name);
        write(
            "metadata.json",
            serde_json::to_string(&metadata).expect("json"),
        );
        write(
            "summary.json",
            serde_json::to_string(&summary).expect("json"),
        );
        run
    }

    #[test]
    fn table_is_sorted_rounded_and_stable() {
        let tmp = tempfile::tempdir().expect("tmp");
        let runs = [
            fake_run(
                tmp.path(),
                "builtin:heuristic",
                1.40912,
                RunStatus::Finished,
            ),
            fake_run(tmp.path(), "builtin:abstain", 1.05, RunStatus::Finished),
        ];
        let rows: Vec<Row> = runs
            .iter()
            .map(|r| match row(r).expect("row") {
                Ranked::Row(r) => r,
                other => panic!("an eval run that finished: {other:?}"),
            })
            .collect();
        // A save directory finds the same runs, in path order.
        let found = run_dirs(&[tmp.path().to_path_buf()]);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|f| runs.contains(f)));
        let table = render(&rows);
        insta::assert_snapshot!(table);
        let readme = format!("# x\n\n{START}\nold\n{END}\n\nafter\n");
        let once = splice(&readme, &table, "README.md").expect("splice");
        let twice = splice(&once, &table, "README.md").expect("splice");
        assert_eq!(once, twice, "a second run changes nothing");
        assert!(once.ends_with(&format!("{END}\n\nafter\n")));
    }

    #[test]
    fn a_run_that_did_not_finish_is_never_ranked() {
        let tmp = tempfile::tempdir().expect("tmp");
        let stopped = RunStatus::StoppedEarly {
            reason: "HTTP 401".into(),
        };
        let run = fake_run(tmp.path(), "gpt-x", 0.0, stopped);
        match row(&run).expect("row") {
            Ranked::Unfinished(why) => assert!(why.contains("HTTP 401"), "{why}"),
            other => panic!("ranked an unfinished run: {other:?}"),
        }
        let run = fake_run(tmp.path(), "gpt-y", 0.0, RunStatus::Interrupted);
        assert!(matches!(row(&run).expect("row"), Ranked::Unfinished(_)));
    }

    #[test]
    fn runs_are_in_capture_held_out_or_neither_by_their_splits_captures() {
        let mut d = DatasetInfo {
            split: Some("test".into()),
            ..DatasetInfo::default()
        };
        assert_eq!(
            setting_of(&d),
            Setting::InCapture,
            "no capture ids: random rows"
        );
        d.captures
            .insert("train".into(), vec!["a".into(), "b".into()]);
        d.captures.insert("test".into(), vec!["c".into()]);
        assert_eq!(setting_of(&d), Setting::HeldOut);
        d.captures.insert("test".into(), vec!["a".into()]);
        assert_eq!(
            setting_of(&d),
            Setting::Other,
            "a test capture seen in training"
        );
        d.split = Some("dev".into());
        assert_eq!(setting_of(&d), Setting::Other);
        d.split = None;
        assert_eq!(setting_of(&d), Setting::Other, "no split: a whole dataset");
    }

    #[test]
    fn missing_markers_are_a_clear_error() {
        let err = splice("# no markers\n", "t", "README.md").expect_err("no markers");
        assert!(err.to_string().contains("bench-table:start"), "{err}");
    }
}
