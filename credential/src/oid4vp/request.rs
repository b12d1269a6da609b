//! The Authorization Request (OpenID4VP 1.0 §5) as Sigillum sends and reads it:
//! cross-device, passed by reference (§5.7 `request_uri`), signed by the verifier's
//! `did:key` under the `decentralized_identifier` Client Identifier Prefix (§5.9.3),
//! answered by `direct_post` (§8.2) to a DCQL query (§6).
//!
//! ```text
//!  verifier screen (QR)                wallet
//!  openid4vp://?client_id=…&request_uri=…  ──▶ RequestLink::parse
//!  GET request_uri ◀─────────────────────────  (plain GET, §5.10)
//!  application/oauth-authz-req+jwt ──────────▶ verify_request_object
//!                                              client_id equal to the link's,
//!                                              signed by a key of the client's DID
//! ```
//!
//! Every refusal is a [`RequestError`] with a stable `code()` and the OAuth error
//! code (§8.5) the wallet may send back.

use serde_json::{Map, Value};

use super::dcql::DcqlQuery;
use crate::did;
use crate::jws::CompactJws;
use crate::key::{Alg, JwsSigner};
use crate::oid4vci::{form, url};
use crate::time::Timestamp;

/// `typ` of a Request Object (§5: "Wallets MUST NOT process Request Objects where
/// the `typ` Header Parameter is not present or does not have the value
/// `oauth-authz-req+jwt`").
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";
/// Content type of a `request_uri` answer (RFC 9101 §10.2).
pub const REQUEST_OBJECT_MEDIA_TYPE: &str = "application/oauth-authz-req+jwt";
/// `aud` of a Request Object when the wallet was not discovered (§5.8: static
/// discovery metadata, `issuer` `https://self-issued.me/v2`).
pub const STATIC_WALLET_AUDIENCE: &str = "https://self-issued.me/v2";
/// The deep-link scheme of the static wallet configuration (§13.1).
pub const REQUEST_SCHEME: &str = "openid4vp://";
/// The Client Identifier Prefix for a verifier identified by a DID (§5.9.3).
pub const DID_CLIENT_PREFIX: &str = "decentralized_identifier:";
/// `response_type` for a presentation request (§5.2).
pub const VP_TOKEN: &str = "vp_token";
/// The response mode Sigillum's verifier uses (§8.2).
pub const DIRECT_POST: &str = "direct_post";

/// Largest Request Object accepted.
pub const MAX_REQUEST_OBJECT_LEN: usize = 64 * 1024;
/// Longest request link accepted (a QR symbol holds at most 4,296 characters).
pub const MAX_REQUEST_LINK_LEN: usize = 4096;
/// Longest `nonce` or `state` accepted.
pub const MAX_NONCE_LEN: usize = 256;
/// Longest `client_id` accepted.
pub const MAX_CLIENT_ID_LEN: usize = 2048;

/// Why a request link or Request Object was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Longer than this implementation reads.
    #[error("{what} of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Which text.
        what: &'static str,
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// `request_uri_method` is neither `get` nor `post` (§5.1).
    #[error("request_uri_method \"{0}\" is neither get nor post (§5.1)")]
    RequestUriMethod(String),
    /// The link is not `openid4vp://…?…` or an `https` wallet URL with a query.
    #[error("not a presentation request link: {0}")]
    LinkScheme(String),
    /// Bad form encoding or a repeated parameter.
    #[error("the request link is not well-formed: {0}")]
    Form(#[from] form::FormError),
    /// A parameter is missing, of the wrong type, or out of its bounds.
    #[error("the request's {0}")]
    Parameter(String),
    /// A URL parameter is not `https` (or loopback `http`).
    #[error("{field} is not an acceptable URL: {error}")]
    Url {
        /// Which parameter.
        field: &'static str,
        /// Why.
        error: url::UrlError,
    },
    /// The Client Identifier uses a prefix Sigillum's wallet does not support.
    #[error(
        "client_id \"{0}\" does not use the decentralized_identifier prefix (§5.9.3), the only one this wallet trusts without pre-registration"
    )]
    ClientIdPrefix(String),
    /// The Request Object's `client_id` is not the one in the link (§5.10).
    #[error("the request object's client_id \"{inside}\" is not the link's \"{outside}\"")]
    ClientIdMismatch {
        /// In the link.
        outside: String,
        /// In the signed object.
        inside: String,
    },
    /// The Request Object is not a well-formed JWS of type `oauth-authz-req+jwt`.
    #[error("the request object is not acceptable: {0}")]
    Object(String),
    /// `kid` does not name a key of the client's DID (§5.9.3).
    #[error("the request object's kid {0}")]
    Kid(String),
    /// The signature does not verify with the key `kid` names.
    #[error("the request object's signature does not verify: {0}")]
    Signature(String),
    /// The `dcql_query` breaks a rule of §6.
    #[error("the request's dcql_query is not acceptable: {0}")]
    Dcql(#[from] super::DcqlError),
}

