//! `cargo xtask bench-table`: render the README's "Performance Benchmarks" table from run
//! summaries, between `<!-- bench-table:start -->` and `<!-- bench-table:end -->`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::Value;

pub const START: &str = "<!-- bench-table:start -->";
pub const END: &str = "<!-- bench-table:end -->";

#[derive(clap::Args)]
pub struct Args {
    /// Run directories (default: every outputs/evals/*/* with a summary.json).
    #[arg(long, num_args = 1..)]
    runs: Vec<PathBuf>,
    /// The file to update (default: the workspace README.md).
    #[arg(long)]
    readme: Option<PathBuf>,
    /// Exit non-zero when the table is stale; write nothing.
    #[arg(long)]
    check: bool,
}

/// One table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    model: String,
    dataset: String,
    split: String,
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

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// A run's row, from its summary.json and metadata.json.
pub fn row(dir: &Path) -> Result<Row> {
    let s = read_json(&dir.join("summary.json"))?;
    let m = read_json(&dir.join("metadata.json"))?;
    let text = |v: &Value| v.as_str().unwrap_or("-").to_string();
    // Runs under a non-default rubric preset are marked, so rows stay distinguishable.
    let model = match m["rubric"]["preset"].as_str() {
        Some(p) if p != "seed" => format!("{} [{p}]", text(&m["model"])),
        _ => text(&m["model"]),
    };
    Ok(Row {
        model,
        dataset: text(&m["dataset"]["name"]),
        split: m["dataset"]["split"].as_str().unwrap_or("all").to_string(),
        n: s["n"].as_u64().unwrap_or(0),
        accuracy: s["accuracy"].as_f64(),
        format: s["format_rate"].as_f64(),
        calibration: s["mean_calibration"].as_f64(),
        cost: s["mean_cost"].as_f64(),
        abstain: s["abstain_rate"].as_f64(),
        ece: s["calibration"]["ece"].as_f64(),
        mean_reward: s["mean_reward"].as_f64(),
        run: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    })
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

/// Every run directory of a save dir (`SAVE/evals/MODEL/RUN`), sorted.
pub fn run_dirs(save: &Path) -> Vec<PathBuf> {
    let runs_of = |dir: &Path| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect::<Vec<_>>()
    };
    let mut out: Vec<PathBuf> = runs_of(&save.join("evals"))
        .iter()
        .flat_map(|model| runs_of(model))
        .collect();
    out.sort();
    out
}

fn default_runs(root: &Path) -> Vec<PathBuf> {
    run_dirs(&root.join("outputs"))
        .into_iter()
        .filter(|run| run.join("summary.json").is_file())
        .collect()
}

pub fn run(a: Args) -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let runs = if a.runs.is_empty() {
        default_runs(&root)
    } else {
        a.runs
    };
    let rows = runs.iter().map(|d| row(d)).collect::<Result<Vec<_>>>()?;
    let readme = a.readme.unwrap_or_else(|| root.join("README.md"));
    let old = std::fs::read_to_string(&readme)
        .with_context(|| format!("cannot read {}", readme.display()))?;
    let new = splice(&old, &render(&rows), &readme.display().to_string())?;
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

    fn fake_run(dir: &Path, model: &str, mean: f64) -> PathBuf {
        let run = dir
            .join(format!("netlogs--{model}"))
            .join(format!("2026-{mean}"));
        std::fs::create_dir_all(&run).expect("dir");
        std::fs::write(
            run.join("metadata.json"),
            serde_json::json!({"model": model, "dataset": {"name": "bundled:iot23", "split": null}}).to_string(),
        )
        .expect("meta");
        std::fs::write(
            run.join("summary.json"),
            serde_json::json!({"n": 100, "accuracy": 0.76, "format_rate": 1.0, "mean_calibration": 0.8, "mean_cost": -0.0001,
                "abstain_rate": 0.01, "calibration": {"ece": 0.25}, "mean_reward": mean}).to_string(),
        )
        .expect("summary");
        run
    }

    #[test]
    fn table_is_sorted_rounded_and_stable() {
        let tmp = tempfile::tempdir().expect("tmp");
        let runs = [
            fake_run(tmp.path(), "builtin:heuristic", 1.40912),
            fake_run(tmp.path(), "builtin:abstain", 1.05),
        ];
        let rows: Vec<Row> = runs.iter().map(|r| row(r).expect("row")).collect();
        let table = render(&rows);
        insta::assert_snapshot!(table);
        let readme = format!("# x\n\n{START}\nold\n{END}\n\nafter\n");
        let once = splice(&readme, &table, "README.md").expect("splice");
        let twice = splice(&once, &table, "README.md").expect("splice");
        assert_eq!(once, twice, "a second run changes nothing");
        assert!(once.ends_with(&format!("{END}\n\nafter\n")));
    }

    #[test]
    fn missing_markers_are_a_clear_error() {
        let err = splice("# no markers\n", "t", "README.md").expect_err("no markers");
        assert!(err.to_string().contains("bench-table:start"), "{err}");
    }
}
