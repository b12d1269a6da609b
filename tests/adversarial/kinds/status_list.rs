//! `status_list`: one signed status list, read the way the verification pipeline
//! reads it (`sigillum_credential::verify`, private `verify/status.rs`:
//! `verify_list`, then `token_status` or `bitstring_status`), from the same public
//! pieces and limits: [`CompactJws::parse`] and the payload capped at [`MAX_LIST_TOKEN_BYTES`], `typ` required,
//! the signature verified with the issuer's key under ES256/EdDSA, then either
//! [`StatusListTokenClaims::from_claims`] against the credential's URI and
//! [`StatusListTokenClaims::status_of`] (a `statuslist+jwt`, Token Status List
//! draft-20 §8.3), or `jwt_vc::read` and [`validate_status_list_credential`] (a
//! `vc+jwt` BitstringStatusListCredential, W3C REC §3.2), inflation bounded by
//! [`MAX_STATUS_LIST_BYTES`]. The outcome is `accept` when the entry reads VALID
//! (0), the pipeline's code for any other status (`credential_revoked`,
//! `credential_suspended`, `credential_status_unknown`), or the specific code of
//! the first refusal (a [`JwsError`], [`StatusError`] or `CredentialError` code:
//! where the pipeline folds signature-level refusals into `status_list_invalid`,
//! this kind names them). What depends on the clock or on the credential's issuer
//! (`exp`, staleness, another issuer's list) is a `presentation` case.
//!
//! Members: `input` (a JWS recipe, see `build.rs`: the signed list), `index` (the
//! entry read), optional `key` (the corpus key whose public half verifies; default
//! `issuer-es256`), optional `uri` (the list URI the credential points at; default
//! [`URI`]), optional `format` (`token`, the default, or `bitstring`), and for
//! `bitstring` optional `purpose` (the entry's `statusPurpose`; default
//! `revocation`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sigillum_credential::jws::{CompactJws, JwsError};
use sigillum_credential::key::Alg;
use sigillum_credential::status::{
    BitstringStatusListEntry, STATUS_LIST_JWT_TYP, StatusError, StatusListTokenClaims,
    StatusPurpose, StatusReference, StatusType, validate_status_list_credential,
};
use sigillum_credential::vc::jwt_vc;
use sigillum_credential::verify::{MAX_LIST_TOKEN_BYTES, MAX_STATUS_LIST_BYTES, Rejection};

use crate::build::Fixtures;
use crate::case::Case;

/// The list URI the corpus credentials point at.
pub const URI: &str = "https://registry.example/v1/status-lists/7";

pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    let token = fx.jws(case.get("input")?, &BTreeMap::new())?;
    let key_name = match case.spec.get("key") {
        None => "issuer-es256",
        Some(v) => v.as_str().ok_or("\"key\" must name a corpus key")?,
    };
    let key = fx.key(key_name)?.public_key();
    let index = case
        .get("index")?
        .as_u64()
        .ok_or("\"index\" must be a non-negative integer")?;
    let uri = match case.spec.get("uri") {
        None => URI,
        Some(v) => v.as_str().ok_or("\"uri\" must be a string")?,
    };
    let bitstring = match case.spec.get("format").map(|f| f.as_str()) {
        None | Some(Some("token")) => false,
        Some(Some("bitstring")) => true,
        _ => return Err("\"format\" must be \"token\" or \"bitstring\"".into()),
    };
    let typ = if bitstring {
        jwt_vc::TYP
    } else {
        STATUS_LIST_JWT_TYP
    };

    let claims = match (|| -> Result<Map<String, Value>, JwsError> {
        let jws = CompactJws::parse(token.trim(), MAX_LIST_TOKEN_BYTES)?;
        jws.expect_typ(typ)?;
        jws.verify(&key, Alg::ALL)?
            .claims_within(MAX_LIST_TOKEN_BYTES)
    })() {
        Ok(claims) => claims,
        Err(e) => return Ok(e.code().into()),
    };

    if bitstring {
        let purpose = match case.spec.get("purpose") {
            None => "revocation",
            Some(v) => v.as_str().ok_or("\"purpose\" must be a string")?,
        };
        let entry = BitstringStatusListEntry::from_json(&json!({
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": index.to_string(),
            "statusListCredential": uri,
        }))
        .map_err(|e| format!("the case's entry is not one Sigillum reads: {e}"))?;
        if let Err(e) = jwt_vc::read(jwt_vc::JwtVcVersion::V2, &claims) {
            return Ok(e.code().into());
        }
        return Ok(
            match validate_status_list_credential(&claims, &entry, MAX_STATUS_LIST_BYTES) {
                Err(e) => e.code().into(),
                Ok(status) if status.valid => "accept".into(),
                Ok(status) => {
                    let (list, index) = (uri.to_owned(), entry.index());
                    match status.purpose {
                        StatusPurpose::Revocation => Rejection::Revoked { list, index },
                        StatusPurpose::Suspension => Rejection::Suspended { list, index },
                        _ => Rejection::StatusOther {
                            list,
                            index,
                            value: status.status,
                        },
                    }
                    .code()
                    .into()
                }
            },
        );
    }

    let index = u32::try_from(index).map_err(|_| "\"index\" must fit in 32 bits (§6.2 idx)")?;
    let reference = StatusReference::new(uri, index)
        .map_err(|e| format!("the case's reference is not one Sigillum reads: {e}"))?;
    let status = StatusListTokenClaims::from_claims(&claims, uri, MAX_STATUS_LIST_BYTES)
        .and_then(|list| list.status_of(&reference));
    Ok(match status {
        Err(e) => StatusError::code(&e).into(),
        Ok(StatusType::Valid) => "accept".into(),
        Ok(other) => {
            let (list, index) = (uri.to_owned(), reference.index());
            match other {
                StatusType::Invalid => Rejection::Revoked { list, index },
                StatusType::Suspended => Rejection::Suspended { list, index },
                _ => Rejection::StatusOther {
                    list,
                    index,
                    value: other.value(),
                },
            }
            .code()
            .into()
        }
    })
}
