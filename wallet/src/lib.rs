//! Sigillum's wallet: what a citizen holds (issue #6).
//!
//! ```text
//!  receive    OpenID4VCI 1.0 pre-authorized flow: offer → token → nonce → proofs → credentials
//! ```

pub mod receive;
