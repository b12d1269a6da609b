//! RFC 9901 (draft -22) and SD-JWT VC (draft -18) vectors, and every §7 MUST-reject.

use serde_json::{Map, Value, json};

use super::*;
use crate::b64;
use crate::jws;
use crate::key::{Alg, Jwk, PublicKey, SigningKey};
use crate::time::Timestamp;

const ALGS: &[Alg] = &[Alg::Es256, Alg::EdDsa];

fn read(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../shared/vectors/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}
fn vector(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}
fn spec_issuer_key() -> PublicKey {
    let keys = vector("sd-jwt/ietf-draft-22/keys.json");
    Jwk::from_value(&keys["issuer_key_1"])
        .unwrap()
        .to_signing_key()
        .unwrap()
        .public_key()
}

#[test]
fn every_published_disclosure_has_its_published_digest() {
    let all = vector("sd-jwt/ietf-draft-22/disclosures-all.json");
    for (i, d) in all.as_array().unwrap().iter().enumerate() {
        let parsed = Disclosure::parse(d["disclosure"].as_str().unwrap(), i).unwrap();
        assert_eq!(
            parsed.digest(),
            d["sha256_digest"].as_str().unwrap(),
            "{}",
            d["claim"]
        );
        let decoded = d["decoded"].as_array().unwrap();
        assert_eq!(parsed.value(), decoded.last().unwrap());
        assert_eq!(
            parsed.name(),
            if decoded.len() == 3 {
                decoded[1].as_str()
            } else {
                None
            }
        );
    }
    assert_eq!(all.as_array().unwrap().len(), 87);
}

/// Each published presentation verifies with the spec's issuer key and yields the
/// published Processed SD-JWT Payload; the KB-JWT ones bind to the published nonce/aud.
#[test]
fn published_presentations_process_to_the_published_payloads() {
    let cases = [
        (
            "sd-jwt/ietf-draft-22/compact/5.2-sd-jwt-kb-presentation.txt",
            "sd-jwt/ietf-draft-22/payloads/5.2-processed-payload.json",
            Some("sd-jwt/ietf-draft-22/payloads/5.2-kb-jwt-payload.json"),
        ),
        (
            "sd-jwt/ietf-draft-22/compact/A.1-sd-jwt-presentation.txt",
            "sd-jwt/ietf-draft-22/payloads/A.1-processed-payload.json",
            None,
        ),
        (
            "sd-jwt/ietf-draft-22/compact/A.2-sd-jwt-presentation.txt",
            "sd-jwt/ietf-draft-22/payloads/A.2-processed-payload.json",
            None,
        ),
        (
            "sd-jwt/ietf-draft-22/compact/A.3-sd-jwt-vc-kb-presentation.txt",
            "sd-jwt/ietf-draft-22/payloads/A.3-processed-payload.json",
            Some("sd-jwt/ietf-draft-22/payloads/A.3-kb-jwt-payload.json"),
        ),
        (
            "sd-jwt/ietf-draft-22/compact/A.4-sd-jwt-kb-presentation.txt",
            "sd-jwt/ietf-draft-22/payloads/A.4-processed-payload.json",
            None,
        ),
        (
            "sd-jwt-vc/ietf-draft-18/compact/2.3.2-sd-jwt-vc-kb-presentation.txt",
            "sd-jwt-vc/ietf-draft-18/payloads/2.3.2-processed-payload-kb.json",
            None,
        ),
        (
            "sd-jwt-vc/ietf-draft-18/compact/2.3.2-sd-jwt-vc-presentation-no-kb.txt",
            "sd-jwt-vc/ietf-draft-18/payloads/2.3.2-processed-payload-no-kb.json",
            None,
        ),
        (
            "sd-jwt-vc/ietf-draft-18/compact/A.1-pid-kb-presentation.txt",
            "sd-jwt-vc/ietf-draft-18/payloads/A.1-processed-payload.json",
            Some("sd-jwt-vc/ietf-draft-18/payloads/A.1-kb-jwt-payload.json"),
        ),
    ];
    let key = spec_issuer_key();
    for (compact, expected, kb_payload) in cases {
        let text = read(compact);
        let parsed = SdJwt::parse(text.trim(), jws::DEFAULT_MAX_LEN).unwrap();
        let policy = match kb_payload {
            Some(kb) => {
                let kb = vector(kb);
                KbPolicy::required(
                    kb["nonce"].as_str().unwrap(),
                    kb["aud"].as_str().unwrap(),
                    Timestamp::from_unix(kb["iat"].as_i64().unwrap()),
                )
            }
            None => KbPolicy::not_required(),
        };
        let has_kb = parsed.has_key_binding();
        let verified = parsed
            .verify(&key, ALGS, &policy)
            .unwrap_or_else(|e| panic!("{compact}: {e}"));
        assert_eq!(
            Value::Object(verified.processed().claims.clone()),
            vector(expected),
            "{compact}"
        );
        assert_eq!(verified.key_binding().is_some(), has_kb, "{compact}");
    }
}

