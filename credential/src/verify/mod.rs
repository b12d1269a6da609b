//! Verifying a credential or presentation end to end, as `sigillum verify` and the
//! services do: every check runs, each is reported with a stable code and a sentence.
//!
//! Two levels (CONVENTIONS.md "Errors"): `Err(VerifyError)` means Sigillum could not
//! check at all; `Ok(report)` with `report.valid == false` means it checked and the
//! credential is invalid, and `report.checks` says every reason.
//!
//! ```text
//!  SD-JWT VC: format → issuer_key → issuer_signature → disclosures → credential_claims
//!             → validity → key_binding → schema → status
//!  VC-JWT:    format → issuer_key → issuer_signature → data_model → validity → schema → status
//! ```
//!
//! The algorithm list and the clock come from the caller, never from the token.

mod issuer_key;
mod jwt_vc;
mod list_cache;
mod rejection;
mod report;
mod sd_jwt_vc;
mod status;

pub use issuer_key::{IssuerKey, issuer_and_kid};
pub use list_cache::{MAX_CACHED_LISTS, VerifiedLists};
pub use rejection::Rejection;
pub use report::{Check, Format, Report};

use crate::key::Alg;
use crate::schema::{CredentialTypes, SchemaError};
use crate::time::Clock;

/// Largest presentation accepted (1 MiB).
pub const MAX_PRESENTATION_LEN: usize = 1024 * 1024;
/// Largest decompressed status list accepted (4 MiB: 32 Mi one-bit entries).
pub const MAX_STATUS_LIST_BYTES: usize = 4 * 1024 * 1024;
/// Largest signed status list read (8 MiB): the base64url of a list that compresses
/// as badly as one of [`MAX_STATUS_LIST_BYTES`] can, with room for its other claims.
pub const MAX_LIST_TOKEN_BYTES: usize = 8 * 1024 * 1024;

/// What the verifier requires. The token's header never chooses any of this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Accepted signature algorithms.
    pub algs: Vec<Alg>,
    /// Clock skew allowed on validity windows and KB `iat`, in seconds.
    pub leeway_secs: i64,
    /// Require key binding even for credentials without `cnf` (with `cnf`, it is always required).
    pub require_key_binding: bool,
    /// The nonce the verifier issued, compared with the KB-JWT's.
    pub nonce: Option<String>,
    /// The verifier's identifier, compared with the KB-JWT's `aud`.
    pub aud: Option<String>,
    /// Oldest acceptable KB-JWT, in seconds.
    pub kb_max_age_secs: i64,
    /// Fail when the credential has a status entry and no list is available.
    pub require_status: bool,
    /// Oldest acceptable status list, by its `iat` / `validFrom` (a checkpoint
    /// profile's maximum staleness); `None` accepts any unexpired list.
    pub max_status_age_secs: Option<i64>,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            algs: Alg::ALL.to_vec(),
            leeway_secs: 60,
            require_key_binding: false,
            nonce: None,
            aud: None,
            kb_max_age_secs: 300,
            require_status: false,
            max_status_age_secs: None,
        }
    }
}

/// What is verified, and against what.
pub struct VerifyInput<'a> {
    /// The presentation or credential text (SD-JWT VC, with or without KB; or VC-JWT).
    pub presented: &'a str,
    /// Where the issuer's key comes from.
    pub issuer_key: IssuerKey,
    /// Signed status lists for the credential's status entries: `statuslist+jwt`
    /// tokens for an SD-JWT VC, `vc+jwt` BitstringStatusListCredentials for a VC-JWT.
    /// Each entry is checked against the list whose `sub` (token) or `id`
    /// (credential) is the entry's URI; a single list given is used for the (only)
    /// entry whatever its URI says, so a mismatch is reported rather than skipped.
    pub status_lists: &'a [&'a str],
    /// Other keys of the credential's issuer that may have signed its status lists
    /// (a service that resolved the issuer's key history passes the keys valid when
    /// each list was signed; the credential's own key is always tried first).
    pub status_list_keys: &'a [crate::key::PublicKey],
    /// Status lists already verified by earlier calls (a service keeps one for its
    /// lifetime); `None` verifies and decodes every list on every call.
    pub list_cache: Option<&'a VerifiedLists>,
    /// The verifier's clock.
    pub clock: &'a dyn Clock,
}

/// Sigillum could not check (as opposed to "checked, invalid").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The embedded credential type specifications did not load.
    #[error("credential type specifications unavailable: {0}")]
    Schemas(#[from] SchemaError),
}

/// Verifies one credential or presentation and reports every check.
///
/// # Errors
/// [`VerifyError`] only when verification could not run at all.
pub fn verify(input: &VerifyInput<'_>, policy: &VerifyPolicy) -> Result<Report, VerifyError> {
    let types = CredentialTypes::builtin()?;
    let text = input.presented.trim();
    if text.starts_with('{') {
        // RFC 9901 §8 JSON serialization: verify its first signature's compact equivalent.
        let compact = match crate::sd_jwt::json_serialization::to_compact(text.as_bytes()) {
            Ok(forms) => forms.into_iter().next().unwrap_or_default(),
            Err(e) => {
                let mut report = Report::new(Format::SdJwtVc);
                report.push(Check::failed("format", &e.into()));
                return Ok(report.finish());
            }
        };
        return Ok(sd_jwt_vc::verify(&compact, input, policy, types));
    }
    Ok(if text.contains('~') {
        sd_jwt_vc::verify(text, input, policy, types)
    } else {
        jwt_vc::verify(text, input, policy, types)
    })
}

#[cfg(test)]
mod tests;
