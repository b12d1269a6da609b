//! End to end: issue, let the wallet disclose what the DCQL query asks, verify under
//! the profile's policy, apply the profile.

use super::*;

fn issue(
    vct: &str,
    type_name: &str,
    claims: &Map<String, Value>,
    issuer: &SigningKey,
    holder: &SigningKey,
) -> String {
    let types = CredentialTypes::builtin().unwrap();
    let did = did::key::did_for(&issuer.public_key()).to_string();
    let holder_key = holder.public_key();
    sd_jwt_vc::issue(
        &sd_jwt_vc::SdJwtVcRequest {
            vct,
            issuer: &did,
            kid: None,
            issued_at: Timestamp::from_unix(NOW - 86_400),
            valid_from: None,
            valid_until: Some(Timestamp::from_unix(NOW + 365 * 86_400)),
            holder: Some(&holder_key),
            status: None,
            claims,
            disclosable: &types.get(type_name).unwrap().spec().selectively_disclosable,
        },
        issuer,
        IssueOptions::default(),
    )
    .unwrap()
}

fn present_and_verify(profile: &Profile, credential: &str, holder: &SigningKey) -> Report {
    let parsed = SdJwt::parse(credential, MAX_PRESENTATION_LEN).unwrap();
    let everything = parsed.process_unverified().unwrap().claims;
    let vct = everything["vct"].as_str().unwrap();
    let paths = profile
        .dcql
        .requested_paths(&CredentialFormat::DcSdJwt, &[vct], &everything);
    let presented =
        sd_jwt::present(credential, &paths, Some((holder, BANK, NONCE, now()))).unwrap();
    let clock = FixedClock(now());
    let report = verify(
        &VerifyInput {
            presented: &presented,
            issuer_key: IssuerKey::ResolveLocal,
            status_lists: &[],
            status_list_keys: &[],
            list_cache: None,
            clock: &clock,
        },
        &profile.verify_policy(Some(NONCE.into()), Some(BANK.into())),
    )
    .unwrap();
    profile.apply(report, now())
}

#[test]
fn a_seventeen_year_old_fails_bank_kyc_with_the_evidence() {
    let bank = Profile::builtin("bank_kyc").unwrap();
    let (issuer, holder) = (
        SigningKey::generate(Alg::Es256),
        SigningKey::generate(Alg::Es256),
    );
    let mut claims = sample("passport");
    claims.insert("birth_date".into(), json!("2009-03-01"));
    let r = present_and_verify(
        &bank,
        &issue(PASSPORT, "passport", &claims, &issuer, &holder),
        &holder,
    );
    assert!(!r.valid);
    assert_eq!(r.failures(), ["predicate_failed"]);
    let failed = r.checks.iter().find(|c| !c.ok).unwrap();
    assert_eq!(failed.name, "profile_predicate");
    assert_eq!(
        failed.message,
        "birth_date 2009-03-01: age 17 on 2026-11-24 (required: age at least 18)"
    );
    // The wallet disclosed what the bank asked, and nothing else of the person.
    let mut shown: Vec<&str> = r.claims.keys().map(String::as_str).collect();
    shown.retain(|k| sample("passport").contains_key(*k));
    shown.sort_unstable();
    assert_eq!(
        shown,
        [
            "birth_date",
            "document_type",
            "expiry_date",
            "family_name",
            "given_names",
            "issuing_state"
        ]
    );

    // Eighteen today passes.
    claims.insert("birth_date".into(), json!("2008-11-24"));
    let r = present_and_verify(
        &bank,
        &issue(PASSPORT, "passport", &claims, &issuer, &holder),
        &holder,
    );
    assert!(r.valid, "{:#?}", r.checks);
}

#[test]
fn an_issued_licence_passes_business_check_and_a_passport_does_not() {
    let check = Profile::builtin("business_check").unwrap();
    let (issuer, holder) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::Es256),
    );
    let licence = issue(
        LICENCE,
        "business_license",
        &sample("business_license"),
        &issuer,
        &holder,
    );
    let r = present_and_verify(&check, &licence, &holder);
    assert!(r.valid, "{:#?}", r.checks);
    let passport = issue(PASSPORT, "passport", &sample("passport"), &issuer, &holder);
    let r = present_and_verify(&check, &passport, &holder);
    assert_eq!(r.failures(), ["credential_type_not_accepted"]);
}
