//! `netlogs.LookupTools`: the lookup mode's tools for a trainer's own multi-turn loop (and the
//! verifiers tool environment): the same three functions, over the same data, answering with
//! the same JSON as `netlogs eval --mode lookup`.

use std::sync::Arc;

use netlogs_data::source::SourceSpec;
use netlogs_data::{CaptureFrom, SourceFormat};
use netlogs_lookup::{call, default_index_dir, index_for, tool_definitions, Anchor, FlowIndex};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::examples::{parse, paths};

#[pyclass(name = "LookupTools", module = "netlogs", frozen)]
pub struct PyLookupTools {
    index: FlowIndex,
}

#[pymethods]
impl PyLookupTools {
    /// The lookup index of every raw flow of `data` (the bundled set when None), as
    /// `load_examples` reads it: the same on-disk index `netlogs eval --mode lookup` uses
    /// (`index_dir`, default `$NETLOGS_LOOKUP_DIR` or `~/.cache/netlogs/lookup`), built on
    /// first use.
    #[new]
    #[pyo3(signature = (data=None, format=None, capture=None, capture_from=None, index_dir=None))]
    fn new(
        py: Python<'_>,
        data: Option<&Bound<'_, PyAny>>,
        format: Option<&str>,
        capture: Option<String>,
        capture_from: Option<&str>,
        index_dir: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let format: Option<SourceFormat> = format.map(|f| parse(f, "format")).transpose()?;
        let capture_from: CaptureFrom =
            capture_from.map_or(Ok(CaptureFrom::default()), |c| parse(c, "capture_from"))?;
        let data = paths(data)?;
        let dir = index_dir.unwrap_or_else(default_index_dir);
        let index = py.detach(|| {
            let spec = SourceSpec {
                data: &data,
                format,
                capture: capture.as_deref(),
                capture_from,
                ..SourceSpec::default()
            };
            index_for(&spec, &dir, &mut |_| {}).map_err(|e| e.to_string())
        });
        let index = index.map_err(|e| PyValueError::new_err(format!("LookupTools: {e}")))?;
        Ok(PyLookupTools { index })
    }

    /// Why a flow at `ts` cannot anchor a lookup rollout (`None` when it can): the one check,
    /// for adapters to make before a rollout starts.
    #[staticmethod]
    #[pyo3(signature = (ts))]
    fn anchor_error(ts: Option<f64>) -> Option<String> {
        Anchor::at(ts, None).err().map(|e| e.to_string())
    }

    /// The tools as an OpenAI `tools` list (JSON text).
    #[staticmethod]
    fn definitions_json() -> String {
        tool_definitions().get().to_string()
    }

    /// Run one call for the flow at `ts` (its `info["ts"]`) in `capture` (`info["capture"]`).
    /// Returns the JSON text the model reads; a bad call gets `{"error": …}`, never a raise.
    #[pyo3(signature = (name, arguments, ts, capture=None))]
    fn call(
        &self,
        py: Python<'_>,
        name: &str,
        arguments: &str,
        ts: f64,
        capture: Option<String>,
    ) -> PyResult<String> {
        let at = Anchor::at(Some(ts), capture.map(Arc::from))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(py.detach(|| call(&self.index, &at, name, arguments)))
    }
}
