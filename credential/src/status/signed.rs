//! Signing a whole status list, in either form: the IETF `statuslist+jwt`
//! (draft-ietf-oauth-status-list §5.1: `sub` = the list's `uri`, `iat`, optional
//! `exp` and `ttl`, `status_list`) or a W3C `BitstringStatusListCredential`
//! secured as `vc+jwt` (Bitstring Status List v1.0 §2.2, VC-JOSE-COSE §3.1.1).

use serde_json::{Map, Value, json};

use super::{
    BitstringStatusList, STATUS_LIST_JWT_TYP, StatusList, StatusListTokenClaims, StatusPurpose,
    credential_subject,
};
use crate::jws;
use crate::key::JwsSigner;
use crate::time::Timestamp;
use crate::vc::jwt_vc;

/// Who signs a list and when it is valid.
#[derive(Debug, Clone, Copy)]
pub struct ListSigning<'a> {
    /// The list's URI (`sub` of a token; `id` of a credential).
    pub uri: &'a str,
    /// The issuer (`iss` / `issuer`), e.g. its DID.
    pub issuer: &'a str,
    /// The signing key's id, for the `kid` header.
    pub kid: &'a str,
    /// Issuance time (`iat` / `validFrom`).
    pub issued_at: Timestamp,
    /// End of validity (`exp` / `validUntil`).
    pub valid_until: Option<Timestamp>,
}

/// Signs a Token Status List as a `statuslist+jwt`; `ttl` is the seconds a
/// verifier may cache it (§5.1).
///
/// # Errors
/// A message when a time is negative or the signer fails.
pub fn sign_token_list<K: JwsSigner + ?Sized>(
    list: &StatusList,
    ttl: Option<u64>,
    signing: &ListSigning<'_>,
    key: &K,
) -> Result<String, String> {
    let unsigned =
        |t: Timestamp| u64::try_from(t.unix()).map_err(|_| "a time before 1970".to_owned());
    let claims = StatusListTokenClaims {
        sub: signing.uri.to_owned(),
        iat: unsigned(signing.issued_at)?,
        exp: signing.valid_until.map(unsigned).transpose()?,
        ttl,
        status_list: list.clone(),
    };
    let mut payload = match claims.to_payload().map_err(|e| e.to_string())? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    payload.insert("iss".into(), json!(signing.issuer));
    jws::try_sign_claims(STATUS_LIST_JWT_TYP, Some(signing.kid), &payload, key)
        .map_err(|e| format!("the issuer key could not sign: {e}"))
}

/// Signs a Bitstring Status List credential (`vc+jwt`) for one `purpose`.
///
/// # Errors
/// A message when the subject cannot be built or the signer fails.
pub fn sign_bitstring_list<K: JwsSigner + ?Sized>(
    list: &BitstringStatusList,
    purpose: StatusPurpose,
    signing: &ListSigning<'_>,
    key: &K,
) -> Result<String, String> {
    let subject = match credential_subject(list, &format!("{}#list", signing.uri), purpose, None)
        .map_err(|e| e.to_string())?
    {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let request = jwt_vc::JwtVcRequest {
        id: Some(signing.uri),
        types: &["BitstringStatusListCredential".to_owned()],
        issuer: signing.issuer,
        kid: Some(signing.kid),
        valid_from: signing.issued_at,
        valid_until: signing.valid_until,
        subject: &subject,
        status: None,
        schema_id: None,
    };
    jwt_vc::issue(&request, key).map_err(|e| format!("the issuer key could not sign: {e}"))
}
