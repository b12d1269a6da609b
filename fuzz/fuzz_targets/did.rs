//! cargo fuzz target: see `sigillum_fuzz::did`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::did::run(data));
