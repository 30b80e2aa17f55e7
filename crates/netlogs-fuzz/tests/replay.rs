#![cfg(feature = "data")]
//! Every input the fuzzers kept (`fuzz/corpus/<target>/`, minimised) and every input that once
//! broke a property (`fuzz/regressions/<target>/`), replayed through the same property the
//! fuzz target checks: the test command exercises each surface without nightly or libFuzzer.

use std::path::{Path, PathBuf};

use netlogs_fuzz::TARGETS;

fn inputs(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_stored_fuzz_input_keeps_its_property() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for (target, check) in TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(target));
        let regressions = inputs(&fuzz.join("regressions").join(target));
        assert!(
            !corpus.is_empty(),
            "{target}: no stored corpus under {}",
            fuzz.display()
        );
        for file in corpus.iter().chain(&regressions) {
            let data = std::fs::read(file).expect("read");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "{target}: {} breaks its property",
                file.display()
            );
        }
    }
}
