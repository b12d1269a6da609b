//! W3C VC Data Model 2.0 secured with JOSE (VC-JOSE-COSE §3.1.1): the JWS payload
//! *is* the credential, the header `typ` is `vc+jwt` (and `cty` `vc`); and VC Data
//! Model 1.1 JWTs (VC DM 1.1 §6.3.1), where the credential sits in a `vc` claim and
//! `iss`/`nbf`/`exp`/`sub`/`jti` carry its metadata — verified, never issued.

use serde_json::{Map, Value, json};

use super::CredentialError;
use super::validity::{check_window, date_time, numeric_date};
use crate::jws::{self, CompactJws};
use crate::key::JwsSigner;
use crate::time::Timestamp;

/// `typ` of a VC 2.0 credential secured as a JWT (VC-JOSE-COSE §3.1.1).
pub const TYP: &str = "vc+jwt";
/// The base context every VC 2.0 credential lists first (VC DM 2.0 §4.3).
pub const CONTEXT_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The VC DM 1.1 base context.
pub const CONTEXT_V1: &str = "https://www.w3.org/2018/credentials/v1";

/// Which JWT encoding a credential used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtVcVersion {
    /// VC DM 2.0, `vc+jwt`.
    V2,
    /// VC DM 1.1, the `vc` claim.
    V1_1,
}

/// A credential read from a VC-JWT, normalized across the two encodings.
#[derive(Debug, Clone, PartialEq)]
pub struct JwtVc {
    /// The encoding.
    pub version: JwtVcVersion,
    /// The issuer's identifier (`issuer`, or its `id`; `iss` in 1.1).
    pub issuer: String,
    /// The `type` entries.
    pub types: Vec<String>,
    /// Start of validity (`validFrom` and `nbf` in 2.0, `nbf` in 1.1; `iat` without them).
    pub valid_from: Option<Timestamp>,
    /// End of validity (`validUntil`; `exp` in 1.1).
    pub valid_until: Option<Timestamp>,
    /// The (first) `credentialSubject`.
    pub subject: Map<String, Value>,
    /// `credentialStatus` entries.
    pub status: Vec<Value>,
    /// The credential object itself.
    pub credential: Map<String, Value>,
}

/// What an issuer puts into a VC 2.0 credential.
#[derive(Debug, Clone)]
pub struct JwtVcRequest<'a> {
    /// `id` of the credential (a URL or URN).
    pub id: Option<&'a str>,
    /// Extra `type` entries after `VerifiableCredential`.
    pub types: &'a [String],
    /// `issuer`.
    pub issuer: &'a str,
    /// `kid` header.
    pub kid: Option<&'a str>,
    /// `validFrom`.
    pub valid_from: Timestamp,
    /// `validUntil`.
    pub valid_until: Option<Timestamp>,
    /// `credentialSubject` (add `id` for a holder DID).
    pub subject: &'a Map<String, Value>,
    /// `credentialStatus` (e.g. a `BitstringStatusListEntry`).
    pub status: Option<Value>,
    /// `credentialSchema` `id` (type `JsonSchema`).
    pub schema_id: Option<&'a str>,
}

/// Issues a VC 2.0 credential as `vc+jwt`.
///
/// # Errors
/// The signer's own error (an in-memory [`crate::key::SigningKey`] never fails).
pub fn issue<K: JwsSigner + ?Sized>(
    request: &JwtVcRequest<'_>,
    key: &K,
) -> Result<String, signature::Error> {
    let mut types = vec![json!("VerifiableCredential")];
    types.extend(request.types.iter().map(|t| json!(t)));
    let mut vc = Map::new();
    vc.insert("@context".into(), json!([CONTEXT_V2]));
    if let Some(id) = request.id {
        vc.insert("id".into(), json!(id));
    }
    vc.insert("type".into(), Value::Array(types));
    vc.insert("issuer".into(), json!(request.issuer));
    vc.insert("validFrom".into(), json!(request.valid_from.to_rfc3339()));
    if let Some(until) = request.valid_until {
        vc.insert("validUntil".into(), json!(until.to_rfc3339()));
    }
    vc.insert(
        "credentialSubject".into(),
        Value::Object(request.subject.clone()),
    );
    if let Some(status) = &request.status {
        vc.insert("credentialStatus".into(), status.clone());
    }
    if let Some(schema) = request.schema_id {
        vc.insert(
            "credentialSchema".into(),
            json!({"id": schema, "type": "JsonSchema"}),
        );
    }
    let mut header = Map::new();
    header.insert("typ".into(), json!(TYP));
    header.insert("cty".into(), json!("vc"));
    if let Some(kid) = request.kid {
        header.insert("kid".into(), json!(kid));
    }
    jws::try_sign(header, Value::Object(vc).to_string().as_bytes(), key)
}

/// Which encoding a (not yet verified) JWT uses: `vc+jwt` → 2.0; `JWT`/no `typ`
/// with a `vc` claim → 1.1.
///
/// # Errors
/// [`CredentialError::WrongTyp`] for other `typ` values.
pub fn version_of(
    jws: &CompactJws<'_>,
    claims: &Map<String, Value>,
) -> Result<JwtVcVersion, CredentialError> {
    match jws.header().typ.as_deref() {
        Some(TYP) => Ok(JwtVcVersion::V2),
        None | Some("JWT") if claims.contains_key("vc") => Ok(JwtVcVersion::V1_1),
        found => Err(CredentialError::WrongTyp {
            expected: "vc+jwt, or JWT with a vc claim",
            found: found.map(str::to_owned),
        }),
    }
}

