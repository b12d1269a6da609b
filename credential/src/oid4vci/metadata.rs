//! Credential Issuer Metadata (OpenID4VCI 1.0 §12.2), as served at
//! `/.well-known/openid-credential-issuer` and read by the wallet.
//!
//! 1.0 final moved a configuration's `display` and `claims` under
//! `credential_metadata` (§12.2.4); we follow it and read nothing at the old places.
//! Members we do not use (encryption, deferred and notification endpoints, key
//! attestation requirements, format members of other profiles) are ignored, as
//! §12.2.4 requires of unrecognized parameters, and are not written back.
//!
//! Validation scope: the top-level rules always; a configuration's rules only for
//! the two formats we issue and hold (`dc+sd-jwt`, `jwt_vc_json`). Configurations of
//! other formats are carried unjudged: we can neither issue nor store them, and a
//! wallet should not refuse an issuer for what it would never use.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{MessageError, clip, parse_json, to_json};
use super::url::{self, UrlError};
use crate::sd_jwt::ClaimPath;

mod configuration;

pub use configuration::{
    ClaimDescription, ClaimDisplay, CredentialConfiguration, CredentialDefinition,
    CredentialDisplay, CredentialFormat, CredentialMetadata, Image, ProofTypeMetadata,
    SigningAlgorithm,
};

/// Largest metadata document accepted.
pub const MAX_METADATA_LEN: usize = 256 * 1024;
/// Most claims descriptions checked in one configuration (the conflict check is quadratic).
pub const MAX_CLAIMS: usize = 1024;
/// The well-known path segment of §12.2.2.
pub const WELL_KNOWN_SEGMENT: &str = "/.well-known/openid-credential-issuer";

/// Why Credential Issuer Metadata was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// Too large, not strict JSON, or mis-shaped.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// `credential_issuer` is not the identifier the metadata was fetched for
    /// (§12.2.4: "the data contained in the response MUST NOT be used").
    #[error("metadata is for \"{found}\", but was fetched for \"{expected}\"")]
    IssuerMismatch {
        /// The identifier the wallet fetched.
        expected: String,
        /// The `credential_issuer` in the document.
        found: String,
    },
    /// A URL member breaks its rule (§12.2.1, §12.2.4).
    #[error("{field} \"{url}\": {reason}")]
    UrlInvalid {
        /// The member.
        field: &'static str,
        /// Its value.
        url: String,
        /// The rule broken.
        reason: UrlError,
    },
    /// `batch_size` under 2 (§12.2.4: "It MUST be 2 or greater").
    #[error("batch_size {batch_size} is under 2")]
    BatchSizeTooSmall {
        /// The value given.
        batch_size: u32,
    },
    /// An array the spec requires to be non-empty is empty.
    #[error("{field} is an empty array")]
    EmptyArray {
        /// Where, e.g. `credential_configurations_supported.X.credential_metadata.display`.
        field: String,
    },
    /// Two display objects for one language (§12.2.4: "only one object for each language identifier").
    #[error("{field} has two objects for locale \"{locale}\"")]
    DuplicateLocale {
        /// Where.
        field: String,
        /// The repeated language tag.
        locale: String,
    },
    /// A member the configuration's format requires is missing (Appendix A.1.1.2, A.3.2).
    #[error("configuration \"{id}\" of format {format} has no {member}")]
    FormatMemberMissing {
        /// The configuration id.
        id: String,
        /// Its format.
        format: &'static str,
        /// The missing member.
        member: &'static str,
    },
    /// `proof_types_supported` without `cryptographic_binding_methods_supported`, or
    /// the reverse (§12.2.4: present together or not at all).
    #[error(
        "configuration \"{id}\": proof_types_supported and cryptographic_binding_methods_supported must be present together"
    )]
    ProofTypesBindingMismatch {
        /// The configuration id.
        id: String,
    },
    /// A claims description with an empty `path` (Appendix B.2: "a non-empty array").
    #[error("configuration \"{id}\" has a claims description with an empty path")]
    ClaimPathEmpty {
        /// The configuration id.
        id: String,
    },
    /// Two claims descriptions address the same claim, or contradict each other
    /// (Appendix B.3: "the processing MUST be aborted").
    #[error("configuration \"{id}\": claims {first} and {second} are repeated or contradictory")]
    ClaimsConflict {
        /// The configuration id.
        id: String,
        /// The first path, as JSON.
        first: String,
        /// The second path, as JSON.
        second: String,
    },
    /// More claims descriptions than [`MAX_CLAIMS`].
    #[error("configuration \"{id}\" has {count} claims descriptions, over the limit of {max}")]
    TooManyClaims {
        /// The configuration id.
        id: String,
        /// Descriptions given.
        count: usize,
        /// Descriptions allowed.
        max: usize,
    },
}

