//! `netlogs bench`: one model (and, with `--baselines`, every builtin policy) on every task of
//! the versioned suite. Each task is an ordinary `netlogs eval` run, started through the same
//! command line a user would type, so a task's run dir is an eval's; datasets and learned
//! baselines are built once per suite version under `SAVE_DIR/data/VERSION/`.

mod suite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use netlogs_data::source::{all_flows, SourceSpec};
use netlogs_data::Label;
use netlogs_runlog::{
    find_runs, sanitize, BenchResult, Fold, Folds, RunRecord, TaskResult, BENCH_FILE,
};

use crate::args::{BenchArgs, Cli, Command};
use crate::commands;
use suite::{Source, Suite, Task};

/// The offline rows `--baselines` adds.
pub const BASELINES: [&str; 6] = [
    "builtin:abstain",
    "builtin:always-benign",
    "builtin:always-malicious",
    "builtin:heuristic",
    "builtin:heuristic-context",
    "builtin:learned",
];

pub fn run(a: BenchArgs) -> Result<()> {
    let suite = Suite::read(&a.suite)?;
    let tasks = suite.select(&a.tasks)?;
    // Every file a chosen task reads is checked once, before anything runs.
    let mut paths = BTreeMap::new();
    for t in &tasks {
        for f in task_files(&suite, t)? {
            if !paths.contains_key(f) {
                paths.insert(f.clone(), suite.verified(f)?);
            }
        }
    }
    let mut models = vec![a.model.clone()];
    if a.baselines {
        models.extend(BASELINES.iter().map(|m| m.to_string()));
    }
    let mut seen = std::collections::BTreeSet::new();
    models.retain(|m| seen.insert(m.clone()));
    let bench = Bench {
        suite: &suite,
        paths,
        args: &a,
        data: a.save_dir.join("data").join(&suite.version),
    };
    let mut rows = Vec::new();
    for model in &models {
        let dir = a.save_dir.join(sanitize(model));
        let mut results = Vec::new();
        for t in &tasks {
            eprintln!(
                "== bench {} · {model} · {}: {}",
                suite.version, t.name, t.about
            );
            results.push(bench.task(model, &dir, t)?);
        }
        let result = BenchResult::new(suite.version.clone(), model.clone(), results);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(BENCH_FILE);
        result.write(&path)?;
        eprintln!("wrote {}", path.display());
        rows.push(result);
    }
    print!("{}", leaderboard(&rows));
    Ok(())
}

/// The file names a task reads, its builds' included.
fn task_files<'s>(suite: &'s Suite, t: &'s Task) -> Result<Vec<&'s String>> {
    let mut files: Vec<&String> = match t.source()? {
        Source::Build { build, .. } => suite.builds[build].files.iter().collect(),
        Source::Files(f) => f.iter().collect(),
        Source::Folds(f) => f.files.iter().collect(),
    };
    if let Some(b) = &t.learned_on {
        files.extend(&suite.builds[b].files);
    }
    Ok(files)
}

struct Bench<'a> {
    suite: &'a Suite,
    /// The chosen tasks' files, by name, their digests checked.
    paths: BTreeMap<String, PathBuf>,
    args: &'a BenchArgs,
    /// Datasets and learned models of this suite version.
    data: PathBuf,
}

