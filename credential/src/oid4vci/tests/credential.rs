//! Credential Endpoint (§8): spec examples, round trips, refusals.

use serde_json::json as j;

use super::{http_body, json, unwrap_json_strings, vector};
use crate::json::JsonError;
use crate::oid4vci::*;

fn batch(max_proofs: usize) -> RequestLimits {
    RequestLimits {
        max_proofs,
        ..RequestLimits::default()
    }
}

#[test]
fn spec_credential_requests_parse_and_reserialize_equal() {
    let text = vector("inline-blocks/019-L879-credential-request.txt");
    let body = unwrap_json_strings(http_body(&text));
    let request = CredentialRequest::from_json(&body, &RequestLimits::default()).unwrap();
    assert_eq!(
        request.credential,
        RequestedCredential::ConfigurationId("org.iso.18013.5.1.mDL".into())
    );
    assert_eq!(request.jwt_proofs().unwrap().len(), 1);
    assert_eq!(json(&request.to_json()), json(&body));

    let text = vector("inline-blocks/020-L898-credential-request.txt");
    let body = unwrap_json_strings(http_body(&text));
    let request = CredentialRequest::from_json(&body, &batch(2)).unwrap();
    assert_eq!(
        request.credential,
        RequestedCredential::Identifier("CivilEngineeringDegree-2023".into())
    );
    assert_eq!(request.jwt_proofs().unwrap().len(), 2);
    assert_eq!(json(&request.to_json()), json(&body));
    // The same request over a single-proof issuer: too many proofs.
    assert_eq!(
        CredentialRequest::from_json(&body, &RequestLimits::default()),
        Err(CredentialRequestError::TooManyProofs { count: 2, max: 1 })
    );
}

#[test]
fn spec_requests_we_do_not_serve_are_refused_with_their_reason() {
    // 021: di_vp proofs (Appendix F.2), which we do not accept.
    let text = vector("inline-blocks/021-L921-credential-request.txt");
    let err = CredentialRequest::from_json(&unwrap_json_strings(http_body(&text)), &batch(4))
        .unwrap_err();
    assert_eq!(
        err,
        CredentialRequestError::UnsupportedProofType {
            proof_type: "di_vp".into()
        }
    );
    assert_eq!(err.error_code(), CredentialErrorCode::InvalidProof);
    // The repository's credential_request_iso_mdl.json (not included in the 1.0 text)
    // still uses the pre-1.0 `format`/`doctype` members: it names no credential.
    let err = CredentialRequest::from_json(
        &vector("examples/credential_request_iso_mdl.json"),
        &RequestLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err, CredentialRequestError::NoCredentialId);
    assert_eq!(err.error_code().code(), "invalid_credential_request");
}

