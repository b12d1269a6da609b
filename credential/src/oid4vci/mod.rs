//! OpenID for Verifiable Credential Issuance 1.0 (OpenID4VCI): the wire types and
//! pure rules our issuer and wallet share, for the Pre-Authorized Code Flow (§3.5).
//! No HTTP, no storage: the services move these messages; this module says what
//! they mean and refuses what the spec forbids.
//!
//! ```text
//!  issuer                                        wallet
//!  CredentialOffer::to_link ──── QR / link ────▶ CredentialOffer::parse_link          §4.1
//!  CredentialIssuerMetadata ── GET well-known ─▶ CredentialIssuerMetadata::from_json  §12.2
//!  TokenRequest::from_form  ◀──── POST /token ── TokenRequest::to_form                §6.1
//!  TokenResponse::to_json   ─────────────────▶ TokenResponse::from_json              §6.2
//!  NonceResponse::fresh     ──── POST /nonce ─▶ NonceResponse::from_json              §7.2
//!  CredentialRequest::from_json ◀─ POST /credential ─ build_proof_jwt + to_json     §8.2, F.1
//!    └ verify_proof_jwt (each proof)                                                 F.4
//!  CredentialResponse::to_json ──────────────▶ CredentialResponse::from_json         §8.3
//!  errors: TokenErrorResponse (§6.3), CredentialErrorResponse (§8.3.1.2)
//! ```
//!
//! Spec text: "OpenID for Verifiable Credential Issuance 1.0" (final, with errata set 1
//! as edited in the OpenID4VCI repository), section numbers as rendered; Appendix F
//! is "Proof Types". Every JSON input is parsed by the strict, duplicate-refusing
//! parser and size-capped before decoding; every refusal is a typed error with a
//! stable snake_case `code()`, and the endpoint errors map to the spec's codes.

mod credential_request;
mod credential_response;
mod error;
pub(crate) mod form;
mod metadata;
mod nonce;
mod offer;
mod proof;
mod secret;
mod token;
pub(crate) mod url;

pub use credential_request::{
    CredentialErrorCode, CredentialErrorResponse, CredentialRequest, CredentialRequestError,
    MAX_CREDENTIAL_ID_LEN, Proofs, RequestLimits, RequestedCredential,
};
pub use credential_response::{
    CredentialResponse, CredentialResponseError, CredentialValue, IssuedCredential,
    MAX_CREDENTIAL_RESPONSE_LEN, MAX_CREDENTIALS,
};
pub(crate) use error::clip as clip_evidence;
pub use error::{ErrorResponse, MAX_ERROR_DESCRIPTION_CHARS, MessageError};
pub use form::FormError;
pub use metadata::{
    BatchCredentialIssuance, ClaimDescription, ClaimDisplay, CredentialConfiguration,
    CredentialDefinition, CredentialDisplay, CredentialFormat, CredentialIssuerMetadata,
    CredentialMetadata, Image, IssuerDisplay, MAX_CLAIMS, MAX_METADATA_LEN, MetadataError,
    ProofTypeMetadata, SigningAlgorithm, WELL_KNOWN_SEGMENT, metadata_url,
};
pub use nonce::{MAX_C_NONCE_LEN, MAX_NONCE_RESPONSE_LEN, NonceResponse};
pub use offer::{
    AuthorizationCodeGrant, CredentialOffer, Grants, InputMode, MAX_CONFIGURATION_IDS,
    MAX_OFFER_FIELD_LEN, MAX_OFFER_JSON_LEN, MAX_OFFER_LINK_LEN, MAX_TX_CODE_DESCRIPTION_CHARS,
    OFFER_SCHEME, OfferError, OfferLink, PreAuthorizedCodeGrant, TxCode,
};
pub use proof::{
    MAX_PROOF_JWT_LEN, PROOF_JWT_TYP, ProofError, ProofPolicy, VerifiedProof, build_proof_jwt,
    verify_proof_jwt,
};
pub use secret::SecretString;
pub use token::{
    AuthorizationDetail, AuthorizationDetailType, MAX_TOKEN_PARAMETER_LEN, MAX_TOKEN_REQUEST_LEN,
    MAX_TOKEN_RESPONSE_LEN, TokenError, TokenErrorCode, TokenErrorResponse, TokenRequest,
    TokenResponse,
};
pub use url::{MAX_URL_LEN, UrlError};

/// The Pre-Authorized Code grant type (§4.1.1, registered in Appendix G.1).
pub const PRE_AUTHORIZED_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// Credential Format Identifier of IETF SD-JWT VC (Appendix A.3.1).
pub const FORMAT_DC_SD_JWT: &str = "dc+sd-jwt";
/// Credential Format Identifier of a W3C VC as a JWT without JSON-LD (Appendix A.1.1.1).
pub const FORMAT_JWT_VC_JSON: &str = "jwt_vc_json";

#[cfg(test)]
mod tests;
