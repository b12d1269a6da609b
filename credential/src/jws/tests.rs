//! JWS vectors (RFC 7515 A.3, RFC 8037 A.4–A.5, Wycheproof) and refusals.

use super::*;
use crate::key::{Jwk, SigningKey};

pub(crate) fn vector(path: &str) -> Value {
    let full = format!("{}/../../shared/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

const BOTH: &[Alg] = &[Alg::Es256, Alg::EdDsa];

#[test]
fn rfc7515_a3_es256_verifies() {
    let v = vector("jws/rfc7515-a3-es256.json");
    let key = Jwk::from_value(&v["public_key_jwk"])
        .unwrap()
        .to_public_key()
        .unwrap();
    let jws = CompactJws::parse(v["jws_compact"].as_str().unwrap(), DEFAULT_MAX_LEN).unwrap();
    let verified = jws.verify(&key, BOTH).unwrap();
    assert_eq!(
        verified.payload(),
        v["payload_utf8"].as_str().unwrap().as_bytes()
    );
    assert_eq!(verified.claims().unwrap()["exp"], 1_300_819_380);
}

#[test]
fn rfc8037_a4_deterministic_signature_and_a5_validation() {
    let v = vector("jws/rfc8037-ed25519.json");
    let key = Jwk::from_value(&v["A.1_private_key_jwk"])
        .unwrap()
        .to_signing_key()
        .unwrap();
    let a4 = &v["A.4_ed25519_signing"];
    let token = sign(
        Map::new(),
        a4["payload_utf8"].as_str().unwrap().as_bytes(),
        &key,
    );
    assert_eq!(token, a4["jws_compact"].as_str().unwrap());
    let a5 = &v["A.5_ed25519_validation"];
    let public = Jwk::from_value(&a5["public_key_jwk"])
        .unwrap()
        .to_public_key()
        .unwrap();
    CompactJws::parse(a5["jws_compact"].as_str().unwrap(), DEFAULT_MAX_LEN)
        .unwrap()
        .verify(&public, BOTH)
        .unwrap();
}

/// Wycheproof `ed25519_test.json`: every verdict matches. A public key refused at
/// construction (small order) counts as a rejection; Wycheproof marks no such key valid.
#[test]
fn wycheproof_ed25519_every_verdict_matches() {
    let v = vector("wycheproof/testvectors_v1/ed25519_test.json");
    let mut checked = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let pk: [u8; 32] = hex(group["publicKey"]["pk"].as_str().unwrap())
            .try_into()
            .unwrap();
        let key = PublicKey::ed25519_from_bytes(&pk);
        for t in group["tests"].as_array().unwrap() {
            let ok = key.as_ref().is_ok_and(|k| {
                k.verify_bytes(
                    &hex(t["msg"].as_str().unwrap()),
                    &hex(t["sig"].as_str().unwrap()),
                )
                .is_ok()
            });
            assert_eq!(
                ok,
                t["result"] == "valid",
                "tcId {} ({})",
                t["tcId"],
                t["comment"]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 151);
}

/// Wycheproof `ecdsa_secp256r1_sha256_p1363_test.json` (the JWS `r || s` encoding),
/// through both the `ring` path we use and the pure-Rust `p256` path.
#[test]
fn wycheproof_p256_p1363_every_verdict_matches_both_backends() {
    let v = vector("wycheproof/testvectors_v1/ecdsa_secp256r1_sha256_p1363_test.json");
    let mut checked = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let key =
            PublicKey::p256_from_sec1(&hex(group["publicKey"]["uncompressed"].as_str().unwrap()))
                .unwrap();
        for t in group["tests"].as_array().unwrap() {
            let (msg, sig) = (
                hex(t["msg"].as_str().unwrap()),
                hex(t["sig"].as_str().unwrap()),
            );
            let expected = t["result"] == "valid";
            assert_eq!(
                key.verify_bytes(&msg, &sig).is_ok(),
                expected,
                "ring tcId {} ({})",
                t["tcId"],
                t["comment"]
            );
            assert_eq!(
                key.verify_bytes_pure_rust(&msg, &sig).is_ok(),
                expected,
                "p256 tcId {} ({})",
                t["tcId"],
                t["comment"]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 262);
}

/// Wycheproof `json_web_signature_test.json`, the ES256 groups: every compact token's
/// verdict matches. (HS*, RS*, PS* groups use algorithms Sigillum never accepts.)
#[test]
fn wycheproof_jws_es256_groups() {
    let v = vector("wycheproof/testvectors_v1/json_web_signature_test.json");
    let mut checked = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let private = &group["private"];
        if private["crv"] != "P-256"
            || !group["comment"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("es256")
        {
            continue;
        }
        let key = Jwk::from_value(private)
            .unwrap()
            .to_public_key_lenient()
            .unwrap();
        for t in group["tests"].as_array().unwrap() {
            let ok = t["jws"].as_str().is_some_and(|jws| {
                CompactJws::parse(jws, DEFAULT_MAX_LEN)
                    .and_then(|j| j.verify(&key, BOTH))
                    .is_ok()
            });
            assert_eq!(
                ok,
                t["result"] == "valid",
                "tcId {} ({})",
                t["tcId"],
                t["comment"]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 39);
}

fn token_with_header(header: &str, key: &SigningKey) -> String {
    let mut token = b64::encode(header);
    token.push_str(".e30");
    let sig = key.sign_bytes(token.as_bytes());
    format!("{token}.{}", b64::encode(sig))
}

fn refusal(token: &str, key: &PublicKey) -> &'static str {
    CompactJws::parse(token, DEFAULT_MAX_LEN)
        .and_then(|j| j.verify(key, BOTH))
        .map(|_| "accepted")
        .unwrap_or_else(|e| e.code())
}

#[test]
fn refusals_carry_exact_codes() {
    let es = SigningKey::generate(Alg::Es256);
    let ed = SigningKey::generate(Alg::EdDsa);
    let es_pub = es.public_key();
    let good = sign(Map::new(), b"{}", &es);
    assert_eq!(refusal(&good, &es_pub), "accepted");
    // alg none, HS256 with the public key as secret, lowercase variant.
    assert_eq!(
        refusal(&token_with_header(r#"{"alg":"none"}"#, &es), &es_pub),
        "algorithm_not_allowed"
    );
    assert_eq!(
        refusal(&token_with_header(r#"{"alg":"HS256"}"#, &es), &es_pub),
        "algorithm_not_allowed"
    );
    assert_eq!(
        refusal(&token_with_header(r#"{"alg":"es256"}"#, &es), &es_pub),
        "algorithm_not_allowed"
    );
    // EdDSA header with a P-256 key: confusion refused before any arithmetic.
    assert_eq!(
        refusal(&token_with_header(r#"{"alg":"EdDSA"}"#, &es), &es_pub),
        "algorithm_key_mismatch"
    );
    // Signed by another key.
    assert_eq!(
        refusal(&sign(Map::new(), b"{}", &ed), &ed.public_key()),
        "accepted"
    );
    assert_eq!(
        refusal(
            &sign(Map::new(), b"{}", &SigningKey::generate(Alg::Es256)),
            &es_pub
        ),
        "signature_invalid"
    );
    // Header rules.
    assert_eq!(
        refusal(
            &token_with_header(r#"{"alg":"ES256","crit":["exp"]}"#, &es),
            &es_pub
        ),
        "jws_crit_unsupported"
    );
    assert_eq!(
        refusal(
            &token_with_header(r#"{"alg":"ES256","b64":false}"#, &es),
            &es_pub
        ),
        "jws_b64_unsupported"
    );
    assert_eq!(
        refusal(
            &token_with_header(r#"{"alg":"ES256","alg":"none"}"#, &es),
            &es_pub
        ),
        "json_duplicate_member"
    );
    assert_eq!(
        refusal(&token_with_header(r#"{"alg":256}"#, &es), &es_pub),
        "jws_header_invalid"
    );
    assert_eq!(
        refusal(&token_with_header(r#"{"typ":"JWT"}"#, &es), &es_pub),
        "jws_header_invalid"
    );
    assert_eq!(
        refusal(
            &token_with_header(r#"{"alg":"ES256","enc":"A128GCM"}"#, &es),
            &es_pub
        ),
        "jws_malformed"
    );
    // Structure.
    assert_eq!(refusal(&format!("{good}.x.y"), &es_pub), "jws_malformed");
    assert_eq!(refusal(&format!("{good}.x"), &es_pub), "jws_malformed");
    assert_eq!(refusal(&format!("{good}="), &es_pub), "jws_malformed");
    assert_eq!(
        refusal(&good.replacen('.', "=.", 1), &es_pub),
        "jws_malformed"
    );
    let huge = "a".repeat(DEFAULT_MAX_LEN + 1);
    assert_eq!(refusal(&huge, &es_pub), "input_too_large");
    // Embedded jwk is never used: a token signed by an attacker's key that names
    // that key in its header still fails against the real issuer key.
    let attacker = SigningKey::generate(Alg::Es256);
    let mut header = Map::new();
    header.insert("jwk".into(), attacker.public_key().to_jwk().to_value());
    assert_eq!(
        refusal(&sign(header, b"{}", &attacker), &es_pub),
        "signature_invalid"
    );
}

#[test]
fn typ_is_compared_exactly() {
    let key = SigningKey::generate(Alg::EdDsa);
    let token = sign_claims("kb+jwt", None, &Map::new(), &key);
    let jws = CompactJws::parse(&token, DEFAULT_MAX_LEN).unwrap();
    jws.expect_typ("kb+jwt").unwrap();
    assert_eq!(
        jws.expect_typ("dc+sd-jwt").unwrap_err().code(),
        "typ_mismatch"
    );
}

#[test]
fn typ_is_a_media_type_with_application_implied() {
    let key = SigningKey::generate(Alg::EdDsa);
    for typ in ["application/vc+jwt", "VC+JWT", "Application/VC+JWT"] {
        let token = sign_claims(typ, None, &Map::new(), &key);
        let jws = CompactJws::parse(&token, DEFAULT_MAX_LEN).unwrap();
        jws.expect_typ("vc+jwt").unwrap();
    }
    let token = sign_claims("application/example/vc+jwt", None, &Map::new(), &key);
    let jws = CompactJws::parse(&token, DEFAULT_MAX_LEN).unwrap();
    assert!(jws.expect_typ("vc+jwt").is_err());
    let token = sign_claims("text/vc+jwt", None, &Map::new(), &key);
    let jws = CompactJws::parse(&token, DEFAULT_MAX_LEN).unwrap();
    assert!(jws.expect_typ("vc+jwt").is_err());
}

#[test]
fn malformed_crit_is_an_invalid_header_and_oversize_header_too_large() {
    let es = SigningKey::generate(Alg::Es256);
    let es_pub = es.public_key();
    for crit in [r#""exp""#, "[]", "[1]", r#"["alg"]"#, r#"["x5t#S256"]"#] {
        let header = format!(r#"{{"alg":"ES256","crit":{crit}}}"#);
        assert_eq!(
            refusal(&token_with_header(&header, &es), &es_pub),
            "jws_header_invalid",
            "{crit}"
        );
    }
    assert_eq!(
        refusal(
            &token_with_header(r#"{"alg":"ES256","crit":["b64"],"b64":false}"#, &es),
            &es_pub
        ),
        "jws_b64_unsupported"
    );
    let big = format!(r#"{{"alg":"ES256","x":"{}"}}"#, "a".repeat(7000));
    assert_eq!(
        refusal(&token_with_header(&big, &es), &es_pub),
        "input_too_large"
    );
}
