//! Plan → respond → verify: what is disclosed, one-time copies, expiry, missing
//! claims, VC-JWT holder binding, the history, and refusals.

use serde_json::json;
use sigillum_credential::sd_jwt::SdJwt;

use super::*;
use crate::present::{PresentError, Shortfall, plan, respond};

const BORDER_SELECTIVE: &[&str] = &[
    "birth_date",
    "document_number",
    "family_name",
    "given_names",
    "nationality",
    "portrait_digest",
];

#[test]
fn a_border_request_gets_exactly_the_requested_claims_bound_to_the_full_client_id() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    let group = hold(&vault, &ministry, "passport", 2, NOW.plus(YEAR));
    let v = verifier();
    let req = request(&v, &profile("border"));

    let p = plan(&req, &vault, NOW).unwrap();
    p.ready().unwrap();
    assert_eq!(p.client_id, v.client_id);
    assert_eq!(p.queries.len(), 1);
    let q = &p.queries[0];
    assert_eq!(q.wanted, "Passport");
    assert_eq!(q.chosen, vec![group.clone()]);
    let c = &q.candidates[0];
    assert_eq!((c.copies_left, c.credential_type.as_str()), (2, "Passport"));
    assert_eq!(c.issuer, ministry.did);
    let labels: Vec<&str> = c.share.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Surname",
            "Given names",
            "Nationality",
            "Date of birth",
            "Document number",
            "Date of expiry",
            "Portrait digest"
        ]
    );
    // The plain claims are shown whatever is asked; the consent screen says so.
    let also: Vec<&str> = c.also_shown.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(sorted(&also), sorted(&["document_type", "issuing_state"]));

    let answer = respond(&req, &p, &vault, NOW).unwrap();
    assert_eq!(answer.state, req.state);
    assert_eq!(answer.vp_token.len(), 1);
    let presentation = &answer.vp_token["passport"][0];
    assert_eq!(disclosed_names(presentation), sorted(BORDER_SELECTIVE));

    let report = check(presentation, &req, &v.client_id, &ministry, true);
    assert!(report.valid, "{:#?}", report.checks);
    assert_eq!(report.claims["family_name"], "ERIKSSON");
    assert!(report.claims.get("sex").is_none());
    assert!(report.claims.get("place_of_birth").is_none());
    // aud is the full Client Identifier, prefix included (B.3.6, §14.8): the bare DID fails.
    let bare = check(presentation, &req, req.client_did(), &ministry, true);
    assert!(!bare.valid);
    let kb = SdJwt::parse(presentation, 1 << 20).unwrap();
    assert!(kb.has_key_binding());
}

#[test]
fn a_query_without_claims_discloses_nothing_selective() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    hold(&vault, &ministry, "passport", 1, NOW.plus(YEAR));
    let v = verifier();
    let dcql = json!({"credentials": [{"id": "passport", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["urn:sigillum:vct:passport:1"]}}]});
    let req = request(&v, &dcql);
    let p = plan(&req, &vault, NOW).unwrap();
    let answer = respond(&req, &p, &vault, NOW).unwrap();
    let presentation = &answer.vp_token["passport"][0];
    assert!(disclosed_names(presentation).is_empty());
    assert!(check(presentation, &req, &v.client_id, &ministry, true).valid);
}

#[test]
fn each_answer_uses_another_copy_until_none_is_left() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    hold(&vault, &ministry, "passport", 2, NOW.plus(YEAR));
    let v = verifier();
    let mut shown = Vec::new();
    for left in [2, 1] {
        let req = request(&v, &passport_only(&["family_name"]));
        let p = plan(&req, &vault, NOW).unwrap();
        assert_eq!(p.queries[0].candidates[0].copies_left, left);
        let answer = respond(&req, &p, &vault, NOW).unwrap();
        let presentation = answer.vp_token["passport"][0].clone();
        // The issuer-signed part differs: another copy, another holder key.
        shown.push(presentation.split('~').next().unwrap().to_owned());
    }
    assert_ne!(shown[0], shown[1]);
    let req = request(&v, &passport_only(&["family_name"]));
    let p = plan(&req, &vault, NOW).unwrap();
    assert!(p.queries[0].candidates.is_empty());
    assert_eq!(
        p.queries[0].unavailable[0].reason,
        Shortfall::CopiesUsedUp { copies: 2 }
    );
    let err = p.ready().unwrap_err();
    assert_eq!(err.code(), "no_matching_credential");
    assert!(err.to_string().contains("one-time copies"), "{err}");
    assert_eq!(respond(&req, &p, &vault, NOW).unwrap_err(), err);
}

