//! Status checks: IETF Token Status List for SD-JWT VC (draft-ietf-oauth-status-list-20
//! §8.3) and W3C Bitstring Status List for VC-JWT (REC §3.2). The list must be signed
//! by the credential's own issuer and be unexpired; any status other than "valid"
//! fails closed.

use serde_json::{Map, Value};

use std::sync::Arc;

use super::list_cache::{VerifiedList, VerifiedLists};
use super::{Check, Rejection, Report, VerifyPolicy};
use crate::jws::{CompactJws, VerifiedJws};
use crate::key::PublicKey;
use crate::status::{
    BitstringStatusListEntry, STATUS_LIST_JWT_TYP, StatusPurpose, StatusReference, StatusType,
    validate_status_list_credential,
};
use crate::time::Timestamp;
use crate::vc::jwt_vc;
use crate::vc::validity::numeric_date;

fn invalid(list: &str, why: impl Into<String>) -> Rejection {
    Rejection::StatusListInvalid {
        list: list.to_owned(),
        why: why.into(),
    }
}

/// The status lists a credential's entries may be checked against.
pub(super) struct Lists<'a> {
    /// The issuer's keys that may have signed them (the credential's own first).
    pub(super) keys: &'a [PublicKey],
    /// The lists the caller fetched.
    pub(super) texts: &'a [&'a str],
    /// Lists verified by earlier calls.
    pub(super) cache: Option<&'a VerifiedLists>,
}

/// Parses and verifies a signed status list with one of the issuer's keys (the
/// credential's own key first, then those the caller knows the issuer held when
/// it signed the list), and checks `iss` (when the list carries one) names the
/// credential's issuer. A list found in `cache` is not verified again.
fn verified_list(
    text: &str,
    typ: &str,
    uri: &str,
    lists: &Lists<'_>,
    policy: &VerifyPolicy,
    issuer: Option<&str>,
) -> Result<Arc<VerifiedList>, Rejection> {
    let text = text.trim();
    let cached = lists
        .cache
        .and_then(|c| c.get(text, lists.keys, &policy.algs));
    let list = match cached {
        Some(list) => list,
        None => {
            let list = Arc::new(verify_list(text, typ, uri, lists.keys, policy)?);
            if let Some(cache) = lists.cache {
                cache.insert(Arc::clone(&list));
            }
            list
        }
    };
    let list_issuer = list
        .claims
        .get("iss")
        .or_else(|| list.claims.get("issuer"))
        .and_then(|i| match i {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        });
    if let (Some(list_issuer), Some(issuer)) = (list_issuer, issuer)
        && list_issuer != issuer
    {
        return Err(Rejection::StatusListIssuerMismatch {
            list: uri.to_owned(),
            list_issuer: list_issuer.to_owned(),
            issuer: issuer.to_owned(),
        });
    }
    Ok(list)
}

