//! One entry of `credential_configurations_supported` (OpenID4VCI 1.0 §12.2.4), with
//! the format members of Appendix A.1.1.2 (`jwt_vc_json`) and A.3.2 (`dc+sd-jwt`),
//! and the claims descriptions of Appendix B.2.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MAX_CLAIMS, MetadataError, claims_conflict, non_empty, unique_locales};
use crate::oid4vci::error::clip;
use crate::oid4vci::{FORMAT_DC_SD_JWT, FORMAT_JWT_VC_JSON};
use crate::sd_jwt::ClaimPath;
use crate::sd_jwt::path::pointer as claim_path;

/// A Credential Format Identifier (Appendix A). The two we implement are variants;
/// any other is kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum CredentialFormat {
    /// `dc+sd-jwt`: IETF SD-JWT VC (Appendix A.3).
    DcSdJwt,
    /// `jwt_vc_json`: W3C VC signed as a JWT, not using JSON-LD (Appendix A.1.1).
    JwtVcJson,
    /// Any other format (`mso_mdoc`, `ldp_vc`, …).
    Other(String),
}

impl CredentialFormat {
    /// The identifier as written on the wire.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            CredentialFormat::DcSdJwt => FORMAT_DC_SD_JWT,
            CredentialFormat::JwtVcJson => FORMAT_JWT_VC_JSON,
            CredentialFormat::Other(other) => other,
        }
    }
}

impl From<String> for CredentialFormat {
    fn from(text: String) -> Self {
        match text.as_str() {
            FORMAT_DC_SD_JWT => CredentialFormat::DcSdJwt,
            FORMAT_JWT_VC_JSON => CredentialFormat::JwtVcJson,
            _ => CredentialFormat::Other(text),
        }
    }
}

impl From<CredentialFormat> for String {
    fn from(format: CredentialFormat) -> Self {
        match format {
            CredentialFormat::Other(text) => text,
            known => known.as_str().to_owned(),
        }
    }
}

/// A credential signing algorithm: a JOSE name (`ES256`) or, for `mso_mdoc`, a COSE
/// algorithm number (`-7`), as in Appendix A.2.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SigningAlgorithm {
    /// A JOSE algorithm name.
    Jose(String),
    /// A COSE algorithm identifier.
    Cose(i64),
}

/// A Credential Configuration (§12.2.4 and the format's Appendix A section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialConfiguration {
    /// The Credential Format Identifier.
    pub format: CredentialFormat,
    /// OAuth scope value for this configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `dc+sd-jwt`: the credential type (REQUIRED, Appendix A.3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    /// `jwt_vc_json`: the VC types (REQUIRED, Appendix A.1.1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_definition: Option<CredentialDefinition>,
    /// How the credential is bound to the holder's key (`jwk`, `did:…`, `cose_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptographic_binding_methods_supported: Option<Vec<String>>,
    /// Algorithms the issuer signs this credential with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_signing_alg_values_supported: Option<Vec<SigningAlgorithm>>,
    /// Accepted key proof types (`jwt`, …) and their algorithms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_types_supported: Option<BTreeMap<String, ProofTypeMetadata>>,
    /// Display and claims information (1.0 final's home for both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_metadata: Option<CredentialMetadata>,
}

/// `credential_definition` for `jwt_vc_json` (Appendix A.1.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialDefinition {
    /// The VC `type` values.
    #[serde(rename = "type")]
    pub types: Vec<String>,
}

/// One entry of `proof_types_supported` (§12.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofTypeMetadata {
    /// Algorithms accepted for proofs of this type; non-empty.
    pub proof_signing_alg_values_supported: Vec<String>,
}

/// `credential_metadata` (§12.2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialMetadata {
    /// How to show the credential, per language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<Vec<CredentialDisplay>>,
    /// The claims, in display order (Appendix B.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<ClaimDescription>>,
}

/// One entry of `credential_metadata.display` (§12.2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialDisplay {
    /// The credential's display name (REQUIRED).
    pub name: String,
    /// BCP 47 language tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The credential's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Image>,
    /// A description of the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// CSS color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Background image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_image: Option<Image>,
    /// CSS color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
}

