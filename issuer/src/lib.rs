//! Sigillum's issuing service: what a ministry runs to issue passports, residence
//! permits and business licences (issue #4).
//!
//! ```text
//!  config     the JSON configuration file of `sigillum issuer serve`
//!  keystore   the issuer's private keys sealed at rest (Argon2id + XChaCha20-Poly1305)
//!  identity   its did:sigillum DID, controller and signing keys, rotation, ledger operations
//!  mint       signs a credential (SD-JWT VC or vc+jwt) with its holder key and status entry
//!  registry_link   writes operations to the registry and reads back, verified
//! ```

pub mod config;
pub mod identity;
pub mod keystore;
pub mod mint;
pub mod registry_link;
