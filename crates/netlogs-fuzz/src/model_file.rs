//! `builtin:learned`'s model files (`--baseline FILE`). Property: the file loads as a model
//! whose calibrated probabilities are probabilities, or the error names the file and what in
//! it is wrong (a field, a line and column, or the part that does not fit).

use netlogs_baseline::LearnedModel;

const PROMPT: &str = "ts=1 id.orig_h=192.168.1.2 id.resp_p=23 proto=tcp conn_state=S0";

pub fn check(data: &[u8]) {
    let dir = crate::scratch();
    let path = dir.path().join("model.json");
    std::fs::write(&path, data).expect("write the input");
    match LearnedModel::load(&path) {
        Ok(model) => {
            let p = model.probability(PROMPT);
            assert!((0.0..=1.0).contains(&p), "probability {p}");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.starts_with(&path.display().to_string()),
                "the error names the file: {message}"
            );
            let says_what = [
                "`",
                "line ",
                "version",
                "features",
                "trees",
                "calibration",
                "UTF-8",
                "cannot read",
            ]
            .iter()
            .any(|w| message.contains(w));
            assert!(says_what, "the error says what is wrong: {message}");
        }
    }
}
