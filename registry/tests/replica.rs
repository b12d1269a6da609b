//! The replicated ledger's deterministic core (specs/registry/CONSORTIUM.md "Log
//! entries", "Checkpoint body") and its Raft log on sled ("Storage on sled"):
//! replicas applying the same entries reach byte-identical checkpoint bodies whatever
//! their clocks; refusals and ticks write no leaf; the Raft log and vote survive a
//! reopen, and truncation and purging remove exactly what they name.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use openraft::storage::RaftLogStorage;
use openraft::{CommittedLeaderId, Entry, EntryPayload, LogId, RaftLogReader, Vote};
use rand_core::OsRng;
use serde_json::json;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::operation::{OpType, Operation, derive_did, sign};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::{CosignerKey, KeyName, SignedNote, SignerKey, VerifierKey};
use sigillum_credential::time::{Clock, FixedClock, SystemClock, Timestamp};
use sigillum_registry::node::{Applied, LogCommand, Node};
use sigillum_registry::raft::cosign::{AddCheckpoint, Cosigner};
use sigillum_registry::raft::log_store::RaftLog;
use sigillum_registry::raft::{Command, RegistryRaft};
use sigillum_registry::state::Genesis;
use sigillum_registry::store::MemoryStore;

const ORIGIN: &str = "registry.test/replica/1";

fn genesis() -> Genesis {
    let mut jwk = SigningKey::generate(Alg::EdDsa).public_key().to_jwk();
    jwk.kid = Some("gov-0".into());
    Genesis {
        origin: ORIGIN.into(),
        governance_keys: vec![jwk],
        governance_threshold: 1,
        nodes: vec![],
        cosign_threshold: 0,
    }
}

fn create_op(key: &SigningKey, time: i64) -> String {
    let body = json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": key.public_key().to_jwk()}],
                      "assertionMethod": ["#k"], "capabilityInvocation": ["#k"]});
    let doc: LedgerDidDocument = serde_json::from_value(body.clone()).unwrap();
    let op = Operation {
        v: 1,
        op_type: OpType::DidCreate,
        id: derive_did(&doc).unwrap(),
        prev: None,
        time,
        body,
    };
    sign(&op, &[(key, "#k")])
}

/// A replica whose own clock reads `clock` (which apply must never consult).
fn replica(genesis: &Genesis, clock: i64) -> Node {
    Node::open_replica(
        Arc::new(MemoryStore::new()),
        genesis,
        SignerKey::generate(KeyName::new(ORIGIN).unwrap(), &mut OsRng),
        Arc::new(FixedClock(Timestamp::from_unix(clock))),
    )
    .unwrap()
}

fn body(note: &str) -> String {
    SignedNote::parse(note.as_bytes())
        .unwrap()
        .unverified_text()
        .to_owned()
}

#[test]
fn replicas_apply_one_log_to_identical_checkpoint_bodies() {
    let genesis = genesis();
    let now = SystemClock.now().unix();
    let (a, b) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::EdDsa),
    );
    let first = create_op(&a, now);
    let same_did_again = create_op(&a, now + 1);
    let second = create_op(&b, now + 10);
    let commands = [
        LogCommand::Submit {
            op: first.as_bytes(),
            accepted_at: now + 1,
        },
        // The same DID created again: refused at apply, no leaf.
        LogCommand::Submit {
            op: same_did_again.as_bytes(),
            accepted_at: now + 2,
        },
        // The very same operation again (a client's retry): its first receipt.
        LogCommand::Submit {
            op: first.as_bytes(),
            accepted_at: now + 2,
        },
        LogCommand::Skip,
        LogCommand::Submit {
            op: b"not an operation",
            accepted_at: now + 3,
        },
        // Accepted 10 minutes after it was signed: outside the skew window.
        LogCommand::Submit {
            op: second.as_bytes(),
            accepted_at: now + 10 + 600,
        },
        LogCommand::Submit {
            op: second.as_bytes(),
            accepted_at: now + 12,
        },
        LogCommand::Tick { time: now + 50 },
        // A leader whose clock went back: the checkpoint time does not.
        LogCommand::Tick { time: now + 40 },
    ];
    // Clocks a day apart on either side: apply judges at `accepted_at` only.
    let replicas = [
        replica(&genesis, now - 86_400),
        replica(&genesis, now + 86_400),
    ];
    let mut outcomes = Vec::new();
    for r in &replicas {
        outcomes.push(r.apply_replicated(&commands[..5], Vec::new()).unwrap());
        outcomes.push(r.apply_replicated(&commands[5..], Vec::new()).unwrap());
    }
    assert_eq!(outcomes[0], outcomes[2]);
    assert_eq!(outcomes[1], outcomes[3]);
    assert_eq!(
        outcomes[0][0], outcomes[0][2],
        "a retry's receipt is the first one"
    );
    let codes: Vec<&str> = outcomes[0]
        .iter()
        .chain(&outcomes[1])
        .map(|o| match o {
            Applied::Accepted(_) => "accepted",
            Applied::Refused(e) => e.code(),
            Applied::Ticked => "ticked",
        })
        .collect();
    assert_eq!(
        codes,
        [
            "accepted",
            "operation_stale",
            "accepted",
            "ticked",
            "operation_malformed",
            "operation_time_skew",
            "accepted",
            "ticked",
            "ticked"
        ]
    );
    let bodies: Vec<String> = replicas
        .iter()
        .map(|r| body(&r.checkpoint().unwrap()))
        .collect();
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(replicas[0].size(), 2);
    assert!(
        bodies[0].ends_with(&format!("\ntime {}\n", now + 50)),
        "{}",
        bodies[0]
    );
    assert_eq!(replicas[0].log_time(), Some(now + 50));
}

