//! Command-line interface. Eval flags follow `vf-eval` where they overlap.

use std::path::PathBuf;

use std::str::FromStr;

use anyhow::Result;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
pub use netlogs_args::{enum_arg, RubricArgs};
use netlogs_data::{
    CaptureFrom, ContextSpec, SourceFormat, Template, Unlabelled, DEFAULT_WINDOW_S,
};
use netlogs_eval::{defaults, EvalMode, ModelSpec, StructuredOutput};
use netlogs_select::Strategy;
pub use netlogs_serve::cli::ServeArgs;

/// The `eval` flags `--resume` may take: they change how a session runs, never what it
/// computes. Every other flag shapes the run, which `--resume` rebuilds from its metadata.
const RESUME_MAY_TAKE: [&str; 7] = [
    "resume",
    "max_concurrent",
    "no_cache",
    "cache_dir",
    "prices",
    "otlp_endpoint",
    "otlp_content",
];

/// The command line, parsed; `eval --resume` with a flag that would change the run is an error
/// naming every such flag (a flag left at its default is not given).
pub fn parse() -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    if let (Some(("eval", m)), Some(eval)) =
        (matches.subcommand(), command.find_subcommand_mut("eval"))
    {
        if m.get_one::<PathBuf>("resume").is_some() {
            let given: Vec<String> = eval
                .get_arguments()
                .filter(|a| !RESUME_MAY_TAKE.contains(&a.get_id().as_str()))
                .filter(|a| {
                    m.value_source(a.get_id().as_str())
                        == Some(clap::parser::ValueSource::CommandLine)
                })
                .map(|a| {
                    a.get_long()
                        .map_or_else(|| a.get_id().to_string(), |l| format!("--{l}"))
                })
                .collect();
            if !given.is_empty() {
                let message = format!(
                    "--resume finishes a run with the settings stored in it, and {} would change them: leave {} out, or start a new run",
                    given.join(", "),
                    if given.len() == 1 { "it" } else { "them" }
                );
                return Err(eval.error(clap::error::ErrorKind::ArgumentConflict, message));
            }
        }
    }
    Cli::from_arg_matches(&matches)
}

#[derive(Debug, Parser)]
#[command(
    name = "netlogs",
    version,
    about = "Evaluate language models on network intrusion detection"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a model over flows and score every answer (defaults: builtin heuristic, bundled IoT-23).
    Eval(Box<EvalArgs>),
    /// Score saved completions (a verifiers or netlogs results.jsonl) offline.
    Score(ScoreArgs),
    /// Analyse the rubric itself: constant policies, best responses, abstention band, findings.
    Audit(AuditArgs),
    /// Build, inspect, audit, export and synthesise datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Serve the reward over HTTP for RL trainers (OpenRLHF's /get_reward, /v1/score).
    Serve(ServeArgs),
    /// Compare runs row by row: paired deltas with bootstrap CIs, McNemar, flipped examples.
    Compare(CompareArgs),
    /// Browse the runs under a folder in a local web page (127.0.0.1 only).
    View(ViewArgs),
    /// Write a run in another tool's format (inspect_ai's EvalLog, for `inspect view`).
    #[command(subcommand)]
    Export(ExportCommand),
    /// The learned baseline (`builtin:learned`): train it on a built dataset.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Score a model on the versioned benchmark suite (bench/suite.toml): one run per task,
    /// bench.json with skill over the best constant, and the leaderboard row.
    Bench(Box<BenchArgs>),
}

/// Where `netlogs bench` looks for the suite when `--suite` is not given.
const DEFAULT_SUITE: &str = "bench/suite.toml";

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The model: any `builtin:` policy, or a remote OpenAI-compatible model.
    #[arg(short = 'm', long, default_value = defaults::MODEL)]
    pub model: String,
    /// Output folder: SAVE_DIR/MODEL/TASK/… runs, SAVE_DIR/MODEL/bench.json, and the suite's
    /// datasets and learned baselines under SAVE_DIR/data/VERSION/.
    #[arg(short = 's', long, default_value = "outputs/bench")]
    pub save_dir: PathBuf,
    /// Run only these tasks (comma-separated), in the suite's order.
    #[arg(long, value_delimiter = ',', value_name = "TASK,…")]
    pub tasks: Vec<String>,
    /// Keep each task's finished run and finish an interrupted one (`eval --resume`), instead
    /// of starting every task anew.
    #[arg(long)]
    pub resume: bool,
    /// Also run the offline baselines: the constant answers, the heuristics and the learned
    /// baseline trained on each task's train split.
    #[arg(long)]
    pub baselines: bool,
    /// The suite file.
    #[arg(long, default_value = DEFAULT_SUITE)]
    pub suite: PathBuf,
    #[command(flatten)]
    pub client: BenchClientArgs,
}

