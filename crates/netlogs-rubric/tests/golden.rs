//! Golden table: tricky completions with components derived by hand for both presets.
//! Each row: name, completion, gold, seed [accuracy, format, calibration, cost],
//! legacy [accuracy, format, calibration, cost].

use netlogs_rubric::{score_row, Completion, Gold, Preset, RubricConfig};
use serde_json::{json, Value};

type Comps = [f64; 4];

fn cases() -> Vec<(&'static str, Value, Value, Comps, Comps)> {
    let big_prefix = "x".repeat(1_000_000);
    let deep = format!("{}1{}", "{\"a\":".repeat(5000), "}".repeat(5000));
    vec![
        ("clean malicious, correct", json!(r#"{"label":"Malicious","confidence":0.9,"rationale":"scan"}"#), json!("Malicious"), [1.0, 1.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
        ("clean benign, correct", json!(r#"{"label":"Benign","confidence":0.8}"#), json!("Benign"), [1.0, 1.0, 0.96, 1.0], [1.0, 1.0, 0.8, 1.0]),
        ("false negative", json!(r#"{"label":"Benign","confidence":0.8}"#), json!("Malicious"), [0.0, 1.0, 0.36, -1.0], [0.0, 1.0, 0.2, -1.0]),
        ("false positive", json!(r#"{"label":"Malicious","confidence":0.6}"#), json!("Benign"), [0.0, 1.0, 0.64, 0.0], [0.0, 1.0, 0.4, 0.0]),
        ("abstain, low confidence", json!(r#"{"label":"Abstain","confidence":0.1}"#), json!("Malicious"), [0.75, 1.0, 0.99, 0.0], [0.0, 1.0, 0.9, 0.0]),
        ("abstain, high confidence", json!(r#"{"label":"Abstain","confidence":0.9}"#), json!("Benign"), [0.75, 1.0, 0.19, 0.0], [0.0, 1.0, 0.1, 0.0]),
        ("prose-wrapped", json!(r#"The flow looks bad. {"label":"Malicious","confidence":0.7} Hope this helps."#), json!("Malicious"), [1.0, 0.0, 0.91, 1.0], [1.0, 1.0, 0.7, 1.0]),
        ("json fence", json!("```json\n{\"label\":\"Benign\",\"confidence\":0.5}\n```"), json!("Benign"), [1.0, 0.0, 0.75, 1.0], [1.0, 1.0, 0.5, 1.0]),
        ("bare fence", json!("```\n{\"label\":\"Malicious\",\"confidence\":1}\n```"), json!("Malicious"), [1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]),
        ("two objects, different labels", json!(r#"{"label":"Benign","confidence":0.6} {"label":"Malicious","confidence":0.6}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0, 1.0, 0.4, -1.0]),
        ("two objects, same label", json!(r#"{"label":"Malicious","confidence":0.6} {"label":"Malicious","confidence":0.9}"#), json!("Malicious"), [1.0, 0.0, 0.84, 1.0], [1.0, 1.0, 0.6, 1.0]),
        ("lowercase label", json!(r#"{"label":"malicious","confidence":0.9}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0; 4]),
        ("uppercase label, benign gold", json!(r#"{"label":"BENIGN","confidence":0.9}"#), json!("Benign"), [0.0; 4], [0.0; 4]),
        ("bool confidence true", json!(r#"{"label":"Malicious","confidence":true}"#), json!("Malicious"), [1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]),
        ("bool confidence false", json!(r#"{"label":"Benign","confidence":false}"#), json!("Benign"), [1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0]),
        ("string confidence", json!(r#"{"label":"Malicious","confidence":"0.9"}"#), json!("Malicious"), [1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.9, 1.0]),
        ("non-numeric string confidence", json!(r#"{"label":"Malicious","confidence":"high"}"#), json!("Malicious"), [1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]),
        ("NaN literal", json!(r#"{"label":"Malicious","confidence":NaN}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [1.0, 0.0, 0.0, 1.0]),
        ("Infinity literal", json!(r#"{"label":"Benign","confidence":Infinity}"#), json!("Benign"), [0.0; 4], [1.0, 0.0, 0.0, 1.0]),
        ("string nan confidence", json!(r#"{"label":"Benign","confidence":"nan"}"#), json!("Benign"), [1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]),
        ("negative confidence", json!(r#"{"label":"Malicious","confidence":-0.2}"#), json!("Malicious"), [1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]),
        ("confidence above 1, wrong", json!(r#"{"label":"Benign","confidence":1.5}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0, 0.0, 1.0, -1.0]),
        ("percent confidence, false positive", json!(r#"{"label":"Malicious","confidence":90}"#), json!("Benign"), [0.0; 4], [0.0, 0.0, 1.0, 0.0]),
        ("extra keys", json!(r#"{"label":"Malicious","confidence":0.8,"severity":"high"}"#), json!("Malicious"), [1.0, 0.0, 0.96, 1.0], [1.0, 1.0, 0.8, 1.0]),
        ("nested answer object", json!(r#"{"answer":{"label":"Malicious","confidence":0.8}}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0; 4]),
        ("label in a list", json!(r#"{"label":["Malicious"],"confidence":0.8}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0; 4]),
        ("numeric rationale", json!(r#"{"label":"Benign","confidence":0.7,"rationale":42}"#), json!("Benign"), [1.0, 0.0, 0.91, 1.0], [1.0, 1.0, 0.7, 1.0]),
        ("unicode rationale", json!(r#"{"label":"Malicious","confidence":0.75,"rationale":"Télnet → ボット"}"#), json!("Malicious"), [1.0, 1.0, 0.9375, 1.0], [1.0, 1.0, 0.75, 1.0]),
        ("empty", json!(""), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0; 4]),
        ("whitespace only", json!("  \n\t "), json!("Benign"), [0.0; 4], [0.0; 4]),
        ("answer after 1 MB of text", json!(format!("{big_prefix} {{\"label\":\"Malicious\",\"confidence\":0.5}}")), json!("Malicious"), [1.0, 0.0, 0.75, 1.0], [1.0, 1.0, 0.5, 1.0]),
        ("1 MB without an answer", json!("a".repeat(1_000_000)), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0; 4]),
        ("verifiers message list", json!([{"role":"user","content":"q"},{"role":"assistant","content":"{\"label\":\"Benign\",\"confidence\":0.9}"}]), json!("Benign"), [1.0, 1.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
        ("duplicate label keys disagree", json!(r#"{"label":"Benign","label":"Malicious","confidence":0.9}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [1.0, 1.0, 0.9, 1.0]),
        ("duplicate confidence keys", json!(r#"{"label":"Malicious","confidence":0.2,"confidence":0.9}"#), json!("Malicious"), [1.0, 0.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
        ("trailing explanation", json!("{\"label\":\"Benign\",\"confidence\":0.9}\nExplanation: DNS."), json!("Benign"), [1.0, 0.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
        ("braces inside rationale", json!(r#"{"label":"Malicious","confidence":0.6,"rationale":"payload {evil}"}"#), json!("Malicious"), [1.0, 1.0, 0.84, 1.0], [1.0, 1.0, 0.6, 1.0]),
        ("prose brace before answer", json!(r#"Step {1}: think. {"label":"Benign","confidence":0.7}"#), json!("Malicious"), [0.0, 0.0, 0.51, -1.0], [0.0, 1.0, 0.3, -1.0]),
        ("abstain without confidence", json!(r#"{"label":"Abstain"}"#), json!("Malicious"), [0.75, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]),
        ("malicious without confidence, benign gold", json!(r#"{"label":"Malicious"}"#), json!("Benign"), [0.0; 4], [0.0, 0.0, 1.0, 0.0]),
        ("zero confidence, correct", json!(r#"{"label":"Malicious","confidence":0}"#), json!("Malicious"), [1.0, 1.0, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0]),
        ("object inside an array", json!(r#"[{"label":"Malicious","confidence":0.9}]"#), json!("Malicious"), [1.0, 0.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
        ("nesting too deep", json!(deep), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0; 4]),
        ("integer gold 1", json!(r#"{"label":"Malicious","confidence":0.8}"#), json!(1), [1.0, 1.0, 0.96, 1.0], [1.0, 1.0, 0.8, 1.0]),
        ("lowercase gold", json!(r#"{"label":"Benign","confidence":1}"#), json!("benign"), [1.0; 4], [1.0; 4]),
        ("boolean gold false", json!(r#"{"label":"Malicious","confidence":1.0}"#), json!(false), [0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]),
        ("null completion", Value::Null, json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0; 4]),
        ("underscore string confidence", json!(r#"{"label":"Benign","confidence":"1_0"}"#), json!("Benign"), [1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]),
        ("padded string confidence, miss", json!(r#"{"label":"Benign","confidence":" 0.25 "}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0, 0.0, 0.75, -1.0]),
        ("reasoning block, then the answer", json!("<think>The host never answered; port 23.</think>\n{\"label\":\"Malicious\",\"confidence\":0.9,\"rationale\":\"scan\"}"), json!("Malicious"), [1.0, 1.0, 0.99, 1.0], [1.0, 1.0, 0.9, 1.0]),
        ("draft answer inside the reasoning", json!(r#"<think>Draft: {"label":"Benign","confidence":0.5} no, it scans.</think>{"label":"Malicious","confidence":0.9}"#), json!("Malicious"), [1.0, 1.0, 0.99, 1.0], [0.0, 1.0, 0.5, -1.0]),
        ("unclosed reasoning block", json!(r#"<think>Telnet to port 23 {"label":"Malicious","confidence":0.9}"#), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [1.0, 1.0, 0.9, 1.0]),
        ("empty reasoning, fenced answer", json!("<think></think>\n```json\n{\"label\":\"Benign\",\"confidence\":0.5}\n```"), json!("Benign"), [1.0, 0.0, 0.75, 1.0], [1.0, 1.0, 0.5, 1.0]),
        ("two fences, different labels", json!("```json\n{\"label\":\"Benign\",\"confidence\":0.5}\n```\n```json\n{\"label\":\"Malicious\",\"confidence\":0.5}\n```"), json!("Malicious"), [0.0, 0.0, 0.0, -1.0], [0.0, 1.0, 0.5, -1.0]),
    ]
}

fn check(preset: Preset, name: &str, completion: &Value, gold: &Value, want: Comps) {
    let cfg = RubricConfig::preset(preset);
    let gold = Gold::from_value(gold).expect("gold");
    let completion = Completion::from_value(completion).expect("completion shape");
    let s = score_row(&cfg, &completion, gold);
    let c = s.components;
    let got = [c.accuracy, c.format, c.calibration, c.cost];
    for (i, part) in ["accuracy", "format", "calibration", "cost"]
        .iter()
        .enumerate()
    {
        assert!(
            (got[i] - want[i]).abs() < 1e-9,
            "{preset:?} / {name}: {part} = {}, expected {}",
            got[i],
            want[i]
        );
    }
    let w = cfg.weights;
    let total =
        w.accuracy * want[0] + w.format * want[1] + w.calibration * want[2] + w.cost * want[3];
    assert!(
        (s.reward - total).abs() < 1e-9,
        "{preset:?} / {name}: reward"
    );
}

#[test]
fn golden_table_has_enough_cases() {
    assert!(cases().len() >= 40);
}

#[test]
fn golden_seed() {
    for (name, completion, gold, seed, _) in cases() {
        check(Preset::Proper, name, &completion, &gold, seed);
    }
}

#[test]
fn golden_legacy() {
    for (name, completion, gold, _, legacy) in cases() {
        check(Preset::Legacy, name, &completion, &gold, legacy);
    }
}

/// The flow the grounding cases cite: a telnet scan attempt and one context line.
fn shown_flow() -> netlogs_rubric::FlowFacts {
    [
        ("ts", "1545404476.0"),
        ("id.orig_h", "192.168.1.195"),
        ("id.orig_p", "43750"),
        ("id.resp_h", "41.77.133.12"),
        ("id.resp_p", "23"),
        ("proto", "tcp"),
        ("service", "-"),
        ("duration", "3.107256"),
        ("orig_bytes", "0"),
        ("resp_bytes", "0"),
        ("conn_state", "S0"),
        ("history", "S"),
        ("context[0].dt", "-1.250"),
        ("context[0].conn_state", "S0"),
    ]
    .into_iter()
    .collect()
}

type Grounded = [f64; 5];

/// Grounding cases: name, completion, gold, `grounded` [accuracy, format, calibration, cost,
/// grounding] (threshold 0.8, at most 5 citations counted).
fn grounding_cases() -> Vec<(&'static str, Value, Value, Grounded)> {
    let every: Vec<String> = [
        ("ts", "1545404476.0"),
        ("id.orig_h", "192.168.1.195"),
        ("id.orig_p", "43750"),
        ("id.resp_h", "41.77.133.12"),
        ("id.resp_p", "23"),
        ("proto", "tcp"),
        ("service", "-"),
        ("duration", "3.107256"),
        ("orig_bytes", "0"),
        ("resp_bytes", "0"),
    ]
    .iter()
    .map(|(f, v)| format!(r#"{{"field":"{f}","value":"{v}"}}"#))
    .collect();
    let every = format!(
        r#"{{"label":"Malicious","confidence":0.9,"evidence":[{}]}}"#,
        every.join(",")
    );
    let tool_talk = json!([
        {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "flows_to_port", "arguments": "{\"port\": 23}"}}]},
        {"role": "tool", "tool_call_id": "a", "name": "flows_to_port", "content": "{\"port\":23,\"total\":9,\"flows\":[{\"dt\":-2.0,\"id.resp_h\":\"41.77.133.13\",\"id.resp_p\":23,\"conn_state\":\"S0\"}]}"},
        {"role": "assistant", "content": "{\"label\":\"Malicious\",\"confidence\":0.9,\"evidence\":[{\"field\":\"tool[0].total\",\"value\":\"9\"},{\"field\":\"tool[0].flows[0].id.resp_h\",\"value\":\"41.77.133.13\"}]}"}
    ]);
    vec![
        (
            "cites the right fields",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"rationale":"telnet scan","evidence":[{"field":"id.resp_p","value":"23"},{"field":"conn_state","value":"S0"}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 1.0],
        ),
        (
            "a number cites its text",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"id.resp_p","value":23},{"field":"duration","value":3.107256}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 1.0],
        ),
        (
            "high-stakes, uncited",
            json!(r#"{"label":"Malicious","confidence":0.9,"rationale":"telnet scan"}"#),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 0.0],
        ),
        (
            "at the threshold, uncited",
            json!(r#"{"label":"Malicious","confidence":0.8}"#),
            json!("Malicious"),
            [1.0, 1.0, 0.96, 1.0, 0.0],
        ),
        (
            "below the threshold, uncited",
            json!(r#"{"label":"Malicious","confidence":0.7}"#),
            json!("Malicious"),
            [1.0, 1.0, 0.91, 1.0, 1.0],
        ),
        (
            "high-stakes, empty evidence",
            json!(r#"{"label":"Malicious","confidence":0.95,"evidence":[]}"#),
            json!("Malicious"),
            [1.0, 1.0, 0.9975, 1.0, 0.0],
        ),
        (
            "high-stakes, null evidence",
            json!(r#"{"label":"Malicious","confidence":0.95,"evidence":null}"#),
            json!("Malicious"),
            [1.0, 1.0, 0.9975, 1.0, 0.0],
        ),
        (
            "malicious without confidence counts as high-stakes",
            json!(r#"{"label":"Malicious"}"#),
            json!("Malicious"),
            [1.0, 0.0, 0.0, 1.0, 0.0],
        ),
        (
            "benign, uncited",
            json!(r#"{"label":"Benign","confidence":0.9}"#),
            json!("Benign"),
            [1.0, 1.0, 0.99, 1.0, 1.0],
        ),
        (
            "abstain, uncited",
            json!(r#"{"label":"Abstain","confidence":0.1}"#),
            json!("Malicious"),
            [0.75, 1.0, 0.99, 0.0, 1.0],
        ),
        (
            "benign, a wrong citation",
            json!(
                r#"{"label":"Benign","confidence":0.6,"evidence":[{"field":"proto","value":"udp"}]}"#
            ),
            json!("Benign"),
            [1.0, 1.0, 0.84, 1.0, 0.0],
        ),
        (
            "wrong value",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"id.resp_p","value":"2323"}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 0.0],
        ),
        (
            "values are case-sensitive",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"conn_state","value":"s0"}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 0.0],
        ),
        (
            "half right",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"id.resp_p","value":"23"},{"field":"proto","value":"udp"}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 0.5],
        ),
        (
            "a field the flow does not show",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"dst_port","value":"23"}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 0.0],
        ),
        (
            "every field: over the cap",
            json!(every),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 0.5],
        ),
        (
            "the same field twice",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"id.resp_p","value":"23"},{"field":"id.resp_p","value":"23"}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 0.5],
        ),
        (
            "a citation without a value",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"id.resp_p"},{"field":"conn_state","value":"S0"}]}"#
            ),
            json!("Malicious"),
            [1.0, 0.0, 0.99, 1.0, 0.5],
        ),
        (
            "evidence as prose",
            json!(r#"{"label":"Malicious","confidence":0.9,"evidence":"port 23, no answer"}"#),
            json!("Malicious"),
            [1.0, 0.0, 0.99, 1.0, 0.0],
        ),
        (
            "a context line's field",
            json!(
                r#"{"label":"Malicious","confidence":0.85,"evidence":[{"field":"context[0].conn_state","value":"S0"}]}"#
            ),
            json!("Malicious"),
            [1.0, 1.0, 0.9775, 1.0, 1.0],
        ),
        (
            "a tool result's fields",
            tool_talk,
            json!("Malicious"),
            [1.0, 1.0, 0.99, 1.0, 1.0],
        ),
        (
            "wrong label, cited well",
            json!(
                r#"{"label":"Malicious","confidence":0.9,"evidence":[{"field":"id.resp_p","value":"23"}]}"#
            ),
            json!("Benign"),
            [0.0, 1.0, 0.19, 0.0, 1.0],
        ),
        (
            "no answer",
            json!(""),
            json!("Malicious"),
            [0.0, 0.0, 0.0, -1.0, 0.0],
        ),
        (
            "ambiguous answer",
            json!(
                r#"{"label":"Benign","confidence":0.6} {"label":"Malicious","confidence":0.9,"evidence":[{"field":"id.resp_p","value":"23"}]}"#
            ),
            json!("Malicious"),
            [0.0, 0.0, 0.0, -1.0, 0.0],
        ),
    ]
}

#[test]
fn golden_grounding() {
    let cfg = RubricConfig::preset(Preset::Grounded);
    let flow = shown_flow();
    for (name, completion, gold, want) in grounding_cases() {
        let gold = Gold::from_value(&gold).expect("gold");
        let completion = Completion::from_value(&completion).expect("completion shape");
        let s = score_row(&cfg, &completion, netlogs_rubric::Truth::new(gold, &flow));
        let c = s.components;
        let got = [
            c.accuracy,
            c.format,
            c.calibration,
            c.cost,
            c.grounding.expect("grounded scores grounding"),
        ];
        for (i, part) in ["accuracy", "format", "calibration", "cost", "grounding"]
            .iter()
            .enumerate()
        {
            assert!(
                (got[i] - want[i]).abs() < 1e-9,
                "grounded / {name}: {part} = {}, expected {}",
                got[i],
                want[i]
            );
        }
        let w = cfg.weights;
        let total = w.accuracy * want[0]
            + w.format * want[1]
            + w.calibration * want[2]
            + w.cost * want[3]
            + w.grounding * want[4];
        assert!((s.reward - total).abs() < 1e-9, "grounded / {name}: reward");
    }
}

/// `proper` and `legacy` never score grounding, and their rewards ignore `evidence`: the
/// existing table's rewards under them are what they were, citations or not.
#[test]
fn grounding_is_weightless_outside_grounded() {
    let flow = shown_flow();
    for preset in [Preset::Proper, Preset::Legacy] {
        let cfg = RubricConfig::preset(preset);
        assert_eq!(cfg.weights.grounding, 0.0);
        for (name, completion, gold, _) in grounding_cases() {
            let gold = Gold::from_value(&gold).expect("gold");
            let completion = Completion::from_value(&completion).expect("completion shape");
            let with = score_row(&cfg, &completion, netlogs_rubric::Truth::new(gold, &flow));
            let without = score_row(&cfg, &completion, gold);
            assert_eq!(with.components.grounding, None, "{preset:?} / {name}");
            assert_eq!(with, without, "{preset:?} / {name}");
        }
    }
}

/// Under `grounded` the first four components of every golden case are `proper`'s.
#[test]
fn grounded_is_proper_plus_grounding() {
    let grounded = RubricConfig::preset(Preset::Grounded);
    let proper = RubricConfig::preset(Preset::Proper);
    let flow = shown_flow();
    for (name, completion, gold, _, _) in cases() {
        let gold = Gold::from_value(&gold).expect("gold");
        let completion = Completion::from_value(&completion).expect("completion shape");
        let g = score_row(
            &grounded,
            &completion,
            netlogs_rubric::Truth::new(gold, &flow),
        );
        let p = score_row(&proper, &completion, gold);
        let grounding = g.components.grounding.expect("grounding");
        assert_eq!(
            netlogs_rubric::Components {
                grounding: None,
                ..g.components
            },
            p.components,
            "{name}"
        );
        assert!(
            (g.reward - p.reward - grounded.weights.grounding * grounding).abs() < 1e-12,
            "{name}"
        );
    }
}
