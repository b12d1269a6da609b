//! Selective Disclosure for JWTs (SD-JWT), RFC 9901 (tested against the vectors of
//! draft-ietf-oauth-selective-disclosure-jwt-22, whose examples RFC 9901 keeps).
//!
//! ```text
//!  issuer:   claims + frame ──conceal──▶ payload with _sd digests + Disclosures ──sign──▶ SD-JWT
//!  holder:   SD-JWT ──process (§7.1)──▶ check ──select──▶ SD-JWT with fewer Disclosures ──KB-JWT──▶ SD-JWT+KB
//!  verifier: SD-JWT+KB ──parse──▶ SdJwt ──verify issuer sig, process (§7.1), key binding (§7.3)──▶ VerifiedSdJwt
//! ```
//!
//! Only `sha-256` is accepted as `_sd_alg` (§4.1.1: the default, and the only one
//! HAIP requires). Every MUST of §7.1 and §7.3 maps to one [`SdJwtError`] variant.

mod disclosure;
mod issue;
pub mod json_serialization;
mod key_binding;
pub(crate) mod path;
mod present;
mod process;
mod serialization;

pub use disclosure::Disclosure;
pub use issue::{Frame, IssueOptions, conceal, issue};
pub(crate) use key_binding::verify as verify_key_binding;
pub use key_binding::{KbPolicy, KeyBindingClaims, sign_key_binding};
pub use path::{ClaimPath, PathSegment};
pub use present::{present, select_disclosures};
pub use process::{DisclosedClaim, Processed, process};
pub(crate) use serialization::holder_key;
pub use serialization::{SdJwt, VerifiedSdJwt, sd_hash};

use crate::jws::JwsError;

/// The only hash algorithm accepted for `_sd_alg` (RFC 9901 §4.1.1, IANA "sha-256").
pub const SD_ALG: &str = "sha-256";
/// Most Disclosures accepted in one SD-JWT.
pub const MAX_DISCLOSURES: usize = 1024;
/// Most digests (real and decoy) processed in one SD-JWT payload.
pub const MAX_DIGESTS: usize = 4 * MAX_DISCLOSURES;
/// Deepest nesting of objects, arrays and recursive Disclosures processed.
pub const MAX_DEPTH: usize = 64;