/// Run one `netlogs eval`, `data` or `baseline` command line in this process.
fn netlogs(argv: &[String]) -> Result<()> {
    use clap::Parser;
    let cli =
        Cli::try_parse_from(std::iter::once("netlogs".to_string()).chain(argv.iter().cloned()))
            .with_context(|| format!("netlogs {}", argv.join(" ")))?;
    match cli.command {
        Command::Eval(a) => commands::eval::run(*a),
        Command::Data(c) => commands::data::run(c),
        Command::Baseline(c) => commands::baseline::run(c),
        _ => bail!(
            "netlogs bench runs only eval, data and baseline commands, not `{}`",
            argv.join(" ")
        ),
    }
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

impl Bench<'_> {
    fn path(&self, name: &str) -> Result<&PathBuf> {
        self.paths
            .get(name)
            .with_context(|| format!("the suite lists no file `{name}` for the chosen tasks"))
    }

    fn task(&self, model: &str, dir: &Path, t: &Task) -> Result<TaskResult> {
        let task_dir = dir.join(&t.name);
        let Source::Folds(spec) = t.source()? else {
            let run = self.eval_task(model, &task_dir, t, None)?;
            return task_result(t, dir, &run);
        };
        let captures = self.fold_captures(spec)?;
        if captures.is_empty() {
            bail!(
                "task `{}`: no capture of {} has {} flows of each label, so there is no fold",
                t.name,
                spec.files.join(", "),
                spec.min_per_label
            );
        }
        let mut folds = Vec::new();
        for capture in captures {
            let build = self.build(
                &format!("fold-{}", sanitize(&capture)),
                &spec.files,
                std::slice::from_ref(&capture),
                None,
            )?;
            let run_dir = task_dir.join(sanitize(&capture));
            let run = self.eval_task(model, &run_dir, t, Some(&build))?;
            let r = RunRecord::read(&run)?;
            let m = &r.summary.metrics;
            folds.push(Fold {
                capture,
                run: relative(dir, &run),
                n: m.n,
                accuracy: m.accuracy,
                skill: m.skill.as_ref().and_then(|s| s.skill),
            });
        }
        let folds = Folds::new(folds);
        Ok(TaskResult {
            task: t.name.clone(),
            run: None,
            n: folds.folds.iter().map(|f| f.n).sum(),
            mean_reward: None,
            accuracy: mean(folds.folds.iter().filter_map(|f| f.accuracy)),
            accuracy_ci95: None,
            tpr: None,
            fpr: None,
            best_constant: None,
            skill: folds.mean_skill,
            skill_ci95: None,
            folds: Some(folds),
        })
    }

    /// The run of `model` on a task (a fold's build given), new or resumed.
    fn eval_task(
        &self,
        model: &str,
        task_dir: &Path,
        t: &Task,
        fold_build: Option<&Path>,
    ) -> Result<PathBuf> {
        if self.args.resume {
            match existing_run(task_dir)? {
                Some((run, true)) => return Ok(run),
                Some((run, false)) => {
                    let mut argv = strings(&["eval", "--resume"]);
                    argv.push(run.display().to_string());
                    argv.extend(self.args.client.resume_flags());
                    netlogs(&argv)?;
                    return Ok(run);
                }
                None => {}
            }
        }
        if task_dir.exists() {
            std::fs::remove_dir_all(task_dir)
                .with_context(|| format!("cannot clear {}", task_dir.display()))?;
        }
        let mut argv = strings(&["eval", "-m", model]);
        argv.extend([
            "-n".into(),
            t.n.to_string(),
            "--seed".into(),
            t.seed.to_string(),
        ]);
        argv.extend([
            "--mode".into(),
            t.mode.to_string(),
            "--preset".into(),
            t.preset.to_string(),
        ]);
        argv.extend(["-s".into(), task_dir.display().to_string()]);
        let learned_build = match (t.source()?, fold_build) {
            (_, Some(build)) => {
                argv.extend(["--data".into(), build.display().to_string()]);
                argv.extend(strings(&["--split", "test"]));
                Some(build.to_path_buf())
            }
            (Source::Build { build, split }, None) => {
                let path = self.named_build(build)?;
                argv.extend(["--data".into(), path.display().to_string()]);
                argv.extend(["--split".into(), split.to_string()]);
                t.learned_on
                    .as_deref()
                    .map(|b| self.named_build(b))
                    .transpose()?
            }
            (Source::Files(files), None) => {
                argv.push("--data".into());
                for f in files {
                    argv.push(self.path(f)?.display().to_string());
                }
                argv.extend(["--template".into(), t.template.to_string()]);
                t.learned_on
                    .as_deref()
                    .map(|b| self.named_build(b))
                    .transpose()?
            }
            (Source::Folds(_), None) => bail!("task `{}`: a fold needs its build", t.name),
        };
        if model == "builtin:learned" {
            let build = learned_build.with_context(|| {
                format!(
                    "task `{}` names no build for builtin:learned (learned_on)",
                    t.name
                )
            })?;
            argv.push("--baseline".into());
            argv.push(self.learned(&build)?.display().to_string());
        }
        argv.extend(self.args.client.flags());
        netlogs(&argv)?;
        match existing_run(task_dir)? {
            Some((run, _)) => Ok(run),
            None => bail!(
                "task `{}`: the eval wrote no run under {}",
                t.name,
                task_dir.display()
            ),
        }
    }

    fn named_build(&self, name: &str) -> Result<PathBuf> {
        let b = &self.suite.builds[name];
        self.build(name, &b.files, &b.test_captures, b.context)
    }

    /// `netlogs data build` of the files, once per suite version.
    fn build(
        &self,
        name: &str,
        files: &[String],
        test_captures: &[String],
        context: Option<usize>,
    ) -> Result<PathBuf> {
        let out = self.data.join(format!("{name}.parquet"));
        if out.exists() {
            return Ok(out);
        }
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("cannot create {}", self.data.display()))?;
        let mut argv = strings(&["data", "build"]);
        for f in files {
            argv.push(self.path(f)?.display().to_string());
        }
        argv.extend(strings(&["--balance", "--seed", "42", "--test-captures"]));
        argv.push(test_captures.join(","));
        if let Some(k) = context {
            argv.extend(["--context".into(), k.to_string()]);
        }
        argv.extend(["--output".into(), out.display().to_string()]);
        netlogs(&argv)?;
        Ok(out)
    }

    /// `netlogs baseline train` on a build's train split, calibrated on its dev split.
    fn learned(&self, build: &Path) -> Result<PathBuf> {
        let out = build.with_extension("learned.json");
        // A model file an older netlogs wrote (other features) is trained again.
        if out.exists() && netlogs_baseline::LearnedModel::load(&out).is_ok() {
            return Ok(out);
        }
        let mut argv = strings(&["baseline", "train", "--data"]);
        argv.push(build.display().to_string());
        argv.extend(strings(&[
            "--split",
            "train",
            "--calibrate-on",
            "dev",
            "--output",
        ]));
        argv.push(out.display().to_string());
        netlogs(&argv)?;
        Ok(out)
    }

    /// Captures (or host sessions) of the fold files with at least `min_per_label` flows of
    /// each label, sorted.
    fn fold_captures(&self, spec: &suite::FoldSpec) -> Result<Vec<String>> {
        let paths: Vec<PathBuf> = spec
            .files
            .iter()
            .map(|f| self.path(f).cloned())
            .collect::<Result<_>>()?;
        let flows = all_flows(&SourceSpec {
            data: &paths,
            skip_digests: true,
            ..SourceSpec::default()
        })?;
        let mut counts: BTreeMap<String, [usize; 2]> = BTreeMap::new();
        for f in &flows {
            if let Some(c) = &f.provenance.capture {
                let slot = counts.entry(c.to_string()).or_default();
                slot[usize::from(f.label == Label::Malicious)] += 1;
            }
        }
        Ok(counts
            .into_iter()
            .filter(|(_, [b, m])| *b >= spec.min_per_label && *m >= spec.min_per_label)
            .map(|(c, _)| c)
            .collect())
    }
}

