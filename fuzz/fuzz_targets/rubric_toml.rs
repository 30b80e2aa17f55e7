#![no_main]
//! `cargo +nightly fuzz run rubric_toml`: the property of `netlogs_fuzz::rubric_toml` (see that module).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netlogs_fuzz::rubric_toml::check(data));
