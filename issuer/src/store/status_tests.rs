use std::collections::HashSet;

use super::*;
use crate::store::tests::{holders, issued, new_app, small_store};
use crate::store::{IssuerStore, StoreError};

fn slots_of(store: &IssuerStore, id: &CredentialId) -> Vec<StatusSlot> {
    let app = store.application(id).unwrap().unwrap();
    app.slots.iter().map(|(slot, _)| *slot).collect()
}

#[test]
fn allocation_records_slots_holders_and_a_deliver_entry() {
    let (_dir, store) = small_store();
    let id = issued(&store, "S-1");
    let slots = store
        .allocate_status_at(&id, ListKind::Token, &holders(3), 42)
        .unwrap();
    assert_eq!(slots.len(), 3);
    assert!(
        slots
            .iter()
            .all(|s| s.kind == ListKind::Token && s.list == 0 && s.index < 64)
    );
    let app = store.application(&id).unwrap().unwrap();
    assert_eq!(app.deliveries, 1);
    let expected: Vec<_> = slots.iter().copied().zip(holders(3)).collect();
    assert_eq!(app.slots, expected);
    let last = store.audit_entries(1, 10).unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].entry.officer, "wallet");
    assert_eq!(last[0].entry.action, "deliver");
    assert_eq!(last[0].entry.credential, Some(id));
    assert_eq!(last[0].entry.detail, "3");
    assert_eq!(last[0].entry.time, 42);
}

#[test]
fn allocations_never_repeat_across_100k_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = IssuerStore::open_small(dir.path(), 4096, 75).unwrap();
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut slots = Vec::new();
                let mut id = issued(&store, &format!("U-{t}-0"));
                for call in 0..625 {
                    if call % 5 == 4 {
                        id = issued(&store, &format!("U-{t}-{call}"));
                    }
                    slots.extend(
                        store
                            .allocate_status(&id, ListKind::Token, &holders(10))
                            .unwrap(),
                    );
                }
                slots
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for thread in threads {
        for slot in thread.join().unwrap() {
            assert!(seen.insert(slot), "{slot:?} handed out twice");
        }
    }
    assert_eq!(seen.len(), 100_000);
    let lists = store.lists().unwrap();
    // 3,072 entries per list (75 % of 4,096) in steps of 10: 307 allocations per list.
    assert_eq!(lists.len(), 100_000usize.div_ceil(3_070));
    for (kind, list) in &lists {
        let used = seen
            .iter()
            .filter(|s| s.kind == *kind && s.list == *list)
            .count();
        assert!(used <= 3_072, "list {list} holds {used}");
    }
    let report = store.check_integrity().unwrap();
    assert_eq!(report.slots, 100_000);
}

#[test]
fn lists_roll_over_at_the_fill_limit_and_number_per_kind() {
    let (_dir, store) = small_store(); // 64 entries, limit 48
    let id = issued(&store, "F-1");
    for _ in 0..6 {
        let slots = store
            .allocate_status(&id, ListKind::Token, &holders(8))
            .unwrap();
        assert!(slots.iter().all(|s| s.list == 0));
    }
    let next = store
        .allocate_status(&id, ListKind::Token, &holders(1))
        .unwrap();
    assert_eq!(next[0].list, 1, "list 0 is at its limit of 48");
    let other = store
        .create_application(new_app("F-2", "jwt_vc_json"))
        .unwrap()
        .0
        .id;
    let bits = store
        .allocate_status(&other, ListKind::Bitstring, &holders(1))
        .unwrap();
    assert_eq!((bits[0].kind, bits[0].list), (ListKind::Bitstring, 0));
    let expected = vec![
        (ListKind::Token, 0),
        (ListKind::Token, 1),
        (ListKind::Bitstring, 0),
    ];
    let mut lists = store.lists().unwrap();
    lists.sort_by_key(|(kind, list)| (*kind != ListKind::Token, *list));
    assert_eq!(lists, expected);
    assert_eq!(
        store.dirty_lists().unwrap().len(),
        3,
        "new lists await publishing"
    );
    let zero = store.list_values(ListKind::Token, 0).unwrap();
    assert_eq!(zero.len(), 64);
    assert!(zero.iter().all(|v| *v == 0));
}

