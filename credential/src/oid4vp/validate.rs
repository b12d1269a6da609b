//! The rules of OpenID4VP 1.0 §6 that serde cannot express, the size caps, and the
//! strict reading of a verifier's own configuration (unknown members refused).

use std::collections::BTreeSet;

use serde_json::Value;

use super::dcql::{
    ClaimValue, CredentialFormat, CredentialQuery, DcqlQuery, MAX_CLAIMS_QUERIES,
    MAX_CREDENTIAL_QUERIES, MAX_DCQL_LEN, MAX_ENTRIES, MAX_ID_LEN, MAX_PATH_LEN, MAX_STRING_LEN,
};
use super::error::DcqlError;
use crate::json;
use crate::sd_jwt::path::pointer;
use crate::sd_jwt::{ClaimPath, PathSegment};

/// Longest piece of untrusted text quoted back in an error.
const EVIDENCE_CHARS: usize = 80;

/// Every rule of §6 and the size caps; see [`DcqlQuery::validate`].
pub(super) fn query(query: &DcqlQuery) -> Result<(), DcqlError> {
    non_empty_capped(
        "credentials",
        query.credentials.len(),
        MAX_CREDENTIAL_QUERIES,
    )?;
    let mut ids = BTreeSet::new();
    for (i, c) in query.credentials.iter().enumerate() {
        let at = format!("credentials[{i}].id");
        check_id(&at, &c.id)?;
        if !ids.insert(c.id.as_str()) {
            return Err(DcqlError::IdDuplicate {
                at,
                id: c.id.clone(),
            });
        }
        validate_credential(i, c)?;
    }
    if let Some(sets) = &query.credential_sets {
        non_empty_capped("credential_sets", sets.len(), MAX_ENTRIES)?;
        for (s, set) in sets.iter().enumerate() {
            let at = format!("credential_sets[{s}].options");
            non_empty_capped(&at, set.options.len(), MAX_ENTRIES)?;
            for (o, option) in set.options.iter().enumerate() {
                let at = format!("{at}[{o}]");
                non_empty_capped(&at, option.len(), MAX_CREDENTIAL_QUERIES)?;
                if let Some(id) = option.iter().find(|id| !ids.contains(id.as_str())) {
                    return Err(DcqlError::UnknownReference {
                        at,
                        id: clip(id, EVIDENCE_CHARS),
                    });
                }
            }
        }
    }
    Ok(())
}

fn validate_credential(i: usize, c: &CredentialQuery) -> Result<(), DcqlError> {
    let at = format!("credentials[{i}]");
    validate_meta(c)?;
    if let Some(authorities) = &c.trusted_authorities {
        let at = format!("{at}.trusted_authorities");
        non_empty_capped(&at, authorities.len(), MAX_ENTRIES)?;
        for (a, authority) in authorities.iter().enumerate() {
            check_len(&format!("{at}[{a}].type"), &authority.kind)?;
            strings(&format!("{at}[{a}].values"), &authority.values)?;
        }
    }
    if let CredentialFormat::Other(name) = &c.format {
        check_len(&format!("{at}.format"), name)?;
    }
    let Some(claims) = &c.claims else {
        if c.claim_sets.is_some() {
            return Err(DcqlError::ClaimSetsWithoutClaims {
                credential: c.id.clone(),
            });
        }
        return Ok(());
    };
    non_empty_capped(&format!("{at}.claims"), claims.len(), MAX_CLAIMS_QUERIES)?;
    let mut claim_ids = BTreeSet::new();
    let mut paths: Vec<&ClaimPath> = Vec::with_capacity(claims.len());
    for (k, claim) in claims.iter().enumerate() {
        let at = format!("{at}.claims[{k}]");
        if let Some(id) = &claim.id {
            check_id(&format!("{at}.id"), id)?;
            if !claim_ids.insert(id.as_str()) {
                return Err(DcqlError::IdDuplicate {
                    at: format!("{at}.id"),
                    id: id.clone(),
                });
            }
        }
        validate_path(&format!("{at}.path"), &claim.path, &c.format)?;
        if paths.contains(&&claim.path) {
            return Err(DcqlError::ClaimDuplicate {
                credential: c.id.clone(),
                path: pointer::to_text(&claim.path),
            });
        }
        paths.push(&claim.path);
        if let Some(values) = &claim.values {
            non_empty_capped(&format!("{at}.values"), values.len(), MAX_ENTRIES)?;
            for value in values {
                if let ClaimValue::String(s) = value
                    && s.len() > MAX_STRING_LEN
                {
                    return Err(DcqlError::BadLength {
                        at: format!("{at}.values"),
                        max: MAX_STRING_LEN,
                    });
                }
            }
        }
    }
    if let Some(sets) = &c.claim_sets {
        if claims.iter().any(|q| q.id.is_none()) {
            return Err(DcqlError::ClaimIdMissing {
                credential: c.id.clone(),
            });
        }
        non_empty_capped(&format!("{at}.claim_sets"), sets.len(), MAX_ENTRIES)?;
        for (s, set) in sets.iter().enumerate() {
            let at = format!("{at}.claim_sets[{s}]");
            non_empty_capped(&at, set.len(), MAX_CLAIMS_QUERIES)?;
            if let Some(id) = set.iter().find(|id| !claim_ids.contains(id.as_str())) {
                return Err(DcqlError::UnknownReference {
                    at,
                    id: clip(id, EVIDENCE_CHARS),
                });
            }
        }
    }
    Ok(())
}