fn data_model(why: &str) -> CredentialError {
    CredentialError::DataModel(why.to_owned())
}

fn types_of(vc: &Map<String, Value>) -> Result<Vec<String>, CredentialError> {
    let types: Vec<String> = match vc.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| data_model("type entries must be strings"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(data_model("type is missing")),
    };
    if !types.iter().any(|t| t == "VerifiableCredential") {
        return Err(data_model("type does not include VerifiableCredential"));
    }
    Ok(types)
}

fn issuer_of(value: Option<&Value>) -> Result<String, CredentialError> {
    let id = match value {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| data_model("issuer object has no id"))?,
        _ => return Err(data_model("issuer is missing")),
    };
    if !id.contains(':') {
        return Err(data_model("issuer is not a URL"));
    }
    Ok(id.to_owned())
}

fn subject_of(vc: &Map<String, Value>) -> Result<Map<String, Value>, CredentialError> {
    let subject = match vc.get("credentialSubject") {
        Some(Value::Object(s)) => s.clone(),
        Some(Value::Array(items)) => match items.first() {
            Some(Value::Object(s)) => s.clone(),
            _ => return Err(data_model("credentialSubject array holds no object")),
        },
        _ => return Err(data_model("credentialSubject is missing")),
    };
    if subject.is_empty() {
        return Err(data_model("credentialSubject has no claims"));
    }
    Ok(subject)
}

fn status_of(vc: &Map<String, Value>) -> Vec<Value> {
    match vc.get("credentialStatus") {
        Some(Value::Array(items)) => items.clone(),
        Some(v) => vec![v.clone()],
        None => Vec::new(),
    }
}

/// Reads a verified VC-JWT payload as a credential (VC DM 2.0 §4 requirements for
/// 2.0; the `vc`-claim mapping of VC DM 1.1 §6.3.1 for 1.1).
///
/// # Errors
/// [`CredentialError::DataModel`] when a required property is missing or mistyped,
/// [`CredentialError::ClaimTypeInvalid`] for mistyped dates.
pub fn read(version: JwtVcVersion, claims: &Map<String, Value>) -> Result<JwtVc, CredentialError> {
    match version {
        JwtVcVersion::V2 => {
            let first_context = claims
                .get("@context")
                .and_then(Value::as_array)
                .and_then(|c| c.first());
            if first_context.and_then(Value::as_str) != Some(CONTEXT_V2) {
                return Err(data_model(
                    "@context must start with https://www.w3.org/ns/credentials/v2",
                ));
            }
            let valid_from = date_time(claims, "validFrom")?;
            let valid_until = date_time(claims, "validUntil")?;
            if let (Some(from), Some(until)) = (valid_from, valid_until)
                && until < from
            {
                return Err(data_model("validUntil is before validFrom"));
            }
            // The JWT's own `nbf`/`exp` (RFC 7519 §4.1.4, §4.1.5) narrow the window too.
            // Without either, `iat` starts it (as for SD-JWT VC): a credential is not
            // valid before it was issued.
            let issued_at = numeric_date(claims, "iat")?;
            let valid_from = match (valid_from, numeric_date(claims, "nbf")?) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
            .or(issued_at);
            let valid_until = match (valid_until, numeric_date(claims, "exp")?) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let issuer = issuer_of(claims.get("issuer"))?;
            // The key is found from `iss` when present (verify::issuer_and_kid): a JWT
            // `iss` naming someone else than `issuer` would verify one party's key and
            // report another as the issuer.
            if claims
                .get("iss")
                .is_some_and(|iss| iss.as_str() != Some(&issuer))
            {
                return Err(data_model("the JWT iss claim does not match issuer"));
            }
            Ok(JwtVc {
                version,
                issuer,
                types: types_of(claims)?,
                valid_from,
                valid_until,
                subject: subject_of(claims)?,
                status: status_of(claims),
                credential: claims.clone(),
            })
        }
        JwtVcVersion::V1_1 => {
            let vc = claims
                .get("vc")
                .and_then(Value::as_object)
                .ok_or_else(|| data_model("the vc claim is not an object"))?;
            let issuer = match claims.get("iss") {
                Some(iss) => issuer_of(Some(iss))?,
                None => issuer_of(vc.get("issuer"))?,
            };
            // VC DM 1.1 §6.3.1: `iss` represents the issuer property; both present
            // and different is a credential from two issuers.
            if vc.contains_key("issuer") && issuer_of(vc.get("issuer"))? != issuer {
                return Err(data_model("the JWT iss claim does not match vc.issuer"));
            }
            let mut subject = subject_of(vc)?;
            if let Some(Value::String(sub)) = claims.get("sub") {
                subject
                    .entry("id")
                    .or_insert_with(|| Value::String(sub.clone()));
            }
            // `nbf`, else `iat` (RFC 7519 §4.1.5, §4.1.6; each a NumericDate).
            let issued_at = numeric_date(claims, "iat")?;
            let valid_from = numeric_date(claims, "nbf")?.or(issued_at);
            Ok(JwtVc {
                version,
                issuer,
                types: types_of(vc)?,
                valid_from,
                valid_until: numeric_date(claims, "exp")?,
                subject,
                status: status_of(vc),
                credential: vc.clone(),
            })
        }
    }
}

impl JwtVc {
    /// Checks the validity window at `now` (±leeway).
    ///
    /// # Errors
    /// [`CredentialError::NotYetValid`] or [`CredentialError::Expired`].
    pub fn check_validity(&self, now: Timestamp, leeway_secs: i64) -> Result<(), CredentialError> {
        check_window(self.valid_from, self.valid_until, now, leeway_secs)
    }
}
