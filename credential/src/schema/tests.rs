use serde_json::{Value, json};

use super::*;

fn builtin() -> &'static CredentialTypes {
    CredentialTypes::builtin().unwrap()
}

fn sample(name: &str, index: usize) -> Value {
    builtin().get(name).unwrap().spec().samples[index].clone()
}

fn violation_paths(name: &str, subject: &Value) -> Vec<String> {
    let err = builtin()
        .get(name)
        .unwrap()
        .validate_subject(subject)
        .unwrap_err();
    assert_eq!(err.type_name(), name);
    err.paths().map(str::to_owned).collect()
}

/// The passport document, for tests that break one thing in it.
fn passport_document() -> Value {
    serde_json::to_value(builtin().get("passport").unwrap().spec()).unwrap()
}

fn load_one(document: &Value) -> Result<CredentialTypes, SchemaError> {
    CredentialTypes::from_documents(&[&document.to_string()])
}

fn invalid_reason(document: &Value) -> String {
    match load_one(document) {
        Err(SchemaError::SchemaInvalid { reason, .. }) => reason,
        other => panic!("expected SchemaInvalid, got {other:?}"),
    }
}

#[test]
fn builtin_has_the_three_types_in_order() {
    let names: Vec<&str> = builtin().iter().map(CredentialSchema::name).collect();
    assert_eq!(names, ["passport", "residence_permit", "business_license"]);
}

#[test]
fn builtin_documents_are_consistent() {
    for t in builtin() {
        let spec = t.spec();
        assert_eq!(check::check(spec), Ok(()), "{}", spec.name);
        assert_eq!(spec.schema["$schema"], JSON_SCHEMA_DIALECT);
        let properties = spec.schema["properties"].as_object().unwrap();
        for claim in spec
            .always_disclosed
            .iter()
            .chain(&spec.selectively_disclosable)
        {
            assert!(properties.contains_key(claim), "{}: {claim}", spec.name);
        }
        for claim in &spec.always_disclosed {
            assert_eq!(spec.disclosure(claim), Some(ClaimDisclosure::Always));
            assert!(!spec.selectively_disclosable.contains(claim));
        }
        for required in spec.schema["required"].as_array().unwrap() {
            assert!(spec.disclosure(required.as_str().unwrap()).is_some());
        }
        assert_eq!(
            spec.schema_id(),
            Some(format!("urn:sigillum:schema:{}:1", spec.name).as_str())
        );
        assert_eq!(spec.vct, format!("urn:sigillum:vct:{}:1", spec.name));
    }
}

#[test]
fn both_samples_of_every_type_validate() {
    for t in builtin() {
        assert_eq!(t.spec().samples.len(), 2, "{}", t.name());
        for subject in &t.spec().samples {
            assert_eq!(t.validate_subject(subject), Ok(()), "{}", t.name());
        }
    }
}

#[test]
fn passport_reports_missing_bad_date_and_extra_claim() {
    let mut subject = sample("passport", 0);
    let claims = subject.as_object_mut().unwrap();
    claims.remove("family_name");
    claims.insert("birth_date".into(), json!("12.08.1974"));
    claims.insert("eye_colour".into(), json!("BLUE"));
    assert_eq!(
        violation_paths("passport", &subject),
        ["/birth_date", "/eye_colour", "/family_name"]
    );
}

#[test]
fn residence_permit_reports_missing_wrong_enum_and_impossible_date() {
    let mut subject = sample("residence_permit", 0);
    let claims = subject.as_object_mut().unwrap();
    claims.remove("permit_number");
    claims.insert("sex".into(), json!("female"));
    // Right shape, no such day: only an asserted "date" format catches it.
    claims.insert("birth_date".into(), json!("1990-02-30"));
    assert_eq!(
        violation_paths("residence_permit", &subject),
        ["/birth_date", "/permit_number", "/sex"]
    );
}

#[test]
fn business_license_reports_nested_missing_wrong_enum_and_extra_claim() {
    let mut subject = sample("business_license", 0);
    let claims = subject.as_object_mut().unwrap();
    claims["address"]
        .as_object_mut()
        .unwrap()
        .remove("locality");
    claims.insert("registration_status".into(), json!("bankrupt"));
    claims.insert("vat_number".into(), json!("UTO123456789"));
    assert_eq!(
        violation_paths("business_license", &subject),
        ["/address/locality", "/registration_status", "/vat_number"]
    );
}

