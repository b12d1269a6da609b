//! JWS Compact Serialization (RFC 7515 §3.1, §5.2, §7.1) for ES256 and EdDSA.
//!
//! The verifier, never the token, chooses the algorithm: [`CompactJws::verify`]
//! takes the allow-list and the key, refuses `alg` values outside the list
//! (`none` and `HS*` are never in it) and refuses an `alg` that does not match the
//! key's type, which closes the classic algorithm-confusion attacks.
//!
//! Strictness, each rule with its reason:
//! - exactly three segments of canonical unpadded base64url; a five-segment JWE is refused;
//! - the header is a JSON object without duplicate members (RFC 7515 §5.2 step 4);
//! - `crit` is refused: we implement no extensions, so §4.1.11 requires rejection
//!   (a malformed `crit`, or one naming a standard parameter, is an invalid header);
//! - the header's base64url is capped at 8 KiB (`input_too_large` beyond);
//! - `b64` other than `true` is refused (RFC 7797 payloads are not accepted);
//! - `jku`, `x5u`, `x5c`, `jwk` are never used to choose the key; callers that
//!   legitimately read an embedded `jwk` (OpenID4VCI proofs) do so explicitly;
//! - `typ` is compared as a media type where the caller names one (RFC 8725 §3.11,
//!   RFC 7515 §4.1.9: `application/` implied, case-insensitive).

use serde_json::{Map, Value};

use crate::b64;
use crate::json::{self, JsonError};
use crate::key::{Alg, JwsSigner, PublicKey, SigningKey};

/// Default upper bound on a compact JWS, before any decoding (1 MiB).
pub const DEFAULT_MAX_LEN: usize = 1024 * 1024;
/// Upper bound on the protected header, in base64url characters.
const MAX_HEADER_CHARS: usize = 8 * 1024;
/// Header parameters RFC 7515 §4.1 defines for a JWS (RFC 7518 defines none more):
/// `crit` must not list them (§4.1.11).
const REGISTERED_HEADERS: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
];

/// Why a JWS was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwsError {
    /// Structurally not a compact JWS.
    #[error("malformed JWS: {0}")]
    Malformed(&'static str),
    /// Larger than allowed.
    #[error("JWS of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// The protected header is not acceptable JSON or has a member of the wrong type.
    #[error("invalid JWS header: {0}")]
    HeaderInvalid(String),
    /// A JSON part (header or payload) repeats a member name.
    #[error("JWS {part} has a duplicate member \"{name}\"")]
    DuplicateMember {
        /// `header` or `payload`.
        part: &'static str,
        /// The repeated name.
        name: String,
    },
    /// The header's `alg` is not in the verifier's allow-list.
    #[error("algorithm \"{alg}\" is not allowed (allowed: {allowed})")]
    AlgorithmNotAllowed {
        /// What the header said.
        alg: String,
        /// What the verifier accepts.
        allowed: String,
    },
    /// The header's `alg` does not belong to the key's type.
    #[error("header algorithm {alg} does not match the {key_alg} key")]
    AlgorithmKeyMismatch {
        /// What the header said.
        alg: Alg,
        /// What the key verifies.
        key_alg: Alg,
    },
    /// A `crit` header names extensions we do not implement.
    #[error("critical header extension(s) not supported: {0}")]
    CritUnsupported(String),
    /// RFC 7797 unencoded payloads are not accepted.
    #[error("unencoded payloads (\"b64\": false, RFC 7797) are not accepted")]
    UnencodedPayload,
    /// The `typ` header is not what this kind of token must carry.
    #[error("token type {found:?} where \"{expected}\" is required")]
    TypMismatch {
        /// The required `typ`.
        expected: String,
        /// What the header said.
        found: Option<String>,
    },
    /// The signature does not verify with the key.
    #[error("signature does not verify (kid {kid:?})")]
    SignatureInvalid {
        /// The header's key id, if any.
        kid: Option<String>,
    },
    /// The payload is not acceptable JSON where a JSON claims set is required.
    #[error("JWS payload is not a JSON object: {0}")]
    PayloadInvalid(String),
}