/// A logo or background image reference (§12.2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Where to get it (`https:`, `data:`, …).
    pub uri: String,
    /// Alternative text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// A claims description for issuer metadata (Appendix B.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimDescription {
    /// Claims path pointer (Appendix C); non-empty.
    #[serde(with = "crate::sd_jwt::path::pointer")]
    pub path: ClaimPath,
    /// Whether the issuer always includes the claim (absent means `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory: Option<bool>,
    /// How to label the claim, per language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<Vec<ClaimDisplay>>,
}

/// One entry of a claims description's `display` (Appendix B.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimDisplay {
    /// The claim's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// BCP 47 language tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl CredentialConfiguration {
    /// Checks the rules of §12.2.4, the format's Appendix A section and Appendix B.3,
    /// for the formats we implement; other formats pass unjudged (see the module docs).
    pub(super) fn validate(&self, id: &str) -> Result<(), MetadataError> {
        let format = match self.format {
            CredentialFormat::DcSdJwt => FORMAT_DC_SD_JWT,
            CredentialFormat::JwtVcJson => FORMAT_JWT_VC_JSON,
            CredentialFormat::Other(_) => return Ok(()),
        };
        let missing = |member| MetadataError::FormatMemberMissing {
            id: clip(id),
            format,
            member,
        };
        match &self.format {
            CredentialFormat::DcSdJwt if self.vct.as_deref().is_none_or(str::is_empty) => {
                return Err(missing("vct"));
            }
            CredentialFormat::JwtVcJson => match &self.credential_definition {
                None => return Err(missing("credential_definition")),
                Some(d) => non_empty(&field(id, "credential_definition.type"), &d.types)?,
            },
            _ => {}
        }
        if let Some(methods) = &self.cryptographic_binding_methods_supported {
            non_empty(
                &field(id, "cryptographic_binding_methods_supported"),
                methods,
            )?;
        }
        if let Some(algs) = &self.credential_signing_alg_values_supported {
            non_empty(&field(id, "credential_signing_alg_values_supported"), algs)?;
        }
        if self.cryptographic_binding_methods_supported.is_some()
            != self.proof_types_supported.is_some()
        {
            return Err(MetadataError::ProofTypesBindingMismatch { id: clip(id) });
        }
        for (name, proof_type) in self.proof_types_supported.iter().flatten() {
            let where_ = format!("proof_types_supported.{name}.proof_signing_alg_values_supported");
            non_empty(
                &field(id, &where_),
                &proof_type.proof_signing_alg_values_supported,
            )?;
        }
        if let Some(metadata) = &self.credential_metadata {
            metadata.validate(id)?;
        }
        Ok(())
    }
}

impl CredentialMetadata {
    fn validate(&self, id: &str) -> Result<(), MetadataError> {
        if let Some(display) = &self.display {
            let where_ = field(id, "credential_metadata.display");
            non_empty(&where_, display)?;
            unique_locales(&where_, display.iter().map(|d| d.locale.as_deref()))?;
        }
        let Some(claims) = &self.claims else {
            return Ok(());
        };
        non_empty(&field(id, "credential_metadata.claims"), claims)?;
        if claims.len() > MAX_CLAIMS {
            return Err(MetadataError::TooManyClaims {
                id: clip(id),
                count: claims.len(),
                max: MAX_CLAIMS,
            });
        }
        for (i, claim) in claims.iter().enumerate() {
            if claim.path.0.is_empty() {
                return Err(MetadataError::ClaimPathEmpty { id: clip(id) });
            }
            if let Some(display) = &claim.display {
                let where_ = field(id, "credential_metadata.claims.display");
                non_empty(&where_, display)?;
                unique_locales(&where_, display.iter().map(|d| d.locale.as_deref()))?;
            }
            let earlier = claims.iter().take(i);
            if let Some(other) = earlier
                .into_iter()
                .find(|o| claims_conflict(&o.path, &claim.path))
            {
                return Err(MetadataError::ClaimsConflict {
                    id: clip(id),
                    first: clip(&claim_path::to_text(&other.path)),
                    second: clip(&claim_path::to_text(&claim.path)),
                });
            }
        }
        Ok(())
    }
}

fn field(id: &str, member: &str) -> String {
    format!("credential_configurations_supported.{}.{member}", clip(id))
}