#[test]
fn display_counts_fields_and_names_the_type() {
    let mut subject = sample("passport", 1);
    let claims = subject.as_object_mut().unwrap();
    claims.insert("sex".into(), json!("Q"));
    claims.insert("issuing_state".into(), json!("utopia"));
    claims.remove("portrait_digest");
    let err = builtin()
        .validate_subject("passport", &subject)
        .unwrap_err();
    assert_eq!(err.code(), "schema_violation");
    assert_eq!(
        err.to_string(),
        "3 fields violate the passport schema: \
         /issuing_state: value does not match \"^[A-Z]{3}$\", \
         /portrait_digest: is required, \
         /sex: value is not one of \"F\", \"M\" or \"X\""
    );
}

#[test]
fn messages_never_repeat_submitted_values() {
    let mut subject = sample("passport", 0);
    subject["birth_date"] = json!("SECRET-1974");
    subject["family_name"] = json!("SECRET".repeat(50));
    let err = builtin()
        .validate_subject("passport", &subject)
        .unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
}

#[test]
fn two_problems_with_one_field_share_one_entry() {
    let mut subject = sample("passport", 0);
    subject["birth_date"] = json!(19740812);
    let err = builtin()
        .get("passport")
        .unwrap()
        .validate_subject(&subject)
        .unwrap_err();
    assert_eq!(err.violations().len(), 1);
    assert_eq!(err.violations()[0].path, "/birth_date");
}

#[test]
fn non_object_subject_is_reported_at_the_root() {
    let err = builtin()
        .get("business_license")
        .unwrap()
        .validate_subject(&json!(["not", "an", "object"]))
        .unwrap_err();
    assert_eq!(err.paths().collect::<Vec<_>>(), [""]);
    assert!(err.to_string().contains("(subject): "), "{err}");
}

#[test]
fn expiry_before_issue_is_a_violation() {
    let mut subject = sample("passport", 0);
    subject["expiry_date"] = json!("2024-04-15");
    let err = builtin()
        .get("passport")
        .unwrap()
        .validate_subject(&subject)
        .unwrap_err();
    assert_eq!(
        err.into_violations(),
        [Violation {
            path: "/expiry_date".into(),
            message: "is before /issue_date".into(),
        }]
    );
    // The same day is a one-day validity, which is in order.
    subject["expiry_date"] = json!("2024-04-16");
    assert_eq!(builtin().validate_subject("passport", &subject), Ok(()));
}

#[test]
fn portrait_digest_must_be_canonical_sha256_base64url() {
    let mut subject = sample("passport", 0);
    // 43 characters, but the last one carries non-zero trailing bits.
    subject["portrait_digest"] = json!("sha-256:jflaGb0KuypxSwnkk7sRjzJ4KJledPpz3FUrFdsOGyd");
    assert_eq!(violation_paths("passport", &subject), ["/portrait_digest"]);
    subject["portrait_digest"] = json!("sha-256:jflaGb0KuypxSwnkk7sRjzJ4KJledPpz3FUrFdsOGyc=");
    assert_eq!(violation_paths("passport", &subject), ["/portrait_digest"]);
}

#[test]
fn unknown_type_is_reported_with_its_code() {
    let err = builtin().get("driving_licence").unwrap_err();
    assert_eq!(
        err,
        SchemaError::CredentialTypeUnknown {
            requested: "driving_licence".into()
        }
    );
    assert_eq!(err.code(), "credential_type_unknown");
    assert_eq!(
        builtin().validate_subject("driving_licence", &json!({})),
        Err(err)
    );
}

#[test]
fn lookup_by_vct() {
    let t = builtin()
        .by_vct("urn:sigillum:vct:residence_permit:1")
        .unwrap();
    assert_eq!(t.name(), "residence_permit");
    assert_eq!(
        builtin()
            .by_vct("URN:SIGILLUM:VCT:PASSPORT:1")
            .unwrap_err()
            .code(),
        "credential_type_unknown"
    );
}