impl MetadataError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            MetadataError::Message(e) => e.code(),
            MetadataError::IssuerMismatch { .. } => "metadata_issuer_mismatch",
            MetadataError::UrlInvalid { .. } => "metadata_url_invalid",
            MetadataError::BatchSizeTooSmall { .. } => "metadata_batch_size_invalid",
            MetadataError::EmptyArray { .. } => "metadata_empty_array",
            MetadataError::DuplicateLocale { .. } => "metadata_duplicate_locale",
            MetadataError::FormatMemberMissing { .. } => "metadata_format_member_missing",
            MetadataError::ProofTypesBindingMismatch { .. } => {
                "metadata_proof_types_binding_mismatch"
            }
            MetadataError::ClaimPathEmpty { .. } => "metadata_claim_path_empty",
            MetadataError::ClaimsConflict { .. } => "metadata_claims_conflict",
            MetadataError::TooManyClaims { .. } => "metadata_too_many_claims",
        }
    }
}

/// Credential Issuer Metadata (§12.2.4), the members we use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialIssuerMetadata {
    /// The Credential Issuer Identifier (§12.2.1).
    pub credential_issuer: String,
    /// Authorization Servers the issuer relies on; absent means the issuer is its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_servers: Option<Vec<String>>,
    /// The Credential Endpoint (§8).
    pub credential_endpoint: String,
    /// The Nonce Endpoint (§7); absent means no `c_nonce` is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_endpoint: Option<String>,
    /// Present when more than one proof may be sent in one Credential Request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_credential_issuance: Option<BatchCredentialIssuance>,
    /// How to show the issuer, per language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<Vec<IssuerDisplay>>,
    /// What can be issued, by configuration id.
    pub credential_configurations_supported: BTreeMap<String, CredentialConfiguration>,
}

/// `batch_credential_issuance` (§12.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCredentialIssuance {
    /// Most proofs accepted in one Credential Request; at least 2.
    pub batch_size: u32,
}

/// One entry of the issuer's `display` (§12.2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerDisplay {
    /// The issuer's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// BCP 47 language tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The issuer's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Image>,
}

impl CredentialIssuerMetadata {
    /// Parses metadata fetched for `expected_issuer` and checks it: the document's
    /// `credential_issuer` must equal `expected_issuer` exactly (§12.2.4), then
    /// [`CredentialIssuerMetadata::validate`].
    ///
    /// # Errors
    /// [`MetadataError::Message`] for oversize, non-strict or mis-shaped JSON;
    /// [`MetadataError::IssuerMismatch`]; otherwise as [`CredentialIssuerMetadata::validate`].
    pub fn from_json(text: &str, expected_issuer: &str) -> Result<Self, MetadataError> {
        let metadata: Self = parse_json(text, MAX_METADATA_LEN, "credential issuer metadata")?;
        if metadata.credential_issuer != expected_issuer {
            return Err(MetadataError::IssuerMismatch {
                expected: clip(expected_issuer),
                found: clip(&metadata.credential_issuer),
            });
        }
        metadata.validate()?;
        Ok(metadata)
    }

    /// The document as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// Checks the §12.2.4 rules, and each configuration of a format we implement.
    ///
    /// # Errors
    /// The first rule broken, as a [`MetadataError`] naming the member.
    pub fn validate(&self) -> Result<(), MetadataError> {
        check_url(
            url::check_identifier,
            "credential_issuer",
            &self.credential_issuer,
        )?;
        if let Some(servers) = &self.authorization_servers {
            non_empty("authorization_servers", servers)?;
            for server in servers {
                check_url(url::check_identifier, "authorization_servers", server)?;
            }
        }
        check_url(
            url::check_endpoint,
            "credential_endpoint",
            &self.credential_endpoint,
        )?;
        if let Some(nonce) = &self.nonce_endpoint {
            check_url(url::check_endpoint, "nonce_endpoint", nonce)?;
        }
        if let Some(batch) = self.batch_credential_issuance
            && batch.batch_size < 2
        {
            return Err(MetadataError::BatchSizeTooSmall {
                batch_size: batch.batch_size,
            });
        }
        if let Some(display) = &self.display {
            non_empty("display", display)?;
            unique_locales("display", display.iter().map(|d| d.locale.as_deref()))?;
        }
        for (id, configuration) in &self.credential_configurations_supported {
            configuration.validate(id)?;
        }
        Ok(())
    }

