//! netlogs-data: real network flows in, leak-free prompts out.
//!
//! The crate owns the flow model ([`FlowRecord`], [`Label`], [`Provenance`]), the loaders
//! (Zeek `conn.log`, IoT-23 CSV exports), prompt rendering, and seeded sampling. The label and
//! provenance travel next to the record but never into a rendered prompt.

mod bundled;
mod csv_export;
mod digest;
mod error;
mod example;
mod field;
mod load;
mod prompt;
mod record;
mod sample;
mod zeek;

pub use bundled::{bundled_iot23, BundledFile, BUNDLED_IOT23};
pub use digest::sha256_hex;
pub use error::DataError;
pub use example::{row_id, row_key, Example, ExampleInfo};
pub use field::{Field, FieldSet};
pub use load::{load_bytes, load_path, SourceFormat};
pub use prompt::{render_prompt, Template, DEFAULT_SYSTEM_PROMPT};
pub use record::{capture_id_from_name, FlowRecord, Label, LabeledFlow, Provenance};
pub use sample::{sample_balanced, sample_uniform};
pub use zeek::parse_zeek;
