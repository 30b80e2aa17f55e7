//! `netlogs.score`, `netlogs.rewards` and `netlogs.Rubric`: batched scoring through the same
//! functions as `netlogs score` and `netlogs serve`, with the GIL released while scoring.

use netlogs_data::shown_fields;
use netlogs_rubric::{
    answer_of, audit_rubric, score_row, AnswerLabel, FlowFacts, Gold, ItemScore, Outcome, Preset,
    RubricConfig, RubricOverrides, Truth,
};
use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyList, PyString, PyTuple};

use crate::convert::{
    completion, gold, items, same_length, to_json, to_py, type_name, PyCompletion,
};
use crate::prompt::user_text;

/// The components every rubric scores, in the order weights are written: the keys of a
/// score dict's `metrics` (`netlogs.COMPONENTS`, which the adapters log).
pub const COMPONENTS: [&str; 4] = ["accuracy", "format", "calibration", "cost"];

/// The component a rubric scores only when it weighs it (the `grounded` preset).
pub const GROUNDING: &str = "grounding";

/// The names of the components `cfg` scores: [`COMPONENTS`], then `grounding` when weighed.
fn component_names(py: Python<'_>, cfg: &RubricConfig) -> PyResult<Py<PyTuple>> {
    let grounding = cfg.scores_grounding().then_some(GROUNDING);
    let names: Vec<&str> = COMPONENTS.into_iter().chain(grounding).collect();
    Ok(PyTuple::new(py, names)?.unbind())
}

/// The `metrics` keys as interned Python strings, made once: no string is built per item.
fn metric_keys(py: Python<'_>) -> &[Py<PyString>; 5] {
    static KEYS: PyOnceLock<[Py<PyString>; 5]> = PyOnceLock::new();
    KEYS.get_or_init(py, || {
        let [accuracy, format, calibration, cost] = COMPONENTS;
        [accuracy, format, calibration, cost, GROUNDING].map(|k| PyString::intern(py, k).unbind())
    })
}

/// `netlogs.COMPONENTS`.
pub fn components_tuple(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    PyTuple::new(py, COMPONENTS)
}

fn preset(name: &str) -> PyResult<Preset> {
    name.parse().map_err(|_| {
        PyValueError::new_err(format!(
            "unknown preset {name:?}: one of proper, legacy, grounded (`seed` is an old name of proper)"
        ))
    })
}

/// Keyword overrides, read as a rubric file's keys are: each key on its own, so an error
/// names it.
fn overrides(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<RubricOverrides> {
    let mut o = RubricOverrides::default();
    let Some(kwargs) = kwargs else {
        return Ok(o);
    };
    for (k, v) in kwargs.iter() {
        let key: String = k.extract()?;
        if !RubricOverrides::KEYS.contains(&key.as_str()) {
            return Err(PyValueError::new_err(format!(
                "unknown rubric option {key:?}: one of {}",
                RubricOverrides::KEYS.join(", ")
            )));
        }
        let value = to_json(&v, &key)?;
        let one = RubricOverrides::from_json(serde_json::json!({ &key: value })).map_err(|e| {
            let why = match e {
                netlogs_rubric::RubricError::Config(m) => m,
                other => other.to_string(),
            };
            PyValueError::new_err(format!("rubric option `{key}`: {why}"))
        })?;
        o = o.then(one);
    }
    Ok(o)
}

fn resolve(o: RubricOverrides) -> PyResult<RubricConfig> {
    o.resolve()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A rubric: a preset's rules with any overrides.
#[pyclass(frozen, name = "Rubric", module = "netlogs")]
pub struct PyRubric {
    pub cfg: RubricConfig,
}

/// The rubric `score`/`rewards` use: `rubric` (a Rubric, a dict of overrides or a TOML file
/// path) with `preset` laid over it.
fn chosen(preset_name: Option<&str>, rubric: Option<&Bound<'_, PyAny>>) -> PyResult<RubricConfig> {
    let mut base = match rubric {
        None => RubricOverrides::default(),
        Some(r) => {
            if let Ok(r) = r.cast::<PyRubric>() {
                let cfg = r.get().cfg;
                if preset_name.is_none() {
                    return Ok(cfg);
                }
                RubricOverrides::from(cfg)
            } else if let Ok(d) = r.cast::<PyDict>() {
                overrides(Some(d))?
            } else if let Ok(path) = r.extract::<std::path::PathBuf>() {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    PyValueError::new_err(format!(
                        "cannot read rubric file {}: {e}",
                        path.display()
                    ))
                })?;
                RubricOverrides::from_toml(&text).map_err(|e| {
                    PyValueError::new_err(format!("in rubric file {}: {e}", path.display()))
                })?
            } else {
                return Err(PyValueError::new_err(format!(
                    "rubric must be a netlogs.Rubric, a dict of overrides or a TOML path, got {}",
                    type_name(r)
                )));
            }
        }
    };
    if let Some(p) = preset_name {
        base.preset = Some(preset(p)?);
    }
    resolve(base)
}

