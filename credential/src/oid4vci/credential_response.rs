//! Credential Response (OpenID4VCI 1.0 §8.3): issued credentials, or a
//! `transaction_id` for deferred issuance. We never defer, but a wallet must read
//! the deferred form to report it.

use serde::Serialize;
use serde_json::{Map, Value};

use super::error::{MessageError, parse_object, to_json};

/// Largest Credential Response body accepted.
pub const MAX_CREDENTIAL_RESPONSE_LEN: usize = 1024 * 1024;
/// Most credentials accepted in one response.
pub const MAX_CREDENTIALS: usize = 100;

/// Why a Credential Response was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialResponseError {
    /// Too large, not strict JSON, or not an object.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// Both `credentials` and `transaction_id` (§8.3: each "MUST NOT be used" with the other).
    #[error("both credentials and transaction_id are present")]
    Ambiguous,
    /// Neither `credentials` nor `transaction_id`.
    #[error("neither credentials nor transaction_id is present")]
    Empty,
    /// A member appears where §8.3 forbids it.
    #[error("{member} must not be present {context}")]
    MemberNotAllowed {
        /// The member.
        member: &'static str,
        /// Why not, e.g. "with credentials".
        context: &'static str,
    },
    /// A member is missing, empty, or of the wrong type.
    #[error("{member}: {reason}")]
    MemberInvalid {
        /// The member.
        member: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// `credentials` has more entries than [`MAX_CREDENTIALS`].
    #[error("{count} credentials, over the limit of {max}")]
    TooManyCredentials {
        /// Entries given.
        count: usize,
        /// Entries allowed.
        max: usize,
    },
}

impl CredentialResponseError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            CredentialResponseError::Message(e) => e.code(),
            CredentialResponseError::Ambiguous => "credential_response_ambiguous",
            CredentialResponseError::Empty => "credential_response_empty",
            CredentialResponseError::MemberNotAllowed { .. } => {
                "credential_response_member_not_allowed"
            }
            CredentialResponseError::MemberInvalid { .. } => "credential_response_member_invalid",
            CredentialResponseError::TooManyCredentials { .. } => {
                "credential_response_too_many_credentials"
            }
        }
    }
}

/// One issued credential: a string (`dc+sd-jwt`, `jwt_vc_json`, base64url binary
/// formats) or a JSON object (`ldp_vc`), as the format profile says (§8.3, Appendix A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CredentialValue {
    /// A string-encoded credential.
    Compact(String),
    /// A JSON-encoded credential.
    Json(Map<String, Value>),
}

impl CredentialValue {
    /// The credential as a string, for the string-encoded formats we hold.
    #[must_use]
    pub fn as_compact(&self) -> Option<&str> {
        match self {
            CredentialValue::Compact(text) => Some(text),
            CredentialValue::Json(_) => None,
        }
    }
}

/// An entry of `credentials` (§8.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCredential {
    /// The credential.
    pub credential: CredentialValue,
}

/// A Credential Response (§8.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CredentialResponse {
    /// HTTP 200: the credentials, one per proof (or fewer).
    Immediate {
        /// The issued credentials; non-empty.
        credentials: Vec<IssuedCredential>,
        /// For the Notification Endpoint (§11).
        #[serde(skip_serializing_if = "Option::is_none")]
        notification_id: Option<String>,
    },
    /// HTTP 202: ask the Deferred Credential Endpoint later (§9).
    Deferred {
        /// The deferred transaction.
        transaction_id: String,
        /// Seconds to wait before asking; positive.
        interval: u64,
    },
}

impl CredentialResponse {
    /// An immediate response with string-encoded credentials.
    #[must_use]
    pub fn immediate(credentials: Vec<String>, notification_id: Option<String>) -> Self {
        CredentialResponse::Immediate {
            credentials: credentials
                .into_iter()
                .map(|c| IssuedCredential {
                    credential: CredentialValue::Compact(c),
                })
                .collect(),
            notification_id,
        }
    }

    /// The response body.
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// Parses a Credential Response (at most [`MAX_CREDENTIAL_RESPONSE_LEN`]),
    /// enforcing §8.3's exclusions: `credentials` xor `transaction_id`; `interval`
    /// required with, and only with, `transaction_id`; `notification_id` only with
    /// `credentials`. Unknown members are ignored (§8.3).
    ///
    /// # Errors
    /// [`CredentialResponseError`] naming the rule broken.
    pub fn from_json(text: &str) -> Result<Self, CredentialResponseError> {
        use CredentialResponseError as E;
        let map = parse_object(text, MAX_CREDENTIAL_RESPONSE_LEN, "credential response")?;
        let notification_id = optional_string(&map, "notification_id")?;
        match (
            map.get("credentials"),
            optional_string(&map, "transaction_id")?,
        ) {
            (Some(_), Some(_)) => Err(E::Ambiguous),
            (None, None) => Err(E::Empty),
            (Some(credentials), None) => {
                if map.contains_key("interval") {
                    return Err(E::MemberNotAllowed {
                        member: "interval",
                        context: "with credentials",
                    });
                }
                Ok(CredentialResponse::Immediate {
                    credentials: parse_credentials(credentials)?,
                    notification_id,
                })
            }
            (None, Some(transaction_id)) => {
                if notification_id.is_some() {
                    return Err(E::MemberNotAllowed {
                        member: "notification_id",
                        context: "without credentials",
                    });
                }
                let interval = map
                    .get("interval")
                    .and_then(Value::as_u64)
                    .filter(|i| *i > 0)
                    .ok_or(E::MemberInvalid {
                        member: "interval",
                        reason: "required with transaction_id, as a positive integer",
                    })?;
                Ok(CredentialResponse::Deferred {
                    transaction_id,
                    interval,
                })
            }
        }
    }
}

fn optional_string(
    map: &Map<String, Value>,
    member: &'static str,
) -> Result<Option<String>, CredentialResponseError> {
    match map.get(member) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(CredentialResponseError::MemberInvalid {
            member,
            reason: "must be a non-empty string",
        }),
    }
}

fn parse_credentials(value: &Value) -> Result<Vec<IssuedCredential>, CredentialResponseError> {
    use CredentialResponseError as E;
    let invalid = |reason| E::MemberInvalid {
        member: "credentials",
        reason,
    };
    let items = value.as_array().ok_or(invalid("must be an array"))?;
    if items.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if items.len() > MAX_CREDENTIALS {
        return Err(E::TooManyCredentials {
            count: items.len(),
            max: MAX_CREDENTIALS,
        });
    }
    items
        .iter()
        .map(|item| {
            let credential = match item.get("credential") {
                Some(Value::String(s)) if !s.is_empty() => CredentialValue::Compact(s.clone()),
                Some(Value::Object(o)) => CredentialValue::Json(o.clone()),
                _ => {
                    return Err(invalid(
                        "each entry must be an object with a non-empty string or object \"credential\"",
                    ));
                }
            };
            Ok(IssuedCredential { credential })
        })
        .collect()
}
