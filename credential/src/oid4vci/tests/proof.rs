//! Proof JWTs (Appendix F.1, F.4): build, verify, and one crafted token per refusal.

use std::collections::BTreeSet;

use serde_json::{Value, json as j};

use super::{join_lines, unwrap_json_strings, vector};
use crate::b64;
use crate::jws::JwsError;
use crate::key::{Alg, JwkError, SigningKey};
use crate::oid4vci::*;
use crate::time::Timestamp;

const AUD: &str = "https://issuer.sigillum.example";
const NOW: i64 = 1_800_000_000;

fn policy() -> ProofPolicy<'static> {
    ProofPolicy {
        audience: AUD,
        allowed_algs: Alg::ALL,
        now: Timestamp::from_unix(NOW),
        max_age_secs: 300,
        leeway_secs: 30,
    }
}

fn header(key: &SigningKey) -> Value {
    j!({"typ": PROOF_JWT_TYP, "alg": key.alg().name(), "jwk": key.public_key().to_jwk().to_value()})
}

fn claims() -> Value {
    j!({"aud": AUD, "iat": NOW, "nonce": "c-nonce-1"})
}

/// A token with exactly this header and payload, signed by `key` whatever the header says.
fn craft(header: &Value, claims: &Value, key: &SigningKey) -> String {
    raw(&header.to_string(), &claims.to_string(), key)
}

fn raw(header: &str, claims: &str, key: &SigningKey) -> String {
    let input = format!("{}.{}", b64::encode(header), b64::encode(claims));
    let signature = key.sign_bytes(input.as_bytes());
    format!("{input}.{}", b64::encode(signature))
}

fn with_header(key: &SigningKey, edit: impl FnOnce(&mut Value)) -> String {
    let mut h = header(key);
    edit(&mut h);
    craft(&h, &claims(), key)
}

fn with_claims(key: &SigningKey, edit: impl FnOnce(&mut Value)) -> String {
    let mut c = claims();
    edit(&mut c);
    craft(&header(key), &c, key)
}

#[test]
fn built_proofs_verify_for_both_algorithms() {
    for alg in Alg::ALL {
        let holder = SigningKey::generate(*alg);
        let iat = Timestamp::from_unix(NOW - 10);
        let token = build_proof_jwt(&holder, AUD, "c-nonce-1", iat, Some("wallet-1"));
        let proof = verify_proof_jwt(&token, &policy()).unwrap();
        assert_eq!(proof.holder(), &holder.public_key());
        assert_eq!(proof.nonce(), "c-nonce-1");
        assert_eq!(proof.iat(), iat);
        assert_eq!(proof.client_id(), Some("wallet-1"));
        assert_eq!(proof.check_nonce("c-nonce-1"), Ok(()));
        let anonymous = build_proof_jwt(&holder, AUD, "n", iat, None);
        assert_eq!(
            verify_proof_jwt(&anonymous, &policy()).unwrap().client_id(),
            None
        );
        // The header is exactly typ, alg and the public jwk; no kid (F.1).
        let jws = crate::jws::CompactJws::parse(&token, MAX_PROOF_JWT_LEN).unwrap();
        let mut names: Vec<&str> = jws.header().members.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["alg", "jwk", "typ"]);
        assert!(
            !jws.header().members["jwk"]
                .as_object()
                .unwrap()
                .contains_key("d")
        );
    }
}

#[test]
fn spec_proof_example_verifies() {
    // F.1's example proof (line breaks for display removed), checked at its own iat.
    let example = unwrap_json_strings(&vector("inline-blocks/038-L2664-jwt-proof-type.json"));
    let proofs: Value = serde_json::from_str(&example).unwrap();
    let token = join_lines(proofs["jwt"][0].as_str().unwrap());
    let policy = ProofPolicy {
        audience: "https://credential-issuer.example.com",
        allowed_algs: &[Alg::Es256],
        now: Timestamp::from_unix(1_701_960_444),
        max_age_secs: 60,
        leeway_secs: 0,
    };
    let proof = verify_proof_jwt(&token, &policy).unwrap();
    assert_eq!(proof.nonce(), "LarRGSbmUPYtRYO6BQ4yn8");
    assert_eq!(
        proof.holder().to_jwk().x,
        "nUWAoAv3XZith8E7i19OdaxOLYFOwM-Z2EuM02TirT4"
    );
}

