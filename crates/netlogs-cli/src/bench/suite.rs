//! The benchmark suite file (`bench/suite.toml`): its own type, read strictly (an unknown key
//! is an error naming it), with every data file checked against its SHA-256 before a task runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use netlogs_data::{sha256_hex, Template};
use netlogs_eval::EvalMode;
use netlogs_rubric::Preset;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub version: String,
    pub files: BTreeMap<String, DataFile>,
    pub builds: BTreeMap<String, Build>,
    #[serde(rename = "task")]
    pub tasks: Vec<Task>,
    /// The folder the suite's relative paths start from (the file's own).
    #[serde(skip)]
    pub root: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    pub path: PathBuf,
    pub sha256: String,
}

/// A capture-disjoint dataset: `netlogs data build FILES --balance --seed 42 --test-captures …`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub files: Vec<String>,
    pub test_captures: Vec<String>,
    /// Earlier flows of the host rendered under each flow (`--context K`).
    #[serde(default)]
    pub context: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub name: String,
    pub about: String,
    /// A build and its split, …
    #[serde(default)]
    pub build: Option<String>,
    #[serde(default)]
    pub split: Option<String>,
    /// … or raw files (lookup mode reads raw flows; the out-of-distribution sets are read whole).
    #[serde(default)]
    pub files: Vec<String>,
    /// … or leave-one-capture-out folds.
    #[serde(default)]
    pub folds: Option<FoldSpec>,
    pub n: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub template: Template,
    #[serde(default)]
    pub mode: EvalMode,
    #[serde(default)]
    pub preset: Preset,
    /// The build whose train split `builtin:learned` trains on (folds train their own).
    #[serde(default)]
    pub learned_on: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoldSpec {
    pub files: Vec<String>,
    pub min_per_label: usize,
}

fn default_seed() -> u64 {
    42
}

/// Where a task's flows come from, once the suite is checked.
pub enum Source<'a> {
    Build { build: &'a str, split: &'a str },
    Files(&'a [String]),
    Folds(&'a FoldSpec),
}

impl Task {
    pub fn source(&self) -> Result<Source<'_>> {
        match (&self.build, &self.split, self.files.is_empty(), &self.folds) {
            (Some(b), Some(s), true, None) => Ok(Source::Build { build: b, split: s }),
            (None, None, false, None) => Ok(Source::Files(&self.files)),
            (None, None, true, Some(f)) => Ok(Source::Folds(f)),
            _ => bail!(
                "task `{}` must name exactly one of `build` with `split`, `files`, or `folds`",
                self.name
            ),
        }
    }
}

impl Suite {
    /// Read and check a suite file: names it refers to exist, task names are unique.
    pub fn read(path: &Path) -> Result<Suite> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the benchmark suite {} (run from the netlogs repository, or give --suite)",
                path.display()
            )
        })?;
        let mut suite: Suite = toml::from_str(&text)
            .with_context(|| format!("invalid suite file {}", path.display()))?;
        suite.root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        suite
            .check()
            .with_context(|| format!("invalid suite file {}", path.display()))?;
        Ok(suite)
    }

    fn check(&self) -> Result<()> {
        let file = |name: &String, at: &str| {
            if self.files.contains_key(name) {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "{at} names file `{name}`, which [files] does not list"
                ))
            }
        };
        for (name, b) in &self.builds {
            for f in &b.files {
                file(f, &format!("build `{name}`"))?;
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.tasks {
            if !seen.insert(&t.name) {
                bail!("task `{}` is listed twice", t.name);
            }
            let at = format!("task `{}`", t.name);
            match t.source()? {
                Source::Build { build, .. } => {
                    if !self.builds.contains_key(build) {
                        bail!("{at} names build `{build}`, which [builds] does not define");
                    }
                }
                Source::Files(files) => files.iter().try_for_each(|f| file(f, &at))?,
                Source::Folds(f) => f.files.iter().try_for_each(|x| file(x, &at))?,
            }
            if let Some(b) = &t.learned_on {
                if !self.builds.contains_key(b) {
                    bail!("{at}: learned_on names build `{b}`, which [builds] does not define");
                }
            }
            if t.n == 0 {
                bail!("{at}: n must be at least 1");
            }
        }
        Ok(())
    }

    /// The path of a named file, after checking its SHA-256.
    pub fn verified(&self, name: &str) -> Result<PathBuf> {
        let f = self
            .files
            .get(name)
            .with_context(|| format!("the suite lists no file `{name}`"))?;
        let path = self.root.join(&f.path);
        let bytes = std::fs::read(&path)
            .with_context(|| format!("cannot read benchmark file {}", path.display()))?;
        let got = sha256_hex(&bytes);
        if got != f.sha256 {
            bail!(
                "benchmark file {} has SHA-256 {got}, but suite {} expects {}: the file was changed, so its results would not be comparable",
                path.display(),
                self.version,
                f.sha256
            );
        }
        Ok(path)
    }

    /// The tasks `--tasks` picks (all when empty), in suite order; an unknown name is an error
    /// listing the known ones.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Task>> {
        for n in names {
            if !self.tasks.iter().any(|t| &t.name == n) {
                let known: Vec<&str> = self.tasks.iter().map(|t| t.name.as_str()).collect();
                bail!(
                    "--tasks: no task `{n}` in suite {} (tasks: {})",
                    self.version,
                    known.join(", ")
                );
            }
        }
        Ok(self
            .tasks
            .iter()
            .filter(|t| names.is_empty() || names.contains(&t.name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_suite_reads_and_its_files_match() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/suite.toml");
        let suite = Suite::read(&path).expect("suite");
        assert_eq!(suite.version, "netlogs-bench-1");
        let names: Vec<&str> = suite.tasks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "iot23-heldout",
                "iot23-heldout-context",
                "iot23-heldout-lookup",
                "stratosphere-windows",
                "unsw-nb15",
                "cic-ids-2017",
                "iot23-capture-folds"
            ]
        );
        for name in suite.files.keys() {
            suite.verified(name).expect("digest matches");
        }
    }

    #[test]
    fn unknown_keys_and_dangling_names_are_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let write = |text: &str| {
            let p = dir.path().join("suite.toml");
            std::fs::write(&p, text).expect("write");
            Suite::read(&p).expect_err("invalid").to_string()
                + &format!("{:#}", Suite::read(&p).expect_err("invalid"))
        };
        let base = "version = \"v\"\n[files]\n[builds]\n";
        let e = write(&format!(
            "{base}[[task]]\nname = \"t\"\nabout = \"\"\nfiles = [\"x\"]\nn = 1\n"
        ));
        assert!(e.contains("names file `x`"), "{e}");
        let e = write(&format!(
            "{base}[[task]]\nname = \"t\"\nabout = \"\"\nfiles = []\nn = 1\nbogus = 2\n"
        ));
        assert!(e.contains("bogus"), "{e}");
    }
}
