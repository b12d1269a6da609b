use super::*;
use crate::store::tests::{holders, issued, small_store};
use crate::store::{CredentialStatus, ListKind};

fn rotate(time: u64) -> AuditEntry {
    AuditEntry {
        officer: "chief".into(),
        action: "rotate".into(),
        credential: None,
        detail: format!("key {time}"),
        time,
    }
}

fn chain_of_six(store: &IssuerStore) {
    for time in 0..6 {
        store.audit_append(rotate(time)).unwrap();
    }
}

fn stored(store: &IssuerStore, seq: u64) -> Vec<u8> {
    store
        .inner
        .tree
        .get(keys::audit(seq))
        .unwrap()
        .unwrap()
        .to_vec()
}

fn overwrite(store: &IssuerStore, seq: u64, bytes: Vec<u8>) {
    store.inner.tree.insert(keys::audit(seq), bytes).unwrap();
}

#[test]
fn records_chain_from_zero() {
    let (_dir, store) = small_store();
    let first = store.audit_append(rotate(1)).unwrap();
    let second = store.audit_append(rotate(2)).unwrap();
    assert_eq!((first.seq, first.prev), (0, [0; 32]));
    assert_eq!((second.seq, second.prev), (1, first.hash));
    assert_eq!(second.hash, record_hash(1, &first.hash, &rotate(2)));
    assert_eq!(
        store.audit_verify(),
        Ok(AuditHead {
            count: 2,
            head_hash: second.hash
        })
    );
    assert_eq!(store.audit_entries(1, 10).unwrap(), vec![second]);
    assert_eq!(store.audit_entries(5, 10).unwrap(), vec![]);
}

#[test]
fn a_flipped_byte_is_found_at_its_seq() {
    let (_dir, store) = small_store();
    chain_of_six(&store);
    let mut bytes = stored(&store, 3);
    let at = bytes.windows(5).position(|w| w == b"key 3").unwrap();
    bytes[at + 4] = b'9';
    overwrite(&store, 3, bytes);
    assert_eq!(
        store.audit_verify(),
        Err(AuditError {
            seq: 3,
            reason: AuditBreak::HashMismatch
        })
    );
}

#[test]
fn a_rehashed_forgery_breaks_the_next_link() {
    let (_dir, store) = small_store();
    chain_of_six(&store);
    let mut record: AuditRecord = serde_json::from_slice(&stored(&store, 2)).unwrap();
    record.entry.detail = "nothing happened".into();
    record.hash = record_hash(record.seq, &record.prev, &record.entry);
    overwrite(&store, 2, serde_json::to_vec(&record).unwrap());
    assert_eq!(
        store.audit_verify(),
        Err(AuditError {
            seq: 3,
            reason: AuditBreak::PrevMismatch
        })
    );
}

#[test]
fn garbage_gaps_and_moved_records_are_named() {
    let (_dir, store) = small_store();
    chain_of_six(&store);
    let good = stored(&store, 1);
    overwrite(&store, 1, b"{not json".to_vec());
    let err = store.audit_verify().unwrap_err();
    assert_eq!(err.seq, 1);
    assert!(
        matches!(err.reason, AuditBreak::Undecodable { .. }),
        "{err}"
    );
    assert_eq!(err.code(), "audit_chain_broken");
    overwrite(&store, 1, stored(&store, 2));
    assert_eq!(
        store.audit_verify().unwrap_err(),
        AuditError {
            seq: 1,
            reason: AuditBreak::SeqMismatch { stored: 2 }
        }
    );
    overwrite(&store, 1, good);
    store.inner.tree.remove(keys::audit(4)).unwrap();
    assert_eq!(
        store.audit_verify().unwrap_err(),
        AuditError {
            seq: 4,
            reason: AuditBreak::Missing { found: 5 }
        }
    );
}

#[test]
fn entries_are_checked() {
    let (_dir, store) = small_store();
    let mut bad = rotate(1);
    bad.action = "Rotate!".into();
    assert_eq!(store.audit_append(bad).unwrap_err().code(), "invalid_input");
    let mut long = rotate(1);
    long.detail = "x".repeat(257);
    assert_eq!(
        store.audit_append(long).unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(store.audit_verify().unwrap().count, 0);
}

#[test]
fn the_log_holds_no_claims_or_references() {
    let (_dir, store) = small_store();
    let id = issued(&store, "REF-SECRET-77");
    store
        .allocate_status(&id, ListKind::Token, &holders(2))
        .unwrap();
    store
        .set_status(&id, CredentialStatus::Suspended, "chief", "lost", 3)
        .unwrap();
    let records = store.audit_entries(0, 100).unwrap();
    assert_eq!(records.len(), 3);
    for record in records {
        let text = serde_json::to_string(&record).unwrap();
        for personal in ["Ada", "Lovelace", "REF-SECRET-77", "thumb-"] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
    }
}

#[test]
fn head_is_recovered_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let head = {
        let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
        chain_of_six(&store);
        store.audit_verify().unwrap()
    };
    let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
    let next = store.audit_append(rotate(7)).unwrap();
    assert_eq!((next.seq, next.prev), (6, head.head_hash));
    assert_eq!(store.audit_verify().unwrap().count, 7);
}
