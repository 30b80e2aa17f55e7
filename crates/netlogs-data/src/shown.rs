//! The fields a prompt shows, read back from its text by name, as a model could cite them:
//! the flow's own (`id.resp_p`, `conn_state`, …) and, under `--context`, each context line's
//! (`context[0].conn_state`, the oldest line first). The rubric checks an answer's
//! `evidence` against these; reading the prompt (not the record) means every path that holds
//! the prompt (eval, resume, `netlogs score`, Python) checks against the same facts.

use serde_json::Value;

use crate::prompt::CONTEXT_HEADING;

/// The flow's message of a prompt as run logs, verifiers files and trainers hold it: the
/// text itself, or the content of the last `user` message of a message list.
pub fn user_message(prompt: &Value) -> Option<&str> {
    match prompt {
        Value::String(s) => Some(s),
        Value::Array(messages) => messages
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .and_then(|m| m.get("content"))
            .and_then(Value::as_str),
        _ => None,
    }
}

/// Every (field, value) the prompt shows, values as written. The sentence form (the
/// `upstream` template) shows proto, ports, duration and history; `?` is no value.
pub fn shown_fields(prompt: &str) -> Vec<(String, String)> {
    let (flow, context) = match prompt.split_once(CONTEXT_HEADING) {
        Some((flow, block)) => (flow, Some(block)),
        None => (prompt, None),
    };
    let mut out = match flow.split_once(" observed ") {
        Some((_, sentence)) => sentence_fields(sentence),
        None => key_values(flow, "").collect(),
    };
    let lines = context
        .into_iter()
        .flat_map(str::lines)
        .filter(|l| l.starts_with("dt="));
    for (i, line) in lines.enumerate() {
        out.extend(key_values(line, &format!("context[{i}].")));
    }
    out
}

/// `key=value` tokens (separated by spaces, commas or newlines), keys under `prefix`.
fn key_values<'a>(text: &'a str, prefix: &'a str) -> impl Iterator<Item = (String, String)> + 'a {
    text.split([' ', ',', '\n'])
        .filter_map(|t| t.split_once('='))
        .filter(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty())
        .map(move |(k, v)| (format!("{prefix}{}", k.trim()), v.trim().to_string()))
}

/// `tcp 43750→23, duration 3.107256, bytes ?, flags [S]. Decide: …`
fn sentence_fields(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |k: &str, v: &str| {
        let v = v.trim();
        if !v.is_empty() && v != "?" {
            out.push((k.to_string(), v.to_string()));
        }
    };
    let mut words = s.split_whitespace();
    if let Some(proto) = words.next() {
        push("proto", proto);
    }
    if let Some((orig, resp)) = words
        .next()
        .and_then(|p| p.trim_end_matches(',').split_once('→'))
    {
        push("id.orig_p", orig);
        push("id.resp_p", resp);
    }
    let after = |key: &str| {
        s.split_once(key)
            .map(|x| x.1.split([',', ']']).next().unwrap_or(""))
    };
    if let Some(d) = after("duration ") {
        push("duration", d);
    }
    if let Some(h) = after("flags [") {
        push("history", h);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{render_with_context, ContextSpec};
    use crate::prompt::{render_prompt, Template};
    use crate::record::{FlowRecord, LabeledFlow, Provenance};
    use crate::{Field, FieldSet, Label};

    fn flow(ts: f64, port: u32) -> LabeledFlow {
        LabeledFlow {
            record: FlowRecord {
                ts: Some(ts),
                orig_h: Some("192.168.1.195".into()),
                orig_p: Some(43750),
                resp_h: Some("41.77.133.12".into()),
                resp_p: Some(port),
                proto: Some("tcp".into()),
                duration: Some(3.107256),
                conn_state: Some("S0".into()),
                history: Some("S".into()),
                ..FlowRecord::default()
            },
            fields: FieldSet::all(),
            label: Label::Malicious,
            provenance: Provenance::of_file("iot23", Some("c"), std::path::Path::new("x.log")),
        }
    }

    fn get<'a>(facts: &'a [(String, String)], k: &str) -> Option<&'a str> {
        facts.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn every_field_a_key_value_template_shows_is_read_back() {
        let f = flow(100.0, 23);
        for template in [Template::Zeek, Template::LogEntry] {
            let prompt = render_prompt(&f, template);
            let facts = shown_fields(&prompt);
            for field in Field::ALL {
                let key = format!("{}=", field.name());
                let shown = prompt.split([' ', ',']).any(|t| t.starts_with(&key));
                let value = f.record.get(field);
                assert_eq!(
                    get(&facts, field.name()),
                    shown.then(|| value.as_deref().unwrap_or("-")),
                    "{template} / {}",
                    field.name()
                );
            }
        }
    }

    #[test]
    fn the_sentence_form_shows_ports_duration_and_flags() {
        let facts = shown_fields(&render_prompt(&flow(100.0, 23), Template::Upstream));
        assert_eq!(get(&facts, "proto"), Some("tcp"));
        assert_eq!(get(&facts, "id.orig_p"), Some("43750"));
        assert_eq!(get(&facts, "id.resp_p"), Some("23"));
        assert_eq!(get(&facts, "duration"), Some("3.107256"));
        assert_eq!(get(&facts, "history"), Some("S"));
        assert_eq!(get(&facts, "orig_bytes"), None);
    }

    #[test]
    fn context_lines_are_numbered_oldest_first() {
        let (a, b, target) = (flow(90.0, 80), flow(95.0, 2323), flow(100.0, 23));
        let spec = ContextSpec {
            k: 5,
            window_s: 60.0,
        };
        let prompt = render_with_context(&target, Template::Zeek, &[&a, &b], spec);
        let facts = shown_fields(&prompt);
        assert_eq!(get(&facts, "id.resp_p"), Some("23"), "the flow's own field");
        assert_eq!(get(&facts, "context[0].id.resp_p"), Some("80"));
        assert_eq!(get(&facts, "context[1].id.resp_p"), Some("2323"));
        assert_eq!(get(&facts, "context[1].dt"), Some("-5.000"));
        assert_eq!(get(&facts, "context[2].id.resp_p"), None);
    }
}
