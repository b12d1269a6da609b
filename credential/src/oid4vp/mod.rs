//! OpenID for Verifiable Presentations 1.0 (OpenID4VP): the wire types and pure rules
//! that the verifier and the wallet share: the Digital Credentials Query Language
//! (§6), the claims path pointer (§7), the matching of one credential against a
//! query, the signed Authorization Request passed by reference (§5, `request`) and
//! the wallet's `direct_post` answer (§8, `response`).
//!
//! ```text
//!  verifier                                        wallet
//!  RequestLink (QR) + sign_request_object ───────▶ RequestLink::parse,
//!                                                  verify_request_object
//!  DcqlQuery (a checkpoint profile) ── request ──▶ DcqlQuery::from_value (dcql_query)
//!                                                  requested_paths → what to disclose
//!  WalletAnswer::from_form ◀──── direct_post ──── AuthorizationResponse::to_form
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
mod request;
mod response;
mod validate;

pub use dcql::{
    ClaimValue, ClaimsQuery, CredentialFormat, CredentialQuery, CredentialSetQuery, DcqlQuery,
    MAX_CLAIMS_QUERIES, MAX_CREDENTIAL_QUERIES, MAX_DCQL_LEN, MAX_ENTRIES, MAX_ID_LEN,
    MAX_PATH_LEN, MAX_STRING_LEN, Meta, TrustedAuthoritiesQuery,
};
pub use error::DcqlError;
pub use matching::{MissingClaim, MissingReason, Unsatisfied, select};
pub use request::{
    AuthorizationRequest, DID_CLIENT_PREFIX, DIRECT_POST, MAX_CLIENT_ID_LEN, MAX_NONCE_LEN,
    MAX_REQUEST_LINK_LEN, MAX_REQUEST_OBJECT_LEN, REQUEST_OBJECT_MEDIA_TYPE, REQUEST_OBJECT_TYP,
    REQUEST_SCHEME, RequestError, RequestLink, STATIC_WALLET_AUDIENCE, VP_TOKEN, client_metadata,
    sign_request_object, verify_offline_request, verify_request_object,
};
pub use response::{
    AuthorizationResponse, MAX_ANSWERED_QUERIES, MAX_PRESENTATIONS_PER_QUERY, MAX_RESPONSE_LEN,
    ResponseError, WalletAnswer,
};

#[cfg(test)]
mod tests;