#[test]
fn expired_credentials_are_not_offered() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    hold(&vault, &ministry, "passport", 1, NOW.plus(-10));
    let v = verifier();
    let req = request(&v, &profile("border"));
    let p = plan(&req, &vault, NOW).unwrap();
    assert!(p.queries[0].candidates.is_empty());
    assert_eq!(
        p.queries[0].unavailable[0].reason,
        Shortfall::Expired {
            valid_until: NOW.plus(-10)
        }
    );
    let err = p.ready().unwrap_err();
    assert_eq!(
        err.to_string(),
        "the verifier asks for Passport, and you hold none that can be shown: \
         your Passport: it expired on 2027-01-15"
    );
    // A valid one beside it is offered.
    let fresh = hold(&vault, &ministry, "passport", 1, NOW.plus(YEAR));
    let p = plan(&req, &vault, NOW).unwrap();
    assert_eq!(p.queries[0].chosen, vec![fresh]);
}

#[test]
fn missing_claims_are_named_and_nothing_is_sent() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    hold(&vault, &ministry, "passport", 1, NOW.plus(YEAR));
    let v = verifier();
    let req = request(&v, &passport_only(&["family_name", "height", "eye_colour"]));
    let p = plan(&req, &vault, NOW).unwrap();
    let Shortfall::ClaimsMissing(missing) = &p.queries[0].unavailable[0].reason else {
        panic!("{:?}", p.queries[0].unavailable);
    };
    let names: Vec<&str> = missing.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["height", "eye_colour"]);
    let err = respond(&req, &p, &vault, NOW).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("it does not hold height, eye_colour"),
        "{err}"
    );
    // Nothing was taken.
    assert!(vault.credentials().unwrap().iter().all(|(_, c)| !c.used));
    assert!(vault.history().unwrap().is_empty());
}

#[test]
fn nothing_held_says_what_is_asked() {
    let (_dir, vault) = open_vault();
    let v = verifier();
    let req = request(&v, &profile("bank_kyc"));
    let err = plan(&req, &vault, NOW).unwrap().ready().unwrap_err();
    assert_eq!(
        err.to_string(),
        "the verifier asks for Passport or Residence permit, and you hold none that can be shown"
    );
}

#[test]
fn a_vc_jwt_answers_only_queries_that_do_not_require_holder_binding() {
    let (_dir, vault) = open_vault();
    let register = issuer();
    let group = hold_vc_jwt(&vault, &register);
    let v = verifier();
    let query = |binding: bool| {
        json!({"credentials": [{
            "id": "licence", "format": "jwt_vc_json",
            "meta": {"type_values": [["BusinessLicenseCredential"]]},
            "require_cryptographic_holder_binding": binding,
            "claims": [{"path": ["credentialSubject", "legal_name"]}]
        }]})
    };
    let bound = request(&v, &query(true));
    let p = plan(&bound, &vault, NOW).unwrap();
    assert_eq!(
        p.queries[0].unavailable[0].reason,
        Shortfall::HolderBindingUnsupported
    );
    assert_eq!(p.queries[0].wanted, "Business licence");

    let unbound = request(&v, &query(false));
    let p = plan(&unbound, &vault, NOW).unwrap();
    let c = &p.queries[0].candidates[0];
    assert_eq!(c.group, group);
    assert!(!c.proves_possession);
    assert_eq!(c.share[0].label, "Legal name");
    // No selective disclosure: every other subject claim is shown too, and said so.
    assert!(c.also_shown.iter().any(|l| l.label == "Registered address"));
    let answer = respond(&unbound, &p, &vault, NOW).unwrap();
    let presentation = &answer.vp_token["licence"][0];
    let report = check(presentation, &unbound, &v.client_id, &register, false);
    assert!(report.valid, "{:#?}", report.checks);
    let history = vault.history().unwrap();
    assert!(
        history[0]
            .shared
            .contains(&"credentialSubject.address".to_owned())
    );
}

