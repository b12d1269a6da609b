//! Profiles: the shipped files, loading and refusing, and every outcome of
//! `evaluate` by its exact code — on reports built by hand, and end to end on
//! credentials issued, presented by what the DCQL query asks, and verified.
#![allow(clippy::indexing_slicing, clippy::panic)]

use serde_json::{Map, Value, json};
use sigillum_credential::did;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::oid4vp::CredentialFormat;
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::sd_jwt::{self, IssueOptions, PathSegment, SdJwt};
use sigillum_credential::time::{FixedClock, Timestamp};
use sigillum_credential::vc::sd_jwt_vc;
use sigillum_credential::verify::{
    Check, Format, IssuerKey, MAX_PRESENTATION_LEN, Rejection, Report, VerifyInput, verify,
};

use super::*;

mod end_to_end;
mod evaluate;

/// 2026-11-24T12:00:00Z.
const NOW: i64 = 1_795_521_600;
/// The next midnight, 2026-11-25T00:00:00Z.
const MIDNIGHT: i64 = 1_795_564_800;
const PASSPORT: &str = "urn:sigillum:vct:passport:1";
const PERMIT: &str = "urn:sigillum:vct:residence_permit:1";
const LICENCE: &str = "urn:sigillum:vct:business_license:1";
const BANK: &str = "https://bank.example";
const NONCE: &str = "n-0S6_WzA2Mj";

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn sample(type_name: &str) -> Map<String, Value> {
    let types = CredentialTypes::builtin().unwrap();
    types.get(type_name).unwrap().spec().samples[0]
        .as_object()
        .unwrap()
        .clone()
}

/// A report as the pipeline makes it for a verified credential.
fn report(format: Format, credential_type: &str, claims: Map<String, Value>) -> Report {
    Report {
        valid: true,
        format,
        issuer: Some("did:sigillum:office".into()),
        credential_type: Some(credential_type.into()),
        claims,
        checks: vec![Check::passed("issuer_signature", "signed by the issuer")],
    }
}

fn sd(vct: &str, claims: Value) -> Report {
    let Value::Object(claims) = claims else {
        panic!("claims are an object");
    };
    report(Format::SdJwtVc, vct, claims)
}

/// The profile's checks as (name, code, message).
fn outcome(
    profile: &Profile,
    r: &Report,
    at: i64,
) -> Vec<(&'static str, Option<&'static str>, String)> {
    profile
        .evaluate(r, Timestamp::from_unix(at))
        .into_iter()
        .map(|c| (c.name, c.code, c.message))
        .collect()
}

fn predicates(profile: &Profile, r: &Report, at: i64) -> Vec<(Option<&'static str>, String)> {
    outcome(profile, r, at)
        .into_iter()
        .filter(|(name, ..)| *name == "profile_predicate")
        .map(|(_, code, message)| (code, message))
        .collect()
}

/// A one-credential SD-JWT VC profile over `vct` with `claims` and `predicates`.
fn custom(vct: &str, claims: &[&str], predicates: Value) -> Profile {
    let claims: Vec<Value> = claims.iter().map(|c| json!({ "path": [c] })).collect();
    Profile::from_json(
        &json!({
            "name": "custom",
            "dcql": { "credentials": [{
                "id": "c", "format": "dc+sd-jwt", "meta": { "vct_values": [vct] }, "claims": claims
            }]},
            "predicates": predicates,
        })
        .to_string(),
    )
    .unwrap()
}

#[test]
fn shipped_profiles_load_and_round_trip() {
    for name in BUILTIN_PROFILES {
        let p = Profile::builtin(name).unwrap();
        assert_eq!(p.name, name);
        assert!(!p.description.is_empty());
        assert_eq!(Profile::from_json(&p.to_json()).unwrap(), p);
    }
    assert_eq!(
        Profile::builtin("airport").unwrap_err().code(),
        "profile_unknown"
    );
}

