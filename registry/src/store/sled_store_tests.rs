//! Tests of the sled store: the shared contract, recovery, and corrupt or foreign data.

use super::*;
use crate::store::memory::conformance;

#[test]
fn sled_store_meets_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    conformance(&SledStore::open(dir.path()).unwrap());
}

#[test]
fn reopened_store_keeps_entries_meta_and_numbering() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let meta = [(b"head".to_vec(), b"h1".to_vec())];
        assert_eq!(
            store.append_batch_with_meta(&[b"a".to_vec(), b"b".to_vec()], &meta),
            Ok(0)
        );
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.len(), 2);
    assert_eq!(store.range(0, 2), Ok(vec![b"a".to_vec(), b"b".to_vec()]));
    assert_eq!(store.get_meta(b"head"), Ok(Some(b"h1".to_vec())));
    assert_eq!(store.append_batch(&[b"c".to_vec()]), Ok(2));
}

/// Tampers with the trees through sled directly, then reopens through the store.
fn tampered(tamper: impl FnOnce(&sled::Db)) -> (tempfile::TempDir, Result<SledStore, StoreError>) {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let entries: Vec<Vec<u8>> = (0u8..5).map(|i| vec![i]).collect();
        store.append_batch(&entries).unwrap();
    }
    {
        let db = open_waiting_for_lock(dir.path(), &SledConfig::default()).unwrap();
        tamper(&db);
        db.flush().unwrap();
    }
    let reopened = SledStore::open(dir.path());
    (dir, reopened)
}

#[test]
fn hole_in_the_log_is_reported_as_corrupt() {
    let (_dir, store) = tampered(|db| {
        db.open_tree("entries")
            .unwrap()
            .remove(2u64.to_be_bytes())
            .unwrap();
    });
    let store = store.unwrap();
    assert_eq!(store.get(1), Ok(Some(vec![1])));
    assert_eq!(store.get(2).map_err(|e| e.code()), Err("storage_corrupt"));
    assert_eq!(
        store.range(0, 5),
        Err(StoreError::Corrupt {
            reason: "entry 2 missing".into()
        })
    );
}

#[test]
fn malformed_key_or_foreign_format_refuses_to_open() {
    let (_dir, store) = tampered(|db| {
        db.open_tree("entries")
            .unwrap()
            .insert([0xff; 3], &[1][..])
            .unwrap();
    });
    assert_eq!(
        store.map(|_| ()).map_err(|e| e.code()),
        Err("storage_corrupt")
    );

    let (_dir, store) = tampered(|db| {
        db.insert(FORMAT_KEY, &b"other-v9"[..]).unwrap();
    });
    assert_eq!(
        store.map(|_| ()),
        Err(StoreError::Corrupt {
            reason: "unknown log store format".into()
        })
    );

    let (_dir, store) = tampered(|db| {
        db.open_tree("entries")
            .unwrap()
            .remove(0u64.to_be_bytes())
            .unwrap();
    });
    assert_eq!(
        store.map(|_| ()).map_err(|e| e.code()),
        Err("storage_corrupt")
    );
}

#[test]
fn oversized_value_on_disk_is_corrupt_not_a_panic() {
    let (_dir, store) = tampered(|db| {
        let big = vec![0u8; limits::MAX_ENTRY_BYTES + 1];
        db.open_tree("entries")
            .unwrap()
            .insert(1u64.to_be_bytes(), big)
            .unwrap();
    });
    let store = store.unwrap();
    assert_eq!(store.get(1).map_err(|e| e.code()), Err("storage_corrupt"));
}

#[test]
fn second_open_of_the_same_directory_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SledStore::open(dir.path()).unwrap();
    let config = SledConfig {
        lock_wait: Duration::from_millis(50),
        ..SledConfig::default()
    };
    let second = SledStore::open_with(dir.path(), &config);
    assert_eq!(
        second.map(|_| ()),
        Err(StoreError::Unavailable {
            reason: format!(
                "store directory {} is locked by another process",
                dir.path().display()
            )
        })
    );
}

#[test]
fn empty_path_is_refused_rather_than_using_the_working_directory() {
    assert_eq!(
        SledStore::open("").map(|_| ()),
        Err(StoreError::Unavailable {
            reason: "empty store path".into()
        })
    );
}
