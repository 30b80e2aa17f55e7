//! Reading one JSON object with its entries in order, so duplicate keys are visible, in two
//! dialects: strict RFC 8259 (serde_json) and Python's `json` module (which also takes `NaN`,
//! `Infinity` and `-Infinity`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// An object's entries in source order; duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entries(pub Vec<(String, Value)>);

impl Entries {
    /// Python dict semantics: the last occurrence of a key wins.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn has_duplicate_keys(&self) -> bool {
        let e = &self.0;
        (1..e.len()).any(|i| e[..i].iter().any(|(k, _)| *k == e[i].0))
    }

    /// All values given for `key` (more than one only with duplicate keys).
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
        let mut out = Vec::with_capacity(4);
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.push((k, v));
        }
        Ok(Entries(out))
    }
}

/// Parse `text` as exactly one JSON object (surrounding whitespace allowed), or `None`.
pub(crate) fn parse_object(text: &str, python: bool) -> Option<Entries> {
    let text = if python {
        python_literals(text)
    } else {
        Cow::Borrowed(text)
    };
    let mut de = serde_json::Deserializer::from_str(&text);
    let entries = (&mut de).deserialize_map(EntriesVisitor).ok()?;
    de.end().ok()?;
    Some(entries)
}

/// Python's `json` accepts `NaN`, `Infinity` and `-Infinity` as numbers. Every rule of the
/// legacy rubric treats such a value exactly like any number outside [0, 1] (Python's
/// `0.0 <= x <= 1.0` is false for all three), so outside strings they are rewritten to `2`.
fn python_literals(text: &str) -> Cow<'_, str> {
    if !(text.contains("NaN") || text.contains("Infinity")) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        if let Some(t) = token {
            out.push('2');
            rest = &rest[t.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_rejects_python_literals() {
        assert!(parse_object(r#"{"confidence": NaN}"#, false).is_none());
        let e = parse_object(r#"{"confidence": NaN, "r": "NaN"}"#, true).expect("python");
        assert_eq!(e.get("confidence"), Some(&Value::from(2)));
        assert_eq!(e.get("r"), Some(&Value::from("NaN")));
        let e = parse_object(r#"{"c": -Infinity}"#, true).expect("python");
        assert_eq!(e.get("c"), Some(&Value::from(2)));
    }

    #[test]
    fn duplicates_last_wins() {
        let e = parse_object(r#"{"label":"Benign","label":"Malicious"}"#, false).expect("ok");
        assert!(e.has_duplicate_keys());
        assert_eq!(e.get("label"), Some(&Value::from("Malicious")));
    }

    #[test]
    fn only_objects() {
        assert!(parse_object("[1]", false).is_none());
        assert!(parse_object("{} {}", false).is_none());
        assert!(parse_object(" {} ", false).is_some());
    }
}