/// `prompts[i]`: a user message, a chat message list, or a prompt a chat template rendered
/// (its last user turn counts); the fields its flow shows, which a grounding rubric checks
/// citations against.
fn prompt_facts(v: &Bound<'_, PyAny>, i: usize) -> PyResult<FlowFacts> {
    let at = format!("prompts[{i}]");
    let value = to_json(v, &at)?;
    let user = user_text(&value).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{at}: expected the prompt's text or a list of messages with a user message"
        ))
    })?;
    Ok(shown_fields(user).into_iter().collect())
}

/// The facts of each prompt, when the rubric weighs grounding (which needs them).
fn batch_facts(
    cfg: &RubricConfig,
    prompts: Option<&Bound<'_, PyAny>>,
    n: usize,
) -> PyResult<Option<Vec<FlowFacts>>> {
    let Some(prompts) = prompts.filter(|p| !p.is_none()) else {
        if cfg.scores_grounding() {
            return Err(PyValueError::new_err(
                "prompts: this rubric weighs grounding, which checks each answer's evidence against the flow its prompt shows: pass prompts=[...] (each prompt's text or message list, paired with completions by index)",
            ));
        }
        return Ok(None);
    };
    let prompts = items(prompts, "prompts")?;
    same_length("prompts", prompts.len(), "completions", n)?;
    if !cfg.scores_grounding() {
        return Ok(None);
    }
    prompts
        .iter()
        .enumerate()
        .map(|(i, p)| prompt_facts(p, i))
        .collect::<PyResult<Vec<_>>>()
        .map(Some)
}

/// One row's score and the tool calls its conversation made (each costing `tool_cost`).
struct Scored {
    item: ItemScore,
    tool_calls: usize,
}

