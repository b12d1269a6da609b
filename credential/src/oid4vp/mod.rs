//! OpenID for Verifiable Presentations 1.0 (OpenID4VP): the wire types and pure rules
//! that the verifier and the wallet share. So far: the Digital Credentials Query
//! Language (§6), the claims path pointer (§7), and the matching of one credential
//! against a query.
//!
//! ```text
//!  verifier                                        wallet
//!  DcqlQuery (a checkpoint profile) ── request ──▶ DcqlQuery::from_value (dcql_query)
//!                                                  requested_paths → what to disclose
//!  DcqlQuery::satisfied_by ◀────── presentation ── the disclosures
//!    → which claims are missing, or that the type is not asked for
//! ```
//!
//! Spec text: "OpenID for Verifiable Presentations 1.0" (final, with the errata-level
//! edits of the OpenID4VP repository, see `shared/vectors/openid4vc/SOURCES.md`);
//! section numbers as rendered, Appendix B is "Credential Format Specific
//! Parameters and Rules". Every refusal is a typed error with a stable `code()`.

mod dcql;
mod error;
mod matching;
mod validate;

pub use dcql::{
    ClaimValue, ClaimsQuery, CredentialFormat, CredentialQuery, CredentialSetQuery, DcqlQuery,
    MAX_CLAIMS_QUERIES, MAX_CREDENTIAL_QUERIES, MAX_DCQL_LEN, MAX_ENTRIES, MAX_ID_LEN,
    MAX_PATH_LEN, MAX_STRING_LEN, Meta, TrustedAuthoritiesQuery,
};
pub use error::DcqlError;
pub use matching::{MissingClaim, MissingReason, Unsatisfied, select};

#[cfg(test)]
mod tests;
