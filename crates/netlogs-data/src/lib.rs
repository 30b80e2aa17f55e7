//! netlogs-data: real network flows in, leak-free prompts out.
//!
//! The crate owns the flow model ([`FlowRecord`], [`Label`], [`Provenance`]), the loaders
//! (Zeek `conn.log`, IoT-23 CSV exports, Hugging Face parquet, CIC-IDS-2017, UNSW-NB15, the
//! reference's prepared JSONL), where a command's rows come from ([`source`]: bundled, files, a
//! built or fetched dataset, synthetic), prompt rendering, and seeded sampling. The label and
//! provenance travel next to the record but never into a rendered prompt.

mod audit;
mod build;
mod bundled;
mod capture;
mod columns;
mod context;
mod csv_export;
mod digest;
mod error;
mod example;
mod field;
mod format;
mod inputs;
mod inspect;
mod load;
pub mod manifest;
mod ood;
mod parquet;
mod parse;
mod prepared;
mod prompt;
mod record;
mod sample;
mod shown;
pub mod source;
mod stream;
mod synth;
mod zeek;

pub use audit::{audit_leakage, Auditor, LeakageAudit, SplitAudit};
pub use build::{
    build_dataset, conflicts, BuildOptions, BuildReport, Conflict, SplitRatios, SPLITS,
};
pub use bundled::{bundled_iot23, BundledFile, BUNDLED_IOT23};
pub use capture::{Attribution, CaptureFrom, SESSION_GAP_S};
pub use context::{
    contexts_in_memory, parse_context, render_with_context, ContextFlow, ContextIndex, ContextSpec,
    DEFAULT_WINDOW_S,
};
pub use digest::{sha256_hex, Sha256Stream};
pub use error::DataError;
pub use example::{row_id, row_key, Example, ExampleInfo, RowIdentity};
pub use field::{Field, FieldSet};
pub use format::SourceFormat;
pub use inputs::for_each_input;
pub use inspect::{inspect, Inspection, Inspector};
pub use load::{load_bytes, load_path};
pub use parquet::{
    hf_schema, parquet_columns, read_parquet_frame, write_examples_parquet, write_hf_parquet,
    IOT23_MINIMUM_COLUMNS, IOT23_PREPROCESSED,
};
pub use parse::Loaded;
pub use prepared::{parse_prepared, write_prepared};
pub use prompt::{prompt_digest, render_prompt, PromptView, Template, CONTEXT_HEADING};
pub use record::{
    capture_id_from_name, DetailedLabel, Families, FlowRecord, Interner, Label, LabelCell,
    LabeledFlow, Provenance, RawField, UnlabelledTag,
};
pub use sample::{
    example_key, flow_key, water_fill, BalancedDraw, Offer, Reservoir, SampleCaps,
    StratifiedSample, DEFAULT_SEED,
};
pub use shown::{shown_fields, user_message};
pub use stream::{
    unlabelled_line, BadRows, DataReader, FileRead, ReadOptions, ReadReport, Row, RowSink,
    Unlabelled, UnlabelledCounts,
};
/// Iterate and list the typed settings (`Template::iter()`, `SourceFormat::VARIANTS`).
pub use strum::{IntoEnumIterator, VariantNames};
pub use synth::{synthesize, SynthConfig, SynthFamily};
pub use zeek::{parse_zeek, write_zeek};
