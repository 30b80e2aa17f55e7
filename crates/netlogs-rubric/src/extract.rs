//! Lenient extraction of the answer object from free text, and the ambiguity check.
//! All scanning is linear in the text and iterative (no recursion), so any input is safe.

use crate::json::{parse_object, Entries};

/// Where in the text the answer object was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Extraction {
    /// The whole trimmed text is the object.
    Whole,
    /// The content of the single ```json (or bare ```) fenced block.
    Fenced,
    /// The first balanced `{…}` in the text that parses.
    Embedded,
    /// Nothing found.
    None,
}

/// Find the answer object: whole text, then a single fenced block, then the first balanced
/// `{…}` that parses as an object.
pub(crate) fn extract(text: &str, python: bool) -> (Option<Entries>, Extraction) {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        if let Some(e) = parse_object(trimmed, python) {
            return (Some(e), Extraction::Whole);
        }
    }
    if let Some(body) = single_fence(text) {
        if let Some(e) = parse_object(body, python) {
            return (Some(e), Extraction::Fenced);
        }
    }
    for (start, end) in top_level_objects(text) {
        if let Some(e) = parse_object(&text[start..end], python) {
            return (Some(e), Extraction::Embedded);
        }
    }
    (None, Extraction::None)
}

/// The body of the only fenced block whose info string is `json` or empty; `None` when there
/// are zero or several fenced blocks.
fn single_fence(text: &str) -> Option<&str> {
    let mut found = None;
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find("```") {
        let after_open = open + 3;
        let line_end = rest[after_open..].find('\n').map(|i| after_open + i)?;
        let info = rest[after_open..line_end].trim();
        let body_start = line_end + 1;
        let close = rest[body_start..].find("```")? + body_start;
        if found.is_some() {
            return None;
        }
        if info.is_empty() || info.eq_ignore_ascii_case("json") {
            found = Some((offset + body_start, offset + close));
        } else {
            return None;
        }
        offset += close + 3;
        rest = &rest[close + 3..];
    }
    found.map(|(a, b)| &text[a..b])
}

/// Byte ranges of the top-level balanced `{…}` spans. Quotes count only inside a span (prose
/// may contain stray quotes), where braces inside strings are ignored.
pub(crate) fn top_level_objects(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        let mut depth = 0usize;
        let mut start = 0;
        let mut in_string = false;
        let mut escaped = false;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            if depth == 0 {
                if b == b'{' {
                    depth = 1;
                    start = i - 1;
                }
                continue;
            }
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some((start, i));
                    }
                }
                _ => {}
            }
        }
        None
    })
}

/// Two or more objects in the text (or duplicate `label` keys in one) that carry different
/// labels make the answer ambiguous: a reader cannot tell which one the model meant.
pub(crate) fn is_ambiguous(
    text: &str,
    chosen: Option<&Entries>,
    how: Extraction,
    python: bool,
) -> bool {
    let mut labels: Vec<String> = Vec::new();
    let mut add = |e: &Entries| {
        for v in e.all("label") {
            let s = v.to_string();
            if !labels.contains(&s) {
                labels.push(s);
            }
        }
    };
    match (how, chosen) {
        // The whole text is one object: only duplicate keys can disagree.
        (Extraction::Whole, Some(e)) => add(e),
        _ => {
            for (a, b) in top_level_objects(text) {
                if let Some(e) = parse_object(&text[a..b], python) {
                    add(&e);
                }
            }
            if let Some(e) = chosen {
                add(e);
            }
        }
    }
    labels.len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_of_extraction() {
        let (_, how) = extract(r#"  {"label":"Benign"}  "#, false);
        assert_eq!(how, Extraction::Whole);
        let (_, how) = extract("Here:\n```json\n{\"label\":\"Benign\"}\n```\nbye", false);
        assert_eq!(how, Extraction::Fenced);
        let (e, how) = extract(r#"I think {not json} then {"label":"Malicious"} ok"#, false);
        assert_eq!(how, Extraction::Embedded);
        assert_eq!(
            e.and_then(|e| e.get("label").cloned()),
            Some(serde_json::Value::from("Malicious"))
        );
        assert_eq!(extract("no braces", false).1, Extraction::None);
    }

    #[test]
    fn braces_in_strings_do_not_count() {
        let t = r#"x {"rationale": "a } b", "label": "Benign"} y"#;
        let spans: Vec<_> = top_level_objects(t).collect();
        assert_eq!(spans.len(), 1);
        assert_eq!(
            &t[spans[0].0..spans[0].1],
            r#"{"rationale": "a } b", "label": "Benign"}"#
        );
    }

    #[test]
    fn ambiguity() {
        let t = r#"{"label":"Benign"} or {"label":"Malicious"}"#;
        let (e, how) = extract(t, false);
        assert!(is_ambiguous(t, e.as_ref(), how, false));
        let t = r#"{"label":"Benign"} and again {"label":"Benign"}"#;
        let (e, how) = extract(t, false);
        assert!(!is_ambiguous(t, e.as_ref(), how, false));
    }

    #[test]
    fn unbalanced_is_linear_and_safe() {
        let t = "{".repeat(1_000_000);
        assert_eq!(extract(&t, false).1, Extraction::None);
    }
}
