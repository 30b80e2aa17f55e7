//! The index of a data source: found by what the source reads, built on first use.

use std::path::{Path, PathBuf};

use netlogs_data::source::{self, SourceSpec};
use netlogs_data::{sha256_hex, DataError, Row};

use crate::index::{FlowIndex, IndexBuilder, IndexError};

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// `$NETLOGS_LOOKUP_DIR`, else `$XDG_CACHE_HOME/netlogs/lookup`, else `~/.cache/netlogs/lookup`.
pub fn default_index_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NETLOGS_LOOKUP_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("netlogs").join("lookup")
}

/// The index of every raw flow `spec` names, under `dir`: opened when the same data, read the
/// same way, was indexed before; else built now, in one streaming pass (`note` is told).
/// Prepared examples carry no flows and are an error.
pub fn index_for(
    spec: &SourceSpec,
    dir: &Path,
    note: &mut dyn FnMut(&str),
) -> Result<FlowIndex, LookupError> {
    let identity = source::identity(spec)?;
    let path = dir.join(format!("{}.sqlite", &sha256_hex(identity.as_bytes())[..32]));
    if let Ok(index) = FlowIndex::open(&path) {
        return Ok(index);
    }
    note(&format!(
        "lookup index: building {} (once per data source)",
        path.display()
    ));
    let started = std::time::Instant::now();
    let mut builder = IndexBuilder::create(&path)?;
    let again = SourceSpec {
        skip_digests: true,
        ..spec.clone()
    };
    let mut failed: Option<IndexError> = None;
    source::stream_rows(&again, &mut |_| {}, &mut |row| match row {
        Row::Flow(f) => builder.add(f).map_err(|e| {
            let message = e.to_string();
            failed = Some(e);
            DataError::Options(message)
        }),
        Row::Example(_) => Err(DataError::Options(
            "--mode lookup needs raw flows (files, the bundled set): a built dataset's prompts carry no flow to look around".into(),
        )),
    })
    .map_err(|e| failed.take().map_or(LookupError::Data(e), LookupError::Index))?;
    let index = builder.finish(&identity)?;
    note(&format!(
        "lookup index: {} flows in {:.1} s",
        index.rows,
        started.elapsed().as_secs_f64()
    ));
    Ok(index)
}
