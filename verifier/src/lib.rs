//! Sigillum's verifier: what a border officer or a bank clerk runs (issue #5).
//!
//! ```text
//!  presentation ──► check::verify_with_ledger ──► sigillum_credential::verify (the pipeline)
//!                        │  issuer key valid at issuance, accreditation, status lists
//!                        ▼
//!                  source: Online (registry client, proofs) | Offline (verified bundle)
//! ```
//!
//!  source   where ledger facts come from, and how old they are
//!  cache    keeps ledger answers for a profile's staleness window
//!  peek     the unverified facts needed to know what to fetch
//!  check    the ledger checks around the pipeline, into one report
//!  profile  what a checkpoint accepts: DCQL query, predicates, strictness (specs/profiles/)

pub mod cache;
pub mod check;
pub mod peek;
pub mod profile;
pub mod source;