    /// The most proofs one Credential Request may carry: `batch_size`, or 1 without batch issuance.
    #[must_use]
    pub fn max_proofs(&self) -> usize {
        self.batch_credential_issuance
            .map_or(1, |b| usize::try_from(b.batch_size).unwrap_or(usize::MAX))
    }
}

/// Where the metadata of `credential_issuer` is published (§12.2.2): the well-known
/// segment goes between the host and the path, and a trailing `/` of the path is
/// dropped (as RFC 8414 §3.1 does for the same construction).
///
/// # Errors
/// [`UrlError`] when `credential_issuer` is not a Credential Issuer Identifier.
pub fn metadata_url(credential_issuer: &str) -> Result<String, UrlError> {
    url::check_identifier(credential_issuer)?;
    let (origin, path) = url::split_origin(credential_issuer);
    Ok(format!(
        "{origin}{WELL_KNOWN_SEGMENT}{}",
        path.trim_end_matches('/')
    ))
}

fn check_url(
    rule: fn(&str) -> Result<(), UrlError>,
    field: &'static str,
    value: &str,
) -> Result<(), MetadataError> {
    rule(value).map_err(|reason| MetadataError::UrlInvalid {
        field,
        url: clip(value),
        reason,
    })
}

pub(crate) fn non_empty<T>(field: &str, items: &[T]) -> Result<(), MetadataError> {
    if items.is_empty() {
        return Err(MetadataError::EmptyArray {
            field: field.to_owned(),
        });
    }
    Ok(())
}

/// §12.2.4 and Appendix B.2: "There MUST be only one object for each language identifier."
pub(crate) fn unique_locales<'a>(
    field: &str,
    locales: impl Iterator<Item = Option<&'a str>>,
) -> Result<(), MetadataError> {
    let mut seen: Vec<&str> = Vec::new();
    for locale in locales.flatten() {
        if seen.contains(&locale) {
            return Err(MetadataError::DuplicateLocale {
                field: field.to_owned(),
                locale: clip(locale),
            });
        }
        seen.push(locale);
    }
    Ok(())
}

/// Appendix B.3: two claims descriptions conflict when they address the same claim,
/// when one selects all elements (`null`) of an array and the other one element, or
/// when one treats a claim as an object (string) and the other as an array.
pub(crate) fn claims_conflict(a: &ClaimPath, b: &ClaimPath) -> bool {
    use crate::sd_jwt::PathSegment::{All, Index, Key};
    for (x, y) in a.0.iter().zip(&b.0) {
        match (x, y) {
            _ if x == y => {}
            // Different members, or different elements: separate claims.
            (Key(_), Key(_)) | (Index(_), Index(_)) => return false,
            // null against an index, or object against array.
            (All | Index(_), _) | (Key(_), _) => return true,
        }
    }
    // Equal up to the shorter length: a conflict only if they are the same path;
    // a prefix addresses a parent claim, which is allowed.
    a.0.len() == b.0.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_url_inserts_between_host_and_path() {
        assert_eq!(
            metadata_url("https://issuer.example.com/tenant").unwrap(),
            "https://issuer.example.com/.well-known/openid-credential-issuer/tenant"
        );
        assert_eq!(
            metadata_url("https://tenant.issuer.example.com").unwrap(),
            "https://tenant.issuer.example.com/.well-known/openid-credential-issuer"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/.well-known/openid-credential-issuer"
        );
        assert_eq!(
            metadata_url("https://issuer.example.com?x=1"),
            Err(UrlError::Query)
        );
    }

    #[test]
    fn claims_conflicts_follow_appendix_b3() {
        let p = |text: &str| ClaimPath::from_pointer(&serde_json::from_str(text).unwrap()).unwrap();
        let conflict = |a: &str, b: &str| claims_conflict(&p(a), &p(b));
        assert!(conflict(r#"["address"]"#, r#"["address"]"#));
        assert!(conflict(r#"["degrees", null]"#, r#"["degrees", 0]"#));
        assert!(conflict(
            r#"["degrees", 0, "type"]"#,
            r#"["degrees", "type"]"#
        ));
        assert!(conflict(r#"["degrees", "type"]"#, r#"["degrees", null]"#));
        assert!(!conflict(
            r#"["address"]"#,
            r#"["address", "street_address"]"#
        ));
        assert!(!conflict(
            r#"["address", "locality"]"#,
            r#"["address", "region"]"#
        ));
        assert!(!conflict(r#"["degrees", 0]"#, r#"["degrees", 1]"#));
        assert!(!conflict(
            r#"["degrees", null, "type"]"#,
            r#"["degrees", null, "name"]"#
        ));
    }
}
