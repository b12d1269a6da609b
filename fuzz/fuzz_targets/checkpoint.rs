//! cargo fuzz target: see `sigillum_fuzz::checkpoint`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::checkpoint::run(data));