impl RequestError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            RequestError::TooLarge { .. } => "request_too_large",
            RequestError::RequestUriMethod(_) => "request_uri_method_invalid",
            RequestError::LinkScheme(_) => "request_link_scheme",
            RequestError::Form(_) => "request_link_encoding",
            RequestError::Parameter(_) => "request_parameter_invalid",
            RequestError::Url { .. } => "request_url_invalid",
            RequestError::ClientIdPrefix(_) => "request_client_id_prefix",
            RequestError::ClientIdMismatch { .. } => "request_client_id_mismatch",
            RequestError::Object(_) => "request_object_invalid",
            RequestError::Kid(_) => "request_object_kid",
            RequestError::Signature(_) => "request_object_signature_invalid",
            RequestError::Dcql(_) => "request_dcql_invalid",
        }
    }

    /// The error code the wallet sends to the verifier (§8.5): a bad
    /// `request_uri_method` is `invalid_request_uri_method`; everything else,
    /// including an unsupported prefix and a prefix's requirements violated (a bad
    /// signature or `kid`), is `invalid_request`.
    #[must_use]
    pub const fn oauth_error(&self) -> &'static str {
        match self {
            RequestError::RequestUriMethod(_) => "invalid_request_uri_method",
            _ => "invalid_request",
        }
    }
}

/// What the QR or deep link carries: where to fetch the signed request (§5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLink {
    /// The verifier's Client Identifier, with its prefix.
    pub client_id: String,
    /// Where the wallet GETs the Request Object.
    pub request_uri: String,
}

impl RequestLink {
    /// `openid4vp://?client_id=…&request_uri=…` (§5.7, §13.1).
    #[must_use]
    pub fn to_link(&self) -> String {
        format!(
            "{REQUEST_SCHEME}?{}",
            form::serialize(&[
                ("client_id", &self.client_id),
                ("request_uri", &self.request_uri)
            ])
        )
    }

    /// Parses `openid4vp://…?…` or an `https` wallet URL whose query has `client_id`
    /// and `request_uri`. `request_uri_method`, when present, must be `get` or `post`
    /// (§5.1); this wallet sends no wallet metadata, so it fetches with GET either
    /// way, as RFC 9101 does. A request passed by value (`request`, or bare
    /// parameters) is refused: this wallet takes signed requests by reference.
    ///
    /// # Errors
    /// [`RequestError`] for an oversize link, a foreign scheme, bad encoding, or a
    /// missing or unacceptable parameter.
    pub fn parse(link: &str) -> Result<RequestLink, RequestError> {
        let link = link.trim();
        if link.len() > MAX_REQUEST_LINK_LEN {
            return Err(RequestError::TooLarge {
                what: "request link",
                len: link.len(),
                max: MAX_REQUEST_LINK_LEN,
            });
        }
        let (head, query) = link
            .split_once('?')
            .ok_or_else(|| RequestError::LinkScheme(clip(link)))?;
        // A `#` before the `?` makes the rest a fragment (RFC 3986 §3.5): no query.
        if head.contains('#')
            || (!head.starts_with(REQUEST_SCHEME) && !head.starts_with("https://"))
        {
            return Err(RequestError::LinkScheme(clip(head)));
        }
        let mut client_id = None;
        let mut request_uri = None;
        for (name, value) in form::parse(query, 32)? {
            match name.as_str() {
                "client_id" => client_id = Some(value),
                "request_uri" => request_uri = Some(value),
                "request_uri_method" if value != "get" && value != "post" => {
                    return Err(RequestError::RequestUriMethod(clip(&value)));
                }
                "request" => {
                    return Err(RequestError::Parameter(
                        "is passed by value; this wallet takes signed requests by reference".into(),
                    ));
                }
                _ => {}
            }
        }
        let client_id = client_id
            .ok_or_else(|| RequestError::Parameter("client_id is missing (§5.10)".into()))?;
        check_client_id(&client_id)?;
        let request_uri = request_uri.ok_or_else(|| {
            RequestError::Parameter("request_uri is missing; requests by value are refused".into())
        })?;
        url::check_endpoint(&request_uri).map_err(|error| RequestError::Url {
            field: "request_uri",
            error,
        })?;
        Ok(RequestLink {
            client_id,
            request_uri,
        })
    }
}

