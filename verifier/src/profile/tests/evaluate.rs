//! `evaluate` on reports built by hand: every outcome by its exact code and message.

use super::*;

#[test]
fn border_accepts_a_full_passport() {
    let border = Profile::builtin("border").unwrap();
    let r = border.apply(sd(PASSPORT, Value::Object(sample("passport"))), now());
    assert!(r.valid, "{:#?}", r.checks);
    let names: Vec<&str> = r.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "issuer_signature",
            "profile_type",
            "profile_claims",
            "profile_predicate"
        ]
    );
    assert_eq!(
        r.checks[1].message,
        "passport (dc+sd-jwt) is accepted by the border profile"
    );
    assert_eq!(
        r.checks[2].message,
        "disclosed as the border profile asks: family_name, given_names, nationality, birth_date, \
         document_number, expiry_date, portrait_digest"
    );
    assert_eq!(
        r.checks[3].message,
        "expiry_date 2034-04-15: not passed on 2026-11-24"
    );
}

#[test]
fn a_withheld_claim_fails_as_claim_missing() {
    let border = Profile::builtin("border").unwrap();
    let mut claims = sample("passport");
    claims.remove("portrait_digest");
    claims.remove("nationality");
    let r = border.apply(sd(PASSPORT, Value::Object(claims)), now());
    assert!(!r.valid);
    assert_eq!(r.failures(), ["claim_missing"]);
    let c = r
        .checks
        .iter()
        .find(|c| c.name == "profile_claims")
        .unwrap();
    assert_eq!(
        c.message,
        "required claim(s) not disclosed: nationality, portrait_digest"
    );
}

#[test]
fn a_passport_is_not_a_business_licence() {
    let check = Profile::builtin("business_check").unwrap();
    assert_eq!(
        outcome(
            &check,
            &sd(PASSPORT, Value::Object(sample("passport"))),
            NOW
        ),
        [(
            "profile_type",
            Some("credential_type_not_accepted"),
            "passport (dc+sd-jwt) is not accepted here; accepted: business_license (dc+sd-jwt)"
                .into()
        )]
    );
    // Nor is a passport in another format one the border asks for.
    let r = report(Format::VcJwt, "PassportCredential", sample("passport"));
    assert_eq!(
        outcome(&Profile::builtin("border").unwrap(), &r, NOW),
        [(
            "profile_type",
            Some("credential_type_not_accepted"),
            "passport (jwt_vc_json) is not accepted here; accepted: passport (dc+sd-jwt)".into()
        )]
    );
}

#[test]
fn bank_kyc_takes_a_passport_or_a_permit_and_scopes_its_predicates() {
    let bank = Profile::builtin("bank_kyc").unwrap();
    let mut permit = Map::new();
    for k in [
        "family_name",
        "given_names",
        "birth_date",
        "valid_until",
        "issuing_state",
    ] {
        permit.insert(k.into(), sample("residence_permit")[k].clone());
    }
    assert_eq!(
        predicates(&bank, &sd(PERMIT, Value::Object(permit)), NOW),
        [
            (
                None,
                "birth_date 1990-03-21: age 36 on 2026-11-24, at least 18".into()
            ),
            (
                None,
                "valid_until 2029-01-31: not passed on 2026-11-24".into()
            ),
            (
                None,
                "expiry_date not passed: applies to passport only".into()
            ),
        ]
    );
    let r = bank.apply(sd(PASSPORT, Value::Object(sample("passport"))), now());
    assert!(r.valid, "{:#?}", r.checks);
    assert_eq!(r.checks.iter().filter(|c| c.skipped).count(), 1);
    // A licence is neither.
    assert_eq!(
        bank.apply(
            sd(LICENCE, Value::Object(sample("business_license"))),
            now()
        )
        .checks[1]
            .message,
        "business_license (dc+sd-jwt) is not accepted here; accepted: passport (dc+sd-jwt) or \
         residence_permit (dc+sd-jwt)"
    );
}

#[test]
fn age_at_least_true_false_missing_and_not_a_date() {
    let p = custom(
        PASSPORT,
        &["birth_date"],
        json!([{ "type": "age_at_least", "claim": "birth_date", "years": 18 }]),
    );
    let at = |birth: Value| predicates(&p, &sd(PASSPORT, json!({ "birth_date": birth })), NOW);
    assert_eq!(
        at(json!("2008-11-24")),
        [(
            None,
            "birth_date 2008-11-24: age 18 on 2026-11-24, at least 18".into()
        )]
    );
    assert_eq!(
        at(json!("2008-11-25")),
        [(
            Some("predicate_failed"),
            "birth_date 2008-11-25: age 17 on 2026-11-24 (required: age at least 18)".into()
        )]
    );
    assert_eq!(
        at(json!("24.11.2008")),
        [(
            Some("predicate_failed"),
            "birth_date \"24.11.2008\" is not a date (YYYY-MM-DD) (required: age at least 18)"
                .into()
        )]
    );
    assert_eq!(at(json!(2008))[0].0, Some("predicate_failed"));
    assert_eq!(
        predicates(&p, &sd(PASSPORT, json!({})), NOW),
        [(
            Some("claim_missing"),
            "required claim(s) not disclosed: birth_date".into()
        )]
    );
}

