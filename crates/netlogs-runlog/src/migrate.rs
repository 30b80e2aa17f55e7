//! Older run logs are read through migrations, not refused: each step rewrites the JSON of
//! one version into the next (as inspect_ai's `migrate_values` does), so the types only ever
//! know the current shape.
//!
//! Version 1 (netlogs ≤ 0.1 before the run-log crate) stored the settings twice (flattened
//! and as `settings`), had no `status`, and timed a `sample` phase that was always about 0.
//! It did not record early stops: a version-1 run that stopped early reads as finished.

use serde_json::{Map, Value};

use crate::SCHEMA_VERSION;

/// `summary.json` of version 1 is version 2's but for the version.
pub fn summary_v1_to_v2(mut value: Value) -> Result<Value, String> {
    set_version(&mut value);
    Ok(value)
}

fn set_version(value: &mut Value) {
    if let Some(o) = value.as_object_mut() {
        o.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
    }
}

/// Old names of values, as version 1 may hold them.
fn canonical_template(v: &mut Value) {
    if v.as_str() == Some("seed") {
        *v = Value::from("logentry");
    }
}

fn canonical_preset(rubric: &mut Value) {
    if let Some(p) = rubric
        .get_mut("preset")
        .filter(|p| p.as_str() == Some("seed"))
    {
        *p = Value::from("proper");
    }
}

/// `metadata.json` of version 1 as version 2.
pub fn metadata_v1_to_v2(value: Value) -> Result<Value, String> {
    let Value::Object(mut m) = value else {
        return Err("metadata.json is not a JSON object".into());
    };
    let take = |m: &mut Map<String, Value>, k: &str| m.remove(k).unwrap_or(Value::Null);
    let kind = m
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("eval")
        .to_string();
    let (seed, mut rubric) = (take(&mut m, "seed"), take(&mut m, "rubric"));
    canonical_preset(&mut rubric);
    let api_base = take(&mut m, "api_base");
    let system_prompt = take(&mut m, "system_prompt");
    for k in ["rollouts_per_example", "sampling_args", "template"] {
        m.remove(k);
    }
    let settings = match kind.as_str() {
        "eval" => {
            let Value::Object(mut s) = take(&mut m, "settings") else {
                return Err("version 1 eval metadata has no `settings`".into());
            };
            s.insert("api_base".into(), api_base);
            s.insert("system_prompt".into(), system_prompt);
            s.insert("rubric".into(), rubric);
            if let Some(t) = s.get_mut("template") {
                canonical_template(t);
            }
            // Version 1 called the attempts per request `max_retries`.
            if let Some(a) = s.remove("max_retries") {
                s.insert("max_attempts".into(), a);
            }
            for (k, default) in [
                ("capture_from", Value::from("auto")),
                ("skip_bad_rows", Value::from(false)),
                ("mode", Value::from("single")),
                ("max_turns", Value::from(6)),
            ] {
                s.entry(k).or_insert(default);
            }
            Value::Object(s)
        }
        _ => {
            m.remove("settings");
            let model = m.get("model").and_then(Value::as_str).unwrap_or_default();
            let input = model.strip_prefix("scored:").unwrap_or(model).to_string();
            serde_json::json!({"input": input, "rubric": rubric, "seed": seed})
        }
    };
    m.insert("settings".into(), settings);
    let status = if m.get("finished_at").is_some_and(|f| !f.is_null()) {
        "finished"
    } else {
        "interrupted"
    };
    m.insert("status".into(), serde_json::json!({ "state": status }));
    if let Some(Value::Object(t)) = m.get_mut("timings_s") {
        let sample = t.remove("sample").and_then(|v| v.as_f64()).unwrap_or(0.0);
        if let Some(load) = t.get_mut("load") {
            *load = Value::from(load.as_f64().unwrap_or(0.0) + sample);
        }
    }
    m.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
    Ok(Value::Object(m))
}
