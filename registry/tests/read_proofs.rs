//! A read proven end to end: a registry state over a real Merkle log, a checkpoint
//! signed by the node and cosigned by consortium members, and the client-side check
//! (`credential::ledger::read::verify_read`) accepting it — and refusing a forged
//! checkpoint, too few cosignatures, an altered proof, an altered value, a stale value
//! and an entry about another object, each with its code.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use rand_core::OsRng;
use serde_json::{Value, json};
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::operation::{
    OpType, Operation, derive_did, hash_text, parse, sign,
};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::read::{ReadProof, StateProofWire, state_line, verify_read};
use sigillum_credential::ledger::{
    Checkpoint, CosignerKey, Hash, KeyName, LeafIndex, MemoryHashStore, Policy, SignerKey,
    TreeSize, note, tree,
};
use sigillum_registry::state::{Genesis, State};

const NOW: i64 = 1_800_000_000;
const ORIGIN: &str = "registry.test/sigillum/1";

struct Node {
    state: State,
    log: MemoryHashStore,
    leaves: Vec<Vec<u8>>,
    key: SignerKey,
    cosigners: Vec<CosignerKey>,
}

fn b64(h: &Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(h.as_bytes())
}

impl Node {
    fn new() -> Self {
        let gov = SigningKey::generate(Alg::EdDsa);
        let mut jwk = gov.public_key().to_jwk();
        jwk.kid = Some("gov-0".into());
        let genesis = Genesis {
            origin: ORIGIN.into(),
            governance_keys: vec![jwk],
            governance_threshold: 1,
            nodes: vec![],
            cosign_threshold: 2,
        };
        Node {
            state: State::from_genesis(&genesis).unwrap(),
            log: MemoryHashStore::new(),
            leaves: Vec::new(),
            key: SignerKey::generate(KeyName::new(ORIGIN).unwrap(), &mut OsRng),
            cosigners: ["ministry-node", "bank-node", "court-node"]
                .iter()
                .map(|n| CosignerKey::generate(KeyName::new(*n).unwrap(), &mut OsRng))
                .collect(),
        }
    }

    fn submit(&mut self, text: &str) {
        let op = parse(text.as_bytes()).unwrap();
        let effect = self.state.check(&op, NOW).unwrap();
        let index = self.log.append(op.leaf_bytes()).get();
        self.leaves.push(op.leaf_bytes().to_vec());
        self.state.apply(effect, index, op.leaf_hash());
    }

    /// A checkpoint signed by the node and by the first `cosigners` consortium members.
    fn checkpoint(&self, cosigners: usize) -> String {
        let commitment = self.state.commitment();
        let cp = Checkpoint::new(
            ORIGIN,
            TreeSize::new(self.leaves.len() as u64),
            self.log.root(),
        )
        .unwrap()
        .with_extension(state_line(&commitment.root, commitment.size))
        .unwrap();
        let timed: Vec<_> = self
            .cosigners
            .iter()
            .take(cosigners)
            .map(|c| c.at(1_800_000_000))
            .collect();
        let mut signers: Vec<&dyn note::NoteSigner> = vec![&self.key];
        signers.extend(timed.iter().map(|t| t as &dyn note::NoteSigner));
        note::sign(&cp.to_body(), &signers).unwrap()
    }

    fn read(&self, id: &str, cosigners: usize) -> ReadProof {
        let v = self.state.get(id).unwrap();
        let size = TreeSize::new(self.leaves.len() as u64);
        let inclusion =
            tree::inclusion_proof(LeafIndex::new(v.leaf_index), size, &self.log).unwrap();
        let state = self.state.proof(id).unwrap().unwrap();
        ReadProof {
            object: v.value.clone(),
            entry: base64::engine::general_purpose::STANDARD
                .encode(&self.leaves[v.leaf_index as usize]),
            leaf_index: v.leaf_index,
            inclusion: inclusion.iter().map(b64).collect(),
            state: StateProofWire {
                position: state.position,
                size: state.size,
                proof: state.path.iter().map(b64).collect(),
            },
            checkpoint: self.checkpoint(cosigners),
        }
    }

