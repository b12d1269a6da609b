//! The state machine: every write rule, by its exact code.

use serde_json::{Value, json};
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::merkle::{leaf_hash, verify_inclusion};
use sigillum_credential::ledger::operation::{
    OpType, Operation, derive_did, hash_text, parse, sign,
};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::{LeafIndex, TreeSize};

use super::commitment::entry_bytes;
use super::*;

const NOW: i64 = 1_800_000_000;

struct Ledger {
    state: State,
    next: u64,
    gov: Vec<SigningKey>,
}

impl Ledger {
    fn new() -> Self {
        let gov: Vec<SigningKey> = (0..3).map(|_| SigningKey::generate(Alg::EdDsa)).collect();
        let keys = gov
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let mut jwk = k.public_key().to_jwk();
                jwk.kid = Some(format!("gov-{i}"));
                jwk
            })
            .collect();
        let genesis = Genesis {
            origin: "test.example/registry".into(),
            governance_keys: keys,
            governance_threshold: 2,
            nodes: vec![],
            cosign_threshold: 0,
        };
        Ledger {
            state: State::from_genesis(&genesis).unwrap(),
            next: 0,
            gov,
        }
    }

    /// Checks and, if accepted, applies; returns the code of a refusal.
    fn submit(&mut self, text: &str) -> Result<(), &'static str> {
        let op = parse(text.as_bytes()).map_err(|e| e.code())?;
        let effect = self.state.check(&op, NOW).map_err(|e| e.code())?;
        self.state.apply(effect, self.next, op.leaf_hash());
        self.next += 1;
        Ok(())
    }

    fn prev(&self, id: &str) -> Option<String> {
        self.state.get(id).map(|v| hash_text(&v.leaf_hash))
    }

    fn governance(&self, op: &Operation, how_many: usize) -> String {
        let kids: Vec<String> = (0..how_many).map(|i| format!("gov-{i}")).collect();
        let signers: Vec<(&SigningKey, &str)> = self
            .gov
            .iter()
            .zip(kids.iter())
            .take(how_many)
            .map(|(k, id)| (k, id.as_str()))
            .collect();
        sign(op, &signers)
    }
}

fn document(keys: &[(&str, &SigningKey)], invocation: &[&str]) -> Value {
    json!({
        "verificationMethod": keys.iter().map(|(f, k)| json!({"id": format!("#{f}"), "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": k.public_key().to_jwk()})).collect::<Vec<_>>(),
        "assertionMethod": keys.iter().map(|(f, _)| format!("#{f}")).collect::<Vec<_>>(),
        "capabilityInvocation": invocation.iter().map(|f| format!("#{f}")).collect::<Vec<_>>(),
    })
}

fn op(op_type: OpType, id: &str, prev: Option<String>, body: Value) -> Operation {
    Operation {
        v: 1,
        op_type,
        id: id.into(),
        prev,
        time: NOW,
        body,
    }
}

/// Creates an issuer DID whose control key is `control` and signing key `signing`.
fn create_issuer(l: &mut Ledger, control: &SigningKey, signing: &SigningKey) -> String {
    let body = document(&[("control", control), ("sign-1", signing)], &["control"]);
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    let did = derive_did(&doc).unwrap();
    l.submit(&sign(
        &op(OpType::DidCreate, &did, None, body),
        &[(control, "#control")],
    ))
    .unwrap();
    did
}

