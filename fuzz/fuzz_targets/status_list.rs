//! cargo fuzz target: see `sigillum_fuzz::status_list`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::status_list::run(data));