    fn policy(&self, threshold: usize) -> Policy {
        Policy::new(
            ORIGIN,
            self.key.verifier_key(),
            self.cosigners
                .iter()
                .map(CosignerKey::verifier_key)
                .collect(),
            threshold,
        )
        .unwrap()
    }
}

fn create_did(node: &mut Node) -> (String, SigningKey) {
    let key = SigningKey::generate(Alg::EdDsa);
    let body = json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": key.public_key().to_jwk()}],
                      "assertionMethod": ["#k"], "capabilityInvocation": ["#k"]});
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    let did = derive_did(&doc).unwrap();
    node.submit(&sign(
        &Operation {
            v: 1,
            op_type: OpType::DidCreate,
            id: did.clone(),
            prev: None,
            time: NOW,
            body,
        },
        &[(&key, "#k")],
    ));
    (did, key)
}

#[test]
fn reads_verify_against_a_cosigned_checkpoint_and_tampering_is_caught() {
    let mut node = Node::new();
    let (did, key) = create_did(&mut node);
    let (other, _) = create_did(&mut node);
    let policy = node.policy(2);
    let good = node.read(&did, 2);
    let verified = verify_read(&did, &good, &policy).unwrap();
    assert_eq!(verified.operation.id, did);
    assert_eq!(verified.checkpoint.cosignatures().len(), 2);
    let code = |read: &ReadProof, id: &str, policy: &Policy| {
        verify_read(id, read, policy)
            .map(|_| "accepted")
            .unwrap_or_else(|e| e.code())
    };

    // Too few cosignatures for a 2-of-3 policy.
    assert_eq!(
        code(&node.read(&did, 1), &did, &policy),
        "checkpoint_cosignatures_insufficient"
    );
    // A checkpoint signed by an impostor node key.
    let real_key = std::mem::replace(
        &mut node.key,
        SignerKey::generate(KeyName::new(ORIGIN).unwrap(), &mut OsRng),
    );
    let mut forged = good.clone();
    forged.checkpoint = node.checkpoint(2);
    node.key = real_key;
    assert_eq!(code(&forged, &did, &policy), "checkpoint_invalid");
    // An altered inclusion proof; a truncated one.
    let mut altered = good.clone();
    altered.inclusion[0] = b64(&Hash::from_bytes([9; 32]));
    assert_eq!(code(&altered, &did, &policy), "inclusion_proof_invalid");
    let mut truncated = good.clone();
    truncated.inclusion.pop();
    assert_eq!(code(&truncated, &did, &policy), "inclusion_proof_invalid");
    // A proof padded past the 64 hashes any tree needs is refused whole, not cut short.
    let mut padded = good.clone();
    padded.inclusion.resize(65, b64(&Hash::from_bytes([9; 32])));
    assert_eq!(code(&padded, &did, &policy), "read_malformed");
    // An altered value: the state proof no longer matches the cosigned state root.
    let mut lie = good.clone();
    lie.object["deactivated"] = Value::Bool(true);
    assert_eq!(code(&lie, &did, &policy), "state_proof_invalid");
    // A read of one object presented as another.
    assert_eq!(code(&node.read(&other, 2), &did, &policy), "entry_mismatch");

    // A stale value: after an update, the old version is no longer the current state.
    let old = node.read(&did, 2);
    let update = Operation {
        v: 1,
        op_type: OpType::DidDeactivate,
        id: did.clone(),
        prev: Some(hash_text(&node.state.get(&did).unwrap().leaf_hash)),
        time: NOW,
        body: json!({}),
    };
    node.submit(&sign(&update, &[(&key, "#k")]));
    let mut stale = old.clone();
    stale.checkpoint = node.checkpoint(2);
    // The old operation *is* in the new log (a valid inclusion proof at the new size)...
    let new_size = TreeSize::new(node.leaves.len() as u64);
    stale.inclusion = tree::inclusion_proof(LeafIndex::new(old.leaf_index), new_size, &node.log)
        .unwrap()
        .iter()
        .map(b64)
        .collect();
    // ...but it is no longer the current version: the state proof refuses it.
    assert_eq!(code(&stale, &did, &policy), "state_proof_invalid");
    let fresh = node.read(&did, 2);
    assert_eq!(
        verify_read(&did, &fresh, &policy).unwrap().object["deactivated"],
        true
    );
}
