//! Token Endpoint messages for the Pre-Authorized Code Flow (OpenID4VCI 1.0 §6):
//! the form-encoded Token Request (§6.1), the Token Response (§6.2) and the OAuth
//! error codes (§6.3, RFC 6749 §5.2).
//!
//! Only the Pre-Authorized Code grant is accepted: Sigillum's issuer is its own
//! Authorization Server and issues through offers. `c_nonce` is not part of the
//! Token Response in 1.0 final; it comes from the Nonce Endpoint (§7).

use serde::{Deserialize, Serialize};

use super::PRE_AUTHORIZED_CODE_GRANT;
use super::error::{ErrorResponse, MessageError, clip, parse_json, to_json};
use super::form::{self, FormError};
use super::secret::SecretString;

/// Largest Token Request body accepted.
pub const MAX_TOKEN_REQUEST_LEN: usize = 8 * 1024;
/// Largest Token Response body accepted.
pub const MAX_TOKEN_RESPONSE_LEN: usize = 16 * 1024;
/// Longest single parameter value in a Token Request.
pub const MAX_TOKEN_PARAMETER_LEN: usize = 4096;
/// Most parameters in a Token Request (ours has five; client authentication adds a few).
const MAX_TOKEN_PARAMETERS: usize = 16;

/// Why a Token Endpoint message was refused. [`TokenError::error_code`] gives the
/// OAuth code an Authorization Server answers a refused Token Request with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The body is larger than [`MAX_TOKEN_REQUEST_LEN`].
    #[error("token request of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Not valid form encoding, or a parameter repeated (RFC 6749 §3.2).
    #[error("token request: {0}")]
    Form(#[from] FormError),
    /// A JSON message (Token Response, `authorization_details`) was refused.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// `grant_type` is not the Pre-Authorized Code grant.
    #[error("grant_type \"{found}\" is not supported (only {PRE_AUTHORIZED_CODE_GRANT})")]
    UnsupportedGrantType {
        /// The grant type given.
        found: String,
    },
    /// A required parameter is absent.
    #[error("parameter \"{name}\" is missing")]
    MissingParameter {
        /// The parameter.
        name: &'static str,
    },
    /// A parameter is present but empty.
    #[error("parameter \"{name}\" is empty")]
    EmptyParameter {
        /// The parameter.
        name: &'static str,
    },
    /// A parameter is longer than [`MAX_TOKEN_PARAMETER_LEN`].
    #[error("parameter \"{name}\" is {len} bytes, over the limit of {max}")]
    ParameterTooLong {
        /// The parameter.
        name: &'static str,
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// `authorization_details` is empty or lacks an entry's `credential_configuration_id` (§5.1.1, §6.2).
    #[error("authorization_details: {0}")]
    AuthorizationDetailsInvalid(&'static str),
    /// A `tx_code` was sent, but the offer required none (§6.3, `invalid_request`).
    #[error("a tx_code was sent, but none was required")]
    TxCodeUnexpected,
    /// The offer required a `tx_code`, but none was sent (§6.3, `invalid_request`).
    #[error("a tx_code is required, but none was sent")]
    TxCodeMissing,
    /// The `tx_code` is wrong (§6.3, `invalid_grant`).
    #[error("the tx_code is wrong")]
    TxCodeMismatch,
    /// The Token Response's `token_type` is not `Bearer`.
    #[error("token_type \"{found}\" is not supported (only Bearer)")]
    UnsupportedTokenType {
        /// The type given.
        found: String,
    },
}

impl TokenError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            TokenError::TooLarge { .. } => "input_too_large",
            TokenError::Form(e) => e.code(),
            TokenError::Message(e) => e.code(),
            TokenError::UnsupportedGrantType { .. } => "unsupported_grant_type",
            TokenError::MissingParameter { .. } => "token_parameter_missing",
            TokenError::EmptyParameter { .. } => "token_parameter_empty",
            TokenError::ParameterTooLong { .. } => "token_parameter_too_long",
            TokenError::AuthorizationDetailsInvalid(_) => "authorization_details_invalid",
            TokenError::TxCodeUnexpected => "tx_code_unexpected",
            TokenError::TxCodeMissing => "tx_code_missing",
            TokenError::TxCodeMismatch => "tx_code_mismatch",
            TokenError::UnsupportedTokenType { .. } => "token_type_unsupported",
        }
    }

    /// The OAuth error code for this refusal of a Token Request (RFC 6749 §5.2 as
    /// clarified by §6.3; RFC 9396 §5 for `authorization_details`).
    #[must_use]
    pub fn error_code(&self) -> TokenErrorCode {
        match self {
            TokenError::UnsupportedGrantType { .. } => TokenErrorCode::UnsupportedGrantType,
            TokenError::TxCodeMismatch => TokenErrorCode::InvalidGrant,
            TokenError::AuthorizationDetailsInvalid(_) => {
                TokenErrorCode::InvalidAuthorizationDetails
            }
            _ => TokenErrorCode::InvalidRequest,
        }
    }
}

