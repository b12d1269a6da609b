//! Operations: signing, strict parsing, closed bodies, signer verification.

use serde_json::json;

use super::*;
use crate::key::{Alg, SigningKey};

fn did_document(key: &SigningKey) -> Value {
    json!({
        "verificationMethod": [{"id": "#key-1", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": key.public_key().to_jwk()}],
        "assertionMethod": ["#key-1"],
        "capabilityInvocation": ["#key-1"]
    })
}

fn create(key: &SigningKey) -> Operation {
    let body = did_document(key);
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    Operation {
        v: 1,
        op_type: OpType::DidCreate,
        id: derive_did(&doc).unwrap(),
        prev: None,
        time: 1_800_000_000,
        body,
    }
}

#[test]
fn sign_parse_verify_round_trip() {
    let key = SigningKey::generate(Alg::EdDsa);
    let op = create(&key);
    let kid = format!("{}#key-1", op.id);
    let text = sign(&op, &[(&key, &kid)]);
    let parsed = parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.operation, op);
    assert_eq!(parsed.leaf_bytes(), text.as_bytes());
    let public = key.public_key();
    assert_eq!(
        parsed
            .verify_signers(|k| (k == kid).then(|| public.clone()))
            .unwrap(),
        vec![kid.clone()]
    );
    assert!(matches!(
        parsed.operation.body().unwrap(),
        Body::DidDocument(_)
    ));
    assert!(op.id.starts_with("did:sigillum:"));
    // The id is a function of the capabilityInvocation keys only.
    assert_eq!(create(&key).id, op.id);
    assert_ne!(create(&SigningKey::generate(Alg::EdDsa)).id, op.id);
}

#[test]
fn m_of_n_signatures_count_distinct_authorized_keys() {
    let (a, b, c) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::Es256),
        SigningKey::generate(Alg::EdDsa),
    );
    let op = Operation {
        v: 1,
        op_type: OpType::AccreditationGrant,
        id: "accreditation:did:sigillum:x:passport".into(),
        prev: None,
        time: 1,
        body: json!({"issuer": "did:sigillum:x", "credential_type": "passport", "valid_from": 0}),
    };
    let text = sign(&op, &[(&a, "gov:a"), (&b, "gov:b"), (&a, "gov:a")]);
    let keys = |kid: &str| match kid {
        "gov:a" => Some(a.public_key()),
        "gov:b" => Some(b.public_key()),
        "gov:c" => Some(c.public_key()),
        _ => None,
    };
    assert_eq!(
        parse(text.as_bytes())
            .unwrap()
            .verify_signers(keys)
            .unwrap(),
        ["gov:a", "gov:b"]
    );
    // A signature by a key that is not authorized, or by the wrong key for its kid, fails.
    let outsider = sign(
        &op,
        &[(&a, "gov:a"), (&SigningKey::generate(Alg::EdDsa), "gov:z")],
    );
    assert_eq!(
        parse(outsider.as_bytes())
            .unwrap()
            .verify_signers(keys)
            .unwrap_err()
            .code(),
        "operation_unauthorized"
    );
    let forged = sign(&op, &[(&c, "gov:a")]);
    assert_eq!(
        parse(forged.as_bytes())
            .unwrap()
            .verify_signers(keys)
            .unwrap_err()
            .code(),
        "operation_signature_invalid"
    );
    let wrong_alg = sign(&op, &[(&a, "gov:b")]);
    assert_eq!(
        parse(wrong_alg.as_bytes())
            .unwrap()
            .verify_signers(keys)
            .unwrap_err()
            .code(),
        "operation_signature_invalid"
    );
}

#[test]
fn bodies_are_closed_so_personal_data_has_nowhere_to_go() {
    let key = SigningKey::generate(Alg::EdDsa);
    let mut op = Operation {
        v: 1,
        op_type: OpType::AccreditationGrant,
        id: "accreditation:x".into(),
        prev: None,
        time: 1,
        body: json!({"issuer": "did:sigillum:x", "credential_type": "passport", "valid_from": 0, "holder_name": "Erika Mustermann"}),
    };
    assert_eq!(op.body().unwrap_err().code(), "operation_field_forbidden");
    op.op_type = OpType::DidCreate;
    let mut doc = did_document(&key);
    doc["service"] =
        json!([{"id": "#home", "type": "Address", "serviceEndpoint": "Heidestr. 17, Köln"}]);
    op.body = doc;
    assert_eq!(op.body().unwrap_err().code(), "operation_field_forbidden");
    let mut doc = did_document(&key);
    doc["verificationMethod"][0]["name"] = json!("Erika");
    op.body = doc;
    assert_eq!(op.body().unwrap_err().code(), "operation_field_forbidden");
    op.op_type = OpType::DidDeactivate;
    op.body = json!({"reason": "passport lost by Erika"});
    assert_eq!(op.body().unwrap_err().code(), "operation_field_forbidden");
    op.body = json!({});
    assert_eq!(op.body().unwrap(), Body::Empty);
}

#[test]
fn malformed_envelopes_are_refused() {
    let key = SigningKey::generate(Alg::EdDsa);
    let good = sign(&create(&key), &[(&key, "k")]);
    let code = |text: &str| {
        parse(text.as_bytes())
            .map(|_| "accepted")
            .unwrap_or_else(|e| e.code())
    };
    assert_eq!(code(&good), "accepted");
    assert_eq!(code("[]"), "operation_malformed");
    assert_eq!(
        code(r#"{"payload":"e30","signatures":[]}"#),
        "operation_malformed"
    );
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["extra"] = json!(1);
    assert_eq!(code(&v.to_string()), "operation_malformed");
    let payload = b64::encode(
        json!({"v": 2, "type": "did.create", "id": "x", "prev": null, "time": 1, "body": {}})
            .to_string(),
    );
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["payload"] = json!(payload);
    assert_eq!(code(&v.to_string()), "operation_malformed");
    let payload = b64::encode(
        json!({"v": 1, "type": "did.explode", "id": "x", "prev": null, "time": 1, "body": {}})
            .to_string(),
    );
    v["payload"] = json!(payload);
    assert_eq!(code(&v.to_string()), "operation_malformed");
    let payload =
        b64::encode(r#"{"v":1,"v":1,"type":"did.create","id":"x","prev":null,"time":1,"body":{}}"#);
    v["payload"] = json!(payload);
    assert_eq!(code(&v.to_string()), "operation_malformed");
    // A signature whose typ is not an operation's (a credential JWT replayed as an operation).
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["signatures"][0]["protected"] = json!(b64::encode(
        json!({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "k"}).to_string()
    ));
    assert_eq!(code(&v.to_string()), "operation_malformed");
    assert_eq!(
        code(&"x".repeat(MAX_OPERATION_BYTES + 1)),
        "input_too_large"
    );
}
