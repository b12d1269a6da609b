//! Tests of entries and the validate algorithm (REC §2.1, §2.2, §3.2) against the
//! REC examples and the test-suite PR #38 fixtures.

use serde_json::{Map, Value, json};

use super::*;
use crate::status::MIN_ENTRIES;
use crate::status::bitstring::tests::{fixture, pr38_encoded_list};

const MIB: usize = 1 << 20;
const LIST_URL: &str = "https://example.com/credentials/status/3";

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A PR #38 status credential with the multibase `u` added to its `encodedList`
/// (see `pr38_encoded_list`: the fixtures predate the REC's prefix).
fn pr38_status_credential(name: &str) -> Map<String, Value> {
    let mut credential = object(fixture(&format!(
        "test-suite-pr38-fixtures/status-credentials/{name}"
    )));
    credential["credentialSubject"]["encodedList"] = Value::String(pr38_encoded_list(name));
    credential
}

fn pr38_entry(name: &str) -> BitstringStatusListEntry {
    let vc = fixture(&format!("test-suite-pr38-fixtures/test-vcs/{name}"));
    BitstringStatusListEntry::from_json(&vc["credentialStatus"]).unwrap()
}

fn entry(overrides: Value) -> Result<BitstringStatusListEntry, StatusError> {
    let mut base = json!({
        "id": "https://example.com/credentials/status/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL
    });
    for (key, value) in object(overrides) {
        if value.is_null() {
            base.as_object_mut().unwrap().remove(&key);
        } else {
            base[key] = value;
        }
    }
    BitstringStatusListEntry::from_json(&base)
}

