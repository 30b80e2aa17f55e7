//! The native core of the `netlogs` Python package (`netlogs._netlogs`). The Python layer
//! (`python/netlogs`, `python/netlogs_env`) adds the trainer adapters and the verifiers
//! environment on top of these functions.

mod convert;
mod examples;
mod lookup;
mod prompt;
mod rubric;

use netlogs_rubric::{response_in_query, TrainerLabel};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The response inside a decoded prompt+response string (chat template and special tokens
/// included), as `netlogs serve` reads OpenRLHF's `query`.
#[pyfunction(name = "response_in_query")]
#[pyo3(signature = (query, prompt=None))]
fn py_response_in_query(query: &str, prompt: Option<&str>) -> String {
    response_in_query(query, prompt).to_string()
}

/// A trainer label (`Benign`/`Malicious` in any case, or `{"answer": …, "info": {…}}`) as
/// `(gold, info)`.
#[pyfunction]
fn parse_label<'py>(py: Python<'py>, label: &str) -> PyResult<(String, Bound<'py, PyAny>)> {
    let parsed = TrainerLabel::parse(label).map_err(PyValueError::new_err)?;
    let info = convert::to_py(py, &parsed.info.unwrap_or(serde_json::Value::Null))?;
    Ok((parsed.gold.as_str().to_string(), info))
}

/// The system prompt netlogs sends unless told otherwise.
#[pyfunction]
fn default_system_prompt() -> String {
    netlogs_rubric::default_system_prompt()
}

#[pymodule]
fn _netlogs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("COMPONENTS", rubric::components_tuple(m.py())?)?;
    m.add_function(wrap_pyfunction!(rubric::score, m)?)?;
    m.add_function(wrap_pyfunction!(rubric::rewards, m)?)?;
    m.add_class::<rubric::PyRubric>()?;
    m.add_class::<lookup::PyLookupTools>()?;
    m.add_function(wrap_pyfunction!(examples::load_examples, m)?)?;
    m.add_function(wrap_pyfunction!(py_response_in_query, m)?)?;
    m.add_function(wrap_pyfunction!(parse_label, m)?)?;
    m.add_function(wrap_pyfunction!(default_system_prompt, m)?)?;
    Ok(())
}