#[test]
fn credential_request_rules_of_1_0_final_are_enforced() {
    let limits = batch(2);
    let cases = [
        (
            j!({"credential_configuration_id": "a", "credential_identifier": "b", "proofs": {"jwt": ["x"]}}),
            CredentialRequestError::BothCredentialIds,
        ),
        (
            j!({"proofs": {"jwt": ["x"]}}),
            CredentialRequestError::NoCredentialId,
        ),
        (
            j!({"credential_configuration_id": 7}),
            CredentialRequestError::FieldType {
                field: "credential_configuration_id",
                expected: "a string",
            },
        ),
        (
            j!({"credential_identifier": ""}),
            CredentialRequestError::FieldEmpty {
                field: "credential_identifier",
            },
        ),
        (
            j!({"credential_configuration_id": "a", "proof": {"proof_type": "jwt", "jwt": "x"}}),
            CredentialRequestError::LegacyProofMember,
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": {"jwt": ["x"], "attestation": ["y"]}}),
            CredentialRequestError::ProofTypeCount { count: 2 },
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": {}}),
            CredentialRequestError::ProofTypeCount { count: 0 },
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": {"jwt": []}}),
            CredentialRequestError::ProofsEmpty,
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": {"jwt": "x"}}),
            CredentialRequestError::FieldType {
                field: "proofs.jwt",
                expected: "an array",
            },
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": ["x"]}),
            CredentialRequestError::FieldType {
                field: "proofs",
                expected: "an object",
            },
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": {"jwt": ["x", 1]}}),
            CredentialRequestError::ProofNotString { index: 1 },
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": {"jwt": ["x", "y", "z"]}}),
            CredentialRequestError::TooManyProofs { count: 3, max: 2 },
        ),
        (
            j!({"credential_configuration_id": "a", "proofs": {"jwt": ["x"]},
                "credential_response_encryption": {"jwk": {}, "enc": "A128GCM"}}),
            CredentialRequestError::EncryptionUnsupported,
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            CredentialRequest::from_json(&body.to_string(), &limits),
            Err(expected.clone()),
            "{body}"
        );
    }
    assert_eq!(
        CredentialRequestError::EncryptionUnsupported.error_code(),
        CredentialErrorCode::InvalidEncryptionParameters
    );
    assert_eq!(
        CredentialRequestError::LegacyProofMember.error_code(),
        CredentialErrorCode::InvalidProof
    );
    // Both the legacy member and `proofs`: `proof` is an unrecognized parameter (ignored).
    let both = j!({"credential_configuration_id": "a", "proof": {}, "proofs": {"jwt": ["x"]}});
    assert!(CredentialRequest::from_json(&both.to_string(), &limits).is_ok());
    // No proofs at all parses; the issuer asks for them where the configuration needs them.
    let none =
        CredentialRequest::from_json(r#"{"credential_configuration_id":"a"}"#, &limits).unwrap();
    assert_eq!(
        none.jwt_proofs(),
        Err(CredentialRequestError::ProofsMissing)
    );
    assert_eq!(
        CredentialRequestError::ProofsMissing.error_code().code(),
        "invalid_proof"
    );
}

#[test]
fn credential_request_caps_and_duplicates() {
    let big_proof = "a".repeat(MAX_PROOF_JWT_LEN + 1);
    let body = j!({"credential_configuration_id": "a", "proofs": {"jwt": [big_proof]}}).to_string();
    assert_eq!(
        CredentialRequest::from_json(&body, &RequestLimits::default()),
        Err(CredentialRequestError::ProofTooLarge {
            index: 0,
            len: MAX_PROOF_JWT_LEN + 1,
            max: MAX_PROOF_JWT_LEN
        })
    );
    let small = RequestLimits {
        max_len: 100,
        max_proofs: 1,
    };
    let err = CredentialRequest::from_json(&body, &small).unwrap_err();
    assert_eq!(err.code(), "input_too_large");
    assert_eq!(
        err.error_code(),
        CredentialErrorCode::InvalidCredentialRequest
    );
    let id = "i".repeat(MAX_CREDENTIAL_ID_LEN + 1);
    assert_eq!(
        CredentialRequest::from_json(
            &j!({"credential_identifier": id}).to_string(),
            &RequestLimits::default()
        ),
        Err(CredentialRequestError::FieldTooLong {
            field: "credential_identifier",
            len: MAX_CREDENTIAL_ID_LEN + 1,
            max: MAX_CREDENTIAL_ID_LEN
        })
    );
    let repeated = r#"{"credential_configuration_id":"a","credential_configuration_id":"b"}"#;
    let err = CredentialRequest::from_json(repeated, &RequestLimits::default()).unwrap_err();
    assert_eq!(
        err,
        CredentialRequestError::Message(MessageError::Json {
            message: "credential request",
            error: JsonError::DuplicateKey("credential_configuration_id".into())
        })
    );
    // §8.3.1.2: "repeats the same parameter" is invalid_credential_request.
    assert_eq!(
        err.error_code(),
        CredentialErrorCode::InvalidCredentialRequest
    );
}

#[test]
fn spec_credential_responses_parse_and_reserialize_equal() {
    for file in [
        "inline-blocks/022-L985-credential-response.txt",
        "inline-blocks/023-L1001-credential-response.txt",
        "inline-blocks/024-L1020-credential-response.txt",
        "examples/credential_response_sd_jwt_vc.txt",
        "examples/credential_response_jwt_vc_json.txt",
        "examples/credential_response_mso_mdoc.txt",
        "examples/credential_response_ldp_vc.txt",
    ] {
        let text = vector(file);
        let body = unwrap_json_strings(http_body(&text));
        let response =
            CredentialResponse::from_json(&body).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(json(&response.to_json()), json(&body), "{file}");
    }
    let text = vector("inline-blocks/023-L1001-credential-response.txt");
    let CredentialResponse::Immediate {
        credentials,
        notification_id,
    } = CredentialResponse::from_json(http_body(&text)).unwrap()
    else {
        panic!("immediate expected");
    };
    assert_eq!(credentials.len(), 2);
    assert_eq!(notification_id.as_deref(), Some("3fwe98js"));
    let text = vector("inline-blocks/024-L1020-credential-response.txt");
    assert_eq!(
        CredentialResponse::from_json(http_body(&text)).unwrap(),
        CredentialResponse::Deferred {
            transaction_id: "8xLOxBtZp8".into(),
            interval: 3600
        }
    );
    let text = vector("examples/credential_response_sd_jwt_vc.txt");
    let response = CredentialResponse::from_json(&unwrap_json_strings(http_body(&text))).unwrap();
    let CredentialResponse::Immediate { credentials, .. } = response else {
        panic!("immediate expected");
    };
    let sd_jwt = credentials[0].credential.as_compact().unwrap();
    assert!(
        sd_jwt.starts_with("eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImRjK3NkLWp3d")
            && sd_jwt.ends_with('~')
    );
}

#[test]
fn spec_credential_error_response_parses() {
    let text = vector("inline-blocks/025-L1061-credential-request-errors.txt");
    let error = CredentialErrorResponse::from_json(http_body(&text)).unwrap();
    assert_eq!(
        error.error,
        CredentialErrorCode::UnknownCredentialConfiguration
    );
    assert_eq!(json(&error.to_json()), json(http_body(&text)));
}

#[test]
fn our_credential_response_round_trips() {
    let response =
        CredentialResponse::immediate(vec!["a.b.c~".into(), "d.e.f~".into()], Some("n1".into()));
    assert_eq!(
        json(&response.to_json()),
        j!({"credentials": [{"credential": "a.b.c~"}, {"credential": "d.e.f~"}], "notification_id": "n1"})
    );
    assert_eq!(
        CredentialResponse::from_json(&response.to_json()).unwrap(),
        response
    );
}

#[test]
fn credential_responses_breaking_section_8_3_are_refused() {
    use CredentialResponseError as E;
    let cases = [
        (
            j!({"credentials": [{"credential": "x"}], "transaction_id": "t", "interval": 5}),
            E::Ambiguous,
        ),
        (j!({"notification_id": "n"}), E::Empty),
        (
            j!({"credentials": [{"credential": "x"}], "interval": 5}),
            E::MemberNotAllowed {
                member: "interval",
                context: "with credentials",
            },
        ),
        (
            j!({"transaction_id": "t", "interval": 5, "notification_id": "n"}),
            E::MemberNotAllowed {
                member: "notification_id",
                context: "without credentials",
            },
        ),
        (
            j!({"transaction_id": "t"}),
            E::MemberInvalid {
                member: "interval",
                reason: "required with transaction_id, as a positive integer",
            },
        ),
        (
            j!({"transaction_id": "t", "interval": 0}),
            E::MemberInvalid {
                member: "interval",
                reason: "required with transaction_id, as a positive integer",
            },
        ),
        (
            j!({"credentials": []}),
            E::MemberInvalid {
                member: "credentials",
                reason: "must not be empty",
            },
        ),
        (
            j!({"credentials": ["x"]}),
            E::MemberInvalid {
                member: "credentials",
                reason: "each entry must be an object with a non-empty string or object \"credential\"",
            },
        ),
        (
            j!({"transaction_id": 5, "interval": 1}),
            E::MemberInvalid {
                member: "transaction_id",
                reason: "must be a non-empty string",
            },
        ),
        (
            j!({"credentials": vec![j!({"credential": "x"}); MAX_CREDENTIALS + 1]}),
            E::TooManyCredentials {
                count: MAX_CREDENTIALS + 1,
                max: MAX_CREDENTIALS,
            },
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            CredentialResponse::from_json(&body.to_string()),
            Err(expected),
            "{body}"
        );
    }
}