#[test]
fn a_tick_moves_only_the_time_line() {
    let genesis = genesis();
    let now = SystemClock.now().unix();
    let node = replica(&genesis, now);
    grow(&node, 1);
    let before = body(&node.checkpoint().unwrap());
    node.apply_replicated(&[LogCommand::Tick { time: now + 60 }], Vec::new())
        .unwrap();
    let after = body(&node.checkpoint().unwrap());
    let head = |b: &str| b.lines().take(4).collect::<Vec<_>>().join("\n");
    assert_eq!(head(&before), head(&after));
    assert_ne!(before, after);
    assert!(after.ends_with(&format!("time {}\n", now + 60)));
}

fn entry(term: u64, index: u64, time: i64) -> Entry<RegistryRaft> {
    Entry {
        log_id: LogId::new(CommittedLeaderId::new(term, 1), index),
        payload: EntryPayload::Normal(Command::Tick { time }),
    }
}

#[tokio::test]
async fn the_raft_log_and_vote_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut log = RaftLog::open(dir.path()).unwrap();
        log.save_vote(&Vote::new(3, 2)).await.unwrap();
        log.write_entries((1..=10).map(|i| entry(3, i, i as i64)))
            .unwrap();
        log.truncate(LogId::new(CommittedLeaderId::new(3, 1), 8))
            .await
            .unwrap();
        log.purge(LogId::new(CommittedLeaderId::new(3, 1), 2))
            .await
            .unwrap();
    }
    let mut log = RaftLog::open(dir.path()).unwrap();
    assert_eq!(log.read_vote().await.unwrap(), Some(Vote::new(3, 2)));
    let state = log.get_log_state().await.unwrap();
    assert_eq!(state.last_purged_log_id.map(|l| l.index), Some(2));
    assert_eq!(state.last_log_id.map(|l| l.index), Some(7));
    let entries = log.try_get_log_entries(0..100).await.unwrap();
    let indexes: Vec<u64> = entries.iter().map(|e| e.log_id.index).collect();
    assert_eq!(indexes, [3, 4, 5, 6, 7]);
    assert_eq!(
        serde_json::to_value(&entries[0]).unwrap(),
        serde_json::to_value(entry(3, 3, 3)).unwrap()
    );
}

/// A log key shared by the nodes of one test (each node needs its own copy).
fn log_key() -> String {
    SignerKey::generate(KeyName::new(ORIGIN).unwrap(), &mut OsRng).expose_private_key_text()
}

/// A replica signing with `key`, holding `n` fresh DIDs.
fn replica_with(genesis: &Genesis, key: &str, n: usize) -> Arc<Node> {
    let node = Node::open_replica(
        Arc::new(MemoryStore::new()),
        genesis,
        SignerKey::parse_private(key).unwrap(),
        Arc::new(SystemClock),
    )
    .unwrap();
    grow(&node, n);
    Arc::new(node)
}

fn grow(node: &Node, n: usize) {
    let now = SystemClock.now().unix();
    for _ in 0..n {
        let op = create_op(&SigningKey::generate(Alg::EdDsa), now);
        node.apply_replicated(
            &[LogCommand::Submit {
                op: op.as_bytes(),
                accepted_at: now,
            }],
            Vec::new(),
        )
        .unwrap();
    }
}

fn cosigner(dir: &std::path::Path, key: &str, own: Option<Arc<Node>>) -> (Cosigner, VerifierKey) {
    let cosigner_key = CosignerKey::generate(KeyName::new("cosigner.test/1").unwrap(), &mut OsRng);
    let vkey = cosigner_key.verifier_key();
    let log = SignerKey::parse_private(key).unwrap().verifier_key();
    let c = Cosigner::open(
        dir,
        cosigner_key,
        ORIGIN.into(),
        vec![log],
        own,
        Arc::new(SystemClock),
    )
    .unwrap();
    (c, vkey)
}

fn request(old: u64, node: &Node) -> String {
    let size = node.size();
    let proof = if old == 0 || old == size {
        Vec::new()
    } else {
        node.consistency(old, size).unwrap()
    };
    AddCheckpoint::encode(old, &proof, &node.checkpoint().unwrap())
}

fn refusal(c: &Cosigner, body: &str) -> (u16, &'static str, Option<u64>) {
    let r = c.add_checkpoint(body.as_bytes()).unwrap_err();
    (r.status, r.code, r.last_size)
}