/// Read the batch under the GIL, then score it with the GIL released.
fn score_batch(
    py: Python<'_>,
    cfg: &RubricConfig,
    completions: &Bound<'_, PyAny>,
    answers: &Bound<'_, PyAny>,
    infos: Option<&Bound<'_, PyAny>>,
    prompts: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Scored>> {
    let completions = items(completions, "completions")?;
    let answers = items(answers, "answers")?;
    same_length("answers", answers.len(), "completions", completions.len())?;
    if let Some(infos) = infos.filter(|i| !i.is_none()) {
        let infos = items(infos, "infos")?;
        same_length("infos", infos.len(), "completions", completions.len())?;
        if let Some(i) = infos
            .iter()
            .position(|x| !(x.is_none() || x.cast::<PyDict>().is_ok()))
        {
            return Err(PyValueError::new_err(format!(
                "infos[{i}]: expected a dict or None, got {}",
                type_name(&infos[i])
            )));
        }
    }
    let texts: Vec<PyCompletion<'_>> = completions
        .iter()
        .enumerate()
        .map(|(i, c)| completion(c, i))
        .collect::<PyResult<_>>()?;
    let golds: Vec<Gold> = answers
        .iter()
        .enumerate()
        .map(|(i, a)| gold(a, i))
        .collect::<PyResult<_>>()?;
    let facts = batch_facts(cfg, prompts, completions.len())?;
    let cfg = *cfg;
    Ok(py.detach(move || {
        texts
            .iter()
            .zip(golds)
            .enumerate()
            .map(|(i, (c, gold))| {
                let truth = Truth {
                    gold,
                    flow: facts.as_ref().and_then(|f| f.get(i)),
                };
                let view = c.view();
                Scored {
                    item: ItemScore::from(&score_row(&cfg, &view, truth)),
                    tool_calls: answer_of(&view).tool_calls,
                }
            })
            .collect()
    }))
}

/// `{reward, metrics: {accuracy, format, calibration, cost[, grounding]}, parsed: {label,
/// confidence, outcome}, tool_calls}`: `/v1/score`'s answer (`grounding` under a rubric that
/// weighs it) and the count of tool calls the conversation made.
fn score_dict<'py>(py: Python<'py>, scored: &Scored) -> PyResult<Bound<'py, PyDict>> {
    let s = &scored.item;
    let metrics = PyDict::new(py);
    let [accuracy, format, calibration, cost, grounding] = metric_keys(py);
    metrics.set_item(accuracy.bind(py), s.metrics.accuracy)?;
    metrics.set_item(format.bind(py), s.metrics.format)?;
    metrics.set_item(calibration.bind(py), s.metrics.calibration)?;
    metrics.set_item(cost.bind(py), s.metrics.cost)?;
    if let Some(g) = s.metrics.grounding {
        metrics.set_item(grounding.bind(py), g)?;
    }
    let parsed = PyDict::new(py);
    parsed.set_item(
        intern!(py, "label"),
        s.parsed.label.map(|l| label_name(py, l)),
    )?;
    parsed.set_item(intern!(py, "confidence"), s.parsed.confidence)?;
    parsed.set_item(intern!(py, "outcome"), outcome_name(py, s.parsed.outcome))?;
    let d = PyDict::new(py);
    d.set_item(intern!(py, "reward"), s.reward)?;
    d.set_item(intern!(py, "metrics"), metrics)?;
    d.set_item(intern!(py, "parsed"), parsed)?;
    d.set_item(intern!(py, "tool_calls"), scored.tool_calls)?;
    Ok(d)
}

/// Label names as interned Python strings: no string is built per item.
fn label_name(py: Python<'_>, label: AnswerLabel) -> &Bound<'_, PyString> {
    match label {
        AnswerLabel::Benign => intern!(py, "Benign"),
        AnswerLabel::Malicious => intern!(py, "Malicious"),
        AnswerLabel::Abstain => intern!(py, "Abstain"),
    }
}

fn outcome_name(py: Python<'_>, outcome: Outcome) -> &Bound<'_, PyString> {
    match outcome {
        Outcome::TruePositive => intern!(py, "true_positive"),
        Outcome::TrueNegative => intern!(py, "true_negative"),
        Outcome::FalsePositive => intern!(py, "false_positive"),
        Outcome::FalseNegative => intern!(py, "false_negative"),
        Outcome::Abstain => intern!(py, "abstain"),
        Outcome::Invalid => intern!(py, "invalid"),
    }
}

fn dicts<'py>(py: Python<'py>, scores: &[Scored]) -> PyResult<Bound<'py, PyList>> {
    // Three fresh dicts per item: left on, the cyclic collector would run over and over while
    // the list grows (half the time of a 100k batch), and these dicts hold no cycles.
    let gc = py.import(intern!(py, "gc"))?;
    let was_enabled = gc.call_method0(intern!(py, "isenabled"))?.is_truthy()?;
    gc.call_method0(intern!(py, "disable"))?;
    let out = scores
        .iter()
        .map(|s| score_dict(py, s))
        .collect::<PyResult<Vec<_>>>();
    if was_enabled {
        gc.call_method0(intern!(py, "enable"))?;
    }
    PyList::new(py, out?)
}

fn floats<'py>(py: Python<'py>, scores: &[Scored]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, scores.iter().map(|s| PyFloat::new(py, s.item.reward)))
}