#[test]
fn every_refusal_has_its_own_variant() {
    let es = SigningKey::generate(Alg::Es256);
    let ed = SigningKey::generate(Alg::EdDsa);
    let other_es = SigningKey::generate(Alg::Es256);
    let mut seen = BTreeSet::new();
    let mut expect = |token: &str, policy: &ProofPolicy<'_>, expected: ProofError| {
        assert_eq!(
            verify_proof_jwt(token, policy),
            Err(expected.clone()),
            "{expected}"
        );
        assert_eq!(
            expected.error_code(),
            CredentialErrorCode::InvalidProof,
            "{expected}"
        );
        seen.insert(expected.code());
    };
    let p = policy();

    let huge = "a".repeat(MAX_PROOF_JWT_LEN + 1);
    expect(
        &huge,
        &p,
        ProofError::TooLarge {
            len: MAX_PROOF_JWT_LEN + 1,
            max: MAX_PROOF_JWT_LEN,
        },
    );
    expect(
        "abc.def",
        &p,
        ProofError::Malformed(JwsError::Malformed(
            "a compact JWS has three dot-separated parts",
        )),
    );
    let duplicate = raw(
        r#"{"typ":"openid4vci-proof+jwt","typ":"JWT","alg":"ES256"}"#,
        &claims().to_string(),
        &es,
    );
    expect(
        &duplicate,
        &p,
        ProofError::Malformed(JwsError::DuplicateMember {
            part: "header",
            name: "typ".into(),
        }),
    );
    let crit = with_header(&es, |h| h["crit"] = j!(["exp"]));
    expect(
        &crit,
        &p,
        ProofError::Malformed(JwsError::CritUnsupported("exp".into())),
    );
    expect(
        &with_header(&es, |h| h["typ"] = "JWT".into()),
        &p,
        ProofError::TypMismatch {
            found: Some("JWT".into()),
        },
    );
    expect(
        &with_header(&es, |h| {
            h.as_object_mut().unwrap().remove("typ");
        }),
        &p,
        ProofError::TypMismatch { found: None },
    );
    expect(
        &with_header(&es, |h| {
            h.as_object_mut().unwrap().remove("jwk");
        }),
        &p,
        ProofError::KeyMissing,
    );
    expect(
        &with_header(&es, |h| h["kid"] = "key-1".into()),
        &p,
        ProofError::KeyHeadersConflict {
            headers: "jwk, kid".into(),
        },
    );
    expect(
        &with_header(&es, |h| h["x5c"] = j!(["MIIB"])),
        &p,
        ProofError::KeyHeadersConflict {
            headers: "jwk, x5c".into(),
        },
    );
    let kid_only = with_header(&es, |h| {
        h.as_object_mut().unwrap().remove("jwk");
        h["kid"] = "did:example:123#0".into();
    });
    expect(
        &kid_only,
        &p,
        ProofError::KeyMethodUnsupported { header: "kid" },
    );
    let x5c_only = with_header(&es, |h| {
        h.as_object_mut().unwrap().remove("jwk");
        h["x5c"] = j!(["MIIB"]);
    });
    expect(
        &x5c_only,
        &p,
        ProofError::KeyMethodUnsupported { header: "x5c" },
    );
    expect(
        &with_header(&es, |h| h["jwk"] = es.to_private_jwk().to_value()),
        &p,
        ProofError::PrivateKeyInHeader,
    );
    expect(
        &with_header(&es, |h| {
            h["jwk"] = j!({"kty": "RSA", "crv": "", "x": "AQAB"})
        }),
        &p,
        ProofError::JwkInvalid(JwkError::Unsupported {
            kty: "RSA".into(),
            crv: String::new(),
        }),
    );
    expect(
        &with_header(&es, |h| h["jwk"] = "not a key".into()),
        &p,
        ProofError::JwkInvalid(JwkError::NotAnObject),
    );
    let es_only = ProofPolicy {
        allowed_algs: &[Alg::Es256],
        ..policy()
    };
    expect(
        &craft(&header(&ed), &claims(), &ed),
        &es_only,
        ProofError::AlgorithmNotAllowed {
            alg: "EdDSA".into(),
            allowed: "ES256".into(),
        },
    );
    expect(
        &with_header(&es, |h| h["alg"] = "none".into()),
        &p,
        ProofError::AlgorithmNotAllowed {
            alg: "none".into(),
            allowed: "ES256, EdDSA".into(),
        },
    );
    expect(
        &with_header(&ed, |h| h["alg"] = "ES256".into()),
        &p,
        ProofError::AlgorithmKeyMismatch {
            alg: Alg::Es256,
            key_alg: Alg::EdDsa,
        },
    );
    expect(
        &craft(&header(&es), &claims(), &other_es),
        &p,
        ProofError::SignatureInvalid {
            thumbprint: es.public_key().to_jwk().thumbprint(),
        },
    );
    expect(
        &with_claims(&es, |c| {
            c.as_object_mut().unwrap().remove("aud");
        }),
        &p,
        ProofError::AudienceMissing,
    );
    expect(
        &with_claims(&es, |c| c["aud"] = "https://other.example".into()),
        &p,
        ProofError::AudienceMismatch {
            expected: AUD.into(),
            found: "\"https://other.example\"".into(),
        },
    );
    expect(
        &with_claims(&es, |c| c["aud"] = j!([AUD])),
        &p,
        ProofError::AudienceMismatch {
            expected: AUD.into(),
            found: format!("[\"{AUD}\"]"),
        },
    );
    expect(
        &with_claims(&es, |c| {
            c.as_object_mut().unwrap().remove("iat");
        }),
        &p,
        ProofError::IatMissing,
    );
    expect(
        &with_claims(&es, |c| c["iat"] = j!(1_800_000_000.5)),
        &p,
        ProofError::IatInvalid {
            found: "1800000000.5".into(),
        },
    );
    expect(
        &with_claims(&es, |c| c["iat"] = "1800000000".into()),
        &p,
        ProofError::IatInvalid {
            found: "\"1800000000\"".into(),
        },
    );
    expect(
        &with_claims(&es, |c| c["iat"] = (NOW + 31).into()),
        &p,
        ProofError::IssuedInFuture {
            iat: Timestamp::from_unix(NOW + 31),
            now: Timestamp::from_unix(NOW),
            leeway_secs: 30,
        },
    );
    expect(
        &with_claims(&es, |c| c["iat"] = (NOW - 331).into()),
        &p,
        ProofError::TooOld {
            iat: Timestamp::from_unix(NOW - 331),
            now: Timestamp::from_unix(NOW),
            max_age_secs: 300,
        },
    );
    expect(
        &with_claims(&es, |c| {
            c.as_object_mut().unwrap().remove("nonce");
        }),
        &p,
        ProofError::NonceMissing,
    );
    expect(
        &with_claims(&es, |c| c["nonce"] = "".into()),
        &p,
        ProofError::NonceMissing,
    );
    expect(
        &with_claims(&es, |c| c["nonce"] = 5.into()),
        &p,
        ProofError::ClaimType { claim: "nonce" },
    );
    expect(
        &with_claims(&es, |c| c["iss"] = j!({"client": 1})),
        &p,
        ProofError::ClaimType { claim: "iss" },
    );

    // The nonce comparison is the one refusal made after verification.
    let proof = verify_proof_jwt(&craft(&header(&es), &claims(), &es), &p).unwrap();
    let mismatch = proof.check_nonce("c-nonce-2").unwrap_err();
    assert_eq!(
        mismatch,
        ProofError::NonceMismatch {
            found: "c-nonce-1".into()
        }
    );
    assert_eq!(mismatch.error_code(), CredentialErrorCode::InvalidNonce);
    seen.insert(mismatch.code());

    assert_eq!(seen.len(), 20, "one code per ProofError variant: {seen:?}");
}

#[test]
fn time_window_edges_are_inclusive() {
    let key = SigningKey::generate(Alg::Es256);
    for iat in [NOW + 30, NOW - 330, NOW] {
        let token = with_claims(&key, |c| c["iat"] = iat.into());
        assert_eq!(
            verify_proof_jwt(&token, &policy()).unwrap().iat(),
            Timestamp::from_unix(iat)
        );
    }
}

#[test]
fn refusals_read_as_sentences_with_evidence() {
    let err = ProofError::AudienceMismatch {
        expected: AUD.into(),
        found: "\"https://other.example\"".into(),
    };
    assert_eq!(
        err.to_string(),
        "proof aud is \"https://other.example\", expected \"https://issuer.sigillum.example\""
    );
    let described =
        CredentialErrorResponse::new(err.error_code()).with_description(&err.to_string());
    assert_eq!(
        described.to_json(),
        r#"{"error":"invalid_proof","error_description":"proof aud is 'https://other.example', expected 'https://issuer.sigillum.example'"}"#
    );
}