/// `eval`'s client flags, forwarded to every task's eval as given (none is given a default
/// here, so eval's own defaults apply).
#[derive(Debug, Args)]
pub struct BenchClientArgs {
    /// API base URL for remote models.
    #[arg(short = 'b', long)]
    pub api_base: Option<String>,
    /// Name of the environment variable that holds the API key.
    #[arg(short = 'k', long)]
    pub api_key_var: Option<String>,
    /// Requests in flight at once.
    #[arg(short = 'c', long)]
    pub max_concurrent: Option<usize>,
    /// Max tokens per completion.
    #[arg(short = 't', long)]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[arg(short = 'T', long)]
    pub temperature: Option<f64>,
    /// JSON object merged into every request body.
    #[arg(short = 'S', long)]
    pub sampling_args: Option<String>,
    /// Send `response_format`: off, json_object or json_schema.
    #[arg(long, value_parser = enum_arg::<StructuredOutput>)]
    pub structured_output: Option<StructuredOutput>,
    /// Attempts per request, the first included.
    #[arg(long)]
    pub max_attempts: Option<u32>,
    /// Seconds per request attempt.
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Bypass the response cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Response cache folder.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
}

impl BenchClientArgs {
    /// The flags of a new task's eval.
    pub fn flags(&self) -> Vec<String> {
        let mut v = Vec::new();
        let mut put = |flag: &str, value: Option<String>| {
            if let Some(x) = value {
                v.push(flag.to_string());
                v.push(x);
            }
        };
        put("--api-base", self.api_base.clone());
        put("--api-key-var", self.api_key_var.clone());
        put("--max-tokens", self.max_tokens.map(|x| x.to_string()));
        put("--temperature", self.temperature.map(|x| x.to_string()));
        put("--sampling-args", self.sampling_args.clone());
        put(
            "--structured-output",
            self.structured_output.map(|x| x.to_string()),
        );
        put("--max-attempts", self.max_attempts.map(|x| x.to_string()));
        put("--timeout", self.timeout.map(|x| x.to_string()));
        v.extend(self.resume_flags());
        v
    }

    /// The flags `eval --resume` takes (the rest are stored in the run).
    pub fn resume_flags(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(c) = self.max_concurrent {
            v.extend(["--max-concurrent".to_string(), c.to_string()]);
        }
        if self.no_cache {
            v.push("--no-cache".to_string());
        }
        if let Some(d) = &self.cache_dir {
            v.extend(["--cache-dir".to_string(), d.display().to_string()]);
        }
        v
    }
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Train boosted trees on one split of a built dataset and calibrate them on another.
    Train(BaselineTrainArgs),
}

#[derive(Debug, Args)]
pub struct BaselineTrainArgs {
    /// A dataset built by `netlogs data build` (with splits).
    #[arg(long, required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// The split to train on.
    #[arg(long, default_value = "train")]
    pub split: String,
    /// The split to calibrate on (isotonic); it should hold captures the training did not see.
    #[arg(long, default_value = "dev")]
    pub calibrate_on: String,
    /// Where to write the model file.
    #[arg(long)]
    pub output: PathBuf,
    #[arg(long, default_value_t = defaults::SEED)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run directories: every later run is compared with the first.
    #[arg(required = true, num_args = 2..)]
    pub runs: Vec<PathBuf>,
    /// Seed for the paired bootstrap.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write the markdown here instead of printing it.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Also write the comparison as a self-contained HTML page.
    #[arg(long)]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The run as an inspect_ai EvalLog: `.eval` (inspect's zip) or `.json`.
    Inspect(ExportInspectArgs),
}