/// Score completions against gold answers: one dict per completion. `prompts` (each
/// prompt's text or message list) are needed by a rubric that weighs grounding.
#[pyfunction]
#[pyo3(signature = (completions, answers, infos=None, preset=None, rubric=None, prompts=None))]
pub fn score<'py>(
    py: Python<'py>,
    completions: &Bound<'py, PyAny>,
    answers: &Bound<'py, PyAny>,
    infos: Option<&Bound<'py, PyAny>>,
    preset: Option<&str>,
    rubric: Option<&Bound<'py, PyAny>>,
    prompts: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = chosen(preset, rubric)?;
    dicts(
        py,
        &score_batch(py, &cfg, completions, answers, infos, prompts)?,
    )
}

/// The rewards alone, as floats: the fast path for trainers.
#[pyfunction]
#[pyo3(signature = (completions, answers, preset=None, rubric=None, prompts=None))]
pub fn rewards<'py>(
    py: Python<'py>,
    completions: &Bound<'py, PyAny>,
    answers: &Bound<'py, PyAny>,
    preset: Option<&str>,
    rubric: Option<&Bound<'py, PyAny>>,
    prompts: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = chosen(preset, rubric)?;
    floats(
        py,
        &score_batch(py, &cfg, completions, answers, None, prompts)?,
    )
}

#[pymethods]
impl PyRubric {
    #[new]
    #[pyo3(signature = (preset=None, **overrides))]
    fn new(preset: Option<&str>, overrides: Option<&Bound<'_, PyDict>>) -> PyResult<PyRubric> {
        let mut o = self::overrides(overrides)?;
        if let Some(p) = preset {
            o.preset = Some(self::preset(p)?);
        }
        Ok(PyRubric { cfg: resolve(o)? })
    }

    #[pyo3(signature = (completions, answers, infos=None, prompts=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        completions: &Bound<'py, PyAny>,
        answers: &Bound<'py, PyAny>,
        infos: Option<&Bound<'py, PyAny>>,
        prompts: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        dicts(
            py,
            &score_batch(py, &self.cfg, completions, answers, infos, prompts)?,
        )
    }

    #[pyo3(signature = (completions, answers, prompts=None))]
    fn rewards<'py>(
        &self,
        py: Python<'py>,
        completions: &Bound<'py, PyAny>,
        answers: &Bound<'py, PyAny>,
        prompts: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        floats(
            py,
            &score_batch(py, &self.cfg, completions, answers, None, prompts)?,
        )
    }

    /// The rubric `score` would use for `rubric` (a Rubric, a dict of overrides or a TOML
    /// file path) with `preset` laid over it, resolved now: a trainer that scores every step
    /// reads its rubric file once.
    #[staticmethod]
    #[pyo3(signature = (rubric=None, preset=None))]
    fn load(rubric: Option<&Bound<'_, PyAny>>, preset: Option<&str>) -> PyResult<PyRubric> {
        Ok(PyRubric {
            cfg: chosen(preset, rubric.filter(|r| !r.is_none()))?,
        })
    }

    /// The components this rubric scores: `netlogs.COMPONENTS`, then `grounding` when it
    /// weighs it.
    #[getter]
    fn components(&self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        component_names(py, &self.cfg)
    }

    /// The rubric audit: constant policies, best responses, abstention band, findings.
    #[pyo3(signature = (prior=None))]
    fn audit<'py>(&self, py: Python<'py>, prior: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(p) = prior.filter(|p| !(0.0..=1.0).contains(p)) {
            return Err(PyValueError::new_err(format!(
                "prior must lie in [0, 1], got {p}"
            )));
        }
        let value = serde_json::to_value(audit_rubric(&self.cfg, prior))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        to_py(py, &value)
    }

    /// preset, weights and costs.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value =
            serde_json::to_value(self.cfg).map_err(|e| PyValueError::new_err(e.to_string()))?;
        to_py(py, &value)
    }

    #[getter]
    fn preset(&self) -> String {
        self.cfg.preset.to_string()
    }

    fn __repr__(&self) -> String {
        let w = self.cfg.weights;
        format!(
            "Rubric(preset={:?}, weights=({}, {}, {}, {}), fn_cost={}, fp_cost={}, abstain_cost={}, abstain_credit={})",
            self.cfg.preset.to_string(), w.accuracy, w.format, w.calibration, w.cost,
            self.cfg.fn_cost, self.cfg.fp_cost, self.cfg.abstain_cost, self.cfg.abstain_credit
        )
    }
}
