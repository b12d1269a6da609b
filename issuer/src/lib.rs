//! Sigillum's issuing service: what a ministry runs to issue passports, residence
//! permits and business licences (issue #4).
//!
//! ```text
//!   officer ──HTTP──► http::officer ──► apply (schema, idempotency, offer) ──► store
//!   wallet  ──HTTP──► http::wallet  ──► delivery (token, nonce, proofs) ──► store: status index
//!                                                   └──► mint (sign) ◄── identity (keys)
//!   store (dirty lists) ──► publish ──► registry_link ──► the registry
//! ```
//!
//!  config        the JSON configuration file of `sigillum issuer serve`
//!  keystore      the issuer's private keys sealed at rest (Argon2id + XChaCha20-Poly1305)
//!  identity      its did:sigillum DID, controller and signing keys, rotation, ledger operations
//!  store         sled: applications, offers, tokens, status allocation, audit chain, officers
//!  service       the Issuer: start-up, DID sync, accreditation, key rotation
//!  apply         officer actions: applications → offers; search; revoke/suspend/reinstate
//!  offer         OpenID4VCI credential offers and configuration ids
//!  metadata      the credential issuer metadata document
//!  delivery      the token, nonce and credential endpoints' logic
//!  nonce         c_nonce bookkeeping
//!  mint          signs a credential (SD-JWT VC or vc+jwt) with its holder key and status entry
//!  publish       status lists → registry, batched
//!  registry_link writes operations to the registry and reads back, verified
//!  http          the axum router and `run`
//!  import        bulk issuance: CSV/JSONL rows → offers over the officer API, resumable
//!  error         what is refused, as problem details or OAuth errors

pub mod apply;
pub mod config;
pub mod delivery;
pub mod error;
pub mod http;
pub mod identity;
pub mod import;
pub mod keystore;
pub mod metadata;
pub mod mint;
pub mod nonce;
pub mod offer;
pub mod publish;
pub mod registry_link;
pub mod service;
pub mod store;
