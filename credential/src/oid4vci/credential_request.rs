//! Credential Request (OpenID4VCI 1.0 §8.2) and the Credential Endpoint's error
//! codes (§8.3.1.2).
//!
//! 1.0 final, pinned here:
//! - the credential is named by exactly one of `credential_configuration_id` and
//!   `credential_identifier`; both or neither is `invalid_credential_request`;
//! - key proofs travel only in `proofs`, an object with exactly one member named
//!   after the proof type whose value is a non-empty array. The draft-era singular
//!   `proof` member no longer exists: it is an unrecognized parameter and ignored,
//!   except that a request carrying `proof` without `proofs` is refused with
//!   [`CredentialRequestError::LegacyProofMember`] (`invalid_proof`: "the field is
//!   missing"), so an old wallet learns why;
//! - we accept the `jwt` proof type only (Appendix F.1); `di_vp` and `attestation`
//!   are refused with [`CredentialRequestError::UnsupportedProofType`];
//! - we do not encrypt responses, so `credential_response_encryption` is refused
//!   with `invalid_encryption_parameters` rather than answered in clear text, which
//!   §8.3 forbids once a wallet asked for encryption.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::{ErrorResponse, MessageError, clip, parse_object, to_json};
use super::proof::MAX_PROOF_JWT_LEN;

/// Longest `credential_configuration_id` or `credential_identifier` accepted.
pub const MAX_CREDENTIAL_ID_LEN: usize = 1024;

/// Caps the issuer chooses for Credential Requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest request body, in bytes.
    pub max_len: usize,
    /// Most proofs in `proofs` (the `batch_size` the issuer advertises, or 1).
    pub max_proofs: usize,
}

impl Default for RequestLimits {
    /// 64 KiB and a single proof (no batch issuance).
    fn default() -> Self {
        RequestLimits {
            max_len: 64 * 1024,
            max_proofs: 1,
        }
    }
}

/// Why a Credential Request was refused. [`CredentialRequestError::error_code`]
/// gives the §8.3.1.2 code for the response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialRequestError {
    /// Too large, not strict JSON (a repeated member included), or not an object.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// A member has the wrong JSON type.
    #[error("{field} must be {expected}")]
    FieldType {
        /// The member.
        field: &'static str,
        /// The type it must have.
        expected: &'static str,
    },
    /// A string member is empty.
    #[error("{field} is empty")]
    FieldEmpty {
        /// The member.
        field: &'static str,
    },
    /// A string member is too long.
    #[error("{field} is {len} bytes, over the limit of {max}")]
    FieldTooLong {
        /// The member.
        field: &'static str,
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Both `credential_configuration_id` and `credential_identifier` are present.
    #[error("credential_configuration_id and credential_identifier are both present")]
    BothCredentialIds,
    /// Neither `credential_configuration_id` nor `credential_identifier` is present.
    #[error("neither credential_configuration_id nor credential_identifier is present")]
    NoCredentialId,
    /// The wallet asked for an encrypted response, which we do not offer.
    #[error(
        "credential_response_encryption was requested, but this issuer does not encrypt responses"
    )]
    EncryptionUnsupported,
    /// The pre-1.0 `proof` member, without `proofs`.
    #[error("the request has the pre-1.0 \"proof\" member; 1.0 final requires \"proofs\"")]
    LegacyProofMember,
    /// No `proofs`, where the configuration requires key proofs.
    #[error("the proofs member is missing")]
    ProofsMissing,
    /// `proofs` does not have exactly one proof type member.
    #[error("proofs has {count} proof types; exactly one is required")]
    ProofTypeCount {
        /// Members given.
        count: usize,
    },
    /// A proof type other than `jwt`.
    #[error("proof type \"{proof_type}\" is not supported (only jwt)")]
    UnsupportedProofType {
        /// The type given.
        proof_type: String,
    },
    /// `proofs.jwt` is an empty array.
    #[error("proofs.jwt is empty")]
    ProofsEmpty,
    /// More proofs than the issuer's batch size.
    #[error("{count} proofs, over the limit of {max}")]
    TooManyProofs {
        /// Proofs given.
        count: usize,
        /// Proofs allowed.
        max: usize,
    },
    /// A `proofs.jwt` entry is not a string.
    #[error("proofs.jwt[{index}] is not a string")]
    ProofNotString {
        /// Its position.
        index: usize,
    },
    /// A `proofs.jwt` entry is over the size cap.
    #[error("proofs.jwt[{index}] is {len} bytes, over the limit of {max}")]
    ProofTooLarge {
        /// Its position.
        index: usize,
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
}

