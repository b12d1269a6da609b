//! The wallet's answer, sent by `direct_post` (OpenID4VP 1.0 §8.2) as an
//! `application/x-www-form-urlencoded` body: either `vp_token` (§8.1: a JSON object
//! whose keys are the ids of the DCQL Credential Queries and whose values are
//! non-empty arrays of presentations) and `state`, or an error (§8.5) and `state`.
//!
//! Parsing is bounded: the body, the number of queries answered and the number of
//! presentations per query are capped before anything is verified.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::json;
use crate::oid4vci::form;

/// Largest `direct_post` body accepted.
pub const MAX_RESPONSE_LEN: usize = 512 * 1024;
/// Most Credential Queries one answer may cover.
pub const MAX_ANSWERED_QUERIES: usize = 32;
/// Most presentations for one Credential Query.
pub const MAX_PRESENTATIONS_PER_QUERY: usize = 8;

/// Why a `direct_post` body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Larger than [`MAX_RESPONSE_LEN`].
    #[error("the response of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Bad form encoding or a repeated parameter (RFC 6749 §3.2).
    #[error("the response body is not well-formed: {0}")]
    Form(#[from] form::FormError),
    /// Neither `vp_token` nor `error`, or both.
    #[error("the response has {0}")]
    Shape(&'static str),
    /// `vp_token` is not the JSON object §8.1 describes.
    #[error("vp_token is not acceptable: {0}")]
    VpToken(String),
}

impl ResponseError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            ResponseError::TooLarge { .. } => "response_too_large",
            ResponseError::Form(_) => "response_encoding",
            ResponseError::Shape(_) => "response_shape",
            ResponseError::VpToken(_) => "vp_token_malformed",
        }
    }
}

/// The presentations, keyed by Credential Query id (§8.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    /// Query id → presentations (SD-JWT+KB or VC-JWT strings).
    pub vp_token: BTreeMap<String, Vec<String>>,
    /// The request's `state`.
    pub state: Option<String>,
}

/// What a wallet posts to the `response_uri`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletAnswer {
    /// Presentations.
    Presented(AuthorizationResponse),
    /// The wallet (or its user) declined or could not answer (§8.5).
    Refused {
        /// The error code (`access_denied`, `invalid_request`, …).
        error: String,
        /// A sentence for a person, if given.
        error_description: Option<String>,
        /// The request's `state`.
        state: Option<String>,
    },
}

impl AuthorizationResponse {
    /// The form body: `vp_token=<JSON>&state=…`.
    #[must_use]
    pub fn to_form(&self) -> String {
        let token = serde_json::to_string(&self.vp_token).unwrap_or_default();
        match &self.state {
            Some(state) => form::serialize(&[("vp_token", &token), ("state", state)]),
            None => form::serialize(&[("vp_token", &token)]),
        }
    }
}

impl AuthorizationResponse {
    /// Reads a `vp_token` JSON object on its own (an offline presentation QR
    /// carries one), with the same caps and rules as [`WalletAnswer::from_form`].
    ///
    /// # Errors
    /// [`ResponseError::TooLarge`] or [`ResponseError::VpToken`].
    pub fn vp_token_from_json(text: &str) -> Result<BTreeMap<String, Vec<String>>, ResponseError> {
        if text.len() > MAX_RESPONSE_LEN {
            return Err(ResponseError::TooLarge {
                len: text.len(),
                max: MAX_RESPONSE_LEN,
            });
        }
        parse_vp_token(text)
    }
}

impl WalletAnswer {
    /// A refusal's form body: `error=…&error_description=…` and `state=…` when the
    /// request had one (§8.5).
    #[must_use]
    pub fn refusal_form(error: &str, description: &str, state: Option<&str>) -> String {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(state) = state {
            pairs.push(("state", state));
        }
        form::serialize(&pairs)
    }

    /// Parses a `direct_post` body.
    ///
    /// # Errors
    /// [`ResponseError`] for an oversize or malformed body, a body with both or
    /// neither of `vp_token` and `error`, or a `vp_token` that is not an object of
    /// non-empty arrays of strings within the caps.
    pub fn from_form(body: &str) -> Result<WalletAnswer, ResponseError> {
        if body.len() > MAX_RESPONSE_LEN {
            return Err(ResponseError::TooLarge {
                len: body.len(),
                max: MAX_RESPONSE_LEN,
            });
        }
        let mut vp_token = None;
        let mut error = None;
        let mut error_description = None;
        let mut state = None;
        for (name, value) in form::parse(body, 16)? {
            match name.as_str() {
                "vp_token" => vp_token = Some(value),
                "error" => error = Some(value),
                "error_description" => error_description = Some(value),
                "state" => state = Some(value),
                _ => {}
            }
        }
        match (vp_token, error) {
            (Some(token), None) => Ok(WalletAnswer::Presented(AuthorizationResponse {
                vp_token: parse_vp_token(&token)?,
                state,
            })),
            (None, Some(error)) => Ok(WalletAnswer::Refused {
                error,
                error_description,
                state,
            }),
            (Some(_), Some(_)) => Err(ResponseError::Shape("both vp_token and error")),
            (None, None) => Err(ResponseError::Shape("neither vp_token nor error")),
        }
    }
}

fn parse_vp_token(text: &str) -> Result<BTreeMap<String, Vec<String>>, ResponseError> {
    let object = json::parse_object(text.as_bytes(), MAX_RESPONSE_LEN)
        .map_err(|e| ResponseError::VpToken(e.to_string()))?;
    if object.is_empty() {
        return Err(ResponseError::VpToken("it is an empty object".into()));
    }
    if object.len() > MAX_ANSWERED_QUERIES {
        return Err(ResponseError::VpToken(format!(
            "it answers {} queries, over the limit of {MAX_ANSWERED_QUERIES}",
            object.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (id, value) in object {
        let Value::Array(items) = value else {
            return Err(ResponseError::VpToken(format!(
                "the value for \"{id}\" is not an array (§8.1)"
            )));
        };
        if items.is_empty() || items.len() > MAX_PRESENTATIONS_PER_QUERY {
            return Err(ResponseError::VpToken(format!(
                "\"{id}\" has {} presentations; 1 to {MAX_PRESENTATIONS_PER_QUERY} are accepted",
                items.len()
            )));
        }
        let mut presentations = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(p) = item else {
                return Err(ResponseError::VpToken(format!(
                    "a presentation for \"{id}\" is not a string"
                )));
            };
            presentations.push(p);
        }
        out.insert(id, presentations);
    }
    Ok(out)
}
