//! Credentials on top of the signature formats:
//!
//! - [`sd_jwt_vc`]: SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-18, `typ` `dc+sd-jwt`):
//!   `vct`, `iss`, validity, `cnf`, `status`, and the claims that must never be
//!   selectively disclosable (§3.2.2.2);
//! - [`jwt_vc`]: W3C VC Data Model 2.0 secured as `vc+jwt` (VC-JOSE-COSE §3.1.1),
//!   issued and verified; and VC Data Model 1.1 JWTs (the `vc` claim, §6.3.1 of
//!   VC DM 1.1), verified only;
//! - [`validity`]: NumericDate and dateTime validity windows with leeway.

pub mod jwt_vc;
pub mod sd_jwt_vc;
pub mod validity;

use crate::time::Timestamp;

/// Why a credential's claims were refused once its signature held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// A required claim is absent.
    #[error("required claim \"{0}\" is missing")]
    ClaimMissing(&'static str),
    /// A claim has the wrong JSON type (a string `exp` is invalid, never "absent").
    #[error("claim \"{name}\" must be {expected}")]
    ClaimTypeInvalid {
        /// The claim.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// A claim that must always be visible was selectively disclosed (SD-JWT VC §3.2.2.2).
    #[error("claim \"{0}\" must not be selectively disclosable")]
    ClaimSelectivelyDisclosed(String),
    /// `exp` / `validUntil` has passed.
    #[error("credential expired at {valid_until} (checked at {now})")]
    Expired {
        /// The verifier's time.
        now: Timestamp,
        /// The end of validity.
        valid_until: Timestamp,
    },
    /// `nbf` / `validFrom` is still in the future.
    #[error("credential not valid before {valid_from} (checked at {now})")]
    NotYetValid {
        /// The verifier's time.
        now: Timestamp,
        /// The start of validity.
        valid_from: Timestamp,
    },
    /// The VC data model is violated (VC DM 2.0 §4).
    #[error("not a valid W3C credential: {0}")]
    DataModel(String),
    /// The header `typ` names another kind of token.
    #[error("token type {found:?} is not a credential type accepted here ({expected})")]
    WrongTyp {
        /// What was accepted.
        expected: &'static str,
        /// What the header said.
        found: Option<String>,
    },
}

impl CredentialError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            CredentialError::ClaimMissing(_) => "claim_missing",
            CredentialError::ClaimTypeInvalid { .. } => "claim_type_invalid",
            CredentialError::ClaimSelectivelyDisclosed(_) => "claim_selectively_disclosed",
            CredentialError::Expired { .. } => "credential_expired",
            CredentialError::NotYetValid { .. } => "credential_not_yet_valid",
            CredentialError::DataModel(_) => "vc_data_model_invalid",
            CredentialError::WrongTyp { .. } => "typ_mismatch",
        }
    }
}
