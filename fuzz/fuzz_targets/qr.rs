//! cargo fuzz target: see `sigillum_fuzz::qr`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::qr::run(data));
