//! The properties the fuzz targets (`fuzz/`) check, one function per input surface, each
//! panicking when its property fails. The same functions replay the stored corpora and the
//! regression inputs as ordinary tests (`tests/replay.rs`), so the test command exercises
//! every surface on every input the fuzzers kept.
//!
//! | surface | property |
//! |---|---|
//! | data readers | rows, or an error naming the file (and a line within it) |
//! | `serve` bodies | 2xx or 4xx, never 5xx |
//! | tool arguments | JSON back; an unknown key is the tool's own error naming it |
//! | rubric TOML | a valid config, or an error naming the field or the place |
//! | model files | a model whose probabilities are probabilities, or an error naming the file and what is wrong |
//! | run logs | rows, or an error naming the file, the line and what is wrong |

#![allow(clippy::unwrap_used)]

pub mod answer;
#[cfg(feature = "data")]
pub mod model_file;
#[cfg(feature = "data")]
pub mod reader;
pub mod rubric_toml;
pub mod run_log;
pub mod serve;
#[cfg(feature = "data")]
pub mod tools;

/// A surface's property: panics when `data` breaks it.
pub type Check = fn(&[u8]);

/// Every surface by its fuzz target's name, for the replay.
#[cfg(feature = "data")]
pub const TARGETS: [(&str, Check); 7] = [
    ("parse_answer", answer::check),
    ("read_data", reader::check),
    ("serve_body", serve::check),
    ("tool_args", tools::check),
    ("rubric_toml", rubric_toml::check),
    ("model_file", model_file::check),
    ("run_log", run_log::check),
];

/// A scratch folder for one input (the readers read paths).
pub(crate) fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("netlogs-fuzz")
        .tempdir()
        .expect("a temporary folder")
}
