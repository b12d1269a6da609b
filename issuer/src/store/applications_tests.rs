use super::*;
use crate::store::tests::{new_app, small_store};

#[test]
fn same_reference_twice_returns_the_same_application_and_one_audit_entry() {
    let (_dir, store) = small_store();
    let (first, created) = store
        .create_application(new_app("R-1", "dc+sd-jwt"))
        .unwrap();
    assert!(created);
    let mut again = new_app("R-1", "dc+sd-jwt");
    again.claims.insert("given_name".into(), "Eve".into());
    let (second, created) = store.create_application(again).unwrap();
    assert!(!created);
    assert_eq!(second, first, "the stored application, not the new claims");
    let audit = store.audit_entries(0, 10).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].entry.action, "issue");
    assert_eq!(audit[0].entry.officer, "clerk");
    assert_eq!(audit[0].entry.credential, Some(first.id.clone()));
    assert_eq!(audit[0].entry.detail, "passport");
}

#[test]
fn same_reference_other_type_is_another_application() {
    let (_dir, store) = small_store();
    let (a, _) = store
        .create_application(new_app("R-1", "dc+sd-jwt"))
        .unwrap();
    let mut licence = new_app("R-1", "jwt_vc_json");
    licence.credential_type = "licence".into();
    let (b, created) = store.create_application(licence).unwrap();
    assert!(created);
    assert_ne!(a.id, b.id);
    assert_eq!(store.find_by_reference("licence", "R-1").unwrap(), Some(b));
    assert_eq!(store.find_by_reference("passport", "R-1").unwrap(), Some(a));
    assert_eq!(store.find_by_reference("passport", "R-2").unwrap(), None);
}

#[test]
fn concurrent_submissions_of_one_reference_create_one_application() {
    let (_dir, store) = small_store();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                store
                    .create_application(new_app("RACE", "dc+sd-jwt"))
                    .unwrap()
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    assert!(results.iter().all(|(app, _)| app.id == results[0].0.id));
    assert_eq!(store.audit_verify().unwrap().count, 1);
}

#[test]
fn stored_application_reads_back() {
    let (_dir, store) = small_store();
    let (app, _) = store
        .create_application(new_app("R-9", "jwt_vc_json"))
        .unwrap();
    let read = store.application(&app.id).unwrap().unwrap();
    assert_eq!(read, app);
    assert_eq!(read.status, CredentialStatus::Valid);
    assert_eq!(read.created, 1_700_000_000);
    assert_eq!(read.deliveries, 0);
    assert_eq!(read.claims["family_name"], "Lovelace");
    assert_eq!(store.application(&CredentialId::random()).unwrap(), None);
}

#[test]
fn invalid_applications_write_nothing() {
    let (_dir, store) = small_store();
    let bad_format = new_app("R-1", "ldp_vc");
    assert_eq!(
        store.create_application(bad_format).unwrap_err().code(),
        "invalid_input"
    );
    let mut reserved = new_app("R-1", "dc+sd-jwt");
    reserved.officer = "wallet".into();
    assert_eq!(
        store.create_application(reserved).unwrap_err(),
        StoreError::Invalid(InputError::new("officer", "\"wallet\" is reserved"))
    );
    let mut huge = new_app("R-1", "dc+sd-jwt");
    huge.claims
        .insert("photo".into(), "x".repeat(MAX_CLAIMS_JSON).into());
    assert_eq!(
        store.create_application(huge).unwrap_err().code(),
        "invalid_input"
    );
    let nul = new_app("R\0", "dc+sd-jwt");
    assert!(store.create_application(nul).is_err());
    assert_eq!(store.search("", 10).unwrap(), vec![]);
    assert_eq!(store.audit_verify().unwrap().count, 0);
}

#[test]
fn search_is_by_reference_prefix_in_reference_order() {
    let (_dir, store) = small_store();
    for reference in ["B-2", "A-10", "B-1", "A-2", "C-1"] {
        store
            .create_application(new_app(reference, "dc+sd-jwt"))
            .unwrap();
    }
    let refs = |found: Vec<Application>| found.into_iter().map(|a| a.reference).collect::<Vec<_>>();
    assert_eq!(refs(store.search("B-", 10).unwrap()), ["B-1", "B-2"]);
    assert_eq!(refs(store.search("A", 10).unwrap()), ["A-10", "A-2"]);
    assert_eq!(refs(store.search("", 3).unwrap()), ["A-10", "A-2", "B-1"]);
    assert_eq!(refs(store.search("D", 10).unwrap()), Vec::<String>::new());
    assert_eq!(store.search("\n", 10).unwrap_err().code(), "invalid_input");
}
