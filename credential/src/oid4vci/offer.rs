//! Credential Offer (OpenID4VCI 1.0 §4.1): what the issuer shows as a QR code or link,
//! and what the wallet scans.
//!
//! ```text
//!  issuer:  CredentialOffer ──to_link──▶ openid-credential-offer://?credential_offer=%7B…
//!  wallet:  link ──parse_link──▶ OfferLink::ByValue(CredentialOffer)
//!                              └▶ OfferLink::ByReference(uri) ──GET──▶ from_json
//! ```

use serde::{Deserialize, Serialize};

use super::error::{MessageError, clip, parse_json, to_json};
use super::form::{self, FormError};
use super::secret::SecretString;
use super::url::{self, UrlError};

/// The custom URL scheme a wallet registers when the issuer cannot discover its
/// Credential Offer Endpoint (§12.1.1).
pub const OFFER_SCHEME: &str = "openid-credential-offer://";
/// Longest offer link (or query) accepted: well over any QR code's capacity.
pub const MAX_OFFER_LINK_LEN: usize = 16 * 1024;
/// Largest Credential Offer JSON accepted (by value or fetched by reference).
pub const MAX_OFFER_JSON_LEN: usize = 16 * 1024;
/// Longest string member (ids, codes, `issuer_state`) accepted in an offer.
pub const MAX_OFFER_FIELD_LEN: usize = 4096;
/// Most `credential_configuration_ids` accepted in one offer.
pub const MAX_CONFIGURATION_IDS: usize = 64;
/// §4.1.1: the `tx_code` `description` "MUST NOT exceed 300 characters".
pub const MAX_TX_CODE_DESCRIPTION_CHARS: usize = 300;

/// Why a Credential Offer or offer link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfferError {
    /// The offer JSON is too large, not strict JSON, or mis-shaped.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The link's query is not valid form encoding, or repeats a parameter.
    #[error("credential offer link: {0}")]
    Form(#[from] FormError),
    /// The link is longer than [`MAX_OFFER_LINK_LEN`].
    #[error("credential offer link of {len} bytes is over the limit of {max}")]
    LinkTooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// The link is neither `openid-credential-offer://` nor an `https` endpoint.
    #[error("\"{found}\" is not an openid-credential-offer:// or https:// link")]
    LinkScheme {
        /// The part before the query.
        found: String,
    },
    /// The link does not carry exactly one of `credential_offer`, `credential_offer_uri` (§4.1).
    #[error("credential offer link: {0}")]
    LinkParameters(&'static str),
    /// A URL member breaks its rule (§4.1, §12.2.1).
    #[error("{field} \"{url}\": {reason}")]
    UrlInvalid {
        /// The member.
        field: &'static str,
        /// Its value.
        url: String,
        /// The rule broken.
        reason: UrlError,
    },
    /// `credential_configuration_ids` is empty (§4.1.1: "A non-empty array").
    #[error("credential_configuration_ids is empty")]
    NoConfigurationIds,
    /// More ids than [`MAX_CONFIGURATION_IDS`].
    #[error("{count} credential_configuration_ids, over the limit of {max}")]
    TooManyConfigurationIds {
        /// Ids given.
        count: usize,
        /// Ids allowed.
        max: usize,
    },
    /// An id appears twice (§4.1.1: "unique strings").
    #[error("credential_configuration_id \"{id}\" appears more than once")]
    DuplicateConfigurationId {
        /// The repeated id.
        id: String,
    },
    /// A required string is empty.
    #[error("{field} is empty")]
    FieldEmpty {
        /// The member.
        field: &'static str,
    },
    /// A string member is longer than allowed.
    #[error("{field} has length {len}, over the limit of {max}")]
    FieldTooLong {
        /// The member.
        field: &'static str,
        /// Its length (characters for `tx_code.description`, else bytes).
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl OfferError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            OfferError::Message(e) => e.code(),
            OfferError::Form(e) => e.code(),
            OfferError::LinkTooLarge { .. } => "input_too_large",
            OfferError::LinkScheme { .. } => "offer_link_scheme",
            OfferError::LinkParameters(_) => "offer_link_parameters",
            OfferError::UrlInvalid { .. } => "offer_url_invalid",
            OfferError::NoConfigurationIds => "offer_configuration_ids_empty",
            OfferError::TooManyConfigurationIds { .. } => "offer_too_many_configuration_ids",
            OfferError::DuplicateConfigurationId { .. } => "offer_configuration_id_duplicate",
            OfferError::FieldEmpty { .. } => "offer_field_empty",
            OfferError::FieldTooLong { .. } => "offer_field_too_long",
        }
    }
}

/// The Credential Offer object (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialOffer {
    /// The Credential Issuer Identifier (§12.2.1), where the wallet fetches metadata.
    pub credential_issuer: String,
    /// Keys of `credential_configurations_supported`; non-empty and unique.
    pub credential_configuration_ids: Vec<String>,
    /// The grants the Authorization Server will accept for this offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Grants>,
}

