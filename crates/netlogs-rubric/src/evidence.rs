//! The shape of an answer's `evidence`: a list of citations `{"field": …, "value": …}`. The
//! answer parser checks the shape (part of the strict format); `grounding` checks the
//! citations against what was shown. Both read it from here.

use serde_json::Value;

/// The key of the answer object that holds the citations.
pub const EVIDENCE_KEY: &str = "evidence";

/// The (field, value) of a well-formed citation: exactly the keys `field` (a string) and
/// `value` (a string or a number).
pub(crate) fn citation(item: &Value) -> Option<(&str, &Value)> {
    let o = item.as_object()?;
    let field = o.get("field")?.as_str()?;
    let value = o.get("value").filter(|v| v.is_string() || v.is_number())?;
    (o.len() == 2).then_some((field, value))
}

/// The answer's `evidence` is absent, null, or a list of well-formed citations.
pub(crate) fn evidence_is_well_formed(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.iter().all(|i| citation(i).is_some()),
        Some(_) => false,
    }
}