/// A presentation request: the claims of the Request Object (§5.1, §5.2, §8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The verifier's Client Identifier, `decentralized_identifier:did:…`.
    pub client_id: String,
    /// Where the wallet POSTs its answer (§8.2).
    pub response_uri: String,
    /// Fresh per request; the KB-JWT's `nonce` (Appendix B.3.6).
    pub nonce: String,
    /// Echoed in the answer (§5.2: required when a credential without holder
    /// binding is asked for, optional otherwise; Sigillum's verifier always sends one).
    pub state: Option<String>,
    /// What is asked for.
    pub dcql_query: DcqlQuery,
    /// The verifier's metadata (§5.1 `client_metadata`), e.g. `vp_formats_supported`.
    pub client_metadata: Option<Map<String, Value>>,
}

impl AuthorizationRequest {
    /// The Request Object's claims: the request, `response_type=vp_token`,
    /// `response_mode=direct_post`, `aud` (§5.8) and `iat`.
    #[must_use]
    pub fn to_claims(&self, iat: Timestamp) -> Map<String, Value> {
        let mut claims = Map::new();
        let mut put = |name: &str, value: Value| {
            claims.insert(name.into(), value);
        };
        put("client_id", self.client_id.clone().into());
        put("response_type", VP_TOKEN.into());
        put("response_mode", DIRECT_POST.into());
        put("response_uri", self.response_uri.clone().into());
        put("nonce", self.nonce.clone().into());
        if let Some(state) = &self.state {
            put("state", state.clone().into());
        }
        put("dcql_query", self.dcql_query.to_value());
        if let Some(metadata) = &self.client_metadata {
            put("client_metadata", Value::Object(metadata.clone()));
        }
        put("aud", STATIC_WALLET_AUDIENCE.into());
        put("iat", iat.unix().into());
        claims
    }

    /// Reads a request from Request Object claims, checking every rule Sigillum's
    /// wallet relies on: `response_type` is `vp_token`, `response_mode` is
    /// `direct_post` with a `response_uri` and no `redirect_uri` (§8.2), `nonce`
    /// present and `state` optional, both bounded and of URL-safe characters (§5.2),
    /// `dcql_query` valid (§6), no `presentation_definition` or `scope` in its place,
    /// and no `transaction_data` (§5: "Wallets that do not support this parameter
    /// MUST reject requests that contain it").
    ///
    /// # Errors
    /// The first rule broken.
    pub fn from_claims(claims: &Map<String, Value>) -> Result<Self, RequestError> {
        let text = |name: &str| -> Result<String, RequestError> {
            match claims.get(name) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(RequestError::Parameter(format!("{name} is not a string"))),
                None => Err(RequestError::Parameter(format!("{name} is missing"))),
            }
        };
        let response_type = text("response_type")?;
        if response_type != VP_TOKEN {
            return Err(RequestError::Parameter(format!(
                "response_type \"{}\" is not vp_token",
                clip(&response_type)
            )));
        }
        let mode = text("response_mode")?;
        if mode != DIRECT_POST {
            return Err(RequestError::Parameter(format!(
                "response_mode \"{}\" is not supported; only direct_post is",
                clip(&mode)
            )));
        }
        if claims.contains_key("redirect_uri") {
            return Err(RequestError::Parameter(
                "has redirect_uri, which MUST NOT be present with direct_post (§8.2)".into(),
            ));
        }
        for absent in ["presentation_definition", "scope", "transaction_data"] {
            if claims.contains_key(absent) {
                return Err(RequestError::Parameter(format!(
                    "has {absent}, which this wallet does not support; it answers DCQL queries only"
                )));
            }
        }
        let client_id = text("client_id")?;
        check_client_id(&client_id)?;
        let response_uri = text("response_uri")?;
        url::check_endpoint(&response_uri).map_err(|error| RequestError::Url {
            field: "response_uri",
            error,
        })?;
        let nonce = url_safe(text("nonce")?, "nonce")?;
        let state = match claims.get("state") {
            None => None,
            Some(_) => Some(url_safe(text("state")?, "state")?),
        };
        let dcql_query = DcqlQuery::from_value(
            claims
                .get("dcql_query")
                .ok_or_else(|| RequestError::Parameter("dcql_query is missing".into()))?,
        )?;
        let client_metadata = match claims.get("client_metadata") {
            None => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => {
                return Err(RequestError::Parameter(
                    "client_metadata is not an object".into(),
                ));
            }
        };
        Ok(AuthorizationRequest {
            client_id,
            response_uri,
            nonce,
            state,
            dcql_query,
            client_metadata,
        })
    }

    /// The DID behind the `decentralized_identifier` Client Identifier.
    #[must_use]
    pub fn client_did(&self) -> &str {
        self.client_id
            .strip_prefix(DID_CLIENT_PREFIX)
            .unwrap_or(&self.client_id)
    }
}