#[test]
fn issuer_lifecycle_create_accredit_rotate_publish() {
    let mut l = Ledger::new();
    let (control, signing) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::Es256),
    );
    let did = create_issuer(&mut l, &control, &signing);
    assert_eq!(
        l.state.get(&did).unwrap().value["document"]["verificationMethod"][1]["id"],
        format!("{did}#sign-1")
    );
    // Accreditation: 2 of 3 governance signatures.
    let acc_id = format!("accreditation:{did}:passport");
    let grant = op(
        OpType::AccreditationGrant,
        &acc_id,
        None,
        json!({"issuer": did, "credential_type": "passport", "valid_from": NOW}),
    );
    assert_eq!(
        l.submit(&l.governance(&grant, 1)),
        Err("operation_unauthorized")
    );
    l.submit(&l.governance(&grant, 2)).unwrap();
    // Key rotation: the signing key is replaced; signed by the control key.
    let new_signing = SigningKey::generate(Alg::Es256);
    let rotate = op(
        OpType::DidUpdate,
        &did,
        l.prev(&did),
        document(
            &[("control", &control), ("sign-2", &new_signing)],
            &["control"],
        ),
    );
    l.submit(&sign(&rotate, &[(&control, "#control")])).unwrap();
    assert_eq!(l.state.get(&did).unwrap().history.len(), 2);
    // A status list, signed by the current assertion key, token by the same issuer.
    let token = sigillum_credential::jws::sign_claims(
        "statuslist+jwt",
        None,
        &serde_json::Map::new(),
        &new_signing,
    );
    let list_id = format!("status-list:{did}:1");
    let create = op(
        OpType::StatusListCreate,
        &list_id,
        None,
        json!({"format": "token", "token": token}),
    );
    // Signed with the rotated-out key: not authorized any more.
    assert_eq!(
        l.submit(&sign(&create, &[(&signing, "#sign-1")])),
        Err("operation_unauthorized")
    );
    l.submit(&sign(&create, &[(&new_signing, "#sign-2")]))
        .unwrap();
    // A token signed by another key is refused even with a valid operation signature.
    let foreign = sigillum_credential::jws::sign_claims(
        "statuslist+jwt",
        None,
        &serde_json::Map::new(),
        &SigningKey::generate(Alg::Es256),
    );
    let update = op(
        OpType::StatusListUpdate,
        &list_id,
        l.prev(&list_id),
        json!({"format": "token", "token": foreign}),
    );
    assert_eq!(
        l.submit(&sign(&update, &[(&new_signing, "#sign-2")])),
        Err("operation_unauthorized")
    );
    // Withdrawal.
    let withdraw = op(
        OpType::AccreditationWithdraw,
        &acc_id,
        l.prev(&acc_id),
        json!({"since": NOW}),
    );
    l.submit(&l.governance(&withdraw, 3)).unwrap();
    assert_eq!(l.state.get(&acc_id).unwrap().value["withdrawn_since"], NOW);
}

#[test]
fn replays_lost_updates_and_time_skew_are_refused() {
    let mut l = Ledger::new();
    let (control, signing) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::EdDsa),
    );
    let did = create_issuer(&mut l, &control, &signing);
    let base = l.prev(&did);
    let a = sign(
        &op(
            OpType::DidUpdate,
            &did,
            base.clone(),
            document(&[("control", &control), ("a", &signing)], &["control"]),
        ),
        &[(&control, "#control")],
    );
    let b = sign(
        &op(
            OpType::DidUpdate,
            &did,
            base,
            document(&[("control", &control), ("b", &signing)], &["control"]),
        ),
        &[(&control, "#control")],
    );
    l.submit(&a).unwrap();
    assert_eq!(l.submit(&a), Err("operation_stale"), "replay");
    assert_eq!(l.submit(&b), Err("operation_stale"), "lost update");
    let body = document(&[("control", &control)], &["control"]);
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    let again = sign(
        &op(OpType::DidCreate, &derive_did(&doc).unwrap(), None, body),
        &[(&control, "#control")],
    );
    assert_eq!(
        l.submit(&again),
        Err("operation_stale"),
        "a second create names no predecessor: stale"
    );
    let mut late = op(OpType::DidDeactivate, &did, l.prev(&did), json!({}));
    late.time = NOW - 3600;
    assert_eq!(
        l.submit(&sign(&late, &[(&control, "#control")])),
        Err("operation_time_skew")
    );
    // Times whose difference from the clock overflows i64 are skewed too (a wrapped
    // difference once read as within the window).
    for time in [i64::MIN, i64::MIN + NOW, i64::MAX] {
        late.time = time;
        assert_eq!(
            l.submit(&sign(&late, &[(&control, "#control")])),
            Err("operation_time_skew"),
            "time {time}"
        );
    }
}