/// The run under a task's folder and whether it finished; an error when there are several.
fn existing_run(task_dir: &Path) -> Result<Option<(PathBuf, bool)>> {
    if !task_dir.exists() {
        return Ok(None);
    }
    let found = find_runs(task_dir);
    match found.runs.as_slice() {
        [] => Ok(None),
        [run] => {
            let finished = RunRecord::read(run)
                .map(|r| r.metadata.status.is_finished())
                .unwrap_or(false);
            Ok(Some((run.clone(), finished)))
        }
        more => bail!(
            "{} holds {} runs; a bench task holds one (remove the folder, or run without --resume)",
            task_dir.display(),
            more.len()
        ),
    }
}

fn relative(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

fn task_result(t: &Task, base: &Path, run: &Path) -> Result<TaskResult> {
    let r = RunRecord::read(run)?;
    if !r.metadata.status.is_finished() {
        bail!(
            "task `{}`: the run {} did not finish ({}); `netlogs bench --resume` finishes it",
            t.name,
            run.display(),
            r.metadata.status
        );
    }
    let m = &r.summary.metrics;
    let skill = m.skill.as_ref();
    Ok(TaskResult {
        task: t.name.clone(),
        run: Some(relative(base, run)),
        n: m.n,
        mean_reward: m.mean_reward,
        accuracy: m.accuracy,
        accuracy_ci95: m.reward.accuracy_ci95,
        tpr: m.detection.tpr,
        fpr: m.detection.fpr,
        best_constant: skill.map(|s| s.best_constant.name()),
        skill: skill.and_then(|s| s.skill),
        skill_ci95: skill.and_then(|s| s.skill_ci95),
        folds: None,
    })
}

/// The leaderboard rows printed at the end: skill (accuracy) per task, then mean skill.
fn leaderboard(rows: &[BenchResult]) -> String {
    use std::fmt::Write;
    let f = |x: Option<f64>| x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"));
    let mut o = String::new();
    let Some(first) = rows.first() else {
        return o;
    };
    let names: Vec<&str> = first.tasks.iter().map(|t| t.task.as_str()).collect();
    let _ = writeln!(o, "| model | {} | mean skill |", names.join(" | "));
    let _ = writeln!(o, "|---|{}---|", "---|".repeat(names.len()));
    for r in rows {
        let cells: Vec<String> = r
            .tasks
            .iter()
            .map(|t| format!("{} ({})", f(t.skill), f(t.accuracy)))
            .collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            r.model,
            cells.join(" | "),
            f(r.mean_skill)
        );
    }
    o
}
