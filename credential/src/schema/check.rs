//! Consistency of a credential type document, checked when it is loaded.
//!
//! The schema says which claims exist; the two disclosure lists say how each is issued.
//! If they disagree, an issuer would either sign a claim nobody decided how to disclose,
//! or promise a claim the schema forbids, so the document is refused before any use.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{CredentialType, JSON_SCHEMA_DIALECT, SchemaError, VERIFIABLE_CREDENTIAL};

/// Names a subject claim must not take: they are JWT, SD-JWT or SD-JWT VC claims of the
/// token itself (RFC 7519 §4.1, RFC 9901 §4.2, SD-JWT VC §3.2.2), or VC Data Model 2.0
/// properties that `vc+jwt` puts next to or inside `credentialSubject`.
const RESERVED_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "cnf",
    "vct",
    "vct#integrity",
    "status",
    "_sd",
    "_sd_alg",
    "...",
    "@context",
    "id",
    "type",
];

/// Longest type name; names appear in URNs, trust-list entries and DCQL queries.
const MAX_NAME_LEN: usize = 64;

/// Checks `spec` and reports every inconsistency found, not just the first.
///
/// # Errors
/// [`SchemaError::SchemaInvalid`] listing each problem.
pub(super) fn check(spec: &CredentialType) -> Result<(), SchemaError> {
    let mut problems = Vec::new();
    check_identity(spec, &mut problems);
    match spec.schema.as_object() {
        Some(schema) => check_schema(spec, schema, &mut problems),
        None => problems.push("schema is not a JSON object".to_owned()),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SchemaError::invalid(&spec.name, problems.join("; ")))
    }
}

fn check_identity(spec: &CredentialType, problems: &mut Vec<String>) {
    let name_ok = spec.name.len() <= MAX_NAME_LEN
        && spec.name.starts_with(|c: char| c.is_ascii_lowercase())
        && spec
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !name_ok {
        problems.push(format!(
            "type must be 1 to {MAX_NAME_LEN} characters of a-z, 0-9 and _, starting with a letter"
        ));
    }
    if spec.vct.is_empty() || spec.vct.chars().any(char::is_whitespace) {
        problems.push("vct must be a non-empty string without whitespace".to_owned());
    }
    if spec.vc_type.first().map(String::as_str) != Some(VERIFIABLE_CREDENTIAL) {
        problems.push(format!("vc_type must start with {VERIFIABLE_CREDENTIAL}"));
    }
    if spec.vc_type.len() < 2 {
        problems.push("vc_type must name a specific type after VerifiableCredential".to_owned());
    }
    if spec.vc_type.iter().any(String::is_empty) {
        problems.push("vc_type has an empty entry".to_owned());
    }
    push_duplicates("vc_type", &spec.vc_type, problems);
    if spec.default_validity_days == 0 {
        problems.push("default_validity_days must be at least 1".to_owned());
    }
}

fn check_schema(spec: &CredentialType, schema: &Map<String, Value>, problems: &mut Vec<String>) {
    if schema.get("$schema").and_then(Value::as_str) != Some(JSON_SCHEMA_DIALECT) {
        problems.push(format!("schema.$schema must be {JSON_SCHEMA_DIALECT}"));
    }
    if schema
        .get("$id")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        problems.push("schema.$id must be a non-empty string".to_owned());
    }
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        problems.push("schema.type must be \"object\"".to_owned());
    }
    // Without this, a subject could smuggle claims that no disclosure list covers.
    if schema.get("additionalProperties") != Some(&Value::Bool(false)) {
        problems.push("schema.additionalProperties must be false".to_owned());
    }
    let properties: BTreeSet<&str> = match schema.get("properties").and_then(Value::as_object) {
        Some(map) if !map.is_empty() => map.keys().map(String::as_str).collect(),
        _ => {
            problems.push("schema.properties must be a non-empty object".to_owned());
            BTreeSet::new()
        }
    };
    let required: Vec<&str> = match schema.get("required") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            problems.push("schema.required must be an array of strings".to_owned());
            Vec::new()
        }
    };
    check_claims(spec, &properties, &required, problems);
}

fn check_claims(
    spec: &CredentialType,
    properties: &BTreeSet<&str>,
    required: &[&str],
    problems: &mut Vec<String>,
) {
    push_duplicates("always_disclosed", &spec.always_disclosed, problems);
    push_duplicates(
        "selectively_disclosable",
        &spec.selectively_disclosable,
        problems,
    );
    let always: BTreeSet<&str> = spec.always_disclosed.iter().map(String::as_str).collect();
    let selective: BTreeSet<&str> = spec
        .selectively_disclosable
        .iter()
        .map(String::as_str)
        .collect();

    for claim in always.intersection(&selective) {
        problems.push(format!(
            "claim {claim} is both always_disclosed and selectively_disclosable"
        ));
    }
    for claim in always.union(&selective) {
        if !properties.contains(claim) {
            problems.push(format!(
                "listed claim {claim} is not a property of the schema"
            ));
        }
    }
    for property in properties {
        if !always.contains(property) && !selective.contains(property) {
            problems.push(format!(
                "property {property} is in neither always_disclosed nor selectively_disclosable"
            ));
        }
        if !spec.claims.contains_key(*property) {
            problems.push(format!("property {property} has no entry in claims"));
        }
        if RESERVED_CLAIMS.contains(property) {
            problems.push(format!(
                "property {property} collides with a JWT, SD-JWT VC or VC Data Model name"
            ));
        }
    }
    for claim in required {
        if !always.contains(claim) && !selective.contains(claim) {
            problems.push(format!(
                "required claim {claim} is in neither always_disclosed nor selectively_disclosable"
            ));
        }
    }
    for claim in spec.claims.keys() {
        if !properties.contains(claim.as_str()) {
            problems.push(format!(
                "claims has a label for {claim}, which is not a property"
            ));
        }
    }
    if let Some(validity) = &spec.validity {
        for claim in [&validity.from, &validity.until] {
            if !properties.contains(claim.as_str()) {
                problems.push(format!(
                    "validity claim {claim} is not a property of the schema"
                ));
            }
        }
    }
}

fn push_duplicates(list: &str, items: &[String], problems: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item.as_str()) {
            problems.push(format!("{list} lists {item} twice"));
        }
    }
}