/// Why an SD-JWT or SD-JWT+KB was refused (RFC 9901 §7).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdJwtError {
    /// Not an SD-JWT in compact form (§4).
    #[error("malformed SD-JWT: {0}")]
    Malformed(&'static str),
    /// The Issuer-signed JWT was refused (§7.1 step 2).
    #[error("issuer-signed JWT: {0}")]
    IssuerJws(JwsError),
    /// `_sd_alg` names a hash we do not accept (§7.1 step 2.4).
    #[error("_sd_alg \"{0}\" is not accepted (only sha-256)")]
    SdAlgUnsupported(String),
    /// A Disclosure is not a base64url JSON array of the right shape (§4.2).
    #[error("disclosure {index} is malformed: {why}")]
    DisclosureMalformed {
        /// Position among the Disclosures, from 0.
        index: usize,
        /// What is wrong.
        why: &'static str,
    },
    /// A Disclosure names the claim `_sd` or `...` (§7.1 step 3.3.2.2).
    #[error("a disclosure uses the reserved claim name \"{0}\"")]
    ClaimNameForbidden(String),
    /// An object-property digest points at an array-element Disclosure or vice versa (§7.1 steps 3.3.2.1, 3.3.3.1).
    #[error(
        "disclosure {digest} has the wrong number of elements for where its digest appears (expected {expected})"
    )]
    WrongArity {
        /// The digest.
        digest: String,
        /// 3 for an object property, 2 for an array element.
        expected: usize,
    },
    /// A disclosed claim name already exists at that level (§7.1 step 3.3.2.3).
    #[error("disclosed claim \"{0}\" already exists in the same object")]
    ClaimAlreadyExists(String),
    /// A digest appears more than once (§7.1 step 4).
    #[error("digest {0} appears more than once")]
    DuplicateDigest(String),
    /// A Disclosure matches no digest (§7.1 step 5): tampered, or from another SD-JWT.
    #[error("disclosure {0} matches no digest in the issuer-signed JWT")]
    DisclosureDigestMismatch(String),
    /// `_sd` is not an array of strings, or `...` is not a lone string member (§4.2.4).
    #[error("invalid digest container: {0}")]
    DigestContainerInvalid(&'static str),
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// More than [`MAX_DISCLOSURES`] Disclosures.
    #[error("{0} disclosures, over the limit of {MAX_DISCLOSURES}")]
    TooManyDisclosures(usize),
    /// More than [`MAX_DIGESTS`] digests in the payload.
    #[error("more than {0} digests in the payload")]
    TooManyDigests(usize),
    /// Key Binding is required by policy and the presentation has none (§7.3 step 2).
    #[error("key binding is required but the presentation has no KB-JWT")]
    KeyBindingMissing,
    /// The holder received an SD-JWT+KB from an issuer (§7.2).
    #[error("an issuer must send an SD-JWT without key binding")]
    KeyBindingUnexpected,
    /// No usable holder key (`cnf.jwk`, §4.1.2) to check the KB-JWT with.
    #[error("no usable holder key in cnf: {0}")]
    HolderKeyInvalid(String),
    /// The KB-JWT itself was refused (signature, algorithm, typ, structure).
    #[error("key binding JWT: {0}")]
    KeyBindingJws(JwsError),
    /// A KB-JWT claim is missing or of the wrong type (§4.3).
    #[error("key binding JWT claim \"{0}\" is missing or of the wrong type")]
    KeyBindingClaimInvalid(&'static str),
    /// `nonce` differs from the verifier's (§7.3 step 5.6).
    #[error("key binding nonce {found:?} does not match the expected {expected:?}")]
    NonceMismatch {
        /// The verifier's nonce.
        expected: String,
        /// The KB-JWT's nonce.
        found: String,
    },
    /// `aud` differs from the verifier's (§7.3 step 5.6).
    #[error("key binding audience {found:?} does not match the expected {expected:?}")]
    AudienceMismatch {
        /// The verifier's identifier.
        expected: String,
        /// The KB-JWT's `aud`.
        found: String,
    },
    /// `sd_hash` does not cover this presentation (§7.3 step 5.7).
    #[error("key binding sd_hash does not match the presented SD-JWT")]
    SdHashMismatch,
    /// The KB-JWT's own `exp` has passed (§7.3 step 5.8; RFC 7519 §4.1.4).
    #[error("key binding JWT expired at {exp} (checked at {now})")]
    KeyBindingExpired {
        /// The KB-JWT's `exp`.
        exp: i64,
        /// The verifier's time.
        now: i64,
    },
    /// The KB-JWT's own `nbf` is still in the future (§7.3 step 5.8; RFC 7519 §4.1.5).
    #[error("key binding JWT not valid before {nbf} (checked at {now})")]
    KeyBindingNotYetValid {
        /// The KB-JWT's `nbf`.
        nbf: i64,
        /// The verifier's time.
        now: i64,
    },
    /// `iat` is outside the acceptable window (§7.3 step 5.5).
    #[error("key binding iat {iat} is outside the accepted window at {now}")]
    KeyBindingIatInvalid {
        /// The KB-JWT's `iat`.
        iat: i64,
        /// The verifier's time.
        now: i64,
    },
}

impl SdJwtError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            SdJwtError::Malformed(_) => "sd_jwt_malformed",
            SdJwtError::IssuerJws(e) => e.code(),
            SdJwtError::SdAlgUnsupported(_) => "sd_alg_unsupported",
            SdJwtError::DisclosureMalformed { .. } => "disclosure_malformed",
            SdJwtError::ClaimNameForbidden(_) => "disclosure_claim_name_forbidden",
            SdJwtError::WrongArity { .. } => "disclosure_wrong_arity",
            SdJwtError::ClaimAlreadyExists(_) => "disclosure_claim_exists",
            SdJwtError::DuplicateDigest(_) => "disclosure_digest_duplicate",
            SdJwtError::DisclosureDigestMismatch(_) => "disclosure_digest_mismatch",
            SdJwtError::DigestContainerInvalid(_) => "sd_jwt_malformed",
            SdJwtError::TooDeep => "sd_jwt_too_deep",
            SdJwtError::TooManyDisclosures(_) | SdJwtError::TooManyDigests(_) => "input_too_large",
            SdJwtError::KeyBindingMissing => "key_binding_missing",
            SdJwtError::KeyBindingUnexpected => "key_binding_unexpected",
            SdJwtError::HolderKeyInvalid(_) => "holder_key_invalid",
            SdJwtError::KeyBindingJws(JwsError::SignatureInvalid { .. }) => {
                "key_binding_signature_invalid"
            }
            SdJwtError::KeyBindingJws(e) => e.code(),
            SdJwtError::KeyBindingClaimInvalid(_) => "key_binding_claim_invalid",
            SdJwtError::NonceMismatch { .. } => "key_binding_nonce_mismatch",
            SdJwtError::AudienceMismatch { .. } => "key_binding_aud_mismatch",
            SdJwtError::SdHashMismatch => "key_binding_sd_hash_mismatch",
            SdJwtError::KeyBindingIatInvalid { .. } => "key_binding_iat_invalid",
            SdJwtError::KeyBindingExpired { .. } => "key_binding_expired",
            SdJwtError::KeyBindingNotYetValid { .. } => "key_binding_not_yet_valid",
        }
    }
}

#[cfg(test)]
mod tests;