#[test]
fn identity_and_authorization_rules() {
    let mut l = Ledger::new();
    let (control, signing, other) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::EdDsa),
    );
    // An id not derived from the keys.
    let body = document(&[("control", &control)], &["control"]);
    assert_eq!(
        l.submit(&sign(
            &op(OpType::DidCreate, "did:sigillum:chosen", None, body.clone()),
            &[(&control, "#control")]
        )),
        Err("operation_rejected")
    );
    // Created by someone who does not hold the key.
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    let did = derive_did(&doc).unwrap();
    assert_eq!(
        l.submit(&sign(
            &op(OpType::DidCreate, &did, None, body.clone()),
            &[(&other, "#control")]
        )),
        Err("operation_signature_invalid")
    );
    l.submit(&sign(
        &op(OpType::DidCreate, &did, None, body),
        &[(&control, "#control")],
    ))
    .unwrap();
    // Only the DID's own capabilityInvocation key may update it; an assertion key may not.
    let update = op(
        OpType::DidUpdate,
        &did,
        l.prev(&did),
        document(&[("control", &control), ("s", &signing)], &["control"]),
    );
    assert_eq!(
        l.submit(&sign(&update, &[(&other, "#other")])),
        Err("operation_unauthorized")
    );
    l.submit(&sign(&update, &[(&control, "#control")])).unwrap();
    let by_assertion = op(OpType::DidDeactivate, &did, l.prev(&did), json!({}));
    assert_eq!(
        l.submit(&sign(&by_assertion, &[(&signing, "#s")])),
        Err("operation_unauthorized")
    );
    // Personal data has nowhere to go.
    let pii = op(
        OpType::AccreditationGrant,
        &format!("accreditation:{did}:passport"),
        None,
        json!({"issuer": did, "credential_type": "passport", "valid_from": NOW, "officer_name": "Max Mustermann"}),
    );
    assert_eq!(
        l.submit(&l.governance(&pii, 2)),
        Err("operation_field_forbidden")
    );
    // Accrediting a DID that is not on the ledger.
    let ghost = op(
        OpType::AccreditationGrant,
        "accreditation:did:sigillum:ghost:passport",
        None,
        json!({"issuer": "did:sigillum:ghost", "credential_type": "passport", "valid_from": NOW}),
    );
    assert_eq!(
        l.submit(&l.governance(&ghost, 2)),
        Err("operation_rejected")
    );
}

#[test]
fn a_compromised_key_can_no_longer_act_and_governance_rotates() {
    let mut l = Ledger::new();
    let (a, b) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::EdDsa),
    );
    let body = document(&[("a", &a), ("b", &b)], &["a", "b"]);
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    let did = derive_did(&doc).unwrap();
    l.submit(&sign(
        &op(OpType::DidCreate, &did, None, body),
        &[(&a, "#a")],
    ))
    .unwrap();
    let self_report = op(
        OpType::DidKeyCompromised,
        &did,
        l.prev(&did),
        json!({"kid": "#a", "since": NOW - 10}),
    );
    assert_eq!(
        l.submit(&sign(&self_report, &[(&a, "#a")])),
        Err("operation_unauthorized")
    );
    l.submit(&sign(&self_report, &[(&b, "#b")])).unwrap();
    let after = op(OpType::DidDeactivate, &did, l.prev(&did), json!({}));
    assert_eq!(
        l.submit(&sign(&after, &[(&a, "#a")])),
        Err("operation_unauthorized")
    );
    // Governance rotation: 2 of 3 old keys install a new single key.
    let fresh = SigningKey::generate(Alg::EdDsa);
    let mut jwk = fresh.public_key().to_jwk();
    jwk.kid = Some("gov-new".into());
    let rotate = op(
        OpType::GovernanceRotate,
        "governance",
        None,
        json!({"keys": [jwk], "threshold": 1}),
    );
    l.submit(&l.governance(&rotate, 2)).unwrap();
    let schema = op(
        OpType::SchemaPublish,
        "schema:passport",
        None,
        json!({"vct": "urn:sigillum:vct:passport:1", "digest": format!("sha-256:{}", sigillum_credential::b64::encode([7u8; 32])), "uri": "https://x.example/passport.json"}),
    );
    assert_eq!(
        l.submit(&l.governance(&schema, 2)),
        Err("operation_unauthorized"),
        "old keys retired"
    );
    l.submit(&sign(&schema, &[(&fresh, "gov-new")])).unwrap();
}