#[derive(Debug, Args)]
pub struct ExportInspectArgs {
    /// A run directory (an eval's or a score's).
    pub run: PathBuf,
    /// Output file: run.eval or run.json.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// The folder of runs (searched at any depth).
    #[arg(default_value = "outputs")]
    pub dir: PathBuf,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8800)]
    pub port: u16,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Dedup, flag conflicting labels, split (capture-disjoint) and write a dataset.
    Build(DataBuildArgs),
    /// Counts by label, family, capture and split; conflicting-label duplicates.
    Inspect(DataReadArgs),
    /// Leakage checks: prompts shared across splits, (proto, dest port) lookup accuracy, balance.
    Audit(DataReadArgs),
    /// Write examples as the Python reference's prepared JSONL.
    Export(DataExportArgs),
    /// Generate synthetic flows (a test tool; never the headline).
    Synth(DataSynthArgs),
    /// Build (or find) the lookup-mode index of raw flows: built once per data source, then
    /// shared by `eval --mode lookup`, `netlogs.LookupTools` and the trainer adapters.
    Index(DataIndexArgs),
    /// Build the next training or evaluation set from past runs: uncertain, disputed or
    /// reward-varying examples, with their example ids.
    Select(DataSelectArgs),
}

#[derive(Debug, Args)]
pub struct DataSelectArgs {
    /// Run directories; an example's rollouts are pooled across them.
    #[arg(long, required = true, num_args = 1..)]
    pub runs: Vec<PathBuf>,
    /// uncertainty (beliefs nearest the rubric's abstain band), disagreement (rollouts with
    /// different labels) or zero-variance (drop examples whose rollouts all got one reward).
    #[arg(long, value_parser = enum_arg::<Strategy>)]
    pub strategy: Strategy,
    /// Examples to take, at most.
    #[arg(long)]
    pub n: usize,
    /// Output file: .jsonl (prepared JSONL) or .parquet, read by `eval --data`.
    #[arg(long)]
    pub output: PathBuf,
    /// Take the best N whatever their gold label (default: half from each label, as an
    /// eval's draw is class-balanced).
    #[arg(long)]
    pub no_balance: bool,
    /// Seed of the random picks the selection is measured against.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Print the selection's report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How data files are read, shared by `eval` and the data commands.
#[derive(Debug, Args)]
pub struct ReadFlags {
    /// One capture id for every row read (overrides --capture-from).
    #[arg(long)]
    pub capture: Option<String>,
    /// Where a row's capture id comes from: auto (the path when it names a capture, else a
    /// host session), file, path or host-session. See docs/DATA.md.
    #[arg(long, default_value = "auto", value_parser = enum_arg::<CaptureFrom>)]
    pub capture_from: CaptureFrom,
    /// Count rows that fail to parse, report them and go on, instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Rows labelled `Background` or `Unknown` (Stratosphere's unlabelled traffic): skip
    /// (count them and leave them out) or error (stop at the first).
    #[arg(long, default_value = "skip", value_parser = enum_arg::<Unlabelled>)]
    pub unlabelled: Unlabelled,
}

/// Temporal context under each flow, shared by `eval`, `data build` and `data export`.
#[derive(Debug, Args)]
pub struct ContextFlags {
    /// Show, under each flow, up to K earlier flows of the same local host (same capture),
    /// in time order: fields only, never their labels.
    #[arg(long, value_name = "K")]
    pub context: Option<usize>,
    /// How far back context reaches, in seconds.
    #[arg(long, default_value_t = DEFAULT_WINDOW_S, value_name = "SECONDS")]
    pub context_window: f64,
}

impl ContextFlags {
    pub fn spec(&self) -> Result<Option<ContextSpec>> {
        if !(self.context_window.is_finite() && self.context_window > 0.0) {
            anyhow::bail!(
                "--context-window takes a positive number of seconds, got {}",
                self.context_window
            );
        }
        Ok(self.context.map(|k| ContextSpec {
            k,
            window_s: self.context_window,
        }))
    }
}

/// Inputs shared by the data commands.
#[derive(Debug, Args)]
pub struct DataInputs {
    /// Data files (any supported format).
    #[arg(required = true, num_args = 1..)]
    pub input: Vec<PathBuf>,
    /// Input format override (detected from content otherwise).
    #[arg(long, value_parser = enum_arg::<SourceFormat>)]
    pub input_format: Option<SourceFormat>,
    #[command(flatten)]
    pub read: ReadFlags,
    /// Prompt template for raw flows: zeek, logentry (formerly `seed`), upstream or compact.
    #[arg(long, default_value = "zeek", value_parser = enum_arg::<Template>)]
    pub template: Template,
}

#[derive(Debug, Args)]
pub struct DataBuildArgs {
    #[command(flatten)]
    pub inputs: DataInputs,
    #[command(flatten)]
    pub context: ContextFlags,
    /// Output file: .jsonl (prepared JSONL) or .parquet.
    #[arg(long)]
    pub output: PathBuf,
    /// train,dev,test shares.
    #[arg(long, default_value = "70,15,15")]
    pub ratios: String,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Downsample the majority class within each split.
    #[arg(long)]
    pub balance: bool,
    /// Keep at most N distinct rows per capture, shared evenly between labels and then
    /// families (a seeded reservoir per capture × label × family; bounded memory).
    #[arg(long, value_name = "N")]
    pub per_capture: Option<usize>,
    /// Keep at most N distinct rows in all, shared evenly between captures.
    #[arg(long, value_name = "N")]
    pub max_rows: Option<usize>,
    /// Captures that form the test split (comma-separated); without it the seed chooses.
    #[arg(long, value_delimiter = ',', value_name = "ID,…")]
    pub test_captures: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DataReadArgs {
    #[command(flatten)]
    pub inputs: DataInputs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DataExportArgs {
    #[command(flatten)]
    pub inputs: DataInputs,
    #[command(flatten)]
    pub context: ContextFlags,
    /// Output JSONL file.
    #[arg(long)]
    pub output: PathBuf,
    /// Export format (only `verifiers`: the prepared JSONL).
    #[arg(long, default_value = "verifiers", value_parser = enum_arg::<ExportFormat>)]
    pub format: ExportFormat,
}

/// What `data export` writes.
#[derive(Debug, Clone, Copy, strum::EnumString, strum::Display, strum::VariantNames)]
#[strum(serialize_all = "lowercase")]
pub enum ExportFormat {
    /// The Python reference's prepared JSONL (`question`, `answer`, `meta`).
    Verifiers,
}

#[derive(Debug, Args)]
pub struct DataIndexArgs {
    #[command(flatten)]
    pub inputs: DataInputs,
    /// Where indexes live (default: $NETLOGS_LOOKUP_DIR, else ~/.cache/netlogs/lookup).
    #[arg(long)]
    pub index_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DataSynthArgs {
    #[arg(short = 'n', long, default_value_t = 1000)]
    pub num: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// 0..1: how much the classes' shapes blend.
    #[arg(long, default_value_t = 0.0)]
    pub ambiguity: f64,
    /// Output: .jsonl (prepared, zeek template), .parquet (iot-23-preprocessed schema), or a
    /// Zeek conn.log.labeled (any other name).
    #[arg(long)]
    pub output: PathBuf,
}

/// What `netlogs eval` runs: everything here is stored in the run and shapes its examples,
/// requests and rewards, so `--resume` (which reuses the stored values) refuses all of it.
#[derive(Debug, Args)]
pub struct RunShapeArgs {
    /// Model name; `builtin:heuristic` (default) and other `builtin:` policies run offline.
    #[arg(short = 'm', long, default_value = defaults::MODEL, value_parser = ModelSpec::from_str)]
    pub model: ModelSpec,
    /// API base URL for remote models (default: $OPENAI_BASE_URL, else OpenAI).
    #[arg(short = 'b', long)]
    pub api_base: Option<String>,
    /// Name of the environment variable that holds the API key.
    #[arg(short = 'k', long, default_value = defaults::API_KEY_VAR)]
    pub api_key_var: String,
    /// Number of examples (class-balanced, seeded).
    #[arg(short = 'n', long, default_value_t = defaults::NUM_EXAMPLES)]
    pub num_examples: usize,
    /// Rollouts per example.
    #[arg(short = 'r', long, default_value_t = defaults::ROLLOUTS_PER_EXAMPLE)]
    pub rollouts_per_example: u32,
    /// Seed for dataset sampling (and the bootstrap).
    #[arg(long, default_value_t = defaults::SEED)]
    pub seed: u64,
    /// Override the system prompt.
    #[arg(long)]
    pub system_prompt: Option<String>,
    /// Prompt template: zeek, logentry (formerly `seed`), upstream or compact.
    #[arg(long, default_value = "zeek", value_parser = enum_arg::<Template>)]
    pub template: Template,
    /// Data to evaluate on instead of the bundled IoT-23 set: Zeek conn logs, IoT-23 /
    /// CIC-IDS-2017 / UNSW-NB15 CSV, Hugging Face parquet, prepared JSONL, a built dataset, or
    /// `synthetic` for generated flows.
    #[arg(long, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Data format, when detection from content is not wanted.
    #[arg(long, value_parser = enum_arg::<SourceFormat>)]
    pub format: Option<SourceFormat>,
    #[command(flatten)]
    pub read: ReadFlags,
    #[command(flatten)]
    pub context: ContextFlags,
    /// single (one request per flow) or lookup (the model may call tools for more of the
    /// log: flows_for_host, flows_to_port, host_summary).
    #[arg(long, default_value = "single", value_parser = enum_arg::<EvalMode>)]
    pub mode: EvalMode,
    /// Lookup mode: model calls per conversation, the final answer's included.
    #[arg(long, default_value_t = defaults::MAX_TURNS)]
    pub max_turns: u32,
    /// Evaluate one split (train, dev, test) of a built dataset.
    #[arg(long)]
    pub split: Option<String>,
    /// The model file of `-m builtin:learned` (`netlogs baseline train --output`).
    #[arg(long, value_name = "MODEL.json")]
    pub baseline: Option<PathBuf>,
    /// Max tokens per completion.
    #[arg(short = 't', long)]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[arg(short = 'T', long)]
    pub temperature: Option<f64>,
    /// JSON object merged into every request body (top_p, seed, stop, …).
    #[arg(short = 'S', long)]
    pub sampling_args: Option<String>,
    /// Send `response_format`: off, json_object or json_schema (the answer's schema).
    #[arg(long, default_value = "off", value_parser = enum_arg::<StructuredOutput>)]
    pub structured_output: StructuredOutput,
    /// Attempts per request, the first included (`--max-retries` is its old name).
    #[arg(long, alias = "max-retries", default_value_t = defaults::MAX_ATTEMPTS)]
    pub max_attempts: u32,
    /// Seconds per request attempt.
    #[arg(long, default_value_t = defaults::TIMEOUT_SECS)]
    pub timeout: f64,
    #[command(flatten)]
    pub rubric: RubricArgs,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub shape: RunShapeArgs,
    /// Output directory; runs go to SAVE_DIR/evals/netlogs--MODEL/RUN_ID.
    #[arg(short = 's', long, default_value = "outputs")]
    pub save_dir: PathBuf,
    /// Requests in flight at once.
    #[arg(short = 'c', long, default_value_t = defaults::MAX_CONCURRENT)]
    pub max_concurrent: usize,
    /// Finish an interrupted run: only missing (example, rollout) pairs run, with the run's own
    /// settings (so no flag that shapes the run may be given with it).
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// Bypass the response cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Response cache folder (default: $NETLOGS_CACHE_DIR or ~/.cache/netlogs/responses).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Price table TOML for cost estimates (default: the built-in, dated table).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Export one span per rollout to this OTLP/HTTP traces URL (used as given, e.g.
    /// https://trace.wandb.ai/otel/v1/traces). Without it, OTEL_EXPORTER_OTLP_ENDPOINT (the
    /// base URL; /v1/traces is added) or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT turns traces on.
    /// Headers come from OTEL_EXPORTER_OTLP_HEADERS.
    #[arg(long, value_name = "URL")]
    pub otlp_endpoint: Option<String>,
    /// Put prompts, completions and tool results into the spans (off: only names, numbers
    /// and outcomes).
    #[arg(long)]
    pub otlp_content: bool,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// JSONL with `completion` (string or messages) and `answer` per row.
    #[arg(long)]
    pub input: PathBuf,
    /// Output directory (default: a new run dir under outputs/scores/).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Seed for the bootstrap confidence intervals.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub rubric: RubricArgs,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Also report expected rewards at this P(malicious).
    #[arg(long)]
    pub prior: Option<f64>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub rubric: RubricArgs,
}