/// The Token Endpoint's error codes (RFC 6749 §5.2; §6.3 says when each applies).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum TokenErrorCode {
    /// Missing or repeated parameter, or a `tx_code` sent or missing against the offer.
    InvalidRequest,
    /// Client authentication failed, or anonymous access is not supported.
    InvalidClient,
    /// Wrong or expired Pre-Authorized Code, or wrong `tx_code`.
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The requested scope is invalid.
    InvalidScope,
    /// `authorization_details` is invalid (RFC 9396 §5).
    InvalidAuthorizationDetails,
    /// A code we do not know, kept as received.
    Other(String),
}

impl TokenErrorCode {
    /// The code as written on the wire.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            TokenErrorCode::InvalidRequest => "invalid_request",
            TokenErrorCode::InvalidClient => "invalid_client",
            TokenErrorCode::InvalidGrant => "invalid_grant",
            TokenErrorCode::UnauthorizedClient => "unauthorized_client",
            TokenErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            TokenErrorCode::InvalidScope => "invalid_scope",
            TokenErrorCode::InvalidAuthorizationDetails => "invalid_authorization_details",
            TokenErrorCode::Other(code) => code,
        }
    }
}

impl From<String> for TokenErrorCode {
    fn from(code: String) -> Self {
        match code.as_str() {
            "invalid_request" => TokenErrorCode::InvalidRequest,
            "invalid_client" => TokenErrorCode::InvalidClient,
            "invalid_grant" => TokenErrorCode::InvalidGrant,
            "unauthorized_client" => TokenErrorCode::UnauthorizedClient,
            "unsupported_grant_type" => TokenErrorCode::UnsupportedGrantType,
            "invalid_scope" => TokenErrorCode::InvalidScope,
            "invalid_authorization_details" => TokenErrorCode::InvalidAuthorizationDetails,
            _ => TokenErrorCode::Other(code),
        }
    }
}

impl From<TokenErrorCode> for String {
    fn from(code: TokenErrorCode) -> Self {
        match code {
            TokenErrorCode::Other(code) => code,
            known => known.code().to_owned(),
        }
    }
}

/// The Token Error Response body (§6.3).
pub type TokenErrorResponse = ErrorResponse<TokenErrorCode>;

/// An Authorization Details entry of type `openid_credential` (§5.1.1), as sent in a
/// Token Request and returned, with `credential_identifiers`, in a Token Response (§6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationDetail {
    /// Always `openid_credential`.
    #[serde(rename = "type")]
    pub detail_type: AuthorizationDetailType,
    /// The requested Credential Configuration.
    pub credential_configuration_id: String,
    /// Token Response only: the Credential Datasets the Access Token can obtain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_identifiers: Option<Vec<String>>,
}

/// The Authorization Details type defined by OpenID4VCI (§5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizationDetailType {
    /// `openid_credential`.
    #[serde(rename = "openid_credential")]
    OpenIdCredential,
}

/// A Token Request in the Pre-Authorized Code Flow (§6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The code from the offer.
    pub pre_authorized_code: SecretString,
    /// The Transaction Code the End-User typed, if the offer asked for one.
    pub tx_code: Option<SecretString>,
    /// The client, when it identifies itself (optional for this grant, §6.1).
    pub client_id: Option<String>,
    /// Narrows the request to some offered configurations (§6.1.1).
    pub authorization_details: Option<Vec<AuthorizationDetail>>,
}