impl CredentialRequestError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        use CredentialRequestError as E;
        match self {
            E::Message(e) => e.code(),
            E::FieldType { .. } => "credential_request_field_type",
            E::FieldEmpty { .. } => "credential_request_field_empty",
            E::FieldTooLong { .. } => "credential_request_field_too_long",
            E::BothCredentialIds => "credential_request_both_ids",
            E::NoCredentialId => "credential_request_no_id",
            E::EncryptionUnsupported => "credential_response_encryption_unsupported",
            E::LegacyProofMember => "credential_request_legacy_proof",
            E::ProofsMissing => "proofs_missing",
            E::ProofTypeCount { .. } => "proofs_type_count",
            E::UnsupportedProofType { .. } => "proof_type_unsupported",
            E::ProofsEmpty => "proofs_empty",
            E::TooManyProofs { .. } => "proofs_too_many",
            E::ProofNotString { .. } => "proof_not_string",
            E::ProofTooLarge { .. } => "proof_too_large",
        }
    }

    /// The Credential Endpoint error code for this refusal (§8.3.1.2).
    #[must_use]
    pub fn error_code(&self) -> CredentialErrorCode {
        use CredentialRequestError as E;
        match self {
            E::Message(_)
            | E::FieldType { .. }
            | E::FieldEmpty { .. }
            | E::FieldTooLong { .. }
            | E::BothCredentialIds
            | E::NoCredentialId => CredentialErrorCode::InvalidCredentialRequest,
            E::EncryptionUnsupported => CredentialErrorCode::InvalidEncryptionParameters,
            E::LegacyProofMember
            | E::ProofsMissing
            | E::ProofTypeCount { .. }
            | E::UnsupportedProofType { .. }
            | E::ProofsEmpty
            | E::TooManyProofs { .. }
            | E::ProofNotString { .. }
            | E::ProofTooLarge { .. } => CredentialErrorCode::InvalidProof,
        }
    }
}

/// The Credential Endpoint's error codes (§8.3.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum CredentialErrorCode {
    /// Missing, unsupported or repeated parameter, or otherwise malformed.
    InvalidCredentialRequest,
    /// The Credential Configuration is unknown.
    UnknownCredentialConfiguration,
    /// The Credential identifier is unknown.
    UnknownCredentialIdentifier,
    /// `proofs` missing, a key proof invalid, or a proof without `c_nonce`.
    InvalidProof,
    /// A key proof's `c_nonce` is invalid; the wallet should fetch a new one.
    InvalidNonce,
    /// Encryption parameters invalid, or missing where encryption is required.
    InvalidEncryptionParameters,
    /// The issuer will not issue; not worth retrying.
    CredentialRequestDenied,
    /// A code we do not know, kept as received.
    Other(String),
}

impl CredentialErrorCode {
    /// The code as written on the wire.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            CredentialErrorCode::InvalidCredentialRequest => "invalid_credential_request",
            CredentialErrorCode::UnknownCredentialConfiguration => {
                "unknown_credential_configuration"
            }
            CredentialErrorCode::UnknownCredentialIdentifier => "unknown_credential_identifier",
            CredentialErrorCode::InvalidProof => "invalid_proof",
            CredentialErrorCode::InvalidNonce => "invalid_nonce",
            CredentialErrorCode::InvalidEncryptionParameters => "invalid_encryption_parameters",
            CredentialErrorCode::CredentialRequestDenied => "credential_request_denied",
            CredentialErrorCode::Other(code) => code,
        }
    }
}

impl From<String> for CredentialErrorCode {
    fn from(code: String) -> Self {
        use CredentialErrorCode as C;
        match code.as_str() {
            "invalid_credential_request" => C::InvalidCredentialRequest,
            "unknown_credential_configuration" => C::UnknownCredentialConfiguration,
            "unknown_credential_identifier" => C::UnknownCredentialIdentifier,
            "invalid_proof" => C::InvalidProof,
            "invalid_nonce" => C::InvalidNonce,
            "invalid_encryption_parameters" => C::InvalidEncryptionParameters,
            "credential_request_denied" => C::CredentialRequestDenied,
            _ => C::Other(code),
        }
    }
}

impl From<CredentialErrorCode> for String {
    fn from(code: CredentialErrorCode) -> Self {
        match code {
            CredentialErrorCode::Other(code) => code,
            known => known.code().to_owned(),
        }
    }
}

/// The Credential Error Response body (§8.3.1.2).
pub type CredentialErrorResponse = ErrorResponse<CredentialErrorCode>;