fn validate_meta(c: &CredentialQuery) -> Result<(), DcqlError> {
    let missing = |member| DcqlError::MetaMissing {
        credential: c.id.clone(),
        format: c.format.as_str().to_owned(),
        member,
    };
    let at = |member: &str| format!("credential query \"{}\" meta.{member}", c.id);
    match c.format {
        CredentialFormat::DcSdJwt => {
            let values = c
                .meta
                .vct_values
                .as_ref()
                .ok_or_else(|| missing("vct_values"))?;
            strings(&at("vct_values"), values)?;
        }
        CredentialFormat::JwtVcJson | CredentialFormat::LdpVc => {
            let values = c
                .meta
                .type_values
                .as_ref()
                .ok_or_else(|| missing("type_values"))?;
            non_empty_capped(&at("type_values"), values.len(), MAX_ENTRIES)?;
            for (k, types) in values.iter().enumerate() {
                strings(&format!("{}[{k}]", at("type_values")), types)?;
            }
        }
        CredentialFormat::MsoMdoc => {
            let doctype = c
                .meta
                .doctype_value
                .as_ref()
                .ok_or_else(|| missing("doctype_value"))?;
            check_len(&at("doctype_value"), doctype)?;
        }
        CredentialFormat::Other(_) => {}
    }
    Ok(())
}

fn validate_path(at: &str, path: &ClaimPath, format: &CredentialFormat) -> Result<(), DcqlError> {
    let invalid = |why| DcqlError::PathInvalid {
        at: at.to_owned(),
        why,
    };
    if path.0.is_empty() {
        return Err(invalid("a claims path pointer is a non-empty array (§7)"));
    }
    if path.0.len() > MAX_PATH_LEN {
        return Err(invalid(
            "the claims path pointer is longer than 16 components",
        ));
    }
    for segment in &path.0 {
        if let PathSegment::Key(k) = segment
            && k.len() > MAX_STRING_LEN
        {
            return Err(invalid("a claims path component is longer than 1024 bytes"));
        }
    }
    if *format == CredentialFormat::MsoMdoc
        && !(path.0.len() == 2 && path.0.iter().all(|s| matches!(s, PathSegment::Key(_))))
    {
        return Err(invalid(
            "an mdoc claims path pointer is two strings: namespace and element (§7.2)",
        ));
    }
    Ok(())
}

pub(super) fn parse_text(text: &str) -> Result<Value, DcqlError> {
    if text.len() > MAX_DCQL_LEN {
        return Err(DcqlError::TooLarge {
            len: text.len(),
            max: MAX_DCQL_LEN,
        });
    }
    json::parse(text.as_bytes(), MAX_DCQL_LEN).map_err(DcqlError::Json)
}