#[test]
fn used_entries_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = HashSet::new();
    let id = {
        let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
        let id = issued(&store, "P-1");
        for _ in 0..4 {
            seen.extend(
                store
                    .allocate_status(&id, ListKind::Token, &holders(10))
                    .unwrap(),
            );
        }
        id
    };
    let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
    let more = store
        .allocate_status(&id, ListKind::Token, &holders(8))
        .unwrap();
    assert!(
        more.iter().all(|s| s.list == 0),
        "40 + 8 fits the limit of 48"
    );
    let last = store
        .allocate_status(&id, ListKind::Token, &holders(1))
        .unwrap();
    assert_eq!(
        last[0].list, 1,
        "the reopened store counted the 48 used entries"
    );
    for slot in more.into_iter().chain(last) {
        assert!(seen.insert(slot), "{slot:?} reused after reopen");
    }
    assert_eq!(slots_of(&store, &id).len(), 49);
}

#[test]
fn revoked_is_final() {
    let (_dir, store) = small_store();
    let id = issued(&store, "V-1");
    let slots = store
        .allocate_status(&id, ListKind::Token, &holders(2))
        .unwrap();
    let changed = store
        .set_status(&id, CredentialStatus::Revoked, "chief", "stolen", 100)
        .unwrap();
    assert_eq!(changed, slots);
    let values = store.list_values(ListKind::Token, 0).unwrap();
    for slot in &slots {
        assert_eq!(values[usize::try_from(slot.index).unwrap()], 1);
    }
    assert_eq!(values.iter().filter(|v| **v != 0).count(), 2);
    for status in [CredentialStatus::Suspended, CredentialStatus::Valid] {
        assert_eq!(
            store
                .set_status(&id, status, "chief", "oops", 101)
                .unwrap_err(),
            StoreError::RevokedIsFinal {
                id: id.clone(),
                requested: status
            }
        );
    }
    let count = store.audit_verify().unwrap().count;
    assert_eq!(
        store
            .set_status(&id, CredentialStatus::Revoked, "chief", "again", 102)
            .unwrap(),
        slots,
        "revoking twice is a harmless retry"
    );
    assert_eq!(
        store.audit_verify().unwrap().count,
        count,
        "and audits nothing"
    );
    assert_eq!(
        store
            .allocate_status(&id, ListKind::Token, &holders(1))
            .unwrap_err(),
        StoreError::NotValid {
            id: id.clone(),
            status: CredentialStatus::Revoked
        }
    );
    let entry = &store.audit_entries(count - 1, 1).unwrap()[0].entry;
    assert_eq!(
        (entry.action.as_str(), entry.detail.as_str()),
        ("revoke", "stolen")
    );
}