/// Which credential is requested (§8.2, §3.3.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RequestedCredential {
    /// `credential_configuration_id`: when the Token Response had no `credential_identifiers`.
    #[serde(rename = "credential_configuration_id")]
    ConfigurationId(String),
    /// `credential_identifier`: one of the Token Response's `credential_identifiers`.
    #[serde(rename = "credential_identifier")]
    Identifier(String),
}

/// The `proofs` member with the `jwt` proof type (§8.2, Appendix F.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proofs {
    /// Proof JWTs, one per key to bind a credential to.
    pub jwt: Vec<String>,
}

/// A Credential Request (§8.2), the members we use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialRequest {
    /// Which credential.
    #[serde(flatten)]
    pub credential: RequestedCredential,
    /// Key proofs; required when the configuration has `proof_types_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proofs: Option<Proofs>,
}

impl CredentialRequest {
    /// Parses a request body strictly, under `limits`. Unknown members are ignored (§8.2).
    ///
    /// # Errors
    /// [`CredentialRequestError`]: see the variants; each names the rule it enforces.
    pub fn from_json(text: &str, limits: &RequestLimits) -> Result<Self, CredentialRequestError> {
        let map = parse_object(text, limits.max_len, "credential request")?;
        let configuration_id = credential_id(&map, "credential_configuration_id")?;
        let identifier = credential_id(&map, "credential_identifier")?;
        let credential = match (configuration_id, identifier) {
            (Some(id), None) => RequestedCredential::ConfigurationId(id),
            (None, Some(id)) => RequestedCredential::Identifier(id),
            (Some(_), Some(_)) => return Err(CredentialRequestError::BothCredentialIds),
            (None, None) => return Err(CredentialRequestError::NoCredentialId),
        };
        if map.contains_key("credential_response_encryption") {
            return Err(CredentialRequestError::EncryptionUnsupported);
        }
        let proofs = match map.get("proofs") {
            Some(value) => Some(parse_proofs(value, limits.max_proofs)?),
            None if map.contains_key("proof") => {
                return Err(CredentialRequestError::LegacyProofMember);
            }
            None => None,
        };
        Ok(CredentialRequest { credential, proofs })
    }

    /// The request body.
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// The proof JWTs, for a configuration that requires key proofs (§8.2: "MUST be
    /// present if the `proof_types_supported` parameter is present").
    ///
    /// # Errors
    /// [`CredentialRequestError::ProofsMissing`] (`invalid_proof`).
    pub fn jwt_proofs(&self) -> Result<&[String], CredentialRequestError> {
        self.proofs
            .as_ref()
            .map(|p| p.jwt.as_slice())
            .ok_or(CredentialRequestError::ProofsMissing)
    }
}

fn credential_id(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, CredentialRequestError> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Err(CredentialRequestError::FieldEmpty { field }),
        Some(Value::String(s)) if s.len() > MAX_CREDENTIAL_ID_LEN => {
            Err(CredentialRequestError::FieldTooLong {
                field,
                len: s.len(),
                max: MAX_CREDENTIAL_ID_LEN,
            })
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CredentialRequestError::FieldType {
            field,
            expected: "a string",
        }),
    }
}

/// §8.2 and Appendix F: "exactly one parameter named as the proof type", whose value
/// is "a non-empty array".
fn parse_proofs(value: &Value, max_proofs: usize) -> Result<Proofs, CredentialRequestError> {
    let Value::Object(proofs) = value else {
        return Err(CredentialRequestError::FieldType {
            field: "proofs",
            expected: "an object",
        });
    };
    let mut members = proofs.iter();
    let (proof_type, items) = match (members.next(), members.next()) {
        (Some(only), None) => only,
        _ => {
            return Err(CredentialRequestError::ProofTypeCount {
                count: proofs.len(),
            });
        }
    };
    if proof_type != "jwt" {
        return Err(CredentialRequestError::UnsupportedProofType {
            proof_type: clip(proof_type),
        });
    }
    let Value::Array(items) = items else {
        return Err(CredentialRequestError::FieldType {
            field: "proofs.jwt",
            expected: "an array",
        });
    };
    if items.is_empty() {
        return Err(CredentialRequestError::ProofsEmpty);
    }
    if items.len() > max_proofs {
        return Err(CredentialRequestError::TooManyProofs {
            count: items.len(),
            max: max_proofs,
        });
    }
    let jwt = items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::String(s) if s.len() > MAX_PROOF_JWT_LEN => {
                Err(CredentialRequestError::ProofTooLarge {
                    index,
                    len: s.len(),
                    max: MAX_PROOF_JWT_LEN,
                })
            }
            Value::String(s) => Ok(s.clone()),
            _ => Err(CredentialRequestError::ProofNotString { index }),
        })
        .collect::<Result<_, _>>()?;
    Ok(Proofs { jwt })
}
