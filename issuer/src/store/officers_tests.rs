use std::path::Path;

use super::*;
use crate::store::tests::small_store;

fn clerk_roles() -> Vec<Role> {
    vec![Role::Issue("passport".into()), Role::Suspend]
}

fn all_file_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            bytes.extend(all_file_bytes(&path));
        } else {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_right_token_authenticates_and_is_cached() {
    let (_dir, store) = small_store();
    let token = store.add_officer("jane", &clerk_roles()).unwrap();
    let text = token.expose_secret();
    assert!(text.starts_with("sgo_"));
    assert_eq!(text.len(), 64);
    let expected = Officer {
        name: "jane".into(),
        roles: clerk_roles(),
    };
    assert_eq!(store.authenticate(text), Ok(expected.clone()));
    assert_eq!(store.inner.officers.verified.read().unwrap().len(), 1);
    assert_eq!(store.authenticate(text), Ok(expected), "from the cache");
    assert_eq!(format!("{token:?}"), "SecretToken { .. }");
}

#[test]
fn wrong_unknown_and_malformed_tokens_are_refused() {
    let (_dir, store) = small_store();
    let token = store.add_officer("jane", &clerk_roles()).unwrap();
    let text = token.expose_secret();
    // Warm the cache: a wrong secret must not pass through it.
    store.authenticate(text).unwrap();
    let last = text.chars().last().unwrap();
    let wrong = format!("{}{}", &text[..63], if last == 'A' { 'B' } else { 'A' });
    assert_eq!(store.authenticate(&wrong), Err(AuthError::WrongSecret));
    let unknown = format!("sgo_AAAAAAAAAAAAAAAA{}", &text[20..]);
    assert_eq!(store.authenticate(&unknown), Err(AuthError::UnknownOfficer));
    for malformed in [
        "",
        "Bearer x",
        &text[..63],
        &format!("{text}A"),
        &text.replacen("sgo_", "sgx_", 1),
        &format!("{}!{}", &text[..20], &text[21..]),
        &format!("{}.{}", &text[..40], &text[41..]),
    ] {
        assert_eq!(
            store.authenticate(malformed),
            Err(AuthError::Malformed),
            "{malformed:?}"
        );
    }
    assert_eq!(AuthError::WrongSecret.code(), "token_wrong");
}

#[test]
fn only_an_argon2id_hash_reaches_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let token = {
        let store = crate::store::tests::real_store(dir.path());
        store.add_officer("jane", &clerk_roles()).unwrap()
    };
    let bytes = all_file_bytes(dir.path());
    let text = token.expose_secret();
    let (_, secret) = parse_token(text).unwrap();
    assert!(
        contains(&bytes, b"$argon2id$"),
        "the hash is stored (the scan can see values)"
    );
    assert!(contains(&bytes, b"\"name\":\"jane\""));
    assert!(
        !contains(&bytes, secret.as_bytes()),
        "secret stored in clear"
    );
    assert!(!contains(&bytes, text.as_bytes()), "token stored in clear");
    let store = crate::store::tests::real_store(dir.path());
    assert_eq!(
        store.authenticate(text).unwrap().name,
        "jane",
        "after reopen"
    );
}

#[test]
fn names_are_unique_and_not_reserved() {
    let (_dir, store) = small_store();
    store.add_officer("jane", &[Role::Admin]).unwrap();
    assert_eq!(
        store.add_officer("jane", &[Role::Revoke]).unwrap_err(),
        StoreError::Duplicate {
            what: "officer",
            key: "jane".into()
        }
    );
    for name in ["wallet", "system", "", "two words"] {
        assert_eq!(
            store.add_officer(name, &[Role::Admin]).unwrap_err().code(),
            "invalid_input"
        );
    }
    assert_eq!(
        store.add_officer("kim", &[]).unwrap_err().code(),
        "invalid_input"
    );
    store
        .add_officer("abe", &[Role::Revoke, Role::Revoke, Role::Suspend])
        .unwrap();
    let officers = store.officers().unwrap();
    assert_eq!(
        officers,
        vec![
            Officer {
                name: "abe".into(),
                roles: vec![Role::Revoke, Role::Suspend]
            },
            Officer {
                name: "jane".into(),
                roles: vec![Role::Admin]
            },
        ]
    );
    let audit = store.audit_entries(0, 10).unwrap();
    let details: Vec<_> = audit.iter().map(|r| r.entry.detail.as_str()).collect();
    assert_eq!(details, ["jane admin", "abe revoke,suspend"]);
    assert!(audit.iter().all(|r| r.entry.action == "add_officer"));
}