#[test]
fn entries_of_the_rec_examples() {
    let vc = fixture("rec-2025-examples/a-revocable-verifiable-credential.0-unsecured.json");
    let entry = BitstringStatusListEntry::from_json(&vc["credentialStatus"]).unwrap();
    assert_eq!(
        entry.id(),
        Some("https://example.com/credentials/status/3#94567")
    );
    assert_eq!(entry.purpose(), StatusPurpose::Revocation);
    assert_eq!(entry.index(), 94_567);
    assert_eq!(entry.list_credential(), LIST_URL);
    assert_eq!(entry.status_size(), StatusSize::ONE);
    assert!(entry.messages().is_empty());

    let vc = fixture(
        "rec-2025-examples/example-statuslistcredential-using-simple-entries.0-unsecured.json",
    );
    let entries: Vec<_> = vc["credentialStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| BitstringStatusListEntry::from_json(e).unwrap())
        .collect();
    assert_eq!(entries[1].purpose(), StatusPurpose::Suspension);
    assert_eq!(entries[1].index(), 23_452);
    assert_eq!(
        entries[1].list_credential(),
        "https://example.com/credentials/status/4"
    );
}

#[test]
fn the_recs_message_entry_completed() {
    // REC Example 2, with the fourth message its `...` elides (statusSize 2 needs 4).
    let parsed = entry(json!({
        "id": "https://example.com/credentials/status/8#492847",
        "statusPurpose": "message",
        "statusListIndex": "492847",
        "statusSize": 2,
        "statusListCredential": "https://example.com/credentials/status/8",
        "statusMessage": [
            {"status": "0x0", "message": "pending_review"},
            {"status": "0x1", "message": "accepted"},
            {"status": "0x2", "message": "rejected"},
            {"status": "0x3", "message": "undefined"}
        ],
        "statusReference": "https://example.org/status-dictionary/"
    }))
    .unwrap();
    assert_eq!(parsed.status_size().get(), 2);
    assert_eq!(parsed.message_for(2), Some("rejected"));
    assert_eq!(parsed.messages().len(), 4);

    let mut list = BitstringStatusList::new(MIN_ENTRIES * 4, parsed.status_size()).unwrap();
    list.set(492_847, 2).unwrap();
    let subject = object(json!({
        "type": "BitstringStatusList",
        "statusPurpose": "message",
        "encodedList": list.encode().unwrap()
    }));
    let status = validate_credential_subject(&subject, &parsed, 2 * MIB).unwrap();
    assert_eq!(status.message.as_deref(), Some("rejected"));
    assert_eq!((status.status, status.valid), (2, false));
}

#[test]
fn status_list_index_is_a_canonical_decimal_string() {
    let field = "statusListIndex";
    for (value, reason) in [
        (json!(94_567), "is not a string"),
        (json!(""), "is not a base-10 integer string"),
        (json!("-1"), "is not a base-10 integer string"),
        (json!("+1"), "is not a base-10 integer string"),
        (json!("0x10"), "is not a base-10 integer string"),
        (json!("1e3"), "is not a base-10 integer string"),
        (json!(" 1"), "is not a base-10 integer string"),
        (json!("007"), "has leading zeros"),
        (json!("99999999999999999999999"), "is larger than any list"),
    ] {
        assert_eq!(
            entry(json!({ field: value })),
            Err(StatusError::ReferenceMalformed { field, reason }),
            "{value}"
        );
    }
    assert_eq!(entry(json!({ field: "0" })).unwrap().index(), 0);
}

#[test]
fn entry_members_are_checked() {
    let type_missing = entry(json!({"type": null})).unwrap_err();
    assert_eq!(
        type_missing,
        StatusError::TypeMismatch {
            expected: "BitstringStatusListEntry",
            found: vec![]
        }
    );
    assert_eq!(type_missing.code(), "status_list_type_mismatch");
    assert_eq!(
        entry(json!({"type": "StatusList2021Entry"})),
        Err(StatusError::TypeMismatch {
            expected: "BitstringStatusListEntry",
            found: vec!["StatusList2021Entry".into()]
        })
    );
    let purpose = entry(json!({"statusPurpose": "randomPurpose"})).unwrap_err();
    assert_eq!(
        purpose,
        StatusError::PurposeUnsupported {
            found: "randomPurpose".into()
        }
    );
    assert_eq!(purpose.code(), "status_purpose_unsupported");
    assert_eq!(
        entry(json!({"statusSize": 0})),
        Err(StatusError::InvalidStatusSize { found: 0 })
    );
    assert_eq!(
        entry(json!({"statusSize": 9})),
        Err(StatusError::InvalidStatusSize { found: 9 })
    );
    let malformed = |field, reason| Err(StatusError::ReferenceMalformed { field, reason });
    for (overrides, expected) in [
        (
            json!({"statusPurpose": null}),
            malformed("statusPurpose", "is missing"),
        ),
        (
            json!({"statusPurpose": ["revocation"]}),
            malformed("statusPurpose", "is not a string"),
        ),
        (
            json!({"statusListCredential": null}),
            malformed("statusListCredential", "is missing"),
        ),
        (
            json!({"statusListCredential": "/status/3"}),
            malformed("statusListCredential", "is not an absolute URL"),
        ),
        (
            json!({"id": LIST_URL}),
            malformed("id", "must not be the status list's URL"),
        ),
        (json!({"id": 3}), malformed("id", "is not a string")),
        (
            json!({"statusSize": "2"}),
            malformed("statusSize", "is not a non-negative integer"),
        ),
        (
            json!({"statusSize": 2}),
            malformed("statusMessage", "is required when statusSize > 1"),
        ),
        (
            json!({"statusMessage": [{"status": "0x0", "message": "a"}]}),
            malformed("statusMessage", "does not have 2^statusSize elements"),
        ),
        (
            json!({"statusMessage": [{"status": "0x0", "message": "a"}, {"status": "0x0", "message": "b"}]}),
            malformed("statusMessage", "repeats a status value"),
        ),
        (
            json!({"statusMessage": [{"status": "0x0", "message": "a"}, {"status": "0x2", "message": "b"}]}),
            malformed(
                "statusMessage",
                "element status is not a 0x-hex value of statusSize bits",
            ),
        ),
        (
            json!({"statusMessage": [{"status": "0x0", "message": "a"}, {"status": "1", "message": "b"}]}),
            malformed(
                "statusMessage",
                "element status is not a 0x-hex value of statusSize bits",
            ),
        ),
    ] {
        assert_eq!(entry(overrides.clone()), expected, "{overrides}");
    }
    assert_eq!(
        BitstringStatusListEntry::from_json(&json!("revocation")),
        malformed("credentialStatus", "is not a JSON object")
    );
    // Without statusMessage, a one-bit entry's messages are "unset" and "set".
    let plain = entry(json!({})).unwrap();
    assert_eq!(
        (plain.message_for(0), plain.message_for(1)),
        (Some("unset"), Some("set"))
    );
}

#[test]
fn pr38_fixtures_validate_to_the_expected_status() {
    for (vc, list, status) in [
        ("should-be-revoked.jsonld", "single-purpose-ok.jsonld", 1),
        ("should-be-suspended.jsonld", "multi-purpose-ok.jsonld", 1),
        ("sl-purpose-single-ok.jsonld", "single-purpose-ok.jsonld", 0),
        ("sl-purpose-multi-ok.jsonld", "multi-purpose-ok.jsonld", 0),
    ] {
        let entry = pr38_entry(vc);
        let result =
            validate_status_list_credential(&pr38_status_credential(list), &entry, MIB).unwrap();
        assert_eq!(result.status, status, "{vc}");
        assert_eq!(result.valid, status == 0, "{vc}");
        assert_eq!(result.purpose, entry.purpose(), "{vc}");
        assert_eq!((result.message, result.ttl_ms), (None, None), "{vc}");
    }
    assert_eq!(
        pr38_entry("should-be-suspended.jsonld").purpose(),
        StatusPurpose::Suspension
    );
}

#[test]
fn pr38_fail_fixtures_fail_with_the_right_code() {
    let revoked = pr38_entry("should-be-revoked.jsonld");
    let mismatch = |found: &[&str]| StatusError::PurposeMismatch {
        expected: StatusPurpose::Revocation,
        found: found.iter().map(|&p| p.to_owned()).collect(),
    };
    for (name, expected, code) in [
        (
            "single-purpose-fail.jsonld",
            mismatch(&["randomPurpose"]),
            "status_purpose_mismatch",
        ),
        (
            "multi-purpose-fail.jsonld",
            mismatch(&["random", "purposes"]),
            "status_purpose_mismatch",
        ),
        (
            "short-encoded-list-fail.jsonld",
            StatusError::ListTooShort {
                entries: 200,
                min: MIN_ENTRIES,
            },
            "status_list_too_short",
        ),
    ] {
        let credential = pr38_status_credential(name);
        let error = validate_status_list_credential(&credential, &revoked, MIB).unwrap_err();
        assert_eq!((&error, error.code()), (&expected, code), "{name}");
    }

    // The unprefixed fixture as published (pre-REC encoding) is malformed.
    let as_published = object(fixture(
        "test-suite-pr38-fixtures/status-credentials/single-purpose-ok.jsonld",
    ));
    let error = validate_status_list_credential(&as_published, &revoked, MIB).unwrap_err();
    assert_eq!(error, StatusError::MultibasePrefixMissing);
    assert_eq!(error.code(), "status_list_malformed");
}

#[test]
fn credential_and_subject_types_are_required() {
    let revoked = pr38_entry("should-be-revoked.jsonld");
    // sl-vc-type-missing-fail / sl-vc-type-wrong-fail: the status credential's type.
    let mut missing = pr38_status_credential("single-purpose-ok.jsonld");
    missing.remove("type");
    assert_eq!(
        validate_status_list_credential(&missing, &revoked, MIB),
        Err(StatusError::TypeMismatch {
            expected: "BitstringStatusListCredential",
            found: vec![]
        })
    );
    let mut wrong = pr38_status_credential("single-purpose-ok.jsonld");
    wrong["type"] = json!(["VerifiableCredential", "StatusList2021Credential"]);
    let error = validate_status_list_credential(&wrong, &revoked, MIB).unwrap_err();
    assert_eq!(
        error,
        StatusError::TypeMismatch {
            expected: "BitstringStatusListCredential",
            found: vec![
                "VerifiableCredential".into(),
                "StatusList2021Credential".into()
            ]
        }
    );
    assert_eq!(error.code(), "status_list_type_mismatch");
    let mut subject_wrong = pr38_status_credential("single-purpose-ok.jsonld");
    subject_wrong["credentialSubject"]["type"] = json!("StatusList2021");
    assert_eq!(
        validate_status_list_credential(&subject_wrong, &revoked, MIB),
        Err(StatusError::TypeMismatch {
            expected: "BitstringStatusList",
            found: vec!["StatusList2021".into()]
        })
    );
    let mut no_subject = pr38_status_credential("single-purpose-ok.jsonld");
    no_subject["credentialSubject"] = json!([]);
    assert_eq!(
        validate_status_list_credential(&no_subject, &revoked, MIB),
        Err(StatusError::Malformed {
            reason: "credentialSubject is not a JSON object"
        })
    );
}

#[test]
fn the_recs_credential_and_entry_and_a_list_for_another_url() {
    let vc = fixture("rec-2025-examples/a-revocable-verifiable-credential.0-unsecured.json");
    let entry = BitstringStatusListEntry::from_json(&vc["credentialStatus"]).unwrap();
    let mut credential = object(fixture(
        "rec-2025-examples/a-status-list-verifiable-credential.0-unsecured.json",
    ));
    let result = validate_status_list_credential(&credential, &entry, MIB).unwrap();
    assert_eq!((result.status, result.valid), (0, true));

    credential["id"] = json!("https://example.com/credentials/status/4");
    let error = validate_status_list_credential(&credential, &entry, MIB).unwrap_err();
    assert_eq!(
        error,
        StatusError::ListUriMismatch {
            expected: LIST_URL.into(),
            found: "https://example.com/credentials/status/4".into()
        }
    );
    assert_eq!(error.code(), "status_list_uri_mismatch");
}

#[test]
fn index_beyond_the_list_is_a_range_error() {
    let beyond = entry(json!({"statusListIndex": "200000", "id": null})).unwrap();
    let error = validate_status_list_credential(
        &pr38_status_credential("single-purpose-ok.jsonld"),
        &beyond,
        MIB,
    )
    .unwrap_err();
    assert_eq!(
        error,
        StatusError::IndexOutOfRange {
            index: 200_000,
            len: 200_000
        }
    );
    assert_eq!(error.code(), "status_index_out_of_range");
}

#[test]
fn builds_a_subject_that_validates() {
    let mut list = BitstringStatusList::new(MIN_ENTRIES, StatusSize::ONE).unwrap();
    list.set(94_567, 1).unwrap();
    let subject = credential_subject(
        &list,
        "https://example.com/status/3#list",
        StatusPurpose::Revocation,
        Some(300_000),
    )
    .unwrap();
    let map = subject.as_object().unwrap();
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["encodedList", "id", "statusPurpose", "ttl", "type"]);
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "revocation");
    assert_eq!(subject["ttl"], 300_000);

    let revoked = entry(json!({})).unwrap();
    let result = validate_credential_subject(map, &revoked, MIB).unwrap();
    assert_eq!(
        result,
        BitstringStatus {
            purpose: StatusPurpose::Revocation,
            status: 1,
            valid: false,
            message: None,
            ttl_ms: Some(300_000)
        }
    );
    let suspended = entry(json!({"statusPurpose": "suspension"})).unwrap();
    assert_eq!(
        validate_credential_subject(map, &suspended, MIB),
        Err(StatusError::PurposeMismatch {
            expected: StatusPurpose::Suspension,
            found: vec!["revocation".into()]
        })
    );

    let without_ttl = credential_subject(
        &list,
        "https://example.com/status/3#list",
        StatusPurpose::Suspension,
        None,
    )
    .unwrap();
    assert!(without_ttl.get("ttl").is_none());
    assert_eq!(
        credential_subject(&list, "https://x.example/l", StatusPurpose::Message, None),
        Err(StatusError::PurposeUnsupported {
            found: "message".into()
        })
    );
    assert_eq!(
        credential_subject(&list, "#list", StatusPurpose::Revocation, None),
        Err(StatusError::Malformed {
            reason: "credentialSubject id is not an absolute URL"
        })
    );
}

#[test]
fn subject_members_are_checked() {
    let revoked = entry(json!({})).unwrap();
    let list = BitstringStatusList::new(MIN_ENTRIES, StatusSize::ONE).unwrap();
    let encoded = list.encode().unwrap();
    for (subject, reason) in [
        (
            json!({"type": "BitstringStatusList", "encodedList": encoded}),
            "statusPurpose is not a string or a non-empty array of strings",
        ),
        (
            json!({"type": "BitstringStatusList", "statusPurpose": [], "encodedList": encoded}),
            "statusPurpose is not a string or a non-empty array of strings",
        ),
        (
            json!({"type": "BitstringStatusList", "statusPurpose": ["revocation", 1], "encodedList": encoded}),
            "statusPurpose is not a string or a non-empty array of strings",
        ),
        (
            json!({"type": "BitstringStatusList", "statusPurpose": "revocation"}),
            "encodedList is missing or not a string",
        ),
        (
            json!({"type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded, "ttl": "1"}),
            "ttl is not a non-negative integer",
        ),
    ] {
        assert_eq!(
            validate_credential_subject(&object(subject), &revoked, MIB),
            Err(StatusError::Malformed { reason })
        );
    }
}
