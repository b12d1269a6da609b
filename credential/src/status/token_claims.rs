//! IETF Token Status List claims: the Status List Token's claims set
//! (draft-ietf-oauth-status-list-20 §5.1) and the Referenced Token's `status`
//! claim (§6.1, §6.2).
//!
//! Only JSON is built and checked here; the JWT (header `typ` =
//! [`STATUS_LIST_JWT_TYP`]) is signed and verified by the JOSE layer, which also
//! checks `exp` against its clock (§8.3 step 4c). Times are JSON integers of
//! seconds (RFC 7519 NumericDate); fractional times are refused: our issuers never
//! emit them and one spelling per value keeps comparisons exact.

use serde_json::{Map, Value, json};

use super::token_list::JSON_OVERHEAD;
use super::{StatusError, StatusList, StatusType, compress, is_absolute_uri};

/// The JWT `typ` of a Status List Token (draft-20 §5.1).
pub const STATUS_LIST_JWT_TYP: &str = "statuslist+jwt";

/// The claims set of a Status List Token in JWT form (draft-20 §5.1).
///
/// Build one and call [`StatusListTokenClaims::to_payload`] to issue; call
/// [`StatusListTokenClaims::from_payload`] on a verified token's payload to check one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListTokenClaims {
    /// `sub`: the URI of this Status List Token, equal to the Referenced Token's
    /// `status.status_list.uri` (§5.1).
    pub sub: String,
    /// `iat`: issued at, seconds since the epoch (§5.1).
    pub iat: u64,
    /// `exp`: expiry, seconds since the epoch; RECOMMENDED (§5.1).
    pub exp: Option<u64>,
    /// `ttl`: seconds a consumer may cache the token; positive; RECOMMENDED (§5.1).
    pub ttl: Option<u64>,
    /// `status_list`: the list (§4.2).
    pub status_list: StatusList,
}

impl StatusListTokenClaims {
    /// The JWT claims set `{sub, iat, exp?, ttl?, status_list}` (draft-20 §5.1).
    ///
    /// # Errors
    /// [`StatusError::TokenClaimMalformed`] when `sub` is not an absolute URI, `ttl`
    /// is zero or `exp` is not after `iat`; [`StatusError::CompressionFailed`].
    pub fn to_payload(&self) -> Result<Value, StatusError> {
        if !is_absolute_uri(&self.sub) {
            return Err(malformed("sub", "is not an absolute URI"));
        }
        if self.ttl == Some(0) {
            return Err(malformed("ttl", "must be positive"));
        }
        if self.exp.is_some_and(|exp| exp <= self.iat) {
            return Err(malformed("exp", "is not after iat"));
        }
        let mut payload = Map::new();
        payload.insert("sub".to_owned(), json!(self.sub));
        payload.insert("iat".to_owned(), json!(self.iat));
        if let Some(exp) = self.exp {
            payload.insert("exp".to_owned(), json!(exp));
        }
        if let Some(ttl) = self.ttl {
            payload.insert("ttl".to_owned(), json!(ttl));
        }
        payload.insert("status_list".to_owned(), self.status_list.to_json()?);
        Ok(Value::Object(payload))
    }

    /// Parses and checks a Status List Token's payload bytes (draft-20 §5.1, §8.3
    /// steps 3b and 4a): `sub`, `iat` and `status_list` are required, `sub` must
    /// equal `expected_uri` (the Referenced Token's `uri`), and the list may not
    /// inflate past `max_bytes`. Other claims are allowed (§5.1 rule 1).
    ///
    /// # Errors
    /// [`StatusError::Json`] for a refused JSON text (duplicate members included),
    /// else as [`StatusListTokenClaims::from_claims`].
    pub fn from_payload(
        payload: &[u8],
        expected_uri: &str,
        max_bytes: usize,
    ) -> Result<Self, StatusError> {
        let cap = compress::max_encoded_chars(max_bytes).saturating_add(JSON_OVERHEAD);
        let claims = crate::json::parse_object(payload, cap)?;
        Self::from_claims(&claims, expected_uri, max_bytes)
    }

    /// Checks an already parsed claims set (draft-20 §5.1, §8.3 steps 3b and 4a), as
    /// [`StatusListTokenClaims::from_payload`].
    ///
    /// # Errors
    /// [`StatusError::TokenClaimMalformed`] for a missing or mistyped claim,
    /// [`StatusError::ListUriMismatch`] when `sub` differs from `expected_uri`, or
    /// any error of [`StatusList::from_json`].
    pub fn from_claims(
        claims: &Map<String, Value>,
        expected_uri: &str,
        max_bytes: usize,
    ) -> Result<Self, StatusError> {
        let sub = match claims.get("sub") {
            None => return Err(malformed("sub", "is missing")),
            Some(Value::String(sub)) => sub,
            Some(_) => return Err(malformed("sub", "is not a string")),
        };
        // §8.3 step 4a, before anything costly: a list for another URI is useless.
        if sub != expected_uri {
            return Err(StatusError::ListUriMismatch {
                expected: expected_uri.to_owned(),
                found: sub.chars().take(super::MAX_URI_LEN).collect(),
            });
        }
        let iat = numeric_date(claims, "iat")?.ok_or(malformed("iat", "is missing"))?;
        let exp = numeric_date(claims, "exp")?;
        let ttl = numeric_date(claims, "ttl")?;
        if ttl == Some(0) {
            return Err(malformed("ttl", "must be positive"));
        }
        let status_list = claims
            .get("status_list")
            .ok_or(malformed("status_list", "is missing"))?;
        let status_list = StatusList::from_json(status_list, max_bytes)?;
        Ok(Self {
            sub: sub.clone(),
            iat,
            exp,
            ttl,
            status_list,
        })
    }

