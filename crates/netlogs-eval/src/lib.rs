//! netlogs-eval: the evaluation engine as a library.
//!
//! It owns where examples come from ([`source`]: bundled, files, a built or fetched dataset,
//! synthetic), the policies behind one interface ([`Policy`]: builtin baselines, or a remote
//! model with the response cache), the job pipeline, the [`Ledger`] of row outcomes, run
//! directories, resume, and the summary. [`run_eval`] takes a typed [`EvalPlan`] and returns
//! the [`RunLog`]; [`score_file`] does the same for saved completions. Progress reaches the
//! caller through a [`ProgressSink`]; the engine prints nothing.
//!
//! The run log's files are typed in [`run_log`] (with a `schema_version`), and the fetched
//! dataset's manifest in [`manifest`].

mod builtin;
mod cache;
mod compare;
mod conversation;
mod error;
mod eval;
mod ledger;
pub mod lookup;
pub mod manifest;
mod model_spec;
mod pipeline;
mod policy;
mod prices;
mod progress;
mod prompt;
mod reward;
mod run_dir;
pub mod run_log;
mod score;
mod settings;
pub mod source;
#[cfg(feature = "stub")]
pub mod stub;

pub use builtin::BuiltinPolicy;
pub use cache::default_cache_dir;
pub use compare::{compare_runs, Flip, GroupDelta, RunComparison, RunName};
pub use error::EvalError;
pub use eval::{run_eval, EvalPlan, RunLog, RunStart};
pub use ledger::{gold_of, Ledger};
pub use model_spec::{ModelSpec, SpecError};
pub use pipeline::EarlyStopped;
pub use policy::Policy;
pub use prices::PriceTable;
pub use progress::{ProgressSink, Silent};
pub use prompt::default_system_prompt;
pub use reward::{response_in_query, score_item, score_text, score_turns, ItemScore, TrainerLabel};
pub use run_dir::{sanitize, RunDir};
pub use score::{score_file, ScorePlan};
pub use settings::{EvalMode, EvalSettings, StructuredOutput, DEFAULT_API_BASE, DEFAULT_MAX_TURNS};
