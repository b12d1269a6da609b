//! One type for "checked, and it is invalid because…": every module's error, plus
//! the outcomes only the pipeline decides (revoked, suspended, wrong status issuer).
//! Each has a stable snake_case [`Rejection::code`] (DESIGN.md "Errors are part of the product").

use crate::did::DidError;
use crate::jws::JwsError;
use crate::key::JwkError;
use crate::schema::SchemaError;
use crate::sd_jwt::SdJwtError;
use crate::status::StatusError;
use crate::vc::CredentialError;

/// Why one check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The input is neither an SD-JWT VC nor a VC-JWT.
    #[error("not a credential Sigillum can read: {0}")]
    UnknownFormat(&'static str),
    /// A JWS-level refusal.
    #[error(transparent)]
    Jws(#[from] JwsError),
    /// An SD-JWT-level refusal.
    #[error(transparent)]
    SdJwt(#[from] SdJwtError),
    /// A credential-claims refusal.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The issuer's key could not be found or is not acceptable.
    #[error(transparent)]
    Did(#[from] DidError),
    /// A key given on the command line or in config is not acceptable.
    #[error(transparent)]
    Jwk(#[from] JwkError),
    /// The subject violates its type's schema.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The status list or the status reference is unusable.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// The status list is not signed by the credential's issuer, or is not a status list token.
    #[error("status list {list} is not valid: {why}")]
    StatusListInvalid {
        /// The list's URI.
        list: String,
        /// What is wrong.
        why: String,
    },
    /// The status list says revoked.
    #[error("revoked in {list} at index {index}")]
    Revoked {
        /// The list's URI.
        list: String,
        /// The credential's index.
        index: usize,
    },
    /// The status list says suspended.
    #[error("suspended in {list} at index {index}")]
    Suspended {
        /// The list's URI.
        list: String,
        /// The credential's index.
        index: usize,
    },
    /// The status list holds a value this verifier does not know; it fails closed.
    #[error("status value {value:#04x} in {list} at index {index} is not valid")]
    StatusOther {
        /// The list's URI.
        list: String,
        /// The credential's index.
        index: usize,
        /// The value.
        value: u8,
    },
    /// The status list has expired (its `exp` or `validUntil` passed).
    #[error("status list {list} expired at {expired_at}; fetch a fresh one")]
    StatusListStale {
        /// The list's URI.
        list: String,
        /// When it expired.
        expired_at: crate::time::Timestamp,
    },
    /// The issuer's signing key was not valid when the credential was issued, by
    /// the key history the registry proves (rotated out, not yet added, compromised).
    #[error(transparent)]
    KeyValidity(#[from] crate::ledger::did_history::KeyValidityError),
    /// The registry holds no DID document for the issuer, or it is deactivated.
    #[error("the issuer {issuer} is not on the registry")]
    IssuerUnknown {
        /// The issuer identifier.
        issuer: String,
    },
    /// The issuer was not accredited for the credential's type when it issued it.
    #[error("{issuer} was not accredited for {credential_type} at {at}: {why}")]
    NotAccredited {
        /// The issuer DID.
        issuer: String,
        /// The credential type name.
        credential_type: String,
        /// The issuance time checked.
        at: crate::time::Timestamp,
        /// What the registry says.
        why: String,
    },
    /// A status entry names a list that belongs to another issuer.
    #[error("status list {list} belongs to {list_issuer}, not to the credential's issuer {issuer}")]
    StatusListIssuerMismatch {
        /// The list's URI.
        list: String,
        /// Whose list it is.
        list_issuer: String,
        /// The credential's issuer.
        issuer: String,
    },
    /// The registry (or the offline bundle) could not answer: could not check.
    #[error("could not check against the registry: {0}")]
    LedgerUnavailable(String),
    /// The status list is older than the checkpoint's policy accepts.
    #[error(
        "status list {list} was issued at {issued_at}, more than {max_age_secs} s ago (the profile's limit)"
    )]
    StatusListTooOld {
        /// The list's URI.
        list: String,
        /// When it was issued (`iat` / `validFrom`).
        issued_at: crate::time::Timestamp,
        /// The profile's limit.
        max_age_secs: i64,
    },
    /// Policy requires a status check and no list was available.
    #[error(
        "the credential has a status entry ({list}) but no status list was available to check it"
    )]
    StatusUnavailable {
        /// The list's URI.
        list: String,
    },
    /// The checkpoint's profile does not accept this kind of credential (its DCQL
    /// query asks for no credential of this format and type, or for more than one).
    #[error("{credential_type} is not accepted here; accepted: {}", .accepted.join(" or "))]
    CredentialTypeNotAccepted {
        /// The presented credential's type and format (`passport (dc+sd-jwt)`).
        credential_type: String,
        /// What the profile accepts, the same way.
        accepted: Vec<String>,
    },
    /// Claims the checkpoint's profile requires were not disclosed.
    #[error("required claim(s) not disclosed: {}", .claims.join(", "))]
    ClaimMissing {
        /// The claims, as paths (`birth_date`, `address.country`).
        claims: Vec<String>,
    },
    /// An OpenID4VP answer as a whole is not what was asked (OpenID4VP 1.0 §8.1,
    /// §8.6): a presentation filed under a query the request did not make or that
    /// does not accept it, several where one was asked, none at all.
    #[error("the wallet's answer is not acceptable: {0}")]
    AnswerInvalid(String),
    /// A disclosed claim fails a predicate of the checkpoint's profile.
    #[error("{found} (required: {predicate})")]
    PredicateFailed {
        /// The rule (`age at least 18`, `expiry_date not passed`).
        predicate: String,
        /// What the claim holds, and what that means on the day checked
        /// (`birth_date 2009-03-01: age 17 on 2026-11-24`).
        found: String,
    },
}

impl Rejection {
    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::UnknownFormat(_) => "format_unknown",
            Rejection::Jws(e) => e.code(),
            Rejection::SdJwt(e) => e.code(),
            Rejection::Credential(e) => e.code(),
            Rejection::Did(e) => e.code(),
            Rejection::Jwk(e) => e.code(),
            Rejection::Schema(e) => e.code(),
            Rejection::Status(e) => e.code(),
            Rejection::StatusListInvalid { .. } => "status_list_invalid",
            Rejection::Revoked { .. } => "credential_revoked",
            Rejection::Suspended { .. } => "credential_suspended",
            Rejection::StatusOther { .. } => "credential_status_unknown",
            Rejection::KeyValidity(e) => e.code(),
            Rejection::IssuerUnknown { .. } => "issuer_unknown",
            Rejection::NotAccredited { .. } => "issuer_not_accredited",
            Rejection::StatusListIssuerMismatch { .. } => "status_list_issuer_mismatch",
            Rejection::LedgerUnavailable(_) => "registry_unreachable",
            Rejection::StatusListStale { .. } | Rejection::StatusListTooOld { .. } => {
                "status_list_stale"
            }
            Rejection::StatusUnavailable { .. } => "status_unavailable",
            Rejection::CredentialTypeNotAccepted { .. } => "credential_type_not_accepted",
            Rejection::ClaimMissing { .. } => "claim_missing",
            Rejection::PredicateFailed { .. } => "predicate_failed",
            Rejection::AnswerInvalid(_) => "vp_token_invalid",
        }
    }
}
