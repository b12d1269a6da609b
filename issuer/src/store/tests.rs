//! Fixtures shared by the store's unit tests, and tests of opening and group commit.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use super::*;

/// A store in a fresh directory with small lists (64 entries, 75 % → 48 per list).
pub(crate) fn small_store() -> (tempfile::TempDir, IssuerStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
    (dir, store)
}

/// A real-size store opened with process durability (cheaper flushes in tests).
pub(crate) fn real_store(dir: &Path) -> IssuerStore {
    let options = OpenOptions {
        durability: Durability::Process,
        ..OpenOptions::default()
    };
    IssuerStore::open_with(dir, StoreConfig::default(), &options).unwrap()
}

pub(crate) fn new_app(reference: &str, format: &str) -> NewApplication {
    let claims = json!({"given_name": "Ada", "family_name": "Lovelace"});
    NewApplication {
        credential_type: "passport".into(),
        reference: reference.into(),
        format: format.into(),
        claims: claims.as_object().cloned().unwrap(),
        officer: "clerk".into(),
        now: 1_700_000_000,
    }
}

pub(crate) fn issued(store: &IssuerStore, reference: &str) -> CredentialId {
    store
        .create_application(new_app(reference, "dc+sd-jwt"))
        .unwrap()
        .0
        .id
}

pub(crate) fn holders(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("thumb-{i}")).collect()
}

#[test]
fn config_below_minimum_list_size_is_refused() {
    let config = StoreConfig {
        list_size: MIN_LIST_SIZE - 1,
        fill_limit_percent: 75,
    };
    let err = config.validate().unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert_eq!(
        err,
        StoreError::Config {
            reason: "list_size 131071 outside 131072..=16777216".into()
        }
    );
}

#[test]
fn config_fill_limit_out_of_range_is_refused() {
    for percent in [0, 96] {
        let config = StoreConfig {
            list_size: MIN_LIST_SIZE,
            fill_limit_percent: percent,
        };
        assert_eq!(config.validate().unwrap_err().code(), "invalid_config");
    }
    assert_eq!(StoreConfig::default().fill_limit(), 98_304);
    assert_eq!(StoreConfig::default().validate(), Ok(()));
}

#[test]
fn reopen_keeps_data_and_refuses_another_list_size() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = real_store(dir.path());
        issued(&store, "A-1")
    };
    let store = real_store(dir.path());
    assert_eq!(store.application(&id).unwrap().unwrap().reference, "A-1");
    drop(store);
    let other = StoreConfig {
        list_size: MIN_LIST_SIZE * 2,
        fill_limit_percent: 75,
    };
    let err = IssuerStore::open(dir.path(), other).unwrap_err();
    assert_eq!(
        err,
        StoreError::ConfigMismatch {
            stored: MIN_LIST_SIZE,
            requested: MIN_LIST_SIZE * 2
        }
    );
}

#[test]
fn default_open_with_power_loss_durability_works() {
    let dir = tempfile::tempdir().unwrap();
    let store = IssuerStore::open(dir.path(), StoreConfig::default()).unwrap();
    let id = issued(&store, "P-1");
    let slots = store
        .allocate_status(&id, ListKind::Token, &holders(2))
        .unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(store.lists().unwrap(), vec![(ListKind::Token, 0)]);
}

#[test]
fn concurrent_requests_share_flushes() {
    let (_dir, store) = small_store();
    let store = Arc::new(store);
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..20 {
                    issued(&store, &format!("G-{t}-{i}"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let stats = store.commit_stats();
    assert_eq!(stats.requests, 320);
    assert!(
        stats.batches < stats.requests,
        "no grouping: {stats:?} (each request flushed alone)"
    );
    assert!(stats.largest_batch > 1, "{stats:?}");
    assert_eq!(store.audit_verify().unwrap().count, 320);
}

#[test]
fn store_is_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<IssuerStore>();
}
