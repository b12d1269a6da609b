//! Sigillum's shared credential library.
//!
//! Everything that is the same for the issuer, the wallet, the verifier and the
//! registry lives here, without servers, databases or an async runtime:
//!
//! ```text
//!  b64, json          strict base64url and duplicate-rejecting JSON (RFC 7515 §2, §5.2)
//!  key                Ed25519 / P-256 keys, JWK (RFC 7517, RFC 8037), thumbprints (RFC 7638)
//!  jws                compact JWS (RFC 7515) with a verifier-pinned algorithm list
//! ```

pub mod b64;
pub mod did;
pub mod json;
pub mod jws;
pub mod key;
pub mod qr;
pub mod schema;
pub mod sd_jwt;
pub mod status;
pub mod time;
pub mod vc;
pub mod verify;