#[test]
fn lookup_by_vc_type() {
    let t = builtin().by_vc_type("BusinessLicenseCredential").unwrap();
    assert_eq!(t.name(), "business_license");
    assert_eq!(
        builtin().by_vc_type("PassportCredential").unwrap().vct(),
        "urn:sigillum:vct:passport:1"
    );
    assert_eq!(
        builtin().by_vc_type(VERIFIABLE_CREDENTIAL).unwrap_err(),
        SchemaError::CredentialTypeUnknown {
            requested: VERIFIABLE_CREDENTIAL.into()
        }
    );
}

#[test]
fn disclosure_choices_are_as_documented() {
    let passport = builtin().get("passport").unwrap().spec();
    assert_eq!(
        passport.always_disclosed,
        ["issuing_state", "document_type", "expiry_date"]
    );
    assert_eq!(
        passport.disclosure("birth_date"),
        Some(ClaimDisclosure::Selective)
    );
    assert_eq!(passport.disclosure("shoe_size"), None);
    let permit = builtin().get("residence_permit").unwrap().spec();
    assert_eq!(permit.always_disclosed, ["issuing_state", "valid_until"]);
    assert_eq!(
        permit.disclosure("permit_type"),
        Some(ClaimDisclosure::Selective)
    );
    let licence = builtin().get("business_license").unwrap().spec();
    assert_eq!(
        licence.disclosure("representatives"),
        Some(ClaimDisclosure::Selective)
    );
}

#[test]
fn claim_in_both_lists_is_refused() {
    let mut doc = passport_document();
    doc["selectively_disclosable"]
        .as_array_mut()
        .unwrap()
        .push(json!("expiry_date"));
    assert_eq!(
        invalid_reason(&doc),
        "claim expiry_date is both always_disclosed and selectively_disclosable"
    );
}

#[test]
fn every_inconsistency_is_reported_at_once() {
    let mut doc = passport_document();
    doc["always_disclosed"] = json!(["issuing_state", "document_type", "hair_colour"]);
    doc["schema"]["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    assert_eq!(
        invalid_reason(&doc),
        "schema.$schema must be https://json-schema.org/draft/2020-12/schema; \
         listed claim hair_colour is not a property of the schema; \
         property expiry_date is in neither always_disclosed nor selectively_disclosable; \
         required claim expiry_date is in neither always_disclosed nor selectively_disclosable"
    );
}

#[test]
fn reserved_claim_names_and_open_schemas_are_refused() {
    let mut doc = passport_document();
    doc["schema"]["properties"]["exp"] = json!({"type": "integer"});
    doc["claims"]["exp"] = json!({"label": "Expiry", "description": "x"});
    doc["always_disclosed"]
        .as_array_mut()
        .unwrap()
        .push(json!("exp"));
    doc["schema"]["additionalProperties"] = json!(true);
    assert_eq!(
        invalid_reason(&doc),
        "schema.additionalProperties must be false; \
         property exp collides with a JWT, SD-JWT VC or VC Data Model name"
    );
}

#[test]
fn schemas_that_do_not_compile_are_refused() {
    let mut doc = passport_document();
    doc["schema"]["properties"]["sex"] = json!({"format": "no-such-format"});
    let reason = invalid_reason(&doc);
    assert!(reason.starts_with("schema does not compile: "), "{reason}");
}

#[test]
fn samples_that_break_the_schema_are_refused() {
    let mut doc = passport_document();
    doc["samples"][1]["sex"] = json!("female");
    let reason = invalid_reason(&doc);
    assert!(reason.starts_with("sample 1: 1 field violates"), "{reason}");
}

#[test]
fn duplicate_json_members_and_unknown_fields_are_refused() {
    let text = r#"{"type":"a","type":"b"}"#;
    assert_eq!(
        CredentialTypes::from_documents(&[text]).unwrap_err(),
        SchemaError::SchemaInvalid {
            type_name: "document 0".into(),
            reason: "duplicate JSON member name \"type\"".into(),
        }
    );
    let mut doc = passport_document();
    doc["colour"] = json!("blue");
    assert!(invalid_reason(&doc).starts_with("unknown field `colour`"));
}

#[test]
fn clashing_types_are_refused() {
    let passport = passport_document().to_string();
    let mut renamed = passport_document();
    renamed["type"] = json!("passport_copy");
    let err = CredentialTypes::from_documents(&[&passport, &renamed.to_string()]).unwrap_err();
    assert_eq!(
        err,
        SchemaError::SchemaInvalid {
            type_name: "passport_copy".into(),
            reason: "its vct is already used by another credential type".into(),
        }
    );
}
