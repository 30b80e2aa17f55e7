//! netlogs-eval: the evaluation engine as a library.
//!
//! It owns the policies behind one interface ([`Policy`]: builtin baselines, or a remote
//! model with the response cache), the job pipeline, lookup conversations, the [`Ledger`] of
//! row outcomes, resume, and the summary. [`run_eval`] takes a typed [`EvalPlan`] and returns
//! the [`RunLog`]; [`score_file`] does the same for saved completions. Where examples come
//! from is `netlogs_data::source`; the files a run writes are `netlogs_runlog`'s; every
//! reward is `netlogs_rubric::score_row`'s. Progress and warnings reach the caller through a
//! [`ProgressSink`]; the engine prints nothing.

mod builtin;
mod cache;
mod conversation;
mod error;
mod eval;
mod facts;
mod ledger;
mod model_spec;
mod pipeline;
mod policy;
mod prices;
mod progress;
mod score;
mod settings;
#[cfg(feature = "stub")]
pub mod stub;
mod trace;

pub use builtin::BuiltinPolicy;
pub use cache::default_cache_dir;
pub use error::EvalError;
pub use eval::{run_eval, EvalPlan, RunLog, RunStart};
pub use ledger::{gold_of, Ledger};
pub use model_spec::{ModelSpec, SpecError};
pub use pipeline::EarlyStopped;
pub use policy::Policy;
pub use prices::PriceTable;
pub use progress::{ProgressSink, Silent};
pub use score::{score_file, ScorePlan};
pub use settings::{defaults, EvalMode, EvalSettings, StructuredOutput};
pub use trace::TraceSettings;
