//! Tests of the Status List Token claims and the `status` claim against
//! draft-ietf-oauth-status-list-20's examples (§5.1, §6.2).

use serde_json::{Value, json};

use super::*;
use crate::status::{Bits, INVALID, VALID};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/");
const MIB: usize = 1 << 20;
const URI: &str = "https://example.com/statuslists/1";

fn signed_token_vector() -> Value {
    let path = format!("{VECTORS}status-list/ietf-token-status-list/status-list-token-jwt.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The payload bytes exactly as signed in the draft's Status List Token.
fn signed_payload() -> Vec<u8> {
    let vector = signed_token_vector();
    let jwt = vector["status_list_token_jwt"].as_str().unwrap();
    let payload = jwt.split('.').nth(1).unwrap();
    crate::b64::decode(payload).unwrap()
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn the_drafts_signed_status_list_token_payload() {
    let vector = signed_token_vector();
    assert_eq!(vector["header"]["typ"], STATUS_LIST_JWT_TYP);
    let claims = StatusListTokenClaims::from_payload(&signed_payload(), URI, MIB).unwrap();
    assert_eq!(claims.sub, URI);
    assert_eq!(claims.iat, 1_686_920_170);
    assert_eq!(claims.exp, Some(2_291_720_170));
    assert_eq!(claims.ttl, Some(43_200));
    assert_eq!(claims.status_list.bits(), Bits::One);
    assert_eq!(claims.status_list.as_bytes(), [0xB9, 0xA3]);
    let expected: Vec<u8> = vector["expected"]["decoded_statuses_bits1_first16"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| u8::try_from(v.as_u64().unwrap()).unwrap())
        .collect();
    let decoded: Vec<u8> = (0..16)
        .map(|i| claims.status_list.get(i).unwrap())
        .collect();
    assert_eq!(decoded, expected);

    // Referenced token idx 0 (the §6.2 example) is INVALID in this list, idx 1 VALID.
    let reference = StatusReference::new(URI, 0).unwrap();
    assert_eq!(claims.status_of(&reference).unwrap(), StatusType::Invalid);
    let reference = StatusReference::new(URI, 1).unwrap();
    assert_eq!(claims.status_of(&reference).unwrap(), StatusType::Valid);
    let reference = StatusReference::new(URI, 16).unwrap();
    assert_eq!(
        claims.status_of(&reference),
        Err(StatusError::IndexOutOfRange { index: 16, len: 16 })
    );
}

#[test]
fn sub_must_equal_the_referenced_uri() {
    let other = "https://example.com/statuslists/2";
    let error = StatusListTokenClaims::from_payload(&signed_payload(), other, MIB).unwrap_err();
    assert_eq!(
        error,
        StatusError::ListUriMismatch {
            expected: other.to_owned(),
            found: URI.to_owned()
        }
    );
    assert_eq!(error.code(), "status_list_uri_mismatch");

    let claims = StatusListTokenClaims::from_payload(&signed_payload(), URI, MIB).unwrap();
    let elsewhere = StatusReference::new(other, 0).unwrap();
    assert_eq!(
        claims.status_of(&elsewhere),
        Err(StatusError::ListUriMismatch {
            expected: other.to_owned(),
            found: URI.to_owned()
        })
    );
}

#[test]
fn required_claims_and_their_types() {
    let list = json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ"});
    let cases = [
        (json!({"iat": 1, "status_list": list}), "sub", "is missing"),
        (
            json!({"sub": 5, "iat": 1, "status_list": list}),
            "sub",
            "is not a string",
        ),
        (
            json!({"sub": URI, "status_list": list}),
            "iat",
            "is missing",
        ),
        (
            json!({"sub": URI, "iat": "1686920170", "status_list": list}),
            "iat",
            "is not a non-negative integer",
        ),
        (
            json!({"sub": URI, "iat": 1.5, "status_list": list}),
            "iat",
            "is not a non-negative integer",
        ),
        (
            json!({"sub": URI, "iat": 1, "exp": -1, "status_list": list}),
            "exp",
            "is not a non-negative integer",
        ),
        (
            json!({"sub": URI, "iat": 1, "ttl": 0, "status_list": list}),
            "ttl",
            "must be positive",
        ),
        (json!({"sub": URI, "iat": 1}), "status_list", "is missing"),
    ];
    for (claims, claim, reason) in cases {
        let result = StatusListTokenClaims::from_claims(&object(claims), URI, MIB);
        assert_eq!(
            result,
            Err(StatusError::TokenClaimMalformed { claim, reason })
        );
    }
    let bad_list =
        json!({"sub": URI, "iat": 1, "status_list": {"bits": 3, "lst": "eNrbuRgAAhcBXQ"}});
    assert_eq!(
        StatusListTokenClaims::from_claims(&object(bad_list), URI, MIB),
        Err(StatusError::InvalidBits { found: 3 })
    );
    // Other claims are allowed (§5.1 rule 1); exp and ttl are optional.
    let minimal = json!({"sub": URI, "iat": 1, "iss": "https://example.com", "status_list": list});
    let claims = StatusListTokenClaims::from_claims(&object(minimal), URI, MIB).unwrap();
    assert_eq!((claims.exp, claims.ttl), (None, None));
}

#[test]
fn duplicate_claims_are_refused() {
    let payload = format!(
        r#"{{"sub":"{URI}","iat":1,"status_list":{{"bits":1,"lst":"eNrbuRgAAhcBXQ"}},"sub":"https://evil.example/1"}}"#
    );
    let error = StatusListTokenClaims::from_payload(payload.as_bytes(), URI, MIB).unwrap_err();
    assert_eq!(
        error,
        StatusError::Json(crate::json::JsonError::DuplicateKey("sub".into()))
    );
}

#[test]
fn builds_a_payload_that_parses_back() {
    let mut list = StatusList::new(131_072, Bits::Two);
    list.set(94_567, INVALID).unwrap();
    list.set(3, 2).unwrap();
    let claims = StatusListTokenClaims {
        sub: URI.to_owned(),
        iat: 1_686_920_170,
        exp: Some(2_291_720_170),
        ttl: Some(43_200),
        status_list: list,
    };
    let payload = claims.to_payload().unwrap();
    let keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5);
    for key in ["sub", "iat", "exp", "ttl", "status_list"] {
        assert!(keys.contains(&key), "{key}");
    }
    assert_eq!(payload["status_list"]["bits"], 2);
    let text = serde_json::to_vec(&payload).unwrap();
    let parsed = StatusListTokenClaims::from_payload(&text, URI, MIB).unwrap();
    assert_eq!(parsed, claims);
    assert_eq!(parsed.status_list.get(94_567).unwrap(), INVALID);
    assert_eq!(parsed.status_list.get(94_568).unwrap(), VALID);

    // Optional claims are left out when absent.
    let bare = StatusListTokenClaims {
        exp: None,
        ttl: None,
        ..claims.clone()
    };
    let payload = bare.to_payload().unwrap();
    assert!(payload.get("exp").is_none() && payload.get("ttl").is_none());

    for (bad, claim, reason) in [
        (
            StatusListTokenClaims {
                ttl: Some(0),
                ..claims.clone()
            },
            "ttl",
            "must be positive",
        ),
        (
            StatusListTokenClaims {
                exp: Some(claims.iat),
                ..claims.clone()
            },
            "exp",
            "is not after iat",
        ),
        (
            StatusListTokenClaims {
                sub: "statuslists/1".into(),
                ..claims.clone()
            },
            "sub",
            "is not an absolute URI",
        ),
    ] {
        assert_eq!(
            bad.to_payload(),
            Err(StatusError::TokenClaimMalformed { claim, reason })
        );
    }
}

#[test]
fn status_claim_of_the_drafts_referenced_tokens() {
    // §6.2: the JWT example and the SD-JWT example's payload.
    let jwt = json!({"status": {"status_list": {"idx": 0, "uri": URI}}});
    let reference = StatusReference::from_claims(&object(jwt)).unwrap();
    assert_eq!(
        (reference.uri(), reference.idx(), reference.index()),
        (URI, 0, 0)
    );

    let sd_jwt = json!({
        "_sd": ["HvrKX6fPV0v9K_yCVFBiLFHsMaxcD_114Em6VT8x1lg"],
        "iss": "https://example.com/issuer",
        "iat": 1_683_000_000,
        "exp": 1_883_000_000,
        "sub": "6c5c0a49-b589-431d-bae7-219122a9ec2c",
        "status": {"status_list": {"idx": 0, "uri": URI}},
        "_sd_alg": "sha-256"
    });
    assert_eq!(
        StatusReference::from_claims(&object(sd_jwt)).unwrap(),
        reference
    );

    // Other mechanisms beside status_list are ignored (§6.1).
    let more = json!({"status": {"status_list": {"idx": 4_294_967_295_u64, "uri": URI}, "x": 1}});
    assert_eq!(
        StatusReference::from_claims(&object(more)).unwrap().idx(),
        u32::MAX
    );

    let claim = StatusReference::new(URI, 1993).unwrap().to_status_claim();
    assert_eq!(claim, json!({"status_list": {"idx": 1993, "uri": URI}}));
}

#[test]
fn status_claim_with_wrong_types_is_an_error_not_an_absence() {
    let cases = [
        (json!({}), "status", "is missing"),
        (
            json!({"status": "revoked"}),
            "status",
            "is not a JSON object",
        ),
        (json!({"status": {}}), "status_list", "is missing"),
        (
            json!({"status": {"status_list": [0, URI]}}),
            "status_list",
            "is not a JSON object",
        ),
        (
            json!({"status": {"status_list": {"uri": URI}}}),
            "idx",
            "is missing",
        ),
        (
            json!({"status": {"status_list": {"idx": "0", "uri": URI}}}),
            "idx",
            "is not a JSON number",
        ),
        (
            json!({"status": {"status_list": {"idx": null, "uri": URI}}}),
            "idx",
            "is not a JSON number",
        ),
        (
            json!({"status": {"status_list": {"idx": -1, "uri": URI}}}),
            "idx",
            "is not a non-negative integer",
        ),
        (
            json!({"status": {"status_list": {"idx": 1.5, "uri": URI}}}),
            "idx",
            "is not a non-negative integer",
        ),
        (
            json!({"status": {"status_list": {"idx": 4_294_967_296_u64, "uri": URI}}}),
            "idx",
            "exceeds 2^32 - 1",
        ),
        (
            json!({"status": {"status_list": {"idx": 0}}}),
            "uri",
            "is missing",
        ),
        (
            json!({"status": {"status_list": {"idx": 0, "uri": 1}}}),
            "uri",
            "is not a string",
        ),
        (
            json!({"status": {"status_list": {"idx": 0, "uri": "statuslists/1"}}}),
            "uri",
            "is not an absolute URI",
        ),
    ];
    for (claims, field, reason) in cases {
        let error = StatusReference::from_claims(&object(claims)).unwrap_err();
        assert_eq!(error, StatusError::ReferenceMalformed { field, reason });
        assert_eq!(error.code(), "status_reference_malformed");
    }
}
