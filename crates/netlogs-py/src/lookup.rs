//! `netlogs.LookupTools`: the lookup mode's tools for a trainer's own multi-turn loop (and the
//! verifiers tool environment): the same three functions, over the same data, answering with
//! the same JSON as `netlogs eval --mode lookup`.

use std::sync::Arc;

use netlogs_data::source::{self, SourceSpec};
use netlogs_data::{CaptureFrom, SourceFormat};
use netlogs_lookup::{tool_definitions, Anchor, FlowTable};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::examples::{parse, paths};

#[pyclass(name = "LookupTools", module = "netlogs", frozen)]
pub struct PyLookupTools {
    table: FlowTable,
}

#[pymethods]
impl PyLookupTools {
    /// Index every raw flow of `data` (the bundled set when None), as `load_examples` reads it.
    #[new]
    #[pyo3(signature = (data=None, format=None, capture=None, capture_from="auto"))]
    fn new(
        py: Python<'_>,
        data: Option<&Bound<'_, PyAny>>,
        format: Option<&str>,
        capture: Option<String>,
        capture_from: &str,
    ) -> PyResult<Self> {
        let format: Option<SourceFormat> = format.map(|f| parse(f, "format")).transpose()?;
        let capture_from: CaptureFrom = parse(capture_from, "capture_from")?;
        let data = paths(data)?;
        let flows = py.detach(|| {
            let spec = SourceSpec {
                data: &data,
                format,
                capture: capture.as_deref(),
                capture_from,
                ..SourceSpec::default()
            };
            source::all_flows(&spec).map_err(|e| e.to_string())
        });
        let flows = flows.map_err(PyValueError::new_err)?;
        if flows.is_empty() {
            return Err(PyValueError::new_err(
                "LookupTools needs raw flows; a built dataset's prompts carry none",
            ));
        }
        Ok(PyLookupTools {
            table: FlowTable::new(flows),
        })
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
        if !ts.is_finite() {
            return Err(PyValueError::new_err(format!(
                "ts: a finite timestamp, got {ts}"
            )));
        }
        let at = Anchor {
            capture: capture.map(Arc::from),
            ts,
        };
        Ok(py.detach(|| self.table.call(&at, name, arguments)))
    }
}
