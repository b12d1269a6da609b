//! cargo fuzz target: see `sigillum_fuzz::sd_jwt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::sd_jwt::run(data));