/// `client_metadata` for a verifier that takes SD-JWT VC and VC-JWT signed with
/// `algs` (§5.1, §11.1 `vp_formats_supported`, Appendix B.3.4). The values are
/// fully-specified algorithm identifiers (RFC 9864): `ES256`, and `Ed25519` for
/// what JWS headers call `EdDSA` with an Ed25519 key.
#[must_use]
pub fn client_metadata(algs: &[Alg]) -> Map<String, Value> {
    let names: Vec<Value> = algs
        .iter()
        .map(|a| match a {
            Alg::EdDsa => Value::from("Ed25519"),
            other => Value::from(other.name()),
        })
        .collect();
    let mut sd_jwt = Map::new();
    sd_jwt.insert("sd-jwt_alg_values".into(), Value::Array(names.clone()));
    sd_jwt.insert("kb-jwt_alg_values".into(), Value::Array(names.clone()));
    let mut jwt_vc = Map::new();
    jwt_vc.insert("alg_values".into(), Value::Array(names));
    let mut formats = Map::new();
    formats.insert("dc+sd-jwt".into(), Value::Object(sd_jwt));
    formats.insert("jwt_vc_json".into(), Value::Object(jwt_vc));
    let mut metadata = Map::new();
    metadata.insert("vp_formats_supported".into(), Value::Object(formats));
    metadata
}

/// Signs `request` as a Request Object (`typ` `oauth-authz-req+jwt`, `kid` the
/// verification method of the client's DID that `key` is).
///
/// # Errors
/// The signer's own error.
pub fn sign_request_object<K: JwsSigner + ?Sized>(
    request: &AuthorizationRequest,
    kid: &str,
    key: &K,
    iat: Timestamp,
) -> Result<String, signature::Error> {
    crate::jws::try_sign_claims(REQUEST_OBJECT_TYP, Some(kid), &request.to_claims(iat), key)
}