#[test]
fn suspend_reinstate_and_publishing_counters() {
    let (_dir, store) = small_store();
    let id = issued(&store, "W-1");
    let slot = store
        .allocate_status(&id, ListKind::Token, &holders(1))
        .unwrap()[0];
    let index = usize::try_from(slot.index).unwrap();
    let snapshot = store.list_snapshot(ListKind::Token, 0).unwrap();
    assert_eq!((snapshot.change, snapshot.published), (1, 0));
    store.mark_published(ListKind::Token, 0, 1).unwrap();
    assert_eq!(store.dirty_lists().unwrap(), vec![]);

    store
        .set_status(&id, CredentialStatus::Suspended, "chief", "", 5)
        .unwrap();
    let snapshot = store.list_snapshot(ListKind::Token, 0).unwrap();
    assert_eq!(snapshot.values[index], 2);
    assert_eq!(snapshot.change, 2);
    assert_eq!(store.dirty_lists().unwrap(), vec![(ListKind::Token, 0)]);
    assert_eq!(
        store
            .allocate_status(&id, ListKind::Token, &holders(1))
            .unwrap_err()
            .code(),
        "credential_not_valid"
    );

    store
        .set_status(&id, CredentialStatus::Valid, "chief", "found", 6)
        .unwrap();
    assert_eq!(store.list_values(ListKind::Token, 0).unwrap()[index], 0);
    assert_eq!(
        store.mark_published(ListKind::Token, 0, 4).unwrap_err(),
        StoreError::PublishAhead {
            kind: ListKind::Token,
            list: 0,
            requested: 4,
            changes: 3
        }
    );
    store.mark_published(ListKind::Token, 0, 3).unwrap();
    store.mark_published(ListKind::Token, 0, 2).unwrap();
    assert_eq!(
        store.list_snapshot(ListKind::Token, 0).unwrap().published,
        3,
        "never backwards"
    );
    assert_eq!(store.dirty_lists().unwrap(), vec![]);
    let actions: Vec<_> = store
        .audit_entries(0, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect();
    assert_eq!(actions, ["issue", "deliver", "suspend", "reinstate"]);
    assert_eq!(
        store.mark_published(ListKind::Bitstring, 0, 1).unwrap_err(),
        StoreError::UnknownList {
            kind: ListKind::Bitstring,
            list: 0
        }
    );
}

#[test]
fn status_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (id, slot) = {
        let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
        let id = issued(&store, "X-1");
        let slot = store
            .allocate_status(&id, ListKind::Token, &holders(1))
            .unwrap()[0];
        store
            .set_status(&id, CredentialStatus::Suspended, "chief", "", 5)
            .unwrap();
        store.mark_published(ListKind::Token, 0, 1).unwrap();
        (id, slot)
    };
    let store = IssuerStore::open_small(dir.path(), 64, 75).unwrap();
    let snapshot = store.list_snapshot(ListKind::Token, 0).unwrap();
    assert_eq!(snapshot.values[usize::try_from(slot.index).unwrap()], 2);
    assert_eq!((snapshot.change, snapshot.published), (2, 1));
    assert_eq!(
        store.application(&id).unwrap().unwrap().status,
        CredentialStatus::Suspended
    );
}

#[test]
fn allocation_arguments_are_checked() {
    let (_dir, store) = small_store();
    let id = issued(&store, "Y-1");
    for n in [0, MAX_COPIES + 1] {
        assert_eq!(
            store
                .allocate_status(&id, ListKind::Token, &holders(n))
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }
    assert_eq!(
        store
            .allocate_status(&id, ListKind::Bitstring, &holders(1))
            .unwrap_err(),
        StoreError::KindMismatch {
            format: "dc+sd-jwt".into(),
            expected: ListKind::Token,
            kind: ListKind::Bitstring
        }
    );
    let unknown = CredentialId::random();
    assert_eq!(
        store
            .allocate_status(&unknown, ListKind::Token, &holders(1))
            .unwrap_err(),
        StoreError::UnknownApplication {
            id: unknown.clone()
        }
    );
    assert_eq!(
        store
            .set_status(&unknown, CredentialStatus::Revoked, "chief", "", 1)
            .unwrap_err()
            .code(),
        "unknown_application"
    );
    assert_eq!(
        store
            .set_status(&id, CredentialStatus::Revoked, "system", "", 1)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(store.lists().unwrap(), vec![], "nothing was allocated");
}

#[test]
fn an_application_holds_at_most_the_slot_limit() {
    let (_dir, store) = small_store();
    let id = issued(&store, "Z-1");
    for _ in 0..MAX_SLOTS_PER_APPLICATION / MAX_COPIES {
        store
            .allocate_status(&id, ListKind::Token, &holders(MAX_COPIES))
            .unwrap();
    }
    assert_eq!(
        store
            .allocate_status(&id, ListKind::Token, &holders(1))
            .unwrap_err(),
        StoreError::TooManySlots {
            id,
            have: MAX_SLOTS_PER_APPLICATION,
            requested: 1,
            max: MAX_SLOTS_PER_APPLICATION
        }
    );
}
