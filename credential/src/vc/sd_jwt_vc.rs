//! SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-18): an SD-JWT whose header `typ` is
//! `dc+sd-jwt` (§3.2.1; `vc+sd-jwt` accepted from older issuers) and whose payload
//! carries `vct`, `iss`, validity, optionally `cnf` (holder key) and `status`
//! (a Token Status List reference).

use serde_json::{Map, Value, json};

use super::CredentialError;
use super::validity::{check_window, numeric_date};
use crate::key::{JwsSigner, PublicKey};
use crate::sd_jwt::{self, IssueOptions, PathSegment, Processed};
use crate::time::Timestamp;

/// The media type / `typ` of an SD-JWT VC (§3.2.1).
pub const TYP: &str = "dc+sd-jwt";
/// The `typ` used before draft -06; accepted on input only.
pub const LEGACY_TYP: &str = "vc+sd-jwt";
/// Claims that must never be selectively disclosable (§3.2.2.2 and §3.2.2.1).
pub const NEVER_DISCLOSABLE: &[&str] =
    &["iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"];
/// Registered JWT claims an SD-JWT VC payload may carry beside the subject's claims.
pub const REGISTERED_CLAIMS: &[&str] = &[
    "iss",
    "iat",
    "nbf",
    "exp",
    "cnf",
    "vct",
    "vct#integrity",
    "status",
    "sub",
];

/// What an issuer puts into an SD-JWT VC.
#[derive(Debug, Clone)]
pub struct SdJwtVcRequest<'a> {
    /// The credential type (`vct`, §3.2.2.1.1).
    pub vct: &'a str,
    /// The issuer identifier (`iss`), e.g. its DID.
    pub issuer: &'a str,
    /// The `kid` header: the verification method that signs.
    pub kid: Option<&'a str>,
    /// `iat`.
    pub issued_at: Timestamp,
    /// `nbf`, if validity starts later than issuance.
    pub valid_from: Option<Timestamp>,
    /// `exp`.
    pub valid_until: Option<Timestamp>,
    /// The holder key bound with `cnf.jwk` (RFC 7800), if any.
    pub holder: Option<&'a PublicKey>,
    /// The Token Status List entry (`status.status_list`: `uri`, `idx`).
    pub status: Option<(&'a str, u64)>,
    /// The subject's claims (top-level in the payload).
    pub claims: &'a Map<String, Value>,
    /// Which top-level claims are selectively disclosable (those absent from `claims` are skipped).
    pub disclosable: &'a [String],
}

/// Issues an SD-JWT VC, returning `<JWT>~<D1>~…~`.
///
/// # Errors
/// A message when a subject claim collides with a registered claim or a
/// never-disclosable claim is marked disclosable.
pub fn issue<K: JwsSigner + ?Sized>(
    request: &SdJwtVcRequest<'_>,
    key: &K,
    options: IssueOptions,
) -> Result<String, String> {
    let mut payload = Map::new();
    for (name, value) in request.claims {
        if REGISTERED_CLAIMS.contains(&name.as_str()) {
            return Err(format!(
                "subject claim \"{name}\" collides with a registered SD-JWT VC claim"
            ));
        }
        payload.insert(name.clone(), value.clone());
    }
    if let Some(bad) = request
        .disclosable
        .iter()
        .find(|n| NEVER_DISCLOSABLE.contains(&n.as_str()))
    {
        return Err(format!(
            "claim \"{bad}\" must never be selectively disclosable"
        ));
    }
    payload.insert("iss".into(), json!(request.issuer));
    payload.insert("vct".into(), json!(request.vct));
    payload.insert("iat".into(), json!(request.issued_at.unix()));
    if let Some(nbf) = request.valid_from {
        payload.insert("nbf".into(), json!(nbf.unix()));
    }
    if let Some(exp) = request.valid_until {
        payload.insert("exp".into(), json!(exp.unix()));
    }
    if let Some(holder) = request.holder {
        payload.insert("cnf".into(), json!({"jwk": holder.to_jwk()}));
    }
    if let Some((uri, idx)) = request.status {
        payload.insert(
            "status".into(),
            json!({"status_list": {"idx": idx, "uri": uri}}),
        );
    }
    // A type lists every claim that *may* be disclosed selectively; a subject
    // need not carry the optional ones (a permit without an address).
    let present: Vec<&String> = request
        .disclosable
        .iter()
        .filter(|n| request.claims.contains_key(*n))
        .collect();
    let frame = json!({ "_sd": present });
    sd_jwt::issue(&payload, &frame, options, TYP, request.kid, key)
}

/// The checked registered claims of an SD-JWT VC.
#[derive(Debug, Clone, PartialEq)]
pub struct SdJwtVcClaims {
    /// `vct`.
    pub vct: String,
    /// `iss`.
    pub issuer: String,
    /// `iat`, if present.
    pub issued_at: Option<Timestamp>,
    /// `nbf`.
    pub valid_from: Option<Timestamp>,
    /// `exp`.
    pub valid_until: Option<Timestamp>,
    /// Whether `cnf` is present (key binding then is required).
    pub has_cnf: bool,
    /// `status`, unparsed (the status module reads it).
    pub status: Option<Value>,
}

/// Checks the registered claims of a processed SD-JWT VC (§3.2.2): `vct` and `iss`
/// present strings, NumericDates numeric, and none of [`NEVER_DISCLOSABLE`] revealed
/// through a Disclosure.
///
/// # Errors
/// The first [`CredentialError`] met.
pub fn check_claims(processed: &Processed) -> Result<SdJwtVcClaims, CredentialError> {
    if let Some(d) = processed
        .disclosed
        .iter()
        .find_map(|d| match d.path.0.as_slice() {
            [PathSegment::Key(name)] if NEVER_DISCLOSABLE.contains(&name.as_str()) => {
                Some(name.clone())
            }
            _ => None,
        })
    {
        return Err(CredentialError::ClaimSelectivelyDisclosed(d));
    }
    let claims = &processed.claims;
    let string = |name: &'static str| match claims.get(name) {
        None => Err(CredentialError::ClaimMissing(name)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(CredentialError::ClaimTypeInvalid {
            name,
            expected: "a string",
        }),
    };
    let claims_out = SdJwtVcClaims {
        vct: string("vct")?,
        issuer: string("iss")?,
        issued_at: numeric_date(claims, "iat")?,
        valid_from: numeric_date(claims, "nbf")?,
        valid_until: numeric_date(claims, "exp")?,
        has_cnf: claims.contains_key("cnf"),
        status: claims.get("status").cloned(),
    };
    if let Some(cnf) = claims.get("cnf")
        && !cnf.is_object()
    {
        return Err(CredentialError::ClaimTypeInvalid {
            name: "cnf",
            expected: "an object",
        });
    }
    Ok(claims_out)
}

impl SdJwtVcClaims {
    /// Checks `iat` is not in the future and `nbf`/`exp` hold at `now` (±leeway).
    ///
    /// # Errors
    /// [`CredentialError::NotYetValid`] or [`CredentialError::Expired`].
    pub fn check_validity(&self, now: Timestamp, leeway_secs: i64) -> Result<(), CredentialError> {
        let from = match (self.valid_from, self.issued_at) {
            (Some(nbf), _) => Some(nbf),
            (None, iat) => iat,
        };
        check_window(from, self.valid_until, now, leeway_secs)
    }
}

/// The subject's claims: the processed payload without registered claims, as the
/// credential type's schema describes them.
#[must_use]
pub fn subject_claims(processed: &Processed) -> Map<String, Value> {
    processed
        .claims
        .iter()
        .filter(|(k, _)| !REGISTERED_CLAIMS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