impl TokenRequest {
    /// Parses an `application/x-www-form-urlencoded` body (§6.1). Unknown parameters
    /// are ignored (§6.1: "MUST ignore any unrecognized parameters").
    ///
    /// # Errors
    /// [`TokenError`]: oversize body, bad encoding or repeated parameters, a
    /// `grant_type` other than the Pre-Authorized Code grant, a missing or empty
    /// `pre-authorized_code`, over-long values, or invalid `authorization_details`.
    pub fn from_form(body: &str) -> Result<Self, TokenError> {
        if body.len() > MAX_TOKEN_REQUEST_LEN {
            return Err(TokenError::TooLarge {
                len: body.len(),
                max: MAX_TOKEN_REQUEST_LEN,
            });
        }
        let pairs = form::parse(body, MAX_TOKEN_PARAMETERS)?;
        let get = |name: &'static str| -> Result<Option<&str>, TokenError> {
            match pairs.iter().find(|(n, _)| n == name) {
                None => Ok(None),
                Some((_, v)) if v.is_empty() => Err(TokenError::EmptyParameter { name }),
                Some((_, v)) if v.len() > MAX_TOKEN_PARAMETER_LEN => {
                    Err(TokenError::ParameterTooLong {
                        name,
                        len: v.len(),
                        max: MAX_TOKEN_PARAMETER_LEN,
                    })
                }
                Some((_, v)) => Ok(Some(v.as_str())),
            }
        };
        let grant_type =
            get("grant_type")?.ok_or(TokenError::MissingParameter { name: "grant_type" })?;
        if grant_type != PRE_AUTHORIZED_CODE_GRANT {
            return Err(TokenError::UnsupportedGrantType {
                found: clip(grant_type),
            });
        }
        let code = get("pre-authorized_code")?.ok_or(TokenError::MissingParameter {
            name: "pre-authorized_code",
        })?;
        let authorization_details = get("authorization_details")?
            .map(parse_authorization_details)
            .transpose()?;
        Ok(TokenRequest {
            pre_authorized_code: SecretString::new(code),
            tx_code: get("tx_code")?.map(SecretString::new),
            client_id: get("client_id")?.map(str::to_owned),
            authorization_details,
        })
    }

    /// The request as a form body.
    #[must_use]
    pub fn to_form(&self) -> String {
        let details = self.authorization_details.as_ref().map(to_json);
        let mut pairs = vec![
            ("grant_type", PRE_AUTHORIZED_CODE_GRANT),
            (
                "pre-authorized_code",
                self.pre_authorized_code.expose_secret(),
            ),
        ];
        if let Some(tx_code) = &self.tx_code {
            pairs.push(("tx_code", tx_code.expose_secret()));
        }
        if let Some(client_id) = &self.client_id {
            pairs.push(("client_id", client_id));
        }
        if let Some(details) = &details {
            pairs.push(("authorization_details", details));
        }
        form::serialize(&pairs)
    }

    /// Checks the `tx_code` against what the offer required (§6.3): `expected` is
    /// the code the issuer sent out of band, or `None` if the offer had no `tx_code`.
    ///
    /// # Errors
    /// [`TokenError::TxCodeUnexpected`] and [`TokenError::TxCodeMissing`]
    /// (`invalid_request`), [`TokenError::TxCodeMismatch`] (`invalid_grant`).
    pub fn check_tx_code(&self, expected: Option<&SecretString>) -> Result<(), TokenError> {
        match (expected, &self.tx_code) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err(TokenError::TxCodeUnexpected),
            (Some(_), None) => Err(TokenError::TxCodeMissing),
            (Some(expected), Some(given)) if expected == given => Ok(()),
            (Some(_), Some(_)) => Err(TokenError::TxCodeMismatch),
        }
    }
}

fn parse_authorization_details(text: &str) -> Result<Vec<AuthorizationDetail>, TokenError> {
    let details: Vec<AuthorizationDetail> =
        parse_json(text, MAX_TOKEN_PARAMETER_LEN, "authorization_details")?;
    check_details(&details, false)?;
    Ok(details)
}

/// §6.2: a non-empty array; in a response each entry has non-empty `credential_identifiers`.
fn check_details(details: &[AuthorizationDetail], response: bool) -> Result<(), TokenError> {
    if details.is_empty() {
        return Err(TokenError::AuthorizationDetailsInvalid(
            "the array is empty",
        ));
    }
    for detail in details {
        if detail.credential_configuration_id.is_empty() {
            return Err(TokenError::AuthorizationDetailsInvalid(
                "credential_configuration_id is empty",
            ));
        }
        let identifiers = detail.credential_identifiers.as_deref();
        if response
            && identifiers.is_none_or(|ids| ids.is_empty() || ids.iter().any(String::is_empty))
        {
            return Err(TokenError::AuthorizationDetailsInvalid(
                "credential_identifiers is missing or empty",
            ));
        }
    }
    Ok(())
}

/// A successful Token Response (§6.2, RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The Access Token for the Credential Endpoint.
    pub access_token: SecretString,
    /// `Bearer` (RFC 6750).
    pub token_type: String,
    /// Lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// REQUIRED when the request carried `authorization_details` (§6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<Vec<AuthorizationDetail>>,
}

impl TokenResponse {
    /// A Bearer token response.
    #[must_use]
    pub fn bearer(access_token: SecretString, expires_in: u64) -> Self {
        TokenResponse {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: Some(expires_in),
            authorization_details: None,
        }
    }

    /// Parses a Token Response (at most [`MAX_TOKEN_RESPONSE_LEN`]). `token_type` is
    /// compared case-insensitively (RFC 6749 §7.1); unknown members are ignored (§6.2).
    ///
    /// # Errors
    /// [`TokenError::Message`] for oversize, non-strict or mis-shaped JSON;
    /// [`TokenError::UnsupportedTokenType`]; [`TokenError::EmptyParameter`] for an
    /// empty `access_token`; [`TokenError::AuthorizationDetailsInvalid`].
    pub fn from_json(text: &str) -> Result<Self, TokenError> {
        let response: Self = parse_json(text, MAX_TOKEN_RESPONSE_LEN, "token response")?;
        if !response.token_type.eq_ignore_ascii_case("Bearer") {
            return Err(TokenError::UnsupportedTokenType {
                found: clip(&response.token_type),
            });
        }
        if response.access_token.is_empty() {
            return Err(TokenError::EmptyParameter {
                name: "access_token",
            });
        }
        if let Some(details) = &response.authorization_details {
            check_details(details, true)?;
        }
        Ok(response)
    }

    /// The response body.
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}
