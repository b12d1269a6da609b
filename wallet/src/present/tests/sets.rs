//! Credential Set Queries (§6.2, §6.4.2) and `multiple` (§6.1).

use serde_json::json;

use super::*;
use crate::present::{PresentError, plan, respond};

#[test]
fn a_bank_takes_a_passport_or_a_residence_permit_whichever_is_held() {
    let (_dir, vault) = open_vault();
    let office = issuer();
    let permit = hold(&vault, &office, "residence_permit", 1, NOW.plus(YEAR));
    let v = verifier();
    let req = request(&v, &profile("bank_kyc"));

    let p = plan(&req, &vault, NOW).unwrap();
    assert_eq!(p.sets.len(), 1);
    assert!(!p.sets[0].options[0].available);
    assert!(p.sets[0].options[1].available);
    assert_eq!(p.sets[0].chosen, Some(1));
    let answered: Vec<&str> = p.answered().map(|q| q.id.as_str()).collect();
    assert_eq!(answered, ["residence_permit"]);
    assert_eq!(p.queries[1].chosen, vec![permit]);

    let answer = respond(&req, &p, &vault, NOW).unwrap();
    assert_eq!(
        answer.vp_token.keys().collect::<Vec<_>>(),
        ["residence_permit"]
    );
    let presentation = &answer.vp_token["residence_permit"][0];
    assert_eq!(
        disclosed_names(presentation),
        sorted(&["birth_date", "family_name", "given_names"])
    );
    let report = check(presentation, &req, &v.client_id, &office, true);
    assert!(report.valid, "{:#?}", report.checks);
}

#[test]
fn with_both_held_the_verifiers_first_option_is_chosen_and_can_be_changed() {
    let (_dir, vault) = open_vault();
    hold(&vault, &issuer(), "passport", 1, NOW.plus(YEAR));
    hold(&vault, &issuer(), "residence_permit", 1, NOW.plus(YEAR));
    let v = verifier();
    let req = request(&v, &profile("bank_kyc"));
    let mut p = plan(&req, &vault, NOW).unwrap();
    assert_eq!(p.sets[0].chosen, Some(0));
    assert_eq!(
        p.choose_option(0, None).unwrap_err().code(),
        "choice_not_offered"
    );
    assert_eq!(
        p.choose_option(0, Some(2)).unwrap_err().code(),
        "choice_not_offered"
    );
    p.choose_option(0, Some(1)).unwrap();
    let answer = respond(&req, &p, &vault, NOW).unwrap();
    assert_eq!(
        answer.vp_token.keys().collect::<Vec<_>>(),
        ["residence_permit"]
    );
}

fn with_optional_permit() -> Value {
    json!({
        "credentials": [
            {"id": "passport", "format": "dc+sd-jwt",
             "meta": {"vct_values": ["urn:sigillum:vct:passport:1"]},
             "claims": [{"path": ["family_name"]}]},
            {"id": "permit", "format": "dc+sd-jwt",
             "meta": {"vct_values": ["urn:sigillum:vct:residence_permit:1"]},
             "claims": [{"path": ["address"]}]}
        ],
        "credential_sets": [
            {"options": [["passport"]]},
            {"options": [["permit"]], "required": false}
        ]
    })
}

#[test]
fn optional_sets_are_shared_only_when_the_citizen_opts_in() {
    let (_dir, vault) = open_vault();
    hold(&vault, &issuer(), "passport", 2, NOW.plus(YEAR));
    hold(&vault, &issuer(), "residence_permit", 2, NOW.plus(YEAR));
    let v = verifier();
    let req = request(&v, &with_optional_permit());
    let mut p = plan(&req, &vault, NOW).unwrap();
    assert_eq!((p.sets[1].required, p.sets[1].chosen), (false, None));
    let answer = respond(&req, &p, &vault, NOW).unwrap();
    assert_eq!(answer.vp_token.keys().collect::<Vec<_>>(), ["passport"]);

    let req = request(&v, &with_optional_permit());
    p = plan(&req, &vault, NOW).unwrap();
    p.choose_option(1, Some(0)).unwrap();
    let answer = respond(&req, &p, &vault, NOW).unwrap();
    assert_eq!(
        answer.vp_token.keys().collect::<Vec<_>>(),
        ["passport", "permit"]
    );
    assert_eq!(disclosed_names(&answer.vp_token["permit"][0]), ["address"]);
}

#[test]
fn a_missing_optional_credential_does_not_block_the_required_one() {
    let (_dir, vault) = open_vault();
    hold(&vault, &issuer(), "passport", 1, NOW.plus(YEAR));
    let v = verifier();
    let req = request(&v, &with_optional_permit());
    let mut p = plan(&req, &vault, NOW).unwrap();
    p.ready().unwrap();
    assert_eq!(
        p.choose_option(1, Some(0)).unwrap_err().code(),
        "choice_not_offered"
    );
    p.choose_option(1, None).unwrap();
    let only_optional = json!({
        "credentials": [{"id": "permit", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["urn:sigillum:vct:residence_permit:1"]}}],
        "credential_sets": [{"options": [["permit"]], "required": false}]
    });
    let req = request(&v, &only_optional);
    let p = plan(&req, &vault, NOW).unwrap();
    assert_eq!(p.ready().unwrap_err(), PresentError::NothingChosen);
}

#[test]
fn several_credentials_answer_a_query_only_when_it_allows_multiple() {
    let (_dir, vault) = open_vault();
    let a = hold(&vault, &issuer(), "passport", 1, NOW.plus(YEAR));
    let b = hold(&vault, &issuer(), "passport", 1, NOW.plus(YEAR));
    let v = verifier();
    let mut single = plan(&request(&v, &passport_only(&["nationality"])), &vault, NOW).unwrap();
    assert_eq!(single.queries[0].candidates.len(), 2);
    assert_eq!(single.queries[0].chosen.len(), 1);
    assert_eq!(
        single
            .choose_credentials("passport", &[&a, &b])
            .unwrap_err()
            .code(),
        "choice_not_offered"
    );
    single.choose_credentials("passport", &[&b]).unwrap();
    assert_eq!(single.queries[0].chosen, vec![b.clone()]);
    assert!(single.choose_credentials("passport", &["nope"]).is_err());

    let mut dcql = passport_only(&["nationality"]);
    dcql["credentials"][0]["multiple"] = json!(true);
    let req = request(&v, &dcql);
    let mut p = plan(&req, &vault, NOW).unwrap();
    p.choose_credentials("passport", &[&a, &b]).unwrap();
    assert!(p.choose_credentials("passport", &[&a, &a]).is_err());
    let answer = respond(&req, &p, &vault, NOW).unwrap();
    assert_eq!(answer.vp_token["passport"].len(), 2);
    assert_eq!(vault.history().unwrap().len(), 2);
}