/// Refuses oversized arrays before serde copies them.
pub(super) fn precheck(value: &Value) -> Result<(), DcqlError> {
    if let Some(credentials) = value.get("credentials").and_then(Value::as_array) {
        non_empty_capped("credentials", credentials.len(), MAX_CREDENTIAL_QUERIES)?;
        for (i, c) in credentials.iter().enumerate() {
            if let Some(claims) = c.get("claims").and_then(Value::as_array)
                && claims.len() > MAX_CLAIMS_QUERIES
            {
                return Err(DcqlError::TooMany {
                    at: format!("credentials[{i}].claims"),
                    count: claims.len(),
                    max: MAX_CLAIMS_QUERIES,
                });
            }
        }
    }
    Ok(())
}

fn non_empty_capped(at: &str, len: usize, max: usize) -> Result<(), DcqlError> {
    if len == 0 {
        return Err(DcqlError::Empty { at: at.to_owned() });
    }
    if len > max {
        return Err(DcqlError::TooMany {
            at: at.to_owned(),
            count: len,
            max,
        });
    }
    Ok(())
}

fn check_len(at: &str, s: &str) -> Result<(), DcqlError> {
    if s.is_empty() || s.len() > MAX_STRING_LEN {
        return Err(DcqlError::BadLength {
            at: at.to_owned(),
            max: MAX_STRING_LEN,
        });
    }
    Ok(())
}

fn strings(at: &str, values: &[String]) -> Result<(), DcqlError> {
    non_empty_capped(at, values.len(), MAX_ENTRIES)?;
    values.iter().try_for_each(|v| check_len(at, v))
}

fn check_id(at: &str, id: &str) -> Result<(), DcqlError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(DcqlError::IdInvalid {
            at: at.to_owned(),
            id: clip(id, EVIDENCE_CHARS),
        })
    }
}

/// Untrusted text quoted in an error, clipped at a character boundary.
pub(super) fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

const TOP_MEMBERS: &[&str] = &["credentials", "credential_sets"];
const CREDENTIAL_MEMBERS: &[&str] = &[
    "id",
    "format",
    "multiple",
    "meta",
    "trusted_authorities",
    "require_cryptographic_holder_binding",
    "claims",
    "claim_sets",
];
const META_MEMBERS: &[&str] = &["vct_values", "type_values", "doctype_value"];
const CLAIM_MEMBERS: &[&str] = &["id", "path", "values", "intent_to_retain"];
const SET_MEMBERS: &[&str] = &["options", "required"];
const AUTHORITY_MEMBERS: &[&str] = &["type", "values"];

/// The first member not defined by OpenID4VP 1.0 §6 and Appendix B, if any.
pub(super) fn unknown_members(value: &Value) -> Result<(), DcqlError> {
    fn check(value: &Value, known: &[&str], at: &str) -> Result<(), DcqlError> {
        if let Some(object) = value.as_object()
            && let Some(name) = object.keys().find(|k| !known.contains(&k.as_str()))
        {
            let sep = if at.is_empty() { "" } else { "." };
            return Err(DcqlError::UnknownMember {
                at: format!("{at}{sep}{}", clip(name, EVIDENCE_CHARS)),
            });
        }
        Ok(())
    }
    fn each<'a>(value: &'a Value, member: &str) -> impl Iterator<Item = (usize, &'a Value)> {
        value
            .get(member)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
    }
    check(value, TOP_MEMBERS, "")?;
    for (i, c) in each(value, "credentials") {
        let at = format!("credentials[{i}]");
        check(c, CREDENTIAL_MEMBERS, &at)?;
        if let Some(meta) = c.get("meta") {
            check(meta, META_MEMBERS, &format!("{at}.meta"))?;
        }
        for (k, claim) in each(c, "claims") {
            check(claim, CLAIM_MEMBERS, &format!("{at}.claims[{k}]"))?;
        }
        for (k, authority) in each(c, "trusted_authorities") {
            check(
                authority,
                AUTHORITY_MEMBERS,
                &format!("{at}.trusted_authorities[{k}]"),
            )?;
        }
    }
    for (s, set) in each(value, "credential_sets") {
        check(set, SET_MEMBERS, &format!("credential_sets[{s}]"))?;
    }
    Ok(())
}
