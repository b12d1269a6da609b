//! cargo fuzz target: see `sigillum_fuzz::jws`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::jws::run(data));