/// The `grants` object (§4.1.1): one member per Grant Type. Others are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// `urn:ietf:params:oauth:grant-type:pre-authorized_code`.
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    /// `authorization_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<AuthorizationCodeGrant>,
}

/// Parameters of the Pre-Authorized Code grant in an offer (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreAuthorizedCodeGrant {
    /// The short-lived, single-use code the wallet sends to the Token Endpoint.
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: SecretString,
    /// Present (even empty) when a Transaction Code is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
    /// Which of the issuer's `authorization_servers` to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// Parameters of the Authorization Code grant in an offer (§4.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationCodeGrant {
    /// Opaque value the wallet passes back in its Authorization Request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_state: Option<String>,
    /// Which of the issuer's `authorization_servers` to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// How the wallet should ask the End-User for the Transaction Code (§4.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxCode {
    /// The input character set; absent means [`InputMode::Numeric`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<InputMode>,
    /// The code's length, to shape the input screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Where the code comes from; at most 300 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl TxCode {
    /// The input mode, with the §4.1.1 default (`numeric`) applied.
    #[must_use]
    pub fn input_mode(&self) -> InputMode {
        self.input_mode.unwrap_or_default()
    }
}

/// `tx_code.input_mode` (§4.1.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputMode {
    /// Digits only (the default).
    #[default]
    Numeric,
    /// Any characters.
    Text,
}

/// What an offer link carries (§4.1): the offer itself, or where to fetch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferLink {
    /// `credential_offer=`: the offer, parsed and validated.
    ByValue(CredentialOffer),
    /// `credential_offer_uri=`: an `https` URL the wallet GETs, then parses the body
    /// with [`CredentialOffer::from_json`] (§4.1.3).
    ByReference(String),
}

impl OfferLink {
    /// The link, `openid-credential-offer://?credential_offer=…` or `…?credential_offer_uri=…`.
    #[must_use]
    pub fn to_link(&self) -> String {
        match self {
            OfferLink::ByValue(offer) => offer.to_link(),
            OfferLink::ByReference(uri) => format!(
                "{OFFER_SCHEME}?{}",
                form::serialize(&[("credential_offer_uri", uri)])
            ),
        }
    }
}

