//! Python values in, Python values out. Every bad input is a `ValueError` that names the
//! argument and the index (`completions[3]: …`), never a panic.

use std::borrow::Cow;

use netlogs_rubric::{Completion, Gold};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// The items of a list or tuple argument.
pub fn items<'py>(arg: &Bound<'py, PyAny>, name: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(list) = arg.cast::<PyList>() {
        return Ok(list.iter().collect());
    }
    if let Ok(tuple) = arg.cast::<PyTuple>() {
        return Ok(tuple.iter().collect());
    }
    Err(PyValueError::new_err(format!(
        "{name} must be a list, got {}",
        type_name(arg)
    )))
}

pub fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// Lists passed side by side must pair up by index.
pub fn same_length(name: &str, len: usize, other: &str, other_len: usize) -> PyResult<()> {
    if len != other_len {
        return Err(PyValueError::new_err(format!(
            "{name} has {len} items but {other} has {other_len}: they must pair up by index"
        )));
    }
    Ok(())
}

/// A Python value as JSON: dicts with string keys, lists, strings, numbers, bools, None.
pub fn to_json(v: &Bound<'_, PyAny>, at: &str) -> PyResult<Value> {
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_string()));
    }
    if v.cast::<PyInt>().is_ok() {
        let i: i64 = v
            .extract()
            .map_err(|_| PyValueError::new_err(format!("{at}: integer out of range")))?;
        return Ok(Value::Number(i.into()));
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, val) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyValueError::new_err(format!("{at}: dict keys must be strings")))?;
            let key = key.to_str()?.to_string();
            let val = to_json(&val, &format!("{at}[{key:?}]"))?;
            map.insert(key, val);
        }
        return Ok(Value::Object(map));
    }
    if v.cast::<PyList>().is_ok() || v.cast::<PyTuple>().is_ok() {
        let list = items(v, at)?;
        return list
            .iter()
            .enumerate()
            .map(|(i, x)| to_json(x, &format!("{at}[{i}]")))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    Err(PyValueError::new_err(format!(
        "{at}: cannot read a {}",
        type_name(v)
    )))
}

/// A completion read from Python, ready to score without the GIL: a string borrowed as is,
/// or a chat message list as JSON.
pub enum PyCompletion<'py> {
    Text(Cow<'py, str>),
    Messages(Vec<Value>),
    Empty,
}

impl PyCompletion<'_> {
    /// The rubric's view of it.
    pub fn view(&self) -> Completion<'_> {
        match self {
            PyCompletion::Text(t) => Completion::Text(t),
            PyCompletion::Messages(m) => Completion::Messages(m),
            PyCompletion::Empty => Completion::Empty,
        }
    }
}

/// `completions[i]`: a string, None, or a list of chat messages (checked here, so a bad
/// message is an error naming it).
pub fn completion<'py>(v: &'py Bound<'py, PyAny>, i: usize) -> PyResult<PyCompletion<'py>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(PyCompletion::Text(Cow::Borrowed(s.to_str()?)));
    }
    if v.is_none() {
        return Ok(PyCompletion::Empty);
    }
    if v.cast::<PyList>().is_ok() || v.cast::<PyTuple>().is_ok() {
        let at = format!("completions[{i}]");
        let messages = to_json(v, &at)?;
        Completion::from_value(&messages)
            .map_err(|e| PyValueError::new_err(format!("{at}: {e}")))?;
        let Value::Array(messages) = messages else {
            return Err(PyValueError::new_err(format!("{at}: expected a list")));
        };
        return Ok(PyCompletion::Messages(messages));
    }
    Err(PyValueError::new_err(format!(
        "completions[{i}]: expected a string or a list of chat messages, got {}",
        type_name(v)
    )))
}

/// A gold label: `Benign`/`Malicious` in any case, 1/0, or True/False.
pub fn gold(v: &Bound<'_, PyAny>, i: usize) -> PyResult<Gold> {
    let bad = || {
        PyValueError::new_err(format!(
            "answers[{i}]: expected Benign or Malicious (any case), 1/0 or True/False, got {}",
            v.repr().map_or_else(|_| type_name(v), |r| r.to_string())
        ))
    };
    if let Ok(s) = v.cast::<PyString>() {
        return Gold::from_label(s.to_str()?).ok_or_else(bad);
    }
    if v.cast::<PyBool>().is_ok() || v.cast::<PyInt>().is_ok() || v.cast::<PyFloat>().is_ok() {
        let value = to_json(v, &format!("answers[{i}]"))?;
        return Gold::from_value(&value).map_err(|_| bad());
    }
    Err(bad())
}

/// JSON as Python objects.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(f)) => PyFloat::new(py, f).into_any(),
            _ => py.None().into_bound(py),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}
