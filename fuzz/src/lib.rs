//! The harnesses behind Sigillum's fuzz targets, one module per target.
//!
//! Each `run(data)` feeds untrusted bytes to one family of parsers and checks the
//! one property every parser owes: it answers — an error or a value — without
//! panicking, hanging or allocating without bound. Where a parser's answer can be
//! checked against an independent truth (a Merkle proof against the tree it claims
//! to prove), the harness asserts that too.
//!
//! Signatures stop a blind fuzzer at the first check, so the harnesses that reach
//! past them *forge*: they sign the fuzzer's bytes with fixed keys the verifier is
//! told to trust ([`forge`]). What lies behind a signature — claims, disclosures,
//! key binding, status lists, request objects — is fuzzed as a real issuer's would
//! be parsed.
//!
//! `cargo fuzz run <target>` (see `scripts/fuzz.sh`) drives them with libFuzzer;
//! `cargo test -p sigillum-fuzz` replays the seeds ([`seeds`]) and the
//! regressions in `fuzz/regressions/` through the same functions.
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod did;
pub mod forge;
pub mod jws;
pub mod kb_jwt;
pub mod openid4vc;
pub mod qr;
pub mod registry_op;
pub mod sd_jwt;
pub mod seeds;
pub mod status_list;
pub mod witness;

/// A harness: one input, no answer (it only must not panic, hang or blow up).
pub type Harness = fn(&[u8]);

/// Every target, by name: what `scripts/fuzz.sh` runs and the replay test reads.
pub const TARGETS: &[(&str, Harness)] = &[
    ("jws", jws::run),
    ("sd_jwt", sd_jwt::run),
    ("kb_jwt", kb_jwt::run),
    ("status_list", status_list::run),
    ("did", did::run),
    ("registry_op", registry_op::run),
    ("checkpoint", checkpoint::run),
    ("qr", qr::run),
    ("openid4vc", openid4vc::run),
    ("witness", witness::run),
];
