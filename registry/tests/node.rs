//! A registry node over a real sled directory: concurrent submissions, reads verified
//! client-side against the node's checkpoint, refusals with their codes, consistency
//! between checkpoints, and a restart that replays to the same root.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine as _;
use rand_core::OsRng;
use serde_json::json;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::merkle::verify_consistency;
use sigillum_credential::ledger::operation::{OpType, Operation, derive_did, hash_text, sign};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::read::verify_read;
use sigillum_credential::ledger::{Checkpoint, KeyName, Policy, SignedNote, SignerKey, TreeSize};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_registry::node::Node;
use sigillum_registry::state::Genesis;
use sigillum_registry::store::SledStore;

const ORIGIN: &str = "registry.test/node/1";

fn genesis(gov: &SigningKey) -> Genesis {
    let mut jwk = gov.public_key().to_jwk();
    jwk.kid = Some("gov-0".into());
    Genesis {
        origin: ORIGIN.into(),
        governance_keys: vec![jwk],
        governance_threshold: 1,
        nodes: vec![],
        cosign_threshold: 0,
    }
}

fn create_op(key: &SigningKey) -> (String, String) {
    let body = json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": key.public_key().to_jwk()}],
                      "assertionMethod": ["#k"], "capabilityInvocation": ["#k"]});
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    let did = derive_did(&doc).unwrap();
    let op = Operation {
        v: 1,
        op_type: OpType::DidCreate,
        id: did.clone(),
        prev: None,
        time: SystemClock.now().unix(),
        body,
    };
    (did, sign(&op, &[(key, "#k")]))
}

fn checkpoint_of(note: &str) -> Checkpoint {
    let parsed = SignedNote::parse(note.as_bytes()).unwrap();
    Checkpoint::parse(parsed.unverified_text()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_verified_reads_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let gov = SigningKey::generate(Alg::EdDsa);
    let signer_seed = SignerKey::generate(KeyName::new(ORIGIN).unwrap(), &mut OsRng);
    let signer_text = signer_seed.expose_private_key_text();
    let policy = Policy::new(ORIGIN, signer_seed.verifier_key(), vec![], 0).unwrap();
    let node = Arc::new(
        Node::open(
            Arc::new(SledStore::open(dir.path()).unwrap()),
            &genesis(&gov),
            signer_seed,
            Arc::new(SystemClock),
        )
        .unwrap(),
    );

    // 40 issuers register concurrently.
    let keys: Vec<SigningKey> = (0..40).map(|_| SigningKey::generate(Alg::EdDsa)).collect();
    let mut tasks = Vec::new();
    for key in &keys {
        let (did, op) = create_op(key);
        let node = Arc::clone(&node);
        tasks.push(tokio::spawn(async move {
            (did, node.submit(op.into_bytes()).await.unwrap().unwrap())
        }));
    }
    let mut dids = Vec::new();
    for t in tasks {
        dids.push(t.await.unwrap().0);
    }
    assert_eq!(node.size(), 40);
    let first = node.checkpoint().unwrap();
    for did in &dids {
        let read = node.read(did).unwrap().unwrap();
        let verified = verify_read(did, &read, &policy).unwrap();
        assert_eq!(verified.object["deactivated"], false);
    }
    assert!(node.read("did:sigillum:none").unwrap().is_none());

    // Refusals: a replay, and a deactivation by someone else.
    let (_, replay) = create_op(&keys[0]);
    assert_eq!(
        node.submit(replay.into_bytes())
            .await
            .unwrap()
            .unwrap_err()
            .code(),
        "operation_stale"
    );
    let prev = Some(hash_text(&base64_hash(
        &node.read(&dids[1]).unwrap().unwrap().entry,
    )));
    let hostile = Operation {
        v: 1,
        op_type: OpType::DidDeactivate,
        id: dids[1].clone(),
        prev: prev.clone(),
        time: SystemClock.now().unix(),
        body: json!({}),
    };
    let refused = node
        .submit(sign(&hostile, &[(&keys[2], "#k")]).into_bytes())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.code(), "operation_signature_invalid");
    assert_eq!(
        node.submit(b"{}".to_vec())
            .await
            .unwrap()
            .unwrap_err()
            .code(),
        "operation_malformed"
    );
    // An accepted update, then consistency from the first checkpoint to the new one.
    node.submit(sign(&hostile, &[(&keys[1], "#k")]).into_bytes())
        .await
        .unwrap()
        .unwrap();
    let second = node.checkpoint().unwrap();
    let (a, b) = (checkpoint_of(&first), checkpoint_of(&second));
    let proof = node.consistency(a.size().get(), b.size().get()).unwrap();
    verify_consistency(a.size(), b.size(), a.root(), b.root(), &proof).unwrap();
    assert_eq!(
        verify_read(&dids[1], &node.read(&dids[1]).unwrap().unwrap(), &policy)
            .unwrap()
            .object["deactivated"],
        true
    );

    // Restart: the same root and the same answers.
    drop(node);
    let signer = SignerKey::parse_private(&signer_text).unwrap();
    let reopened = Node::open(
        Arc::new(SledStore::open(dir.path()).unwrap()),
        &genesis(&gov),
        signer,
        Arc::new(SystemClock),
    )
    .unwrap();
    assert_eq!(reopened.size(), 41);
    assert_eq!(
        checkpoint_of(&reopened.checkpoint().unwrap()).root(),
        b.root()
    );
    assert_eq!(
        checkpoint_of(&reopened.checkpoint().unwrap()).size(),
        TreeSize::new(41)
    );
    verify_read(
        &dids[1],
        &reopened.read(&dids[1]).unwrap().unwrap(),
        &policy,
    )
    .unwrap();
}

fn base64_hash(entry_b64: &str) -> sigillum_credential::ledger::Hash {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(entry_b64)
        .unwrap();
    sigillum_credential::ledger::merkle::leaf_hash(&bytes)
}
