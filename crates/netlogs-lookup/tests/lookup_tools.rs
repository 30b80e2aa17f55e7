//! The lookup tools on real bundled rows: what the model reads back (snapshots), that it
//! never carries a label, family or capture, and the errors a malformed call gets.

use netlogs_data::bundled_iot23;
use netlogs_lookup::{tool_definitions, Anchor, FlowTable};

#[test]
fn tool_outputs_snapshot() {
    let flows = bundled_iot23().expect("bundled");
    // A C&C flow of capture 34-1, a thousand rows in.
    let target = flows
        .iter()
        .skip(1000)
        .find(|f| f.provenance.family.as_deref() == Some("C&C"))
        .expect("a C&C flow")
        .clone();
    let at = Anchor::of(&target).expect("timestamp");
    let host = target.record.orig_h.clone().expect("host").to_string();
    let port = target.record.resp_p.expect("port");
    let table = FlowTable::new(flows);
    let calls = [
        (
            "flows_for_host",
            format!(r#"{{"host": "{host}", "before_s": 20, "after_s": 5, "limit": 4}}"#),
        ),
        (
            "flows_to_port",
            format!(r#"{{"port": {port}, "before_s": 60, "limit": 3}}"#),
        ),
        (
            "host_summary",
            format!(r#"{{"host": "{host}", "window_s": 600}}"#),
        ),
        ("host_summary", r#"{"host": "10.9.9.9"}"#.to_string()),
        ("flows_for_host", r#"{"before_s": 20}"#.to_string()),
        (
            "flows_for_host",
            format!(r#"{{"host": "{host}", "before_s": -5}}"#),
        ),
        ("flows_to_port", "not json".to_string()),
        ("whois", "{}".to_string()),
    ];
    let mut out = String::new();
    for (name, args) in calls {
        let text = table.call(&at, name, &args);
        let lower = text.to_lowercase();
        assert!(
            !lower.contains("malicious") && !lower.contains("benign"),
            "{text}"
        );
        assert!(!text.contains("C&C") && !text.contains("CTU-"), "{text}");
        out.push_str(&format!("{name} {args}\n{text}\n\n"));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn tool_definitions_are_three_openai_functions() {
    let defs: serde_json::Value = serde_json::from_str(tool_definitions().get()).expect("json");
    let names: Vec<&str> = defs
        .as_array()
        .expect("array")
        .iter()
        .map(|t| {
            assert_eq!(t["type"], "function");
            t["function"]["name"].as_str().expect("name")
        })
        .collect();
    assert_eq!(names, ["flows_for_host", "flows_to_port", "host_summary"]);
}