impl CredentialOffer {
    /// An offer of `ids` with the Pre-Authorized Code grant (§3.5).
    #[must_use]
    pub fn pre_authorized(
        credential_issuer: impl Into<String>,
        ids: Vec<String>,
        code: SecretString,
        tx_code: Option<TxCode>,
    ) -> Self {
        CredentialOffer {
            credential_issuer: credential_issuer.into(),
            credential_configuration_ids: ids,
            grants: Some(Grants {
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: code,
                    tx_code,
                    authorization_server: None,
                }),
                authorization_code: None,
            }),
        }
    }

    /// The Pre-Authorized Code grant, if offered.
    #[must_use]
    pub fn pre_authorized_grant(&self) -> Option<&PreAuthorizedCodeGrant> {
        self.grants.as_ref()?.pre_authorized_code.as_ref()
    }

    /// Parses and validates an offer JSON object (at most [`MAX_OFFER_JSON_LEN`]).
    ///
    /// # Errors
    /// [`OfferError::Message`] for oversize, non-strict or mis-shaped JSON; otherwise
    /// as [`CredentialOffer::validate`].
    pub fn from_json(text: &str) -> Result<Self, OfferError> {
        let offer: Self = parse_json(text, MAX_OFFER_JSON_LEN, "credential offer")?;
        offer.validate()?;
        Ok(offer)
    }

    /// The offer as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// The offer by value as a link: `openid-credential-offer://?credential_offer=` and
    /// the percent-encoded JSON (§4.1.2).
    #[must_use]
    pub fn to_link(&self) -> String {
        format!(
            "{OFFER_SCHEME}?{}",
            form::serialize(&[("credential_offer", &self.to_json())])
        )
    }

    /// Parses an offer link: `openid-credential-offer://…?…` (§12.1.1) or a wallet's
    /// `https` Credential Offer Endpoint URL (§4.1), whose query carries exactly one
    /// of `credential_offer` or `credential_offer_uri` (§4.1). Other parameters are
    /// ignored.
    ///
    /// # Errors
    /// [`OfferError`] for an oversize link, a foreign scheme, bad encoding, both or
    /// neither parameter, a non-`https` `credential_offer_uri`, or an invalid offer.
    pub fn parse_link(link: &str) -> Result<OfferLink, OfferError> {
        if link.len() > MAX_OFFER_LINK_LEN {
            return Err(OfferError::LinkTooLarge {
                len: link.len(),
                max: MAX_OFFER_LINK_LEN,
            });
        }
        let (head, query) = link.split_once('?').unwrap_or((link, ""));
        if !head.starts_with(OFFER_SCHEME) && !head.starts_with("https://") {
            return Err(OfferError::LinkScheme { found: clip(head) });
        }
        // Anywhere: a `#` before the `?` makes the rest a fragment, not a query (RFC
        // 3986 §3.5), so reading parameters there would see a link no one else sees.
        if link.contains('#') {
            return Err(OfferError::LinkParameters("a fragment is not allowed"));
        }
        Self::parse_query(query)
    }

    /// Parses the query of a request to a wallet's Credential Offer Endpoint (§4.1.2,
    /// §4.1.3): what [`CredentialOffer::parse_link`] does after the `?`.
    ///
    /// # Errors
    /// As [`CredentialOffer::parse_link`].
    pub fn parse_query(query: &str) -> Result<OfferLink, OfferError> {
        if query.len() > MAX_OFFER_LINK_LEN {
            return Err(OfferError::LinkTooLarge {
                len: query.len(),
                max: MAX_OFFER_LINK_LEN,
            });
        }
        let pairs = form::parse(query, 16)?;
        let find = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        match (find("credential_offer"), find("credential_offer_uri")) {
            (Some(json), None) => Ok(OfferLink::ByValue(Self::from_json(json)?)),
            (None, Some(uri)) => {
                url::check_endpoint(uri).map_err(|reason| OfferError::UrlInvalid {
                    field: "credential_offer_uri",
                    url: clip(uri),
                    reason,
                })?;
                Ok(OfferLink::ByReference(uri.clone()))
            }
            (Some(_), Some(_)) => Err(OfferError::LinkParameters(
                "both credential_offer and credential_offer_uri are present",
            )),
            (None, None) => Err(OfferError::LinkParameters(
                "neither credential_offer nor credential_offer_uri is present",
            )),
        }
    }

    /// Checks the §4.1.1 rules and our caps.
    ///
    /// # Errors
    /// [`OfferError::UrlInvalid`] for a `credential_issuer` that is not an `https`
    /// identifier; [`OfferError::NoConfigurationIds`],
    /// [`OfferError::TooManyConfigurationIds`], [`OfferError::DuplicateConfigurationId`];
    /// [`OfferError::FieldEmpty`] / [`OfferError::FieldTooLong`] for string members.
    pub fn validate(&self) -> Result<(), OfferError> {
        check_url("credential_issuer", &self.credential_issuer)?;
        let ids = &self.credential_configuration_ids;
        if ids.is_empty() {
            return Err(OfferError::NoConfigurationIds);
        }
        if ids.len() > MAX_CONFIGURATION_IDS {
            return Err(OfferError::TooManyConfigurationIds {
                count: ids.len(),
                max: MAX_CONFIGURATION_IDS,
            });
        }
        for (i, id) in ids.iter().enumerate() {
            check_field("credential_configuration_ids", id, true)?;
            if ids.iter().take(i).any(|earlier| earlier == id) {
                return Err(OfferError::DuplicateConfigurationId { id: clip(id) });
            }
        }
        let Some(grants) = &self.grants else {
            return Ok(());
        };
        if let Some(grant) = &grants.pre_authorized_code {
            check_field(
                "pre-authorized_code",
                grant.pre_authorized_code.expose_secret(),
                true,
            )?;
            if let Some(server) = &grant.authorization_server {
                check_url("authorization_server", server)?;
            }
            let description = grant.tx_code.as_ref().and_then(|t| t.description.as_ref());
            if let Some(description) = description {
                let chars = description.chars().count();
                if chars > MAX_TX_CODE_DESCRIPTION_CHARS {
                    return Err(OfferError::FieldTooLong {
                        field: "tx_code.description",
                        len: chars,
                        max: MAX_TX_CODE_DESCRIPTION_CHARS,
                    });
                }
            }
        }
        if let Some(grant) = &grants.authorization_code {
            if let Some(state) = &grant.issuer_state {
                check_field("issuer_state", state, false)?;
            }
            if let Some(server) = &grant.authorization_server {
                check_url("authorization_server", server)?;
            }
        }
        Ok(())
    }
}

fn check_url(field: &'static str, value: &str) -> Result<(), OfferError> {
    url::check_identifier(value).map_err(|reason| OfferError::UrlInvalid {
        field,
        url: clip(value),
        reason,
    })
}

fn check_field(field: &'static str, value: &str, required: bool) -> Result<(), OfferError> {
    if required && value.is_empty() {
        return Err(OfferError::FieldEmpty { field });
    }
    if value.len() > MAX_OFFER_FIELD_LEN {
        return Err(OfferError::FieldTooLong {
            field,
            len: value.len(),
            max: MAX_OFFER_FIELD_LEN,
        });
    }
    Ok(())
}
