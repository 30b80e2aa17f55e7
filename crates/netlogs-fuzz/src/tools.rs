//! Tool calls as a model makes them: the first byte picks the tool (or a name that is none),
//! the rest is the arguments' text, answered over the bundled rows around one of their flows.
//! Property: the answer is a JSON object; an error is a string, and a call with a key its tool
//! does not take is refused naming such a key; a call that succeeds used only its tool's keys.

use std::sync::OnceLock;

use netlogs_data::bundled_iot23;
use netlogs_lookup::{call, Anchor, FlowTable};
use serde_json::Value;

const TOOLS: [(&str, &[&str]); 3] = [
    ("flows_for_host", &["host", "before_s", "after_s", "limit"]),
    ("flows_to_port", &["port", "before_s", "after_s", "limit"]),
    ("host_summary", &["host", "window_s"]),
];

fn table() -> &'static (FlowTable, Vec<Anchor>) {
    static TABLE: OnceLock<(FlowTable, Vec<Anchor>)> = OnceLock::new();
    TABLE.get_or_init(|| {
        let flows = bundled_iot23().expect("bundled rows");
        let anchors = flows
            .iter()
            .step_by(997)
            .filter_map(|f| Anchor::of(f).ok())
            .collect();
        (FlowTable::new(&flows), anchors)
    })
}

pub fn check(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(arguments) = std::str::from_utf8(rest) else {
        return;
    };
    let (table, anchors) = table();
    let at = &anchors[usize::from(kind >> 2) % anchors.len()];
    let tool = TOOLS.get(usize::from(kind & 3));
    let name = tool.map_or("whois", |t| t.0);
    let answer = call(table, at, name, arguments);
    let v: Value = serde_json::from_str(&answer).expect("the answer is JSON");
    let object = v.as_object().expect("the answer is an object");
    let Some((_, keys)) = tool else {
        assert!(answer.contains("unknown tool `whois`"), "{answer}");
        return;
    };
    let given: Option<serde_json::Map<String, Value>> = if arguments.trim().is_empty() {
        Some(Default::default())
    } else {
        serde_json::from_str(arguments).ok()
    };
    let unknown: Vec<&String> = given
        .iter()
        .flat_map(|g| g.keys())
        .filter(|k| !keys.contains(&k.as_str()))
        .collect();
    match object.get("error") {
        Some(e) => {
            let e = e.as_str().expect("an error is a message");
            assert!(!e.is_empty());
            if !unknown.is_empty() && e.contains("unknown field") {
                assert!(
                    unknown.iter().any(|k| e.contains(&format!("`{k}`"))),
                    "{e} names one of {unknown:?}"
                );
            }
        }
        None => {
            assert!(
                given.is_some(),
                "answered arguments that are not a JSON object: {arguments}"
            );
            assert!(
                unknown.is_empty(),
                "answered despite unknown keys {unknown:?}: {answer}"
            );
        }
    }
}