impl JwsError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            JwsError::Malformed(_) => "jws_malformed",
            JwsError::TooLarge { .. } => "input_too_large",
            JwsError::HeaderInvalid(_) => "jws_header_invalid",
            JwsError::DuplicateMember { .. } => "json_duplicate_member",
            JwsError::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            JwsError::AlgorithmKeyMismatch { .. } => "algorithm_key_mismatch",
            JwsError::CritUnsupported(_) => "jws_crit_unsupported",
            JwsError::UnencodedPayload => "jws_b64_unsupported",
            JwsError::TypMismatch { .. } => "typ_mismatch",
            JwsError::SignatureInvalid { .. } => "signature_invalid",
            JwsError::PayloadInvalid(_) => "jws_payload_invalid",
        }
    }
}

fn json_error(part: &'static str, err: JsonError) -> JwsError {
    match err {
        JsonError::DuplicateKey(name) => JwsError::DuplicateMember { part, name },
        other if part == "header" => JwsError::HeaderInvalid(other.to_string()),
        other => JwsError::PayloadInvalid(other.to_string()),
    }
}

/// Whether two `typ` values name the same media type: a value without a `/` stands
/// for `application/<value>` (RFC 7515 §4.1.9), and media type names are
/// case-insensitive (RFC 6838 §4.2). Parameters are not stripped.
fn same_media_type(a: &str, b: &str) -> bool {
    fn short(t: &str) -> &str {
        match (t.get(..12), t.get(12..)) {
            (Some(prefix), Some(rest))
                if prefix.eq_ignore_ascii_case("application/") && !rest.contains('/') =>
            {
                rest
            }
            _ => t,
        }
    }
    short(a).eq_ignore_ascii_case(short(b))
}

/// The protected header, parsed. `alg` is kept as text until a verifier checks it
/// against its allow-list.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// `alg` as written.
    pub alg: String,
    /// `typ`, if present.
    pub typ: Option<String>,
    /// `kid`, if present.
    pub kid: Option<String>,
    /// All members, for callers that read others (e.g. an OpenID4VCI proof's `jwk`).
    pub members: Map<String, Value>,
}

fn string_member(map: &Map<String, Value>, name: &str) -> Result<Option<String>, JwsError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwsError::HeaderInvalid(format!(
            "\"{name}\" must be a string"
        ))),
    }
}

impl Header {
    fn parse(bytes: &[u8]) -> Result<Self, JwsError> {
        let members =
            json::parse_object(bytes, MAX_HEADER_CHARS).map_err(|e| json_error("header", e))?;
        if members.contains_key("enc") {
            return Err(JwsError::Malformed(
                "this is a JWE header (\"enc\"); a JWS was expected",
            ));
        }
        let alg = string_member(&members, "alg")?
            .ok_or_else(|| JwsError::HeaderInvalid("\"alg\" is missing".into()))?;
        // Before `crit`: an RFC 7797 token (`crit` ["b64"], `b64` false) is refused for what it is.
        match members.get("b64") {
            None | Some(Value::Bool(true)) => {}
            Some(_) => return Err(JwsError::UnencodedPayload),
        }
        if let Some(crit) = members.get("crit") {
            // §4.1.11: a non-empty array of names, none of them defined by RFC 7515/7518.
            let names = match crit {
                Value::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(|v| v.as_str().filter(|n| !REGISTERED_HEADERS.contains(n)))
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            }
            .ok_or_else(|| {
                JwsError::HeaderInvalid(
                    "\"crit\" must be a non-empty array of extension names (RFC 7515 §4.1.11)"
                        .into(),
                )
            })?;
            return Err(JwsError::CritUnsupported(names.join(", ")));
        }
        Ok(Header {
            typ: string_member(&members, "typ")?,
            kid: string_member(&members, "kid")?,
            alg,
            members,
        })
    }
}

