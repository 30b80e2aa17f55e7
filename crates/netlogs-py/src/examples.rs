//! `netlogs.load_examples`: examples through the same engine code as `netlogs eval` (bundled
//! set, data files, a built or fetched dataset), as chat prompts with their answer and info.

use std::path::PathBuf;

use netlogs_data::source::{self, DrawSpec, SourceSpec};
use netlogs_data::{CaptureFrom, ContextSpec, Example, SourceFormat, Template, Unlabelled};
use netlogs_rubric::default_system_prompt;
use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{items, to_py, type_name};

pub(crate) fn parse<T: std::str::FromStr + strum_names::Names>(
    name: &str,
    what: &str,
) -> PyResult<T> {
    name.parse().map_err(|_| {
        PyValueError::new_err(format!(
            "unknown {what} {name:?}: one of {}",
            T::names().join(", ")
        ))
    })
}

/// The allowed names of a typed setting, from the enum itself.
pub(crate) mod strum_names {
    pub trait Names {
        fn names() -> &'static [&'static str];
    }
    impl<T: netlogs_data::VariantNames> Names for T {
        fn names() -> &'static [&'static str] {
            T::VARIANTS
        }
    }
}

/// `data` as paths: None (bundled or fetched), one path, or a list of paths.
pub(crate) fn paths(data: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PathBuf>> {
    let Some(data) = data.filter(|d| !d.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(p) = data.extract::<PathBuf>() {
        return Ok(vec![p]);
    }
    items(data, "data")?
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.extract::<PathBuf>().map_err(|_| {
                PyValueError::new_err(format!("data[{i}]: expected a path, got {}", type_name(p)))
            })
        })
        .collect()
}

fn row<'py>(py: Python<'py>, e: &Example, system: &str) -> PyResult<Bound<'py, PyDict>> {
    let system_msg = PyDict::new(py);
    system_msg.set_item(intern!(py, "role"), intern!(py, "system"))?;
    system_msg.set_item(intern!(py, "content"), system)?;
    let user_msg = PyDict::new(py);
    user_msg.set_item(intern!(py, "role"), intern!(py, "user"))?;
    user_msg.set_item(intern!(py, "content"), &e.prompt)?;
    let info =
        serde_json::to_value(&e.info).map_err(|err| PyValueError::new_err(err.to_string()))?;
    let d = PyDict::new(py);
    d.set_item(intern!(py, "example_id"), &e.example_id)?;
    d.set_item(
        intern!(py, "prompt"),
        PyList::new(py, [system_msg, user_msg])?,
    )?;
    d.set_item(intern!(py, "answer"), e.answer.as_str())?;
    d.set_item(intern!(py, "info"), to_py(py, &info)?)?;
    Ok(d)
}

/// Examples as `{example_id, prompt: [system, user], answer, info}` dicts. `n`: a seeded,
/// class-balanced sample (all rows when None); `split`: one split of a built dataset (a
/// fetched dataset defaults to `test`, as `netlogs eval` does).
#[pyfunction]
#[pyo3(signature = (data=None, split=None, template=None, n=None, seed=netlogs_data::DEFAULT_SEED, format=None, capture=None, system_prompt=None, capture_from=None, skip_bad_rows=false, context=None, context_window=netlogs_data::DEFAULT_WINDOW_S, unlabelled=None))]
#[allow(clippy::too_many_arguments)]
pub fn load_examples<'py>(
    py: Python<'py>,
    data: Option<&Bound<'py, PyAny>>,
    split: Option<String>,
    template: Option<&str>,
    n: Option<usize>,
    seed: u64,
    format: Option<&str>,
    capture: Option<String>,
    system_prompt: Option<String>,
    capture_from: Option<&str>,
    skip_bad_rows: bool,
    context: Option<usize>,
    context_window: f64,
    unlabelled: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    if !(context_window.is_finite() && context_window > 0.0) {
        return Err(PyValueError::new_err(format!(
            "context_window: a positive number of seconds, got {context_window}"
        )));
    }
    let context = context.map(|k| ContextSpec {
        k,
        window_s: context_window,
    });
    let template: Template = template.map_or(Ok(Template::default()), |t| parse(t, "template"))?;
    let capture_from: CaptureFrom =
        capture_from.map_or(Ok(CaptureFrom::default()), |c| parse(c, "capture_from"))?;
    let unlabelled: Unlabelled =
        unlabelled.map_or(Ok(Unlabelled::default()), |u| parse(u, "unlabelled"))?;
    let format: Option<SourceFormat> = format.map(|f| parse(f, "format")).transpose()?;
    let data = paths(data)?;
    let examples = py.detach(|| -> Result<Vec<Example>, String> {
        let spec = SourceSpec {
            data: &data,
            format,
            capture: capture.as_deref(),
            capture_from,
            skip_bad_rows,
            unlabelled,
            skip_digests: false,
            synth: (n.unwrap_or(source::DEFAULT_SYNTHETIC_ROWS).max(1), seed),
        };
        let quiet = &mut |_: &str| {};
        match n {
            Some(n) => {
                let want = DrawSpec {
                    template,
                    n,
                    seed,
                    split: split.as_deref(),
                    context,
                    raw_flows_for: None,
                };
                source::draw(&spec, &want, quiet).map(|d| d.examples)
            }
            None => source::all_examples(&spec, template, split.as_deref(), context, quiet),
        }
        .map_err(|e| e.to_string())
    });
    let examples = examples.map_err(PyValueError::new_err)?;
    let system = system_prompt.unwrap_or_else(default_system_prompt);
    let rows = examples
        .iter()
        .map(|e| row(py, e, &system))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, rows)
}