#[test]
fn published_issued_sd_jwts_process_completely() {
    let key = spec_issuer_key();
    for compact in [
        "sd-jwt/ietf-draft-22/compact/5.1-sd-jwt-issued.txt",
        "sd-jwt/ietf-draft-22/compact/A.3-sd-jwt-vc-issued.txt",
        "sd-jwt/ietf-draft-22/compact/A.4-sd-jwt-issued.txt",
        "sd-jwt-vc/ietf-draft-18/compact/2.3.1-sd-jwt-vc-issued.txt",
        "sd-jwt-vc/ietf-draft-18/compact/A.1-pid-issued.txt",
    ] {
        let text = read(compact);
        let parsed = SdJwt::parse(text.trim(), jws::DEFAULT_MAX_LEN).unwrap();
        let n = parsed.disclosures().len();
        let verified = parsed
            .verify_as_holder(&key, ALGS)
            .unwrap_or_else(|e| panic!("{compact}: {e}"));
        assert_eq!(
            verified.processed().disclosed.len(),
            n,
            "{compact}: every disclosure used"
        );
    }
    // 5.1: all claims of the input come back.
    let text = read("sd-jwt/ietf-draft-22/compact/5.1-sd-jwt-issued.txt");
    let claims = SdJwt::parse(text.trim(), jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify_as_holder(&key, ALGS)
        .unwrap()
        .processed()
        .claims
        .clone();
    for (name, value) in vector("sd-jwt/ietf-draft-22/payloads/5.1-input-claims.json")
        .as_object()
        .unwrap()
    {
        assert_eq!(claims.get(name), Some(value), "{name}");
    }
}

fn sample_claims() -> Map<String, Value> {
    json!({
        "iss": "did:example:issuer", "iat": 1_700_000_000,
        "given_name": "Erika", "family_name": "Mustermann",
        "address": {"street": "Heidestr. 17", "locality": "Köln", "country": "DE"},
        "nationalities": ["DE", "FR"],
    })
    .as_object()
    .unwrap()
    .clone()
}

fn sample_frame() -> Value {
    json!({"_sd": ["given_name", "family_name", "address"], "address": {"_sd": ["street", "locality"]}, "nationalities": {"_sd": [0, 1]}})
}

struct Issued {
    issuer: SigningKey,
    holder: SigningKey,
    sd_jwt: String,
}

fn issued() -> Issued {
    let issuer = SigningKey::generate(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let mut claims = sample_claims();
    claims.insert("cnf".into(), json!({"jwk": holder.public_key().to_jwk()}));
    let sd_jwt = issue(
        &claims,
        &sample_frame(),
        IssueOptions::default(),
        "dc+sd-jwt",
        None,
        &issuer,
    )
    .unwrap();
    Issued {
        issuer,
        holder,
        sd_jwt,
    }
}

const NOW: i64 = 1_800_000_000;

fn kb_policy() -> KbPolicy {
    KbPolicy::required(
        "n-0S6_WzA2Mj",
        "https://bank.example",
        Timestamp::from_unix(NOW),
    )
}

fn presented(i: &Issued, paths: &[&str]) -> String {
    let paths: Vec<ClaimPath> = paths.iter().map(|p| ClaimPath::dotted(p)).collect();
    present(
        &i.sd_jwt,
        &paths,
        Some((
            &i.holder,
            "https://bank.example",
            "n-0S6_WzA2Mj",
            Timestamp::from_unix(NOW),
        )),
    )
    .unwrap()
}

fn verdict(text: &str, key: &PublicKey, policy: &KbPolicy) -> &'static str {
    SdJwt::parse(text, jws::DEFAULT_MAX_LEN)
        .and_then(|s| s.verify(key, ALGS, policy))
        .map(|_| "accepted")
        .unwrap_or_else(|e| e.code())
}

#[test]
fn issue_present_verify_round_trip_discloses_exactly_what_was_asked() {
    let i = issued();
    let full = SdJwt::parse(&i.sd_jwt, jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify_as_holder(&i.issuer.public_key(), ALGS)
        .unwrap();
    let mut expected = sample_claims();
    expected.insert("cnf".into(), json!({"jwk": i.holder.public_key().to_jwk()}));
    assert_eq!(full.processed().claims, expected);
    assert_eq!(full.processed().disclosed.len(), 7);

    let p = presented(&i, &["given_name", "address.locality", "nationalities.1"]);
    let v = SdJwt::parse(&p, jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify(&i.issuer.public_key(), ALGS, &kb_policy())
        .unwrap();
    assert_eq!(
        Value::Object(v.processed().claims.clone()),
        json!({"iss": "did:example:issuer", "iat": 1_700_000_000, "given_name": "Erika",
               "address": {"locality": "Köln", "country": "DE"}, "nationalities": ["FR"],
               "cnf": {"jwk": i.holder.public_key().to_jwk()}})
    );
    assert_eq!(v.key_binding().unwrap().nonce, "n-0S6_WzA2Mj");
    // Nothing disclosed: only the always-visible claims.
    let none = presented(&i, &[]);
    assert_eq!(
        SdJwt::parse(&none, jws::DEFAULT_MAX_LEN)
            .unwrap()
            .disclosures()
            .len(),
        0
    );
}

/// Builds an SD-JWT from a hand-made payload and hand-made Disclosures, for the MUST-reject cases.
fn forged(issuer: &SigningKey, payload: Value, disclosures: &[&str]) -> String {
    let mut out = jws::sign_claims("dc+sd-jwt", None, payload.as_object().unwrap(), issuer);
    for d in disclosures {
        out.push('~');
        out.push_str(d);
    }
    out.push('~');
    out
}

fn raw_disclosure(array: Value) -> (String, String) {
    let encoded = b64::encode(array.to_string());
    let digest = disclosure::digest_of(&encoded);
    (encoded, digest)
}

#[test]
fn every_section_7_must_reject_has_its_code() {
    let issuer = SigningKey::generate(Alg::EdDsa);
    let key = issuer.public_key();
    let np = KbPolicy::not_required();
    let (d_name, h_name) = raw_disclosure(json!(["salt1", "name", "Erika"]));
    let (d_elem, h_elem) = raw_disclosure(json!(["salt2", "FR"]));
    let (d_sd, h_sd) = raw_disclosure(json!(["salt3", "_sd", ["x"]]));
    let (d_dots, h_dots) = raw_disclosure(json!(["salt4", "...", "x"]));
    let (d_four, h_four) = raw_disclosure(json!(["salt5", "a", "b", "c"]));
    let (d_salt, h_salt) = raw_disclosure(json!([5, "a", "b"]));

    // Baseline accepted.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_name]}), &[&d_name]),
            &key,
            &np
        ),
        "accepted"
    );
    // 3.3.2.1: property digest pointing at an array-element disclosure.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_elem]}), &[&d_elem]),
            &key,
            &np
        ),
        "disclosure_wrong_arity"
    );
    // 3.3.3.1: array-element digest pointing at a property disclosure.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"n": [{"...": h_name}]}), &[&d_name]),
            &key,
            &np
        ),
        "disclosure_wrong_arity"
    );
    // 3.3.2.2: reserved names.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_sd]}), &[&d_sd]),
            &key,
            &np
        ),
        "disclosure_claim_name_forbidden"
    );
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_dots]}), &[&d_dots]),
            &key,
            &np
        ),
        "disclosure_claim_name_forbidden"
    );
    // 3.3.2.3: claim already exists.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"name": "x", "_sd": [h_name]}), &[&d_name]),
            &key,
            &np
        ),
        "disclosure_claim_exists"
    );
    // 4: digest twice (same level, across levels).
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_name, h_name]}), &[&d_name]),
            &key,
            &np
        ),
        "disclosure_digest_duplicate"
    );
    assert_eq!(
        verdict(
            &forged(
                &issuer,
                json!({"_sd": [h_name], "o": {"_sd": [h_name]}}),
                &[&d_name]
            ),
            &key,
            &np
        ),
        "disclosure_digest_duplicate"
    );
    // Same Disclosure sent twice.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_name]}), &[&d_name, &d_name]),
            &key,
            &np
        ),
        "disclosure_digest_duplicate"
    );
    // 5: a Disclosure nobody references (tampered, or from another SD-JWT).
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_name]}), &[&d_name, &d_elem]),
            &key,
            &np
        ),
        "disclosure_digest_mismatch"
    );
    let tampered = b64::encode(json!(["salt1", "name", "Eve"]).to_string());
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_name]}), &[&tampered]),
            &key,
            &np
        ),
        "disclosure_digest_mismatch"
    );
    // Malformed disclosures and containers.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_four]}), &[&d_four]),
            &key,
            &np
        ),
        "disclosure_malformed"
    );
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd": [h_salt]}), &[&d_salt]),
            &key,
            &np
        ),
        "disclosure_malformed"
    );
    assert_eq!(
        verdict(&forged(&issuer, json!({}), &["!!!"]), &key, &np),
        "disclosure_malformed"
    );
    assert_eq!(
        verdict(&forged(&issuer, json!({"_sd": h_name}), &[]), &key, &np),
        "sd_jwt_malformed"
    );
    assert_eq!(
        verdict(&forged(&issuer, json!({"_sd": [5]}), &[]), &key, &np),
        "sd_jwt_malformed"
    );
    assert_eq!(
        verdict(&forged(&issuer, json!({"a": [{"...": 5}]}), &[]), &key, &np),
        "sd_jwt_malformed"
    );
    // 2.4: _sd_alg.
    assert_eq!(
        verdict(
            &forged(&issuer, json!({"_sd_alg": "sha-512"}), &[]),
            &key,
            &np
        ),
        "sd_alg_unsupported"
    );
    // Structure: no tilde, empty disclosure.
    let plain = jws::sign_claims("dc+sd-jwt", None, &Map::new(), &issuer);
    assert_eq!(verdict(&plain, &key, &np), "sd_jwt_malformed");
    assert_eq!(
        verdict(&format!("{plain}~~"), &key, &np),
        "sd_jwt_malformed"
    );
    // A Disclosure where the final "~" should be: not taken for a KB-JWT.
    assert_eq!(
        verdict(&format!("{plain}~WyJzIiwiYSJd"), &key, &np),
        "sd_jwt_malformed"
    );
    // Issuer signature by another key; alg none.
    assert_eq!(
        verdict(
            &forged(&SigningKey::generate(Alg::EdDsa), json!({}), &[]),
            &key,
            &np
        ),
        "signature_invalid"
    );
    let none = format!(
        "{}.{}.~",
        b64::encode(r#"{"alg":"none"}"#),
        b64::encode("{}")
    );
    assert_eq!(verdict(&none, &key, &np), "jws_malformed");
    let none_sig = format!(
        "{}.{}.AAAA~",
        b64::encode(r#"{"alg":"none"}"#),
        b64::encode("{}")
    );
    assert_eq!(verdict(&none_sig, &key, &np), "algorithm_not_allowed");
    // A flood of digests (decoys cost nothing to forge in an unsigned payload) is capped.
    let flood: Vec<String> = (0..MAX_DIGESTS + 1).map(|i| format!("{i:043}")).collect();
    assert_eq!(
        verdict(&forged(&issuer, json!({ "_sd": flood }), &[]), &key, &np),
        "input_too_large"
    );
    // Nesting bomb through arrays is refused, not a stack overflow.
    let mut deep = json!("x");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    assert_eq!(
        verdict(&forged(&issuer, json!({ "d": deep }), &[]), &key, &np),
        "sd_jwt_too_deep"
    );
}

#[test]
fn key_binding_must_rejects_have_their_codes() {
    let i = issued();
    let key = i.issuer.public_key();
    let good = presented(&i, &["given_name"]);
    assert_eq!(verdict(&good, &key, &kb_policy()), "accepted");
    // §7.3 step 2: required but absent.
    let unbound = present(&i.sd_jwt, &[ClaimPath::dotted("given_name")], None).unwrap();
    assert_eq!(verdict(&unbound, &key, &kb_policy()), "key_binding_missing");
    // nonce, aud.
    let mut p = kb_policy();
    p.nonce = Some("other".into());
    assert_eq!(verdict(&good, &key, &p), "key_binding_nonce_mismatch");
    let mut p = kb_policy();
    p.aud = Some("https://evil.example".into());
    assert_eq!(verdict(&good, &key, &p), "key_binding_aud_mismatch");
    // iat too old / in the future.
    let mut p = kb_policy();
    p.now = Timestamp::from_unix(NOW + 3600);
    assert_eq!(verdict(&good, &key, &p), "key_binding_iat_invalid");
    p.now = Timestamp::from_unix(NOW - 3600);
    assert_eq!(verdict(&good, &key, &p), "key_binding_iat_invalid");
    // sd_hash: KB-JWT moved onto a presentation with a different disclosure set.
    let other = presented(&i, &["family_name"]);
    let kb_of_good = good.rsplit('~').next().unwrap();
    let moved = format!(
        "{}{kb_of_good}",
        SdJwt::parse(&other, jws::DEFAULT_MAX_LEN)
            .unwrap()
            .without_key_binding()
    );
    assert_eq!(
        verdict(&moved, &key, &kb_policy()),
        "key_binding_sd_hash_mismatch"
    );
    // Disclosure dropped after binding.
    let parts: Vec<&str> = good.split('~').collect();
    let dropped = format!("{}~{}", parts[0], parts.last().unwrap());
    assert_eq!(
        verdict(&dropped, &key, &kb_policy()),
        "key_binding_sd_hash_mismatch"
    );
    // KB signed by a key other than cnf.
    let thief = SigningKey::generate(Alg::Es256);
    let unbound_sd = SdJwt::parse(&good, jws::DEFAULT_MAX_LEN)
        .unwrap()
        .without_key_binding()
        .to_owned();
    let stolen = sign_key_binding(
        &unbound_sd,
        &thief,
        "https://bank.example",
        "n-0S6_WzA2Mj",
        Timestamp::from_unix(NOW),
    );
    assert_eq!(
        verdict(&stolen, &key, &kb_policy()),
        "key_binding_signature_invalid"
    );
    // KB with the wrong typ.
    let mut claims = Map::new();
    claims.insert("iat".into(), json!(NOW));
    claims.insert("aud".into(), json!("https://bank.example"));
    claims.insert("nonce".into(), json!("n-0S6_WzA2Mj"));
    claims.insert("sd_hash".into(), json!(sd_hash(&unbound_sd)));
    let wrong_typ = format!(
        "{unbound_sd}{}",
        jws::sign_claims("JWT", None, &claims, &i.holder)
    );
    assert_eq!(verdict(&wrong_typ, &key, &kb_policy()), "typ_mismatch");
    // KB claims of the wrong JSON type: a string iat is not absent, it is invalid.
    claims.insert("iat".into(), json!(NOW.to_string()));
    let string_iat = format!(
        "{unbound_sd}{}",
        jws::sign_claims("kb+jwt", None, &claims, &i.holder)
    );
    assert_eq!(
        verdict(&string_iat, &key, &kb_policy()),
        "key_binding_claim_invalid"
    );
    // The KB-JWT's own exp and nbf (§7.3 step 5.8; RFC 7519 §4.1.4, §4.1.5).
    claims.insert("iat".into(), json!(NOW));
    for (name, at, code) in [
        ("exp", NOW - 120, "key_binding_expired"),
        ("nbf", NOW + 3600, "key_binding_not_yet_valid"),
    ] {
        let mut timed = claims.clone();
        timed.insert(name.into(), json!(at));
        let kb = format!(
            "{unbound_sd}{}",
            jws::sign_claims("kb+jwt", None, &timed, &i.holder)
        );
        assert_eq!(verdict(&kb, &key, &kb_policy()), code);
    }
    // A holder must refuse an SD-JWT+KB from an issuer (§7.2).
    let err = SdJwt::parse(&good, jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify_as_holder(&key, ALGS)
        .unwrap_err();
    assert_eq!(err.code(), "key_binding_unexpected");
    // KB present but the credential has no cnf.
    let no_cnf = issue(
        &sample_claims(),
        &sample_frame(),
        IssueOptions::default(),
        "dc+sd-jwt",
        None,
        &i.issuer,
    )
    .unwrap();
    let bound = sign_key_binding(
        &no_cnf,
        &i.holder,
        "https://bank.example",
        "n-0S6_WzA2Mj",
        Timestamp::from_unix(NOW),
    );
    assert_eq!(verdict(&bound, &key, &kb_policy()), "holder_key_invalid");
}

#[test]
fn frames_that_do_not_fit_the_claims_are_refused() {
    let key = SigningKey::generate(Alg::EdDsa);
    let claims = sample_claims();
    assert!(
        issue(
            &claims,
            &json!({"_sd": ["passport_number"]}),
            IssueOptions::default(),
            "dc+sd-jwt",
            None,
            &key
        )
        .is_err()
    );
    assert!(
        issue(
            &claims,
            &json!({"nationalities": {"_sd": [5]}}),
            IssueOptions::default(),
            "dc+sd-jwt",
            None,
            &key
        )
        .is_err()
    );
    let mut reserved = claims.clone();
    reserved.insert("_sd".into(), json!([]));
    assert!(
        issue(
            &reserved,
            &json!({}),
            IssueOptions::default(),
            "dc+sd-jwt",
            None,
            &key
        )
        .is_err()
    );
}

/// §8: the flattened and general JSON serializations verify through their compact
/// equivalents; in the general form, the second signature is by another key.
#[test]
fn json_serialized_sd_jwts_verify_through_their_compact_form() {
    let key = spec_issuer_key();
    let keys = vector("sd-jwt/ietf-draft-22/keys.json");
    let second = Jwk::from_value(&keys["issuer_key_2_only_for_8.3"])
        .unwrap()
        .to_signing_key()
        .unwrap()
        .public_key();
    let kb = KbPolicy {
        now: Timestamp::from_unix(i64::MAX / 4),
        max_age_secs: i64::MAX / 2,
        ..KbPolicy::required(
            "1234567890",
            "https://verifier.example.org",
            Timestamp::from_unix(0),
        )
    };
    let flattened = json_serialization::to_compact(
        read("sd-jwt/ietf-draft-22/json-serialization/8.2-flattened-issued.json").as_bytes(),
    )
    .unwrap();
    assert_eq!(flattened.len(), 1);
    let issued = SdJwt::parse(&flattened[0], jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify_as_holder(&key, ALGS)
        .unwrap();
    assert_eq!(
        issued.processed().disclosed.len(),
        4,
        "every published disclosure is used"
    );
    let presented = json_serialization::to_compact(
        read("sd-jwt/ietf-draft-22/json-serialization/8.2-flattened-kb-presentation.json")
            .as_bytes(),
    )
    .unwrap();
    let v = SdJwt::parse(&presented[0], jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify(&key, ALGS, &kb)
        .unwrap();
    assert_eq!(v.key_binding().unwrap().nonce, "1234567890");
    let general = json_serialization::to_compact(
        read("sd-jwt/ietf-draft-22/json-serialization/8.3-general-kb-presentation.json").as_bytes(),
    )
    .unwrap();
    assert_eq!(general.len(), 2);
    SdJwt::parse(&general[0], jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify(&key, ALGS, &kb)
        .unwrap();
    // The second signature is by issuer-key-2; its KB-JWT sd_hash covers the first signature's
    // compact form (§8.1), so it verifies only as an issuer signature, not with the KB-JWT.
    let with_kb = SdJwt::parse(&general[1], jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify(&second, ALGS, &kb);
    assert_eq!(with_kb.unwrap_err().code(), "key_binding_sd_hash_mismatch");
    let second_jws = general[1].split('~').next().unwrap();
    jws::CompactJws::parse(second_jws, jws::DEFAULT_MAX_LEN)
        .unwrap()
        .verify(&second, ALGS)
        .unwrap();
    // Malformed envelopes.
    assert_eq!(
        json_serialization::to_compact(b"[]").unwrap_err().code(),
        "sd_jwt_malformed"
    );
    assert_eq!(
        json_serialization::to_compact(br#"{"payload":"e30","signatures":[]}"#)
            .unwrap_err()
            .code(),
        "sd_jwt_malformed"
    );
    assert_eq!(
        json_serialization::to_compact(br#"{"payload":"e30","protected":"x","signature":"y","header":{"disclosures":["a~b"]}}"#).unwrap_err().code(),
        "sd_jwt_malformed"
    );
    // Members joined into the compact form cannot smuggle in a "~" or a ".".
    for smuggled in [
        br#"{"payload":"e30","protected":"x","signature":"y~WyJzIiwiYSJd"}"#.as_slice(),
        br#"{"payload":"e30","protected":"x.e30","signature":"y"}"#,
        br#"{"payload":"e30","protected":"x","signature":"y","header":{"kb_jwt":"WyJzIiwiYSJd~a.b.c"}}"#,
    ] {
        assert_eq!(
            json_serialization::to_compact(smuggled).unwrap_err().code(),
            "sd_jwt_malformed"
        );
    }
}
