#![no_main]
//! Fuzz the answer parser and both presets' scoring: nothing may panic, and every component
//! must stay in range. Run: `cargo +nightly fuzz run parse_answer` from the repository root.

use libfuzzer_sys::fuzz_target;
use netlogs_rubric::{parse_answer, score_completion, Dialect, Gold, Preset, RubricConfig};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for dialect in [Dialect::Strict, Dialect::Python] {
        let a = parse_answer(&text, dialect);
        assert!(!a.strict || (a.label.is_some() && a.confidence.is_some()));
    }
    for preset in [Preset::Seed, Preset::Legacy] {
        let cfg = RubricConfig::preset(preset);
        for gold in [Gold::Benign, Gold::Malicious] {
            let s = score_completion(&cfg, &text, gold);
            let c = s.components;
            assert!((0.0..=1.0).contains(&c.accuracy));
            assert!((0.0..=1.0).contains(&c.calibration));
            assert!((-1.0..=1.0).contains(&c.cost));
            assert!(s.reward.is_finite());
        }
    }
});