#[test]
fn a_cosigner_never_signs_a_rollback_or_two_roots_for_one_size() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = genesis();
    let key = log_key();
    let real = replica_with(&genesis, &key, 2);
    // A second history under the same log key: what a compromised log would show.
    let forged = replica_with(&genesis, &key, 2);
    let (witness, vkey) = cosigner(dir.path(), &key, None);

    let line = witness
        .add_checkpoint(request(0, &real).as_bytes())
        .unwrap();
    let cosigned = format!("{}{line}", real.checkpoint().unwrap());
    sigillum_credential::ledger::note::open(cosigned.as_bytes(), &[vkey]).unwrap();
    let recorded = witness.last();
    assert_eq!(recorded.as_ref().map(|r| r.0), Some(2));
    // Asked from size 0 again: 409, and the size it did sign (tlog-witness).
    assert_eq!(
        refusal(&witness, &request(0, &real)),
        (409, "checkpoint_rollback", Some(2))
    );
    // The same checkpoint again is fine; another root for size 2 never is.
    witness
        .add_checkpoint(request(2, &real).as_bytes())
        .unwrap();
    assert_eq!(
        refusal(&witness, &request(2, &forged)),
        (409, "checkpoint_split_view", None)
    );
    // A longer forged history does not extend what it signed: 422.
    grow(&forged, 1);
    let forged_proof = forged.consistency(2, 3).unwrap();
    let body = AddCheckpoint::encode(2, &forged_proof, &forged.checkpoint().unwrap());
    assert_eq!(
        refusal(&witness, &body),
        (422, "checkpoint_inconsistent", None)
    );
    assert_eq!(witness.last(), recorded, "a refusal changed the record");
    // The real log's growth, with its proof, is cosigned.
    grow(&real, 3);
    witness
        .add_checkpoint(request(2, &real).as_bytes())
        .unwrap();
    assert_eq!(witness.last().map(|r| r.0), Some(5));
    // A smaller checkpoint is a rollback whatever `old` says.
    assert_eq!(
        refusal(&witness, &request(0, &forged)).1,
        "checkpoint_rollback"
    );
    // The record survives a reopen (it is what keeps the promise across restarts).
    drop(witness);
    let (reopened, _) = cosigner(dir.path(), &key, None);
    assert_eq!(reopened.last().map(|r| r.0), Some(5));
}

#[test]
fn a_voter_cosigns_only_what_its_own_log_holds() {
    let genesis = genesis();
    let key = log_key();
    let real = replica_with(&genesis, &key, 2);
    let diverged = replica_with(&genesis, &key, 3);
    // A voter fed a divergent log refuses the real checkpoint, and vice versa.
    let dir = tempfile::tempdir().unwrap();
    let (voter, _) = cosigner(dir.path(), &key, Some(Arc::clone(&diverged)));
    assert_eq!(
        refusal(&voter, &request(0, &real)),
        (422, "checkpoint_divergent", None)
    );
    assert_eq!(voter.last(), None);
    // Ahead of what it has applied: later, not never.
    let dir = tempfile::tempdir().unwrap();
    let behind = replica_with(&genesis, &key, 0);
    let (voter, _) = cosigner(dir.path(), &key, Some(Arc::clone(&behind)));
    assert_eq!(
        refusal(&voter, &request(0, &real)),
        (409, "checkpoint_ahead", None)
    );
    // Its own log's checkpoint is cosigned.
    let dir = tempfile::tempdir().unwrap();
    let (voter, _) = cosigner(dir.path(), &key, Some(Arc::clone(&real)));
    voter.add_checkpoint(request(0, &real).as_bytes()).unwrap();
}

#[test]
fn add_checkpoint_requests_are_checked_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = genesis();
    let key = log_key();
    let real = replica_with(&genesis, &key, 2);
    let (witness, _) = cosigner(dir.path(), &key, None);
    // Signed by a key the cosigner does not trust: 403.
    let stranger = replica_with(&genesis, &log_key(), 2);
    assert_eq!(refusal(&witness, &request(0, &stranger)).0, 403);
    // Another origin under a trusted key: 404.
    let mut other = genesis.clone();
    other.origin = "registry.test/other/1".into();
    let elsewhere = replica_with(&other, &key, 1);
    assert_eq!(
        refusal(&witness, &request(0, &elsewhere)),
        (404, "checkpoint_origin_unknown", None)
    );
    // old above the size: 400; malformed bodies: 400.
    let note = real.checkpoint().unwrap();
    assert_eq!(
        refusal(&witness, &AddCheckpoint::encode(3, &[], &note)).0,
        400
    );
    for body in [
        String::new(),
        format!("old 01\n\n{note}"),
        format!("old 1\nnot-base64!\n\n{note}"),
        format!("old 1\nAAAA\n\n{note}"),
        format!("new 1\n\n{note}"),
        format!(
            "old 1\n{}\n{note}",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(64)
        ),
    ] {
        assert_eq!(refusal(&witness, &body).0, 400, "{body:?}");
    }
    assert_eq!(witness.last(), None);
}
