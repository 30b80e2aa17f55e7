//! Rubric TOML files (`--rubric FILE`). Property: the text is a config that validates and
//! scores every answer to a finite reward, or an error naming the field at fault (one of the
//! file's keys, or the line and column where the TOML broke).

use netlogs_rubric::{score_completion, Gold, RubricConfig, RubricOverrides};

const ANSWER: &str = r#"{"label": "Malicious", "confidence": 0.8, "rationale": "scan"}"#;

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match RubricConfig::from_toml(text, None) {
        Ok(cfg) => {
            assert_eq!(cfg.validate(), Ok(cfg), "a config read is valid");
            for gold in [Gold::Benign, Gold::Malicious] {
                let r = score_completion(&cfg, ANSWER, gold).reward;
                assert!(r.is_finite(), "{cfg:?}: reward {r}");
            }
        }
        Err(e) => {
            let message = e.to_string();
            let names_key = RubricOverrides::KEYS
                .iter()
                .chain(&["accuracy", "format", "calibration", "cost", "grounding"])
                .any(|k| message.contains(k));
            assert!(
                names_key || message.contains("line "),
                "the error names the field or the place: {message}"
            );
        }
    }
}
