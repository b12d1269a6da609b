//! Registry operations the tests and load examples submit.

/// A new DID's `did.create` operation, signed by its own new key: `(did, JWS JSON)`.
pub fn did_create() -> (String, String) {
    use sigillum_credential::key::{Alg, SigningKey};
    use sigillum_credential::ledger::operation::{OpType, Operation, derive_did, sign};
    use sigillum_credential::ledger::operation_body::LedgerDidDocument;
    use sigillum_credential::time::{Clock, SystemClock};
    let key = SigningKey::generate(Alg::EdDsa);
    let body = serde_json::json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": key.public_key().to_jwk()}],
                      "assertionMethod": ["#k"], "capabilityInvocation": ["#k"]});
    let did =
        derive_did(&serde_json::from_value::<LedgerDidDocument>(body.clone()).unwrap()).unwrap();
    let op = Operation {
        v: 1,
        op_type: OpType::DidCreate,
        id: did.clone(),
        prev: None,
        time: SystemClock.now().unix(),
        body,
    };
    (did, sign(&op, &[(&key, "#k")]))
}