/// Every claim a shipped profile requests or tests is a claim of its type, and one
/// the holder can show (always disclosed or selectively disclosable).
#[test]
fn shipped_requests_are_claims_of_their_types() {
    let types = CredentialTypes::builtin().unwrap();
    for name in BUILTIN_PROFILES {
        let p = Profile::builtin(name).unwrap();
        for query in &p.dcql.credentials {
            assert_eq!(query.format, CredentialFormat::DcSdJwt, "{name}");
            assert_eq!(
                query.id.as_str(),
                types
                    .by_vct(&query.meta.vct_values.as_ref().unwrap()[0])
                    .unwrap()
                    .name()
            );
            for vct in query.meta.vct_values.iter().flatten() {
                let spec = types.by_vct(vct).unwrap().spec();
                for claim in query.claims.iter().flatten() {
                    let [PathSegment::Key(key)] = claim.path.0.as_slice() else {
                        panic!("{name}: {} is not a top-level claim", claim.path);
                    };
                    assert!(
                        spec.disclosure(key).is_some(),
                        "{name}: {vct} has no claim {key}"
                    );
                    assert!(
                        spec.schema["properties"].get(key).is_some(),
                        "{name}: {key}"
                    );
                }
                for predicate in &p.predicates {
                    if predicate.credential().is_none_or(|c| c == query.id) {
                        assert!(
                            spec.disclosure(predicate.claim()).is_some(),
                            "{name}: {}",
                            predicate.claim()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn profiles_map_onto_the_pipeline_policy() {
    let border = Profile::builtin("border").unwrap();
    let policy = border.ledger_policy(Some(NONCE.into()), Some(BANK.into()));
    assert!(policy.fail_closed);
    let v = policy.verify;
    assert_eq!(
        (
            v.leeway_secs,
            v.require_key_binding,
            v.kb_max_age_secs,
            v.require_status,
            v.max_status_age_secs
        ),
        (60, true, 300, true, Some(86_400))
    );
    assert_eq!(
        (v.nonce.as_deref(), v.aud.as_deref()),
        (Some(NONCE), Some(BANK))
    );
    assert_eq!(v.algs, VerifyPolicy::default().algs);

    let bank = Profile::builtin("bank_kyc").unwrap();
    let policy = bank.ledger_policy(None, None);
    assert!(!policy.fail_closed);
    assert_eq!(
        (
            policy.verify.require_status,
            policy.verify.max_status_age_secs,
            policy.verify.leeway_secs
        ),
        (false, Some(604_800), 300)
    );

    // Holder binding is required unless every credential query waives it.
    let mut waived = custom(PASSPORT, &["family_name"], json!([]));
    assert!(waived.verify_policy(None, None).require_key_binding);
    waived.dcql.credentials[0].require_cryptographic_holder_binding = Some(false);
    assert!(!waived.verify_policy(None, None).require_key_binding);
}

#[test]
fn an_operators_profile_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pharmacy.json");
    let text = json!({
        "name": "pharmacy",
        "description": "Prescription pick-up: a name and an age.",
        "dcql": { "credentials": [{
            "id": "permit", "format": "dc+sd-jwt", "meta": { "vct_values": [PERMIT] },
            "claims": [{ "path": ["family_name"] }, { "path": ["birth_date"] }]
        }]},
        "predicates": [{ "type": "age_at_least", "claim": "birth_date", "years": 16 }]
    });
    std::fs::write(&path, text.to_string()).unwrap();
    let p = Profile::load(&path).unwrap();
    assert_eq!(p.name, "pharmacy");
    // The defaults are the strict choices.
    assert_eq!(
        (
            p.leeway_secs,
            p.fail_closed,
            p.require_status,
            p.kb_max_age_secs,
            p.max_status_age_secs
        ),
        (60, true, true, 300, None)
    );
    assert_eq!(
        p.predicates,
        [Predicate::AgeAtLeast {
            claim: "birth_date".into(),
            years: 16,
            credential: None
        }]
    );

    let missing = Profile::load(&dir.path().join("absent.json")).unwrap_err();
    assert_eq!(missing.code(), "profile_unreadable");
    std::fs::write(&path, " ".repeat(MAX_PROFILE_LEN + 1)).unwrap();
    assert_eq!(
        Profile::load(&path).unwrap_err(),
        ProfileError::TooLarge {
            max: MAX_PROFILE_LEN
        }
    );
}

#[test]
fn malformed_profiles_are_refused_with_codes() {
    let base = || {
        json!({
            "name": "p",
            "dcql": { "credentials": [{
                "id": "passport", "format": "dc+sd-jwt", "meta": { "vct_values": [PASSPORT] },
                "claims": [{ "path": ["birth_date"] }]
            }]},
        })
    };
    let with = |member: &str, value: Value| {
        let mut p = base();
        p[member] = value;
        p.to_string()
    };
    let second =
        json!({ "id": "permit", "format": "dc+sd-jwt", "meta": { "vct_values": [PERMIT] } });
    let mut two = base();
    two["dcql"]["credentials"]
        .as_array_mut()
        .unwrap()
        .push(second.clone());
    let mut two_options = two.clone();
    two_options["dcql"]["credential_sets"] = json!([{ "options": [["passport", "permit"]] }]);
    let mut two_required = two.clone();
    two_required["dcql"]["credential_sets"] =
        json!([{ "options": [["passport"]] }, { "options": [["permit"]] }]);
    let mut typo = base();
    typo["dcql"]["credentials"][0]["claim"] = json!([]);
    let age =
        |years: i64| json!([{ "type": "age_at_least", "claim": "birth_date", "years": years }]);
    let cases: Vec<(String, &str)> = vec![
        ("{".into(), "json_malformed"),
        (r#"{"name":"a","name":"b"}"#.into(), "json_duplicate_member"),
        (with("fail_close", json!(true)), "profile_malformed"),
        (json!({ "name": "p" }).to_string(), "profile_malformed"),
        (with("leeway_secs", json!("60")), "profile_malformed"),
        (with("predicates", json!("age")), "profile_malformed"),
        (
            with(
                "predicates",
                json!([{ "type": "older_than", "claim": "birth_date" }]),
            ),
            "profile_malformed",
        ),
        (
            with(
                "predicates",
                json!([{ "type": "date_not_passed", "claim": "birth_date", "years": 3 }]),
            ),
            "profile_malformed",
        ),
        (
            with(
                "predicates",
                json!([{ "type": "equals", "claim": "birth_date", "value": 1.5 }]),
            ),
            "profile_malformed",
        ),
        (
            with(
                "predicates",
                json!([{ "type": "date_not_passed", "claim": "birth_date", "credential": "permit" }]),
            ),
            "profile_predicate_credential_unknown",
        ),
        (
            with(
                "predicates",
                json!([{ "type": "date_not_passed", "claim": "expiry_date" }]),
            ),
            "profile_predicate_claim_not_requested",
        ),
        (with("predicates", age(0)), "profile_value_out_of_range"),
        (with("predicates", age(151)), "profile_value_out_of_range"),
        (
            with("predicates", Value::Array(vec![age(18)[0].clone(); 33])),
            "profile_too_many_predicates",
        ),
        (with("name", json!("Border!")), "profile_text_invalid"),
        (with("name", json!("")), "profile_text_invalid"),
        (
            with("description", json!("x".repeat(1001))),
            "profile_text_invalid",
        ),
        (with("leeway_secs", json!(-1)), "profile_value_out_of_range"),
        (
            with("kb_max_age_secs", json!(0)),
            "profile_value_out_of_range",
        ),
        (
            with("max_status_age_secs", json!(0)),
            "profile_value_out_of_range",
        ),
        (with("dcql", json!({ "credentials": [] })), "dcql_empty"),
        (with("dcql", json!([])), "dcql_malformed"),
        (typo.to_string(), "dcql_unknown_member"),
        (two.to_string(), "profile_dcql_not_single_credential"),
        (
            two_options.to_string(),
            "profile_dcql_not_single_credential",
        ),
        (
            two_required.to_string(),
            "profile_dcql_not_single_credential",
        ),
    ];
    for (text, code) in cases {
        let e = Profile::from_json(&text).unwrap_err();
        assert_eq!(e.code(), code, "{} → {e}", &text[..text.len().min(160)]);
    }
    // The base itself is fine, and so is one required set of single options.
    Profile::from_json(&base().to_string()).unwrap();
    let mut one_of = two;
    one_of["dcql"]["credential_sets"] = json!([{ "options": [["passport"], ["permit"]] }]);
    Profile::from_json(&one_of.to_string()).unwrap();
}
