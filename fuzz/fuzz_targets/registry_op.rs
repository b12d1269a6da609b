//! cargo fuzz target: see `sigillum_fuzz::registry_op`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::registry_op::run(data));
