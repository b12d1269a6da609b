//! cargo fuzz target: see `sigillum_fuzz::witness`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::witness::run(data));