#[test]
fn the_commitment_proves_current_values_and_replay_is_deterministic() {
    let mut l = Ledger::new();
    let mut leaves = Vec::new();
    for _ in 0..5 {
        let (c, s) = (
            SigningKey::generate(Alg::EdDsa),
            SigningKey::generate(Alg::EdDsa),
        );
        let body = document(&[("control", &c), ("s", &s)], &["control"]);
        let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
        let text = sign(
            &op(OpType::DidCreate, &derive_did(&doc).unwrap(), None, body),
            &[(&c, "#control")],
        );
        l.submit(&text).unwrap();
        leaves.push(text);
    }
    let commitment = l.state.commitment();
    assert_eq!(commitment.size, 5);
    for (id, v) in l.state.objects() {
        let proof = l.state.proof(id).unwrap().unwrap();
        let leaf = leaf_hash(&entry_bytes(id, v));
        verify_inclusion(
            &leaf,
            LeafIndex::new(proof.position),
            TreeSize::new(proof.size),
            &proof.path,
            &commitment.root,
        )
        .unwrap();
    }
    assert!(l.state.proof("did:sigillum:absent").unwrap().is_none());
    // Replaying the same log into a fresh state gives the same commitment.
    let mut replay = Ledger {
        state: State::from_genesis(&Genesis {
            origin: String::new(),
            governance_keys: l
                .gov
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let mut j = k.public_key().to_jwk();
                    j.kid = Some(format!("gov-{i}"));
                    j
                })
                .collect(),
            governance_threshold: 2,
            nodes: vec![],
            cosign_threshold: 0,
        })
        .unwrap(),
        next: 0,
        gov: vec![],
    };
    for text in &leaves {
        replay.submit(text).unwrap();
    }
    assert_eq!(replay.state.commitment(), commitment);
}

#[test]
fn key_history_answers_valid_at_time_across_rotation_and_a_retired_key_compromise() {
    use sigillum_credential::ledger::did_history::key_valid_at;
    let mut l = Ledger::new();
    let (control, k1, k2) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::Es256),
        SigningKey::generate(Alg::Es256),
    );
    let body = document(&[("control", &control), ("sign-1", &k1)], &["control"]);
    let did = derive_did(&serde_json::from_value(body.clone()).unwrap()).unwrap();
    let mut create = op(OpType::DidCreate, &did, None, body);
    create.time = NOW - 200;
    l.submit(&sign(&create, &[(&control, "#control")])).unwrap();
    let mut rotate = op(
        OpType::DidUpdate,
        &did,
        l.prev(&did),
        document(&[("control", &control), ("sign-2", &k2)], &["control"]),
    );
    rotate.time = NOW - 100;
    l.submit(&sign(&rotate, &[(&control, "#control")])).unwrap();
    let value = l.state.get(&did).unwrap().value.clone();
    let old = format!("{did}#sign-1");
    assert_eq!(
        key_valid_at(&value, &old, "assertionMethod", NOW - 150).unwrap(),
        k1.public_key()
    );
    assert_eq!(
        key_valid_at(&value, &old, "assertionMethod", NOW - 100)
            .unwrap_err()
            .code(),
        "key_not_valid_at_issuance"
    );
    // The retired key leaks later: marking it compromised is still possible.
    let mut compromised = op(
        OpType::DidKeyCompromised,
        &did,
        l.prev(&did),
        json!({"kid": "#sign-1", "since": NOW - 170}),
    );
    compromised.time = NOW;
    l.submit(&sign(&compromised, &[(&control, "#control")]))
        .unwrap();
    let value = l.state.get(&did).unwrap().value.clone();
    assert!(key_valid_at(&value, &old, "assertionMethod", NOW - 180).is_ok());
    assert_eq!(
        key_valid_at(&value, &old, "assertionMethod", NOW - 160)
            .unwrap_err()
            .to_string(),
        format!(
            "{old} is compromised since {}; {} is not before that",
            NOW - 170,
            NOW - 160
        )
    );
    // Deactivation closes the current keys.
    let mut deactivate = op(OpType::DidDeactivate, &did, l.prev(&did), json!({}));
    deactivate.time = NOW + 10;
    l.submit(&sign(&deactivate, &[(&control, "#control")]))
        .unwrap();
    let value = l.state.get(&did).unwrap().value.clone();
    let current = format!("{did}#sign-2");
    assert!(key_valid_at(&value, &current, "assertionMethod", NOW).is_ok());
    assert!(key_valid_at(&value, &current, "assertionMethod", NOW + 10).is_err());
}
