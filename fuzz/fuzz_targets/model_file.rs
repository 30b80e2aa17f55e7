#![no_main]
//! `cargo +nightly fuzz run model_file`: the property of `netlogs_fuzz::model_file` (see that module).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netlogs_fuzz::model_file::check(data));
