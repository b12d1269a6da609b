use std::sync::{Arc, Barrier};

use super::*;
use crate::store::tests::{issued, small_store};

fn offer(app: &CredentialId, code: u8, tx_code: Option<&str>) -> NewOffer {
    NewOffer {
        app: app.clone(),
        code_hash: [code; 32],
        tx_code: tx_code.map(str::to_owned),
        expires_at: 1_000,
        max_attempts: 3,
    }
}

#[test]
fn right_pin_redeems_once() {
    let (_dir, store) = small_store();
    let app = issued(&store, "O-1");
    store.create_offer(offer(&app, 1, Some("123456"))).unwrap();
    assert_eq!(store.redeem_offer(&[1; 32], Some("123456"), 10), Ok(app));
    assert_eq!(
        store.redeem_offer(&[1; 32], Some("123456"), 11),
        Err(OfferError::AlreadyUsed)
    );
}

#[test]
fn wrong_pins_count_attempts_until_lockout() {
    let (_dir, store) = small_store();
    let app = issued(&store, "O-2");
    store.create_offer(offer(&app, 2, Some("123456"))).unwrap();
    assert_eq!(
        store.redeem_offer(&[2; 32], Some("000000"), 10),
        Err(OfferError::TxCodeWrong { attempts_left: 2 })
    );
    assert_eq!(
        store.redeem_offer(&[2; 32], None, 10),
        Err(OfferError::TxCodeRequired),
        "a missing code is not an attempt"
    );
    assert_eq!(
        store.redeem_offer(&[2; 32], Some("111111"), 10),
        Err(OfferError::TxCodeWrong { attempts_left: 1 })
    );
    assert_eq!(
        store.redeem_offer(&[2; 32], Some("222222"), 10),
        Err(OfferError::TxCodeWrong { attempts_left: 0 })
    );
    assert_eq!(
        store.redeem_offer(&[2; 32], Some("123456"), 10),
        Err(OfferError::TooManyAttempts),
        "dead even for the right code"
    );
    assert_eq!(OfferError::TooManyAttempts.code(), "too_many_attempts");
}

#[test]
fn attempts_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
        let app = issued(&store, "O-3");
        store.create_offer(offer(&app, 3, Some("123456"))).unwrap();
        for _ in 0..2 {
            assert!(store.redeem_offer(&[3; 32], Some("999999"), 10).is_err());
        }
    }
    let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
    assert_eq!(
        store.redeem_offer(&[3; 32], Some("999999"), 10),
        Err(OfferError::TxCodeWrong { attempts_left: 0 })
    );
}

#[test]
fn expired_unknown_and_unexpected_codes_are_refused() {
    let (_dir, store) = small_store();
    let app = issued(&store, "O-4");
    store.create_offer(offer(&app, 4, None)).unwrap();
    assert_eq!(
        store.redeem_offer(&[4; 32], None, 1_000),
        Err(OfferError::Expired {
            expired_at: 1_000,
            now: 1_000
        })
    );
    assert_eq!(
        store.redeem_offer(&[4; 32], Some("1"), 999),
        Err(OfferError::TxCodeUnexpected)
    );
    assert_eq!(store.redeem_offer(&[4; 32], None, 999), Ok(app));
    assert_eq!(
        store.redeem_offer(&[9; 32], None, 1),
        Err(OfferError::Unknown)
    );
}

#[test]
fn two_racing_redeems_have_exactly_one_winner() {
    let (_dir, store) = small_store();
    let app = issued(&store, "O-5");
    for round in 0..20u8 {
        store
            .create_offer(offer(&app, 100 + round, Some("4242")))
            .unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let (store, barrier) = (store.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    store.redeem_offer(&[100 + round; 32], Some("4242"), 10)
                })
            })
            .collect();
        let mut results: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        results.sort_by_key(Result::is_err);
        assert_eq!(results, vec![Ok(app.clone()), Err(OfferError::AlreadyUsed)]);
    }
}

#[test]
fn offers_are_checked_on_creation() {
    let (_dir, store) = small_store();
    let app = issued(&store, "O-6");
    let mut zero = offer(&app, 6, Some("1"));
    zero.max_attempts = 0;
    assert_eq!(
        store.create_offer(zero).unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(
        store
            .create_offer(offer(&app, 6, Some("")))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    let unknown = CredentialId::random();
    assert_eq!(
        store.create_offer(offer(&unknown, 6, None)).unwrap_err(),
        StoreError::UnknownApplication { id: unknown }
    );
    store.create_offer(offer(&app, 6, None)).unwrap();
    assert_eq!(
        store.create_offer(offer(&app, 6, None)).unwrap_err().code(),
        "duplicate"
    );
    store
        .set_status(&app, CredentialStatus::Suspended, "chief", "", 1)
        .unwrap();
    assert_eq!(
        store.create_offer(offer(&app, 7, None)).unwrap_err().code(),
        "credential_not_valid"
    );
    let debug = format!("{:?}", offer(&app, 8, Some("314159")));
    assert!(!debug.contains("314159"), "{debug}");
}

#[test]
fn access_tokens_resolve_until_expiry() {
    let (_dir, store) = small_store();
    let app = issued(&store, "T-1");
    store.create_access_token([7; 32], &app, 500).unwrap();
    assert_eq!(
        store.access_token(&[7; 32], 499).unwrap(),
        Some(app.clone())
    );
    assert_eq!(store.access_token(&[7; 32], 500).unwrap(), None);
    assert_eq!(store.access_token(&[8; 32], 1).unwrap(), None);
    assert_eq!(
        store
            .create_access_token([7; 32], &app, 900)
            .unwrap_err()
            .code(),
        "duplicate"
    );
    let unknown = CredentialId::random();
    assert_eq!(
        store
            .create_access_token([9; 32], &unknown, 900)
            .unwrap_err(),
        StoreError::UnknownApplication { id: unknown }
    );
}

#[test]
fn purge_removes_only_expired_offers_and_tokens() {
    let (_dir, store) = small_store();
    let app = issued(&store, "T-2");
    store.create_offer(offer(&app, 1, None)).unwrap(); // expires at 1,000
    let mut later = offer(&app, 2, None);
    later.expires_at = 5_000;
    store.create_offer(later).unwrap();
    store.create_access_token([3; 32], &app, 900).unwrap();
    store.create_access_token([4; 32], &app, 9_000).unwrap();
    assert_eq!(store.purge_expired(1_000).unwrap(), 2);
    assert_eq!(
        store.redeem_offer(&[1; 32], None, 1),
        Err(OfferError::Unknown)
    );
    assert_eq!(store.redeem_offer(&[2; 32], None, 1_000), Ok(app.clone()));
    assert_eq!(store.access_token(&[4; 32], 1_000).unwrap(), Some(app));
    assert_eq!(store.purge_expired(1_000).unwrap(), 0);
}