/// The signature check of [`verified_list`], without a cache.
fn verify_list(
    text: &str,
    typ: &str,
    uri: &str,
    keys: &[PublicKey],
    policy: &VerifyPolicy,
) -> Result<VerifiedList, Rejection> {
    let jws = CompactJws::parse(text, super::MAX_LIST_TOKEN_BYTES)
        .map_err(|e| invalid(uri, e.to_string()))?;
    jws.expect_typ(typ)
        .map_err(|e| invalid(uri, e.to_string()))?;
    let mut last = None;
    let mut verified: Option<(VerifiedJws, &PublicKey)> = None;
    for key in keys {
        match jws.clone().verify(key, &policy.algs) {
            Ok(v) => {
                verified = Some((v, key));
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let (verified, signer) = verified.ok_or_else(|| {
        let why = last.map_or_else(|| "no key to check it with".to_owned(), |e| e.to_string());
        invalid(
            uri,
            format!("not signed by the credential's issuer ({why})"),
        )
    })?;
    let claims = verified
        .claims_within(super::MAX_LIST_TOKEN_BYTES)
        .map_err(|e| invalid(uri, e.to_string()))?;
    Ok(VerifiedList::new(text, signer.clone(), claims))
}

/// The list among `lists` for the entry `uri`: the one whose `sub` (a token) or
/// `id` (a credential) is `uri`, or the only one given.
pub(super) fn list_for<'a>(
    lists: &[&'a str],
    uri: &str,
    cache: Option<&VerifiedLists>,
) -> Option<&'a str> {
    if let [only] = lists {
        return Some(only);
    }
    lists.iter().copied().find(|text| {
        if let Some(known) = cache.and_then(|c| c.claims_of(text.trim())) {
            let claims = &known.claims;
            return claims.get("sub").and_then(Value::as_str) == Some(uri)
                || claims.get("id").and_then(Value::as_str) == Some(uri);
        }
        CompactJws::parse(text.trim(), super::MAX_LIST_TOKEN_BYTES)
            .and_then(|jws| jws.unverified_claims())
            .is_ok_and(|claims| {
                claims.get("sub").and_then(Value::as_str) == Some(uri)
                    || claims.get("id").and_then(Value::as_str) == Some(uri)
            })
    })
}

/// Refuses a list dated in the future (beyond the leeway: a list is not evidence
/// before it exists), or issued longer ago than the policy's maximum staleness.
fn fresh_enough(
    uri: &str,
    issued: Option<Timestamp>,
    policy: &VerifyPolicy,
    now: Timestamp,
) -> Result<(), Rejection> {
    if let Some(issued) = issued
        && issued.unix() > now.unix().saturating_add(policy.leeway_secs)
    {
        return Err(invalid(uri, format!("dated {issued}, in the future")));
    }
    match (policy.max_status_age_secs, issued) {
        (Some(max), Some(issued)) if now.unix() - issued.unix() > max => {
            Err(Rejection::StatusListTooOld {
                list: uri.to_owned(),
                issued_at: issued,
                max_age_secs: max,
            })
        }
        (Some(max), None) => Err(Rejection::StatusListTooOld {
            list: uri.to_owned(),
            issued_at: Timestamp::from_unix(0),
            max_age_secs: max,
        }),
        _ => Ok(()),
    }
}

fn outcome(list: &str, index: usize, status: StatusType) -> Result<(), Rejection> {
    match status {
        StatusType::Valid => Ok(()),
        StatusType::Invalid => Err(Rejection::Revoked {
            list: list.to_owned(),
            index,
        }),
        StatusType::Suspended => Err(Rejection::Suspended {
            list: list.to_owned(),
            index,
        }),
        other => Err(Rejection::StatusOther {
            list: list.to_owned(),
            index,
            value: other.value(),
        }),
    }
}

fn unavailable(report: &mut Report, uri: &str, policy: &VerifyPolicy) {
    if policy.require_status {
        report.push(Check::failed(
            "status",
            &Rejection::StatusUnavailable {
                list: uri.to_owned(),
            },
        ));
    } else {
        report.push(Check::skipped(
            "status",
            format!("not checked: no status list given for {uri}"),
        ));
    }
}

/// Token Status List check of an SD-JWT VC's `status.status_list` (§8.3).
pub(super) fn token_status(
    report: &mut Report,
    claims: &Map<String, Value>,
    lists: &Lists<'_>,
    policy: &VerifyPolicy,
    now: Timestamp,
) {
    let reference = match StatusReference::from_claims(claims) {
        Ok(r) => r,
        Err(e) => return report.push(Check::failed("status", &e.into())),
    };
    let Some(list) = list_for(lists.texts, reference.uri(), lists.cache) else {
        return unavailable(report, reference.uri(), policy);
    };
    let uri = reference.uri();
    let issuer = claims.get("iss").and_then(Value::as_str);
    let result =
        verified_list(list, STATUS_LIST_JWT_TYP, uri, lists, policy, issuer).and_then(|list| {
            let list_claims = &list.claims;
            if let Some(exp) =
                numeric_date(list_claims, "exp").map_err(|e| invalid(uri, e.to_string()))?
                && exp.plus(policy.leeway_secs) <= now
            {
                return Err(Rejection::StatusListStale {
                    list: uri.to_owned(),
                    expired_at: exp,
                });
            }
            // RFC 7519 §4.1.5: a JWT MUST NOT be accepted before its `nbf`.
            if let Some(nbf) =
                numeric_date(list_claims, "nbf").map_err(|e| invalid(uri, e.to_string()))?
                && nbf.unix() > now.unix().saturating_add(policy.leeway_secs)
            {
                return Err(invalid(uri, format!("not valid before {nbf}")));
            }
            let issued =
                numeric_date(list_claims, "iat").map_err(|e| invalid(uri, e.to_string()))?;
            fresh_enough(uri, issued, policy, now)?;
            let token = list.token(super::MAX_STATUS_LIST_BYTES)?;
            outcome(uri, reference.index(), token.status_of(&reference)?)
        });
    report.record(
        "status",
        |()| format!("valid in {uri} at index {}", reference.idx()),
        result,
    );
}

/// Bitstring Status List check of a VC-JWT's `credentialStatus` (REC §3.2).
pub(super) fn bitstring_status(
    report: &mut Report,
    entry: &Value,
    lists: &Lists<'_>,
    issuer: &str,
    policy: &VerifyPolicy,
    now: Timestamp,
) {
    let entry = match BitstringStatusListEntry::from_json(entry) {
        Ok(e) => e,
        Err(e) => return report.push(Check::failed("status", &e.into())),
    };
    let uri = entry.list_credential().to_owned();
    let Some(list) = list_for(lists.texts, &uri, lists.cache) else {
        return unavailable(report, &uri, policy);
    };
    let result =
        verified_list(list, jwt_vc::TYP, &uri, lists, policy, Some(issuer)).and_then(|list| {
            let claims = &list.claims;
            let credential = jwt_vc::read(jwt_vc::JwtVcVersion::V2, claims)
                .map_err(|e| invalid(&uri, e.to_string()))?;
            if let Some(until) = credential.valid_until
                && until.plus(policy.leeway_secs) <= now
            {
                return Err(Rejection::StatusListStale {
                    list: uri.clone(),
                    expired_at: until,
                });
            }
            fresh_enough(&uri, credential.valid_from, policy, now)?;
            let status =
                validate_status_list_credential(claims, &entry, super::MAX_STATUS_LIST_BYTES)?;
            if status.valid {
                return Ok(());
            }
            let index = entry.index();
            Err(match status.purpose {
                StatusPurpose::Revocation => Rejection::Revoked {
                    list: uri.clone(),
                    index,
                },
                StatusPurpose::Suspension => Rejection::Suspended {
                    list: uri.clone(),
                    index,
                },
                _ => Rejection::StatusOther {
                    list: uri.clone(),
                    index,
                    value: status.status,
                },
            })
        });
    report.record(
        "status",
        |()| {
            format!(
                "{} status valid in {uri} at index {}",
                entry.purpose(),
                entry.index()
            )
        },
        result,
    );
}
