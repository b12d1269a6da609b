//! Sigillum's shared credential library.
//!
//! Everything that is the same for the issuer, the wallet, the verifier and the
//! registry lives here, without servers, databases or an async runtime:
//!
//! ```text
//!  b64, json     strict base64url and duplicate-rejecting JSON (RFC 7515 §2, §5.2)
//!  time          Timestamp and the Clock every check reads
//!  key           Ed25519 / P-256 keys, JWK (RFC 7517, RFC 8037), thumbprints (RFC 7638)
//!  jws           compact JWS (RFC 7515) with a verifier-pinned algorithm list
//!  did           did:key, did:jwk, did:web; DID documents; the DidResolver seam
//!  sd_jwt        SD-JWT (RFC 9901): issue, process (§7.1), present, key binding (§7.3)
//!  vc            SD-JWT VC rules; W3C VC 2.0 vc+jwt; VC 1.1 JWT; validity windows
//!  status        IETF Token Status List, W3C Bitstring Status List
//!  schema        credential types from specs/, JSON Schema 2020-12
//!  seal          Argon2id-derived keys and XChaCha20-Poly1305 sealed records (secrets at rest)
//!  qr            compact QR payloads (Base45 + zlib), rendering, scanning
//!  ledger        RFC 9162 Merkle proofs, C2SP signed notes, checkpoints, cosignatures
//!  verify        the verification pipeline: every check, with a stable code
//!  oid4vci       OpenID4VCI 1.0 wire types: offers, metadata, token, nonce, credential, proof JWTs
//!  oid4vp        OpenID4VP 1.0: DCQL queries, claims path pointers, matching a credential to a query
//!  problem       RFC 9457 problem details, the error shape of every HTTP API
//! ```
//!
//! Untrusted input is bounded before it is decoded and never panics; every refusal
//! is a typed error with a stable snake_case `code()`.

pub mod b64;
pub mod did;
pub mod json;
pub mod jws;
pub mod key;
pub mod ledger;
pub mod oid4vci;
pub mod oid4vp;
pub mod problem;
pub mod qr;
pub mod schema;
pub mod sd_jwt;
pub mod seal;
pub mod status;
pub mod time;
pub mod vc;
pub mod verify;