/// A compact JWS split and decoded but **not verified**. Read [`CompactJws::header`]
/// to find the key; call [`CompactJws::verify`] before trusting the payload.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    signing_input: &'a str,
    header: Header,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'a> CompactJws<'a> {
    /// Splits and decodes a compact JWS of at most `max_len` bytes (RFC 7515 §5.2 steps 1–7).
    ///
    /// # Errors
    /// [`JwsError`] for oversize input, wrong segment count, non-canonical base64url,
    /// or an unacceptable header.
    pub fn parse(token: &'a str, max_len: usize) -> Result<Self, JwsError> {
        if token.len() > max_len {
            return Err(JwsError::TooLarge {
                len: token.len(),
                max: max_len,
            });
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(JwsError::Malformed(
                "a compact JWS has three dot-separated parts",
            ));
        };
        match parts.count() {
            0 => {}
            2 => {
                return Err(JwsError::Malformed(
                    "five parts: this is a JWE; a JWS was expected",
                ));
            }
            _ => {
                return Err(JwsError::Malformed(
                    "a compact JWS has three dot-separated parts",
                ));
            }
        }
        if h.is_empty() || s.is_empty() {
            return Err(JwsError::Malformed("empty header or signature part"));
        }
        let header_bytes = b64::decode_capped(h, MAX_HEADER_CHARS).map_err(|e| match e {
            b64::B64Error::TooLong { len, max } => JwsError::TooLarge { len, max },
            _ => JwsError::Malformed("header is not canonical base64url"),
        })?;
        let header = Header::parse(&header_bytes)?;
        let payload = b64::decode(p)
            .map_err(|_| JwsError::Malformed("payload is not canonical base64url"))?;
        let signature = b64::decode_capped(s, 128)
            .map_err(|_| JwsError::Malformed("signature is not canonical base64url"))?;
        Ok(CompactJws {
            signing_input: &token[..h.len() + 1 + p.len()],
            header,
            payload,
            signature,
        })
    }

    /// The (unverified) protected header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Refuses the token unless its `typ` names the media type `expected` (RFC 8725 §3.11;
    /// `vc+jwt` and `application/vc+jwt` are the same, RFC 7515 §4.1.9).
    ///
    /// # Errors
    /// [`JwsError::TypMismatch`].
    pub fn expect_typ(&self, expected: &str) -> Result<(), JwsError> {
        self.expect_typ_in(&[expected])
    }

    /// Refuses the token unless its `typ` is one of `accepted` (the first is the one named in errors).
    ///
    /// # Errors
    /// [`JwsError::TypMismatch`].
    pub fn expect_typ_in(&self, accepted: &[&str]) -> Result<(), JwsError> {
        match &self.header.typ {
            Some(t) if accepted.iter().any(|a| same_media_type(t, a)) => Ok(()),
            found => Err(JwsError::TypMismatch {
                expected: accepted.first().copied().unwrap_or_default().to_owned(),
                found: found.clone(),
            }),
        }
    }

    /// The (unverified) payload, parsed as a strict JSON object. Use only to find the
    /// signer (e.g. `iss`); the verified claims come from [`CompactJws::verify`].
    ///
    /// # Errors
    /// [`JwsError::PayloadInvalid`] or [`JwsError::DuplicateMember`].
    pub fn unverified_claims(&self) -> Result<Map<String, Value>, JwsError> {
        json::parse_object(&self.payload, DEFAULT_MAX_LEN).map_err(|e| json_error("payload", e))
    }

    /// Verifies the signature with `key`, accepting only algorithms in `allowed`
    /// (RFC 7515 §5.2 step 8; RFC 8725 §3.1).
    ///
    /// # Errors
    /// [`JwsError::AlgorithmNotAllowed`], [`JwsError::AlgorithmKeyMismatch`] or
    /// [`JwsError::SignatureInvalid`].
    pub fn verify(self, key: &PublicKey, allowed: &[Alg]) -> Result<VerifiedJws, JwsError> {
        let alg = Alg::from_name(&self.header.alg)
            .filter(|a| allowed.contains(a))
            .ok_or_else(|| JwsError::AlgorithmNotAllowed {
                alg: self.header.alg.clone(),
                allowed: allowed
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if alg != key.alg() {
            return Err(JwsError::AlgorithmKeyMismatch {
                alg,
                key_alg: key.alg(),
            });
        }
        key.verify_bytes(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JwsError::SignatureInvalid {
                kid: self.header.kid.clone(),
            })?;
        Ok(VerifiedJws {
            header: self.header,
            payload: self.payload,
            alg,
        })
    }
}

/// A JWS whose signature has been checked. Only [`CompactJws::verify`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedJws {
    header: Header,
    payload: Vec<u8>,
    alg: Alg,
}

impl VerifiedJws {
    /// The protected header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// The algorithm that verified.
    #[must_use]
    pub fn alg(&self) -> Alg {
        self.alg
    }
    /// The payload bytes.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
    /// The payload as a strict JSON object (a JWT claims set, RFC 7519 §7.2 steps 9–10).
    ///
    /// # Errors
    /// [`JwsError::PayloadInvalid`] or [`JwsError::DuplicateMember`].
    pub fn claims(&self) -> Result<Map<String, Value>, JwsError> {
        self.claims_within(DEFAULT_MAX_LEN)
    }

    /// As [`VerifiedJws::claims`], for a payload of up to `max_len` bytes: a status
    /// list's compressed bits may be larger than any other claims set.
    ///
    /// # Errors
    /// As [`VerifiedJws::claims`].
    pub fn claims_within(&self, max_len: usize) -> Result<Map<String, Value>, JwsError> {
        json::parse_object(&self.payload, max_len).map_err(|e| json_error("payload", e))
    }
}

/// Signs `payload` as a compact JWS with an in-memory key, which cannot fail.
/// `header` supplies members such as `typ` and `kid`; `alg` is always set from the
/// key (RFC 7515 §5.1).
#[must_use]
pub fn sign(header: Map<String, Value>, payload: &[u8], key: &SigningKey) -> String {
    let mut token = signing_input(header, payload, key.alg());
    let signature = key.sign_bytes(token.as_bytes());
    token.push('.');
    token.push_str(&b64::encode(signature));
    token
}

/// Signs `payload` as a compact JWS with any [`JwsSigner`] (an HSM or KMS key may
/// fail to sign; an in-memory [`SigningKey`] never does).
///
/// # Errors
/// The signer's own error, passed through.
pub fn try_sign<K: JwsSigner + ?Sized>(
    header: Map<String, Value>,
    payload: &[u8],
    key: &K,
) -> Result<String, signature::Error> {
    let mut token = signing_input(header, payload, key.jws_alg());
    let signature = key.try_sign(token.as_bytes())?;
    token.push('.');
    token.push_str(&b64::encode(signature.as_bytes()));
    Ok(token)
}

/// `BASE64URL(header) || '.' || BASE64URL(payload)` (RFC 7515 §5.1 step 5), with
/// `alg` taken from the key.
fn signing_input(mut header: Map<String, Value>, payload: &[u8], alg: Alg) -> String {
    header.insert("alg".into(), Value::String(alg.name().into()));
    let mut token = b64::encode(Value::Object(header).to_string());
    token.push('.');
    token.push_str(&b64::encode(payload));
    token
}

/// The header of a JWT: `typ` and an optional `kid` (RFC 7519 §5).
fn jwt_header(typ: &str, kid: Option<&str>) -> Map<String, Value> {
    let mut header = Map::new();
    header.insert("typ".into(), Value::String(typ.into()));
    if let Some(kid) = kid {
        header.insert("kid".into(), Value::String(kid.into()));
    }
    header
}

/// Signs a JSON claims set with the given `typ` and optional `kid` (a JWT, RFC 7519 §7.1).
#[must_use]
pub fn sign_claims(
    typ: &str,
    kid: Option<&str>,
    claims: &Map<String, Value>,
    key: &SigningKey,
) -> String {
    let payload = Value::Object(claims.clone()).to_string();
    sign(jwt_header(typ, kid), payload.as_bytes(), key)
}

/// [`sign_claims`] with any [`JwsSigner`].
///
/// # Errors
/// The signer's own error, passed through.
pub fn try_sign_claims<K: JwsSigner + ?Sized>(
    typ: &str,
    kid: Option<&str>,
    claims: &Map<String, Value>,
    key: &K,
) -> Result<String, signature::Error> {
    let payload = Value::Object(claims.clone()).to_string();
    try_sign(jwt_header(typ, kid), payload.as_bytes(), key)
}

#[cfg(test)]
mod tests;
