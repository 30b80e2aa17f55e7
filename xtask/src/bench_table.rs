//! `cargo xtask bench-table`: render the README's leaderboard from `bench.json` files (written
//! by `netlogs bench`), between `<!-- bench-table:start -->` and `<!-- bench-table:end -->`:
//! one row per model, one column per task (skill over the best constant, accuracy beside
//! it), then the mean skill.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use netlogs_runlog::{BenchResult, BENCH_FILE};

use crate::util::workspace_root;

pub const START: &str = "<!-- bench-table:start -->";
pub const END: &str = "<!-- bench-table:end -->";

#[derive(clap::Args)]
pub struct Args {
    /// bench.json files, or folders holding them at any depth, such as `netlogs bench`'s `-s`
    /// folder (default: outputs/bench/).
    #[arg(long, num_args = 1..)]
    bench: Vec<PathBuf>,
    /// The file to update (default: the workspace README.md).
    #[arg(long)]
    readme: Option<PathBuf>,
    /// Exit non-zero when the table is stale; write nothing.
    #[arg(long)]
    check: bool,
}

fn num(x: Option<f64>) -> String {
    // Three decimals everywhere; `-0.000` is printed as `0.000`.
    x.map_or_else(
        || "—".into(),
        |v| format!("{:.3}", if v.abs() < 0.0005 { 0.0 } else { v }),
    )
}

/// The leaderboard of one suite version: models sorted by mean skill (best first, then name),
/// tasks in the suite's order.
pub fn render(results: &[BenchResult]) -> Result<String> {
    let Some(first) = results.first() else {
        return Ok("No bench.json found: run `netlogs bench`.\n".into());
    };
    let tasks: Vec<&str> = first.tasks.iter().map(|t| t.task.as_str()).collect();
    for r in results {
        if r.suite != first.suite {
            bail!(
                "results of suites {} and {} cannot share a table: render each version on its own",
                first.suite,
                r.suite
            );
        }
        let theirs: Vec<&str> = r.tasks.iter().map(|t| t.task.as_str()).collect();
        if theirs != tasks {
            bail!(
                "{} ran tasks {} and {} ran {}: run every model on the same tasks",
                first.model,
                tasks.join(","),
                r.model,
                theirs.join(",")
            );
        }
    }
    let mut rows: Vec<&BenchResult> = results.iter().collect();
    rows.sort_by(|a, b| {
        b.mean_skill
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.mean_skill.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.model.cmp(&b.model))
    });
    let mut out = format!(
        "Suite `{}`. Each cell: skill over the best constant answer (accuracy); for the capture folds, the folds' mean skill and the worst fold's.\n\n| Model | {} | Mean skill |\n|---|{}---|\n",
        first.suite,
        tasks.join(" | "),
        "---|".repeat(tasks.len())
    );
    let mut worst = Vec::new();
    for r in rows {
        let cells: Vec<String> = r
            .tasks
            .iter()
            .map(|t| match &t.folds {
                Some(f) => {
                    if let Some(w) = &f.worst {
                        worst.push(format!("{}: {} ({})", r.model, w.capture, num(w.skill)));
                    }
                    format!(
                        "{} (worst {}; {} folds)",
                        num(f.mean_skill),
                        num(f.worst.as_ref().and_then(|w| w.skill)),
                        f.folds.len()
                    )
                }
                None => format!("{} ({})", num(t.skill), num(t.accuracy)),
            })
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            r.model,
            cells.join(" | "),
            num(r.mean_skill)
        ));
    }
    if !worst.is_empty() {
        out.push_str(&format!("\nWorst folds: {}.\n", worst.join("; ")));
    }
    Ok(out)
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

