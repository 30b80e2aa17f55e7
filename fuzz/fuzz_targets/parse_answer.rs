#![no_main]
//! `cargo +nightly fuzz run parse_answer`: the property of `netlogs_fuzz::answer` (see that module).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netlogs_fuzz::answer::check(data));
