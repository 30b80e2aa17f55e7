#![no_main]
//! `cargo +nightly fuzz run tool_args`: the property of `netlogs_fuzz::tools` (see that module).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netlogs_fuzz::tools::check(data));