#[test]
fn date_not_passed_holds_through_the_day_plus_leeway() {
    let p = custom(
        PASSPORT,
        &["expiry_date"],
        json!([{ "type": "date_not_passed", "claim": "expiry_date" }]),
    );
    let at = |day: &str, t: i64| predicates(&p, &sd(PASSPORT, json!({ "expiry_date": day })), t);
    assert_eq!(
        at("2026-11-24", NOW),
        [(
            None,
            "expiry_date 2026-11-24: not passed on 2026-11-24".into()
        )]
    );
    assert_eq!(
        at("2026-11-23", NOW),
        [(
            Some("predicate_failed"),
            "expiry_date 2026-11-23: passed on 2026-11-24 (required: expiry_date not passed)"
                .into()
        )]
    );
    // Thirty seconds into the next day, within the 60 s leeway; then past it.
    assert_eq!(at("2026-11-24", MIDNIGHT + 30)[0].0, None);
    assert_eq!(
        at("2026-11-24", MIDNIGHT + 61)[0].0,
        Some("predicate_failed")
    );
    assert_eq!(
        predicates(&p, &sd(PASSPORT, json!({})), NOW)[0].0,
        Some("claim_missing")
    );
    assert_eq!(at("2026-02-30", NOW)[0].0, Some("predicate_failed"));
}

#[test]
fn date_reached_holds_from_the_day_minus_leeway() {
    let p = custom(
        PERMIT,
        &["valid_from"],
        json!([{ "type": "date_reached", "claim": "valid_from" }]),
    );
    let at = |day: &str, t: i64| predicates(&p, &sd(PERMIT, json!({ "valid_from": day })), t);
    assert_eq!(
        at("2026-11-24", NOW),
        [(None, "valid_from 2026-11-24: reached on 2026-11-24".into())]
    );
    assert_eq!(
        at("2026-11-25", NOW),
        [(
            Some("predicate_failed"),
            "valid_from 2026-11-25: not reached on 2026-11-24 (required: valid_from reached)"
                .into()
        )]
    );
    assert_eq!(at("2026-11-25", MIDNIGHT - 30)[0].0, None);
    assert_eq!(
        at("2026-11-25", MIDNIGHT - 61)[0].0,
        Some("predicate_failed")
    );
    assert_eq!(
        predicates(&p, &sd(PERMIT, json!({})), NOW)[0].0,
        Some("claim_missing")
    );
}

#[test]
fn equals_compares_type_and_value() {
    let check = Profile::builtin("business_check").unwrap();
    let mut licence = sample("business_license");
    assert_eq!(
        predicates(&check, &sd(LICENCE, Value::Object(licence.clone())), NOW),
        [(None, "registration_status is \"active\"".into())]
    );
    licence.insert("registration_status".into(), json!("suspended"));
    assert_eq!(
        predicates(&check, &sd(LICENCE, Value::Object(licence.clone())), NOW),
        [(
            Some("predicate_failed"),
            "registration_status is \"suspended\" (required: registration_status == \"active\")"
                .into()
        )]
    );
    let p = custom(
        LICENCE,
        &["registration_number"],
        json!([{ "type": "equals", "claim": "registration_number", "value": 7 }]),
    );
    assert_eq!(
        predicates(&p, &sd(LICENCE, json!({ "registration_number": "7" })), NOW)[0].0,
        Some("predicate_failed")
    );
    assert_eq!(
        predicates(&p, &sd(LICENCE, json!({ "registration_number": 7 })), NOW)[0].0,
        None
    );
    licence.remove("registration_status");
    // Withheld: both the request and the predicate say so.
    assert_eq!(
        check
            .apply(sd(LICENCE, Value::Object(licence)), now())
            .failures(),
        ["claim_missing", "claim_missing"]
    );
}

#[test]
fn vc_jwt_credentials_are_matched_under_credential_subject() {
    let p = Profile::from_json(
        &json!({
            "name": "vc_age",
            "dcql": { "credentials": [{
                "id": "passport", "format": "jwt_vc_json",
                "meta": { "type_values": [["VerifiableCredential", "PassportCredential"]] },
                "claims": [{ "path": ["credentialSubject", "birth_date"] }]
            }]},
            "predicates": [{ "type": "age_at_least", "claim": "birth_date", "years": 21 }]
        })
        .to_string(),
    )
    .unwrap();
    let r = p.apply(
        report(Format::VcJwt, "PassportCredential", sample("passport")),
        now(),
    );
    assert!(r.valid, "{:#?}", r.checks);
    assert_eq!(
        r.checks[1].message,
        "passport (jwt_vc_json) is accepted by the vc_age profile"
    );
    assert_eq!(
        r.checks[2].message,
        "disclosed as the vc_age profile asks: credentialSubject.birth_date"
    );
}

#[test]
fn an_unverified_credential_is_not_profiled() {
    let border = Profile::builtin("border").unwrap();
    let mut r = sd(PASSPORT, json!({}));
    r.checks = vec![Check::failed(
        "issuer_signature",
        &Rejection::IssuerUnknown {
            issuer: "did:x".into(),
        },
    )];
    assert_eq!(
        outcome(&border, &r, NOW),
        [(
            "profile",
            None,
            "the border profile was not applied: the issuer's signature did not verify".into()
        )]
    );
    assert!(!border.apply(r, now()).valid);
}