#[test]
fn history_keeps_who_what_and_when_but_no_values() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    let group = hold(&vault, &ministry, "passport", 1, NOW.plus(YEAR));
    let v = verifier();
    let req = request(&v, &passport_only(&["family_name", "birth_date"]));
    let p = plan(&req, &vault, NOW).unwrap();
    respond(&req, &p, &vault, NOW).unwrap();
    let history = vault.history().unwrap();
    assert_eq!(history.len(), 1);
    let line = &history[0];
    assert_eq!(
        (line.kind.as_str(), line.counterparty.as_str(), line.time),
        ("present", v.client_id.as_str(), NOW.unix())
    );
    assert_eq!(line.group, group);
    assert_eq!(line.requested, ["family_name", "birth_date"]);
    assert_eq!(
        sorted(&line.shared.iter().map(String::as_str).collect::<Vec<_>>()),
        sorted(&[
            "family_name",
            "birth_date",
            "issuing_state",
            "document_type",
            "expiry_date"
        ])
    );
    let text = serde_json::to_string(&history).unwrap();
    for value in ["ERIKSSON", "1974-08-12", "UTO", "L898902C3"] {
        assert!(!text.contains(value), "{value} in the history: {text}");
    }
}

#[test]
fn a_plan_answers_only_its_own_request() {
    let (_dir, vault) = open_vault();
    hold(&vault, &issuer(), "passport", 2, NOW.plus(YEAR));
    let v = verifier();
    let first = request(&v, &passport_only(&["family_name"]));
    let second = request(&v, &passport_only(&["family_name"]));
    let p = plan(&first, &vault, NOW).unwrap();
    assert_eq!(
        respond(&second, &p, &vault, NOW).unwrap_err(),
        PresentError::PlanMismatch
    );
    assert!(vault.credentials().unwrap().iter().all(|(_, c)| !c.used));
}

#[test]
fn a_copy_whose_key_is_wrong_is_put_back_and_the_answer_refused() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    let holder = SigningKey::generate(Alg::Es256);
    let credential = issue_sd(&ministry, "passport", &holder, NOW.plus(YEAR));
    // Stored with another key than the one in cnf.
    store(
        &vault,
        "g",
        credential,
        &SigningKey::generate(Alg::Es256),
        "passport",
    );
    let v = verifier();
    let req = request(&v, &passport_only(&["family_name"]));
    let p = plan(&req, &vault, NOW).unwrap();
    let err = respond(&req, &p, &vault, NOW).unwrap_err();
    assert_eq!(err.code(), "credential_unusable");
    assert!(
        err.to_string()
            .contains("not the key the credential is bound to")
    );
    let held = vault.credentials().unwrap();
    assert!(!held[0].1.used, "the copy never left the wallet");
    assert!(vault.history().unwrap().is_empty());
}

#[test]
fn a_credential_restored_without_its_holder_key_must_be_issued_again() {
    use crate::backup::{self, BackupOptions, MIN_P2C};

    let (_dir, vault) = open_vault();
    let ministry = issuer();
    let group = hold(&vault, &ministry, "passport", 1, NOW.plus(YEAR));
    let options = BackupOptions {
        include_holder_keys: false,
        p2c: MIN_P2C,
    };
    let jwe = backup::export(&vault, "a long backup passphrase", &options, NOW.unix()).unwrap();
    let parent = tempfile::tempdir().unwrap();
    let config = VaultConfig {
        kdf: KdfParams {
            m_kib: 256,
            t: 1,
            p: 1,
        },
        ..VaultConfig::default()
    };
    let (restored, _) = backup::restore(
        &jwe,
        "a long backup passphrase",
        &parent.path().join("restored"),
        "135790",
        &config,
        NOW.unix(),
    )
    .unwrap();

    let v = verifier();
    let req = request(&v, &passport_only(&["family_name"]));
    let p = plan(&req, &restored, NOW).unwrap();
    let reason = &p.queries[0].unavailable[0];
    assert_eq!(reason.reason, Shortfall::HolderKeyMissing);
    assert_eq!(reason.reason.code(), "holder_key_missing");
    assert_eq!(
        p.ready().unwrap_err().to_string(),
        "the verifier asks for Passport, and you hold none that can be shown: your Passport: \
         its holder key was left out of the backup it was restored from; ask the issuer to issue it again"
    );

    // A plan made where the key is held, carried out where it is not: a clear
    // refusal, and the copy is put back.
    let p = plan(&req, &vault, NOW).unwrap();
    assert_eq!(
        respond(&req, &p, &restored, NOW).unwrap_err(),
        PresentError::CredentialUnusable {
            group,
            why: "its holder key was left out of the backup it was restored from; ask the issuer to issue it again".into(),
        }
    );
    assert!(!restored.credentials().unwrap()[0].1.used);
}
