//! cargo fuzz target: see `sigillum_fuzz::openid4vc`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigillum_fuzz::openid4vc::run(data));
