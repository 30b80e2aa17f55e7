//! Properties: parsing never panics, every component stays in its documented range, and the
//! reward is exactly Σ weight × component.

use netlogs_rubric::{
    parse_answer, score_completion, Dialect, FlowFacts, Gold, Preset, RubricConfig, Truth, Weights,
};
use proptest::prelude::*;

fn answerish() -> impl Strategy<Value = String> {
    let label = prop_oneof![
        Just("Benign"),
        Just("Malicious"),
        Just("Abstain"),
        Just("benign"),
        Just("x")
    ];
    let conf = prop_oneof![
        (-1.0f64..2.0).prop_map(|c| c.to_string()),
        Just("true".to_string()),
        Just("\"0.5\"".to_string()),
        Just("NaN".to_string()),
        Just("null".to_string())
    ];
    let evidence = prop_oneof![
        Just(String::new()),
        Just(r#","evidence":[]"#.to_string()),
        Just(r#","evidence":"proto""#.to_string()),
        proptest::collection::vec((0usize..4, any::<bool>()), 0..8).prop_map(|items| {
            let cites: Vec<String> = items
                .iter()
                .map(|(i, right)| {
                    let (f, v) = FIELDS[*i];
                    let v = if *right { v } else { "wrong" };
                    format!(r#"{{"field":"{f}","value":"{v}"}}"#)
                })
                .collect();
            format!(r#","evidence":[{}]"#, cites.join(","))
        }),
    ];
    (label, conf, evidence, ".{0,20}", ".{0,20}", any::<bool>()).prop_map(
        |(l, c, e, pre, post, fence)| {
            let obj = format!(r#"{{"label":"{l}","confidence":{c}{e}}}"#);
            if fence {
                format!("{pre}```json\n{obj}\n```{post}")
            } else {
                format!("{pre}{obj}{post}")
            }
        },
    )
}

/// The flow the generated answers cite.
const FIELDS: [(&str, &str); 4] = [
    ("id.resp_p", "23"),
    ("conn_state", "S0"),
    ("proto", "tcp"),
    ("orig_bytes", "0"),
];

fn config() -> impl Strategy<Value = RubricConfig> {
    (
        prop_oneof![
            Just(Preset::Proper),
            Just(Preset::Legacy),
            Just(Preset::Grounded)
        ],
        (
            -2.0f64..2.0,
            -2.0f64..2.0,
            -2.0f64..2.0,
            -2.0f64..2.0,
            -2.0f64..2.0,
        ),
        0.0f64..5.0,
        0.0f64..5.0,
        0.0f64..5.0,
        0.0f64..=1.0,
    )
        .prop_map(
            |(preset, (a, f, c, k, g), fn_cost, fp_cost, abstain_cost, credit)| {
                let mut cfg = RubricConfig::preset(preset);
                cfg.weights = Weights {
                    accuracy: a,
                    format: f,
                    calibration: c,
                    cost: k,
                    grounding: if preset == Preset::Legacy { 0.0 } else { g },
                };
                cfg.fn_cost = fn_cost;
                cfg.fp_cost = fp_cost;
                cfg.abstain_cost = abstain_cost;
                cfg.abstain_credit = credit;
                cfg
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_answer(&text, Dialect::Strict);
        let _ = parse_answer(&text, Dialect::Python);
    }

    #[test]
    fn parsing_arbitrary_strings_never_panics(text in ".{0,300}") {
        let a = parse_answer(&text, Dialect::Strict);
        if a.strict {
            prop_assert!(a.label.is_some() && a.confidence.is_some());
        }
    }

    #[test]
    fn reward_is_weighted_sum_and_components_in_range(
        text in prop_oneof![answerish(), ".{0,80}"],
        cfg in config(),
        malicious in any::<bool>(),
    ) {
        let gold = if malicious { Gold::Malicious } else { Gold::Benign };
        let flow: FlowFacts = FIELDS.into_iter().collect();
        let s = score_completion(&cfg, &text, Truth::new(gold, &flow));
        let c = s.components;
        let w = cfg.weights;
        let g = c.grounding.unwrap_or(0.0);
        let total = w.accuracy * c.accuracy + w.format * c.format + w.calibration * c.calibration + w.cost * c.cost + w.grounding * g;
        prop_assert!((s.reward - total).abs() < 1e-12);
        prop_assert_eq!(c.grounding.is_some(), cfg.scores_grounding());
        prop_assert!((0.0..=1.0).contains(&g));
        prop_assert!((0.0..=1.0).contains(&c.accuracy));
        prop_assert!(c.format == 0.0 || c.format == 1.0);
        prop_assert!((0.0..=1.0).contains(&c.calibration));
        let worst = cfg.fn_cost.max(cfg.fp_cost).max(cfg.abstain_cost);
        prop_assert!(c.cost <= 1.0 && c.cost >= -worst);
        if let Some(conf) = s.confidence {
            prop_assert!((0.0..=1.0).contains(&conf));
        }
    }
}
