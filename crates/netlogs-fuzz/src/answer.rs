//! The answer parser and every preset's scoring: every component in range, the reward finite.

use netlogs_rubric::{parse_answer, score_completion, Dialect, Gold, Preset, RubricConfig};

pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for dialect in [Dialect::Strict, Dialect::Python] {
        let a = parse_answer(&text, dialect);
        assert!(!a.strict || (a.label.is_some() && a.confidence.is_some()));
    }
    for preset in [Preset::Proper, Preset::Legacy, Preset::Grounded] {
        let cfg = RubricConfig::preset(preset);
        for gold in [Gold::Benign, Gold::Malicious] {
            let s = score_completion(&cfg, &text, gold);
            let c = s.components;
            assert!((0.0..=1.0).contains(&c.accuracy), "{c:?}");
            assert!((0.0..=1.0).contains(&c.calibration), "{c:?}");
            assert!((-1.0..=1.0).contains(&c.cost), "{c:?}");
            assert!(s.reward.is_finite(), "{}", s.reward);
        }
    }
}