    /// The status of the token `reference` points at (draft-20 §8.3 steps 4a, 6, 7).
    ///
    /// # Errors
    /// [`StatusError::ListUriMismatch`] when this list is not the one referenced;
    /// [`StatusError::IndexOutOfRange`] when the index is not in the list.
    pub fn status_of(&self, reference: &StatusReference) -> Result<StatusType, StatusError> {
        if self.sub != reference.uri {
            return Err(StatusError::ListUriMismatch {
                expected: reference.uri.clone(),
                found: self.sub.clone(),
            });
        }
        self.status_list.status(reference.index())
    }
}

/// A Referenced Token's pointer into a Status List: `status.status_list.{idx, uri}`
/// (draft-20 §6.1, §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusReference {
    uri: String,
    idx: u32,
}

impl StatusReference {
    /// A reference to entry `idx` of the Status List Token at `uri` (draft-20 §6.2).
    ///
    /// # Errors
    /// [`StatusError::ReferenceMalformed`] when `uri` is not an absolute URI.
    pub fn new(uri: impl Into<String>, idx: u32) -> Result<Self, StatusError> {
        let uri = uri.into();
        if !is_absolute_uri(&uri) {
            return Err(reference_malformed("uri", "is not an absolute URI"));
        }
        Ok(Self { uri, idx })
    }

    /// `uri`: the Status List Token holding this token's status (draft-20 §6.2).
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// `idx`: the entry in that list (draft-20 §6.2).
    #[must_use]
    pub fn idx(&self) -> u32 {
        self.idx
    }

    /// `idx` as a list index (draft-20 §6.2); `usize::MAX`, always out of range, where
    /// `usize` is narrower than 32 bits.
    #[must_use]
    pub fn index(&self) -> usize {
        usize::try_from(self.idx).unwrap_or(usize::MAX)
    }

    /// The `status` claim value `{"status_list": {"idx", "uri"}}` (draft-20 §6.2).
    #[must_use]
    pub fn to_status_claim(&self) -> Value {
        json!({ "status_list": { "idx": self.idx, "uri": self.uri } })
    }

    /// Reads `status.status_list` from a Referenced Token's claims set (draft-20
    /// §6.2, §8.3 step 1). `idx` must be a JSON integer in `0..=u32::MAX` (a string
    /// or fraction is an error, not an absent index); `uri` an absolute URI string.
    /// Other status mechanisms beside `status_list` are ignored (§6.1).
    ///
    /// # Errors
    /// [`StatusError::ReferenceMalformed`] naming the member at fault.
    pub fn from_claims(claims: &Map<String, Value>) -> Result<Self, StatusError> {
        let status = match claims.get("status") {
            None => return Err(reference_malformed("status", "is missing")),
            Some(Value::Object(status)) => status,
            Some(_) => return Err(reference_malformed("status", "is not a JSON object")),
        };
        let list = match status.get("status_list") {
            None => return Err(reference_malformed("status_list", "is missing")),
            Some(Value::Object(list)) => list,
            Some(_) => return Err(reference_malformed("status_list", "is not a JSON object")),
        };
        let idx = match list.get("idx") {
            None => return Err(reference_malformed("idx", "is missing")),
            Some(Value::Number(number)) => number
                .as_u64()
                .ok_or(reference_malformed("idx", "is not a non-negative integer"))?,
            Some(_) => return Err(reference_malformed("idx", "is not a JSON number")),
        };
        let idx = u32::try_from(idx).map_err(|_| reference_malformed("idx", "exceeds 2^32 - 1"))?;
        let uri = match list.get("uri") {
            None => return Err(reference_malformed("uri", "is missing")),
            Some(Value::String(uri)) => uri,
            Some(_) => return Err(reference_malformed("uri", "is not a string")),
        };
        Self::new(uri.as_str(), idx)
    }
}

fn malformed(claim: &'static str, reason: &'static str) -> StatusError {
    StatusError::TokenClaimMalformed { claim, reason }
}

fn reference_malformed(field: &'static str, reason: &'static str) -> StatusError {
    StatusError::ReferenceMalformed { field, reason }
}

/// An optional claim holding a non-negative integer (RFC 7519 §2 NumericDate, in
/// whole seconds).
fn numeric_date(
    claims: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<u64>, StatusError> {
    match claims.get(claim) {
        None => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or(malformed(claim, "is not a non-negative integer")),
    }
}

#[cfg(test)]
#[path = "token_claims_tests.rs"]
mod tests;
