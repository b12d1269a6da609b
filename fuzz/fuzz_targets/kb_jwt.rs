//! cargo fuzz target: see `sigillum_fuzz::kb_jwt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::kb_jwt::run(data));