/// Every bench.json under each of `paths` (a file, or a folder searched at any depth), sorted.
pub fn bench_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.file_name().is_some_and(|n| n == BENCH_FILE) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
        } else {
            walk(p, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn run(a: Args) -> Result<()> {
    let root = workspace_root();
    let paths = if a.bench.is_empty() {
        vec![root.join("outputs").join("bench")]
    } else {
        a.bench
    };
    let results = bench_files(&paths)
        .iter()
        .map(|p| BenchResult::read(p).with_context(|| format!("cannot read {}", p.display())))
        .collect::<Result<Vec<_>>>()?;
    let readme = a.readme.unwrap_or_else(|| root.join("README.md"));
    let old = std::fs::read_to_string(&readme)
        .with_context(|| format!("cannot read {}", readme.display()))?;
    let new = splice(&old, &render(&results)?, &readme.display().to_string())?;
    if new == old {
        println!(
            "{} is up to date ({} models)",
            readme.display(),
            results.len()
        );
        return Ok(());
    }
    if a.check {
        bail!(
            "{} is stale: run `cargo xtask bench-table`",
            readme.display()
        );
    }
    std::fs::write(&readme, new)?;
    println!("updated {} ({} models)", readme.display(), results.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlogs_runlog::{Fold, Folds, TaskResult};

    fn task(name: &str, skill: f64, accuracy: f64) -> TaskResult {
        TaskResult {
            task: name.into(),
            run: Some(format!("{name}/run")),
            n: 500,
            mean_reward: Some(1.0),
            accuracy: Some(accuracy),
            accuracy_ci95: None,
            tpr: None,
            fpr: None,
            best_constant: Some("always-Abstain".into()),
            skill: Some(skill),
            skill_ci95: None,
            folds: None,
        }
    }

    fn folds(skills: &[(&str, f64)]) -> TaskResult {
        let f = Folds::new(
            skills
                .iter()
                .map(|(c, s)| Fold {
                    capture: c.to_string(),
                    run: format!("folds/{c}"),
                    n: 100,
                    accuracy: Some(0.5),
                    skill: Some(*s),
                })
                .collect(),
        );
        TaskResult {
            skill: f.mean_skill,
            folds: Some(f),
            ..task("iot23-capture-folds", 0.0, 0.5)
        }
    }

    fn result(model: &str, tasks: Vec<TaskResult>) -> BenchResult {
        BenchResult::new("netlogs-bench-1".into(), model.into(), tasks)
    }

    #[test]
    fn one_row_per_model_sorted_by_mean_skill_with_folds() {
        let rows = [
            result(
                "builtin:abstain",
                vec![task("a", 0.0, 0.0), folds(&[("x", 0.0), ("y", 0.0)])],
            ),
            result(
                "builtin:heuristic",
                vec![task("a", 0.9, 0.97), folds(&[("x", 0.8), ("y", -0.2)])],
            ),
        ];
        let table = render(&rows).expect("render");
        insta::assert_snapshot!(table);
        let readme = format!("# x\n\n{START}\nold\n{END}\n\nafter\n");
        let once = splice(&readme, &table, "README.md").expect("splice");
        let twice = splice(&once, &table, "README.md").expect("splice");
        assert_eq!(once, twice, "a second run changes nothing");
    }

    #[test]
    fn mixed_suites_or_tasks_are_refused() {
        let a = result("a", vec![task("t", 0.1, 0.5)]);
        let mut b = result("b", vec![task("t", 0.1, 0.5)]);
        b.suite = "netlogs-bench-2".into();
        assert!(render(&[a.clone(), b])
            .expect_err("suites")
            .to_string()
            .contains("cannot share"));
        let c = result("c", vec![task("u", 0.1, 0.5)]);
        assert!(render(&[a, c])
            .expect_err("tasks")
            .to_string()
            .contains("same tasks"));
    }

    #[test]
    fn finds_bench_files_at_any_depth() {
        let tmp = tempfile::tempdir().expect("tmp");
        let deep = tmp.path().join("m").join("x");
        std::fs::create_dir_all(&deep).expect("dir");
        let r = result("m", vec![]);
        r.write(&deep.join(BENCH_FILE)).expect("write");
        assert_eq!(
            bench_files(&[tmp.path().to_path_buf()]),
            vec![deep.join(BENCH_FILE)]
        );
    }

    #[test]
    fn missing_markers_are_a_clear_error() {
        let err = splice("# no markers\n", "t", "README.md").expect_err("no markers");
        assert!(err.to_string().contains("bench-table:start"), "{err}");
    }
}