/// Verifies a Request Object fetched from `link.request_uri` and returns the request.
///
/// In order: the size cap; a compact JWS with `typ` `oauth-authz-req+jwt`; its
/// `client_id` equal to the link's (§5.10: "the Wallet MUST ... check that the
/// client_id in the Request Object matches"); the `decentralized_identifier` prefix;
/// `kid` a DID URL of that same DID naming a key in its `verificationMethod`
/// (§5.9.3); the DID resolved locally (`did:key`, `did:jwk`); the signature with an
/// algorithm in `allowed`; `aud`, when present, the static wallet audience (§5.8);
/// then [`AuthorizationRequest::from_claims`].
///
/// # Errors
/// The first check that fails.
pub fn verify_request_object(
    jwt: &str,
    link: &RequestLink,
    allowed: &[Alg],
) -> Result<AuthorizationRequest, RequestError> {
    let jwt = jwt.trim();
    if jwt.len() > MAX_REQUEST_OBJECT_LEN {
        return Err(RequestError::TooLarge {
            what: "request object",
            len: jwt.len(),
            max: MAX_REQUEST_OBJECT_LEN,
        });
    }
    let jws = CompactJws::parse(jwt, MAX_REQUEST_OBJECT_LEN)
        .map_err(|e| RequestError::Object(e.to_string()))?;
    jws.expect_typ(REQUEST_OBJECT_TYP)
        .map_err(|e| RequestError::Object(e.to_string()))?;
    let claims = jws
        .unverified_claims()
        .map_err(|e| RequestError::Object(e.to_string()))?;
    let inside = match claims.get("client_id") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(RequestError::Parameter("client_id is missing".into())),
    };
    if inside != link.client_id {
        return Err(RequestError::ClientIdMismatch {
            outside: clip(&link.client_id),
            inside: clip(&inside),
        });
    }
    let client_did = check_client_id(&inside)?;
    let kid = jws
        .header()
        .kid
        .clone()
        .ok_or_else(|| RequestError::Kid("is missing (§5.9.3 requires it)".into()))?;
    let (did, fragment) = did::split_did_url(&kid)
        .map_err(|e| RequestError::Kid(format!("is not a DID URL: {e}")))?;
    if did.as_str() != client_did || fragment.is_none() {
        return Err(RequestError::Kid(format!(
            "\"{}\" is not a verification method of {}",
            clip(&kid),
            clip(client_did)
        )));
    }
    let document = did::resolve_local(&did).map_err(|e| RequestError::Kid(e.to_string()))?;
    let key = document
        .verification_method
        .iter()
        .find(|vm| vm.id == kid || format!("{}{}", document.id, vm.id) == kid)
        .ok_or_else(|| {
            RequestError::Kid(format!(
                "\"{}\" is not in the DID document's verificationMethod",
                clip(&kid)
            ))
        })?
        .public_key()
        .map_err(|e| RequestError::Kid(e.to_string()))?;
    let verified = jws
        .verify(&key, allowed)
        .map_err(|e| RequestError::Signature(e.to_string()))?;
    let claims = verified
        .claims()
        .map_err(|e| RequestError::Object(e.to_string()))?;
    match claims.get("aud") {
        None => {}
        Some(Value::String(aud)) if aud == STATIC_WALLET_AUDIENCE => {}
        Some(other) => {
            return Err(RequestError::Parameter(format!(
                "aud {} is not {STATIC_WALLET_AUDIENCE}",
                clip(&other.to_string())
            )));
        }
    }
    AuthorizationRequest::from_claims(&claims)
}

/// Verifies a Request Object read from an offline request QR (`SG1R:`, shown by a
/// verifier to a wallet with no network): the same checks as
/// [`verify_request_object`], with the object's own `client_id` standing for the
/// link's (there is no link), so the DID in `client_id` must still have signed it.
///
/// # Errors
/// As [`verify_request_object`].
pub fn verify_offline_request(
    jwt: &str,
    allowed: &[Alg],
) -> Result<AuthorizationRequest, RequestError> {
    let jws = CompactJws::parse(jwt.trim(), MAX_REQUEST_OBJECT_LEN)
        .map_err(|e| RequestError::Object(e.to_string()))?;
    let claims = jws
        .unverified_claims()
        .map_err(|e| RequestError::Object(e.to_string()))?;
    let client_id = match claims.get("client_id") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(RequestError::Parameter("client_id is missing".into())),
    };
    let link = RequestLink {
        client_id,
        request_uri: String::new(),
    };
    verify_request_object(jwt, &link, allowed)
}

/// Checks a Client Identifier is bounded and `decentralized_identifier:did:…`;
/// returns the DID.
fn check_client_id(client_id: &str) -> Result<&str, RequestError> {
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_LEN {
        return Err(RequestError::Parameter(format!(
            "client_id is empty or longer than {MAX_CLIENT_ID_LEN} bytes"
        )));
    }
    match client_id.strip_prefix(DID_CLIENT_PREFIX) {
        Some(did) if did::Did::parse(did).is_ok() => Ok(did),
        _ => Err(RequestError::ClientIdPrefix(clip(client_id))),
    }
}

/// §5.2: `nonce` and `state` "MUST only contain ASCII URL safe characters
/// (uppercase and lowercase letters, decimal digits, hyphen, period, underscore,
/// and tilde)"; we also bound their length.
fn url_safe(value: String, name: &str) -> Result<String, RequestError> {
    if value.is_empty() || value.len() > MAX_NONCE_LEN {
        return Err(RequestError::Parameter(format!(
            "{name} is empty or longer than {MAX_NONCE_LEN} bytes"
        )));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    {
        return Err(RequestError::Parameter(format!(
            "{name} has characters other than letters, digits, -, ., _ and ~ (§5.2)"
        )));
    }
    Ok(value)
}

fn clip(text: &str) -> String {
    crate::oid4vci::clip_evidence(text)
}
