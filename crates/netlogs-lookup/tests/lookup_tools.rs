//! The lookup tools on real bundled rows: what the model reads back (snapshots, from the
//! on-disk index), that the index answers exactly as the in-memory table does, that no answer
//! carries a label, family or capture, and the errors a malformed call gets.

use netlogs_data::bundled_iot23;
use netlogs_data::source::SourceSpec;
use netlogs_lookup::{call, index_for, tool_definitions, Anchor, FlowIndex, FlowTable};

/// The bundled set's index, built in a fresh folder.
fn bundled_index(dir: &std::path::Path) -> FlowIndex {
    let mut notes = Vec::new();
    let index = index_for(&SourceSpec::default(), dir, &mut |n| {
        notes.push(n.to_string())
    })
    .expect("index");
    assert!(notes.iter().any(|n| n.contains("building")), "{notes:?}");
    index
}

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
    // The C&C server: it only receives (from the infected host) in the window.
    let server = target.record.resp_h.clone().expect("server").to_string();
    let tmp = tempfile::tempdir().expect("tmp");
    let index = bundled_index(tmp.path());
    let table = FlowTable::new(&flows);
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
        (
            "flows_for_host",
            format!(r#"{{"host": "{host}", "before": 20}}"#),
        ),
        (
            "host_summary",
            format!(r#"{{"host": "{host}", "limit": 5}}"#),
        ),
        (
            "host_summary",
            format!(r#"{{"host": "{server}", "window_s": 600}}"#),
        ),
    ];
    let mut out = String::new();
    for (name, args) in calls {
        let text = call(&index, &at, name, &args);
        assert_eq!(
            text,
            call(&table, &at, name, &args),
            "index and table agree"
        );
        let lower = text.to_lowercase();
        assert!(
            !lower.contains("malicious") && !lower.contains("benign"),
            "{text}"
        );
        assert!(!text.contains("C&C") && !text.contains("CTU-"), "{text}");
        out.push_str(&format!("{name} {args}\n{text}\n\n"));
    }
    insta::assert_snapshot!(out);
    // Unknown keys are refused, naming the key, by each tool.
    for (name, args, key) in [
        (
            "flows_for_host",
            format!(r#"{{"host": "{host}", "before": 20}}"#),
            "before",
        ),
        (
            "flows_to_port",
            r#"{"port": 80, "hosts": "x"}"#.to_string(),
            "hosts",
        ),
        (
            "host_summary",
            format!(r#"{{"host": "{host}", "limit": 5}}"#),
            "limit",
        ),
    ] {
        let text = call(&index, &at, name, &args);
        assert!(
            text.contains(&format!("unknown field `{key}`")) && text.contains(name),
            "{text}"
        );
    }
    // Arguments in order, as a JSON array, are refused (found by the tool_args fuzz target:
    // serde read `[0,7,7,7]` as port 0 and the window in order), and so is any non-object.
    for args in ["[0,7,7,7]", "80", "\"port\"", "null"] {
        let text = call(&index, &at, "flows_to_port", args);
        assert!(
            text.contains("arguments for flows_to_port must be a JSON object"),
            "{args}: {text}"
        );
    }
    // A host that only receives is nobody's destination of its own.
    let summary: serde_json::Value = serde_json::from_str(&call(
        &index,
        &at,
        "host_summary",
        &format!(r#"{{"host": "{server}", "window_s": 600}}"#),
    ))
    .expect("json");
    assert!(summary["flows"].as_u64().expect("flows") > 0, "{summary}");
    assert_eq!(summary["distinct_destinations"], 0, "{summary}");
    assert_eq!(summary["distinct_ports"], 0, "{summary}");
}

#[test]
fn the_anchor_needs_a_finite_time() {
    use netlogs_lookup::AnchorError;
    assert_eq!(Anchor::at(None, None).err(), Some(AnchorError::NoTime));
    assert!(matches!(
        Anchor::at(Some(f64::NAN), None),
        Err(AnchorError::NotFinite(_))
    ));
    assert_eq!(Anchor::at(Some(1.5), None).expect("anchor").ts, 1.5);
}

#[test]
fn the_index_answers_as_the_table_does_on_every_kind_of_flow_and_is_built_once() {
    let flows = bundled_iot23().expect("bundled");
    let tmp = tempfile::tempdir().expect("tmp");
    let index = bundled_index(tmp.path());
    assert_eq!(
        index.rows as usize,
        flows.iter().filter(|f| f.record.ts.is_some()).count()
    );
    let table = FlowTable::new(&flows);
    // Every 211th flow: all captures and sessions, hosts at either end, busy and quiet ports.
    for target in flows.iter().step_by(211) {
        let Ok(at) = Anchor::of(target) else {
            continue;
        };
        let host = target.record.resp_h.as_deref().unwrap_or("10.0.0.1");
        let port = target.record.resp_p.unwrap_or(0);
        for (name, args) in [
            (
                "flows_for_host",
                format!(r#"{{"host": "{host}", "before_s": 3600, "after_s": 600, "limit": 100}}"#),
            ),
            (
                "flows_to_port",
                format!(r#"{{"port": {port}, "before_s": 300, "after_s": 300}}"#),
            ),
            (
                "host_summary",
                format!(r#"{{"host": "{host}", "window_s": 86400}}"#),
            ),
        ] {
            assert_eq!(
                call(&index, &at, name, &args),
                call(&table, &at, name, &args),
                "{name} {args}"
            );
        }
    }
    // A second open finds the file: nothing is built again.
    let mut notes = Vec::new();
    index_for(&SourceSpec::default(), tmp.path(), &mut |n| {
        notes.push(n.to_string())
    })
    .expect("open");
    assert!(notes.is_empty(), "{notes:?}");
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

#[test]
fn a_build_killed_midway_leaves_no_file_past_the_next_build() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("abc.sqlite");
    // pid 999999999 is past Linux's pid_max: no process has it. pid 1 always runs.
    let dead = tmp.path().join("abc.tmp999999999");
    let live = tmp.path().join("abc.tmp1");
    let other = tmp.path().join("other.tmp999999999");
    for f in [&dead, &live, &other] {
        std::fs::write(f, b"half an index").expect("write");
    }
    let builder = netlogs_lookup::IndexBuilder::create(&path).expect("create");
    assert!(!dead.exists(), "a dead build's file is removed");
    assert!(live.exists(), "a running build's file is kept");
    assert!(other.exists(), "another index's file is not touched");
    drop(builder);
}
