#![no_main]
//! `cargo +nightly fuzz run serve_body`: the property of `netlogs_fuzz::serve` (see that module).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netlogs_fuzz::serve::check(data));
