#![no_main]
//! `cargo +nightly fuzz run read_data`: the property of `netlogs_fuzz::reader` (see that module).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netlogs_fuzz::reader::check(data));
