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
//!
//! The service (`sigillum verifier serve`), OpenID4VP 1.0 by reference with
//! `direct_post`:
//!
//!  config    the service's settings (registry, bundle, profiles, receipts)
//!  identity  the checkpoint's did:key, which signs requests and receipts
//!  session   the open requests: nonce, state, one answer each
//!  outcome   what the officer's screen shows: verdict, reports, ledger age
//!  receipt   signed receipts of outcomes, with no personal data
//!  service   requests, answers, verification online then from the bundle
//!  http      the endpoints and the officer's screen

pub mod cache;
pub mod check;
pub mod config;
pub mod http;
pub mod identity;
pub mod outcome;
pub mod peek;
pub mod profile;
pub mod receipt;
pub mod receipt_store;
pub mod service;
pub mod session;
pub mod source;
