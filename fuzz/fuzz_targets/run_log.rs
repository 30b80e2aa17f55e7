#![no_main]
//! `cargo +nightly fuzz run run_log`: the property of `netlogs_fuzz::run_log` (see that module).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netlogs_fuzz::run_log::check(data));
