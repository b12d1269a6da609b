//! Credential Issuer Metadata (§12.2): spec examples and the rules.

use serde_json::{Value, json as j};

use super::{join_lines, json, vector};
use crate::b64;
use crate::json::JsonError;
use crate::oid4vci::*;
use crate::sd_jwt::{ClaimPath, PathSegment};

const ISSUER: &str = "https://credential-issuer.example.com";

/// Removes members we deliberately do not model (see the metadata module docs).
fn strip_unmodelled(value: &mut Value) {
    if let Some(top) = value.as_object_mut() {
        for member in [
            "deferred_credential_endpoint",
            "notification_endpoint",
            "credential_request_encryption",
            "credential_response_encryption",
        ] {
            top.remove(member);
        }
    }
    let configurations = value["credential_configurations_supported"].as_object_mut();
    for configuration in configurations.into_iter().flat_map(|m| m.values_mut()) {
        if let Some(proof_types) = configuration["proof_types_supported"].as_object_mut() {
            for proof_type in proof_types.values_mut() {
                proof_type
                    .as_object_mut()
                    .map(|p| p.remove("key_attestations_required"));
            }
        }
    }
}

/// A §12.2.4 document around one of the spec's `credential_configurations_supported` examples.
fn around(configurations_example: &str) -> String {
    let mut value = json(&vector(configurations_example));
    value["credential_issuer"] = ISSUER.into();
    value["credential_endpoint"] = format!("{ISSUER}/credential").into();
    value.to_string()
}

#[test]
fn spec_full_metadata_parses_and_reserializes_equal() {
    let text = vector("examples/credential_issuer_metadata_sd_jwt_long.json");
    let metadata = CredentialIssuerMetadata::from_json(&text, ISSUER).unwrap();
    assert_eq!(
        metadata.nonce_endpoint.as_deref(),
        Some("https://credential-issuer.example.com/nonce")
    );
    assert_eq!(metadata.max_proofs(), 10);
    assert_eq!(metadata.display.as_ref().map(Vec::len), Some(2));
    let configuration =
        &metadata.credential_configurations_supported["SD_JWT_VC_example_in_OpenID4VCI"];
    assert_eq!(configuration.format, CredentialFormat::DcSdJwt);
    assert_eq!(
        configuration.vct.as_deref(),
        Some("SD_JWT_VC_example_in_OpenID4VCI")
    );
    let claims = configuration
        .credential_metadata
        .as_ref()
        .unwrap()
        .claims
        .as_ref()
        .unwrap();
    assert_eq!(claims.len(), 13);
    assert_eq!(
        claims[5].path,
        ClaimPath(vec![
            PathSegment::Key("address".into()),
            PathSegment::Key("street_address".into())
        ])
    );
    let mut expected = json(&text);
    strip_unmodelled(&mut expected);
    assert_eq!(json(&metadata.to_json()), expected);
}

#[test]
fn spec_configuration_examples_of_our_formats_reserialize_equal() {
    for file in [
        "examples/credential_metadata_sd_jwt_vc.json",
        "examples/credential_metadata_jwt_vc_json.json",
    ] {
        let text = around(file);
        let metadata = CredentialIssuerMetadata::from_json(&text, ISSUER)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut expected = json(&text);
        strip_unmodelled(&mut expected);
        assert_eq!(json(&metadata.to_json()), expected, "{file}");
    }
    let jwt_vc = CredentialIssuerMetadata::from_json(
        &around("examples/credential_metadata_jwt_vc_json.json"),
        ISSUER,
    )
    .unwrap();
    let configuration = &jwt_vc.credential_configurations_supported["UniversityDegreeCredential"];
    assert_eq!(
        configuration.credential_definition.as_ref().unwrap().types,
        ["VerifiableCredential", "UniversityDegreeCredential"]
    );
    let gpa = &configuration
        .credential_metadata
        .as_ref()
        .unwrap()
        .claims
        .as_ref()
        .unwrap()[3];
    assert_eq!(gpa.mandatory, Some(true));
}

#[test]
fn spec_configuration_examples_of_other_formats_parse_unjudged() {
    let mdoc = CredentialIssuerMetadata::from_json(
        &around("examples/credential_metadata_mso_mdoc.json"),
        ISSUER,
    )
    .unwrap();
    let configuration = &mdoc.credential_configurations_supported["org.iso.18013.5.1.mDL"];
    assert_eq!(
        configuration.format,
        CredentialFormat::Other("mso_mdoc".into())
    );
    assert_eq!(
        configuration.credential_signing_alg_values_supported,
        Some(vec![SigningAlgorithm::Cose(-7), SigningAlgorithm::Cose(-9)])
    );
    // Both lack proof_types_supported beside cryptographic_binding_methods_supported,
    // which §12.2.4 requires; as formats we do not implement, they are not judged.
    let ldp = CredentialIssuerMetadata::from_json(
        &around("examples/credential_metadata_ldp_vc.json"),
        ISSUER,
    )
    .unwrap();
    assert_eq!(
        ldp.credential_configurations_supported["UniversityDegree_LDP_VC"].format,
        CredentialFormat::Other("ldp_vc".into())
    );
}

#[test]
fn spec_signed_metadata_payload_parses() {
    // Appendix I.1 signed metadata (§12.2.3): we do not verify its x5c chain, only
    // show that its payload is metadata we read (extra claims sub, iat ignored).
    let token = join_lines(&vector(
        "examples/credential_issuer_metadata_sd_jwt_jwt.txt",
    ));
    let payload = token.split('.').nth(1).unwrap();
    let payload = String::from_utf8(b64::decode(payload).unwrap()).unwrap();
    let metadata = CredentialIssuerMetadata::from_json(&payload, ISSUER).unwrap();
    assert_eq!(metadata.credential_endpoint, format!("{ISSUER}/credential"));
}

fn ours() -> CredentialIssuerMetadata {
    let issuer = "http://127.0.0.1:8443";
    let mut configurations = std::collections::BTreeMap::new();
    configurations.insert(
        "pid_sd_jwt".to_owned(),
        CredentialConfiguration {
            format: CredentialFormat::DcSdJwt,
            scope: Some("pid".into()),
            vct: Some("https://sigillum.example/pid".into()),
            credential_definition: None,
            cryptographic_binding_methods_supported: Some(vec!["jwk".into()]),
            credential_signing_alg_values_supported: Some(vec![SigningAlgorithm::Jose(
                "ES256".into(),
            )]),
            proof_types_supported: Some(
                [(
                    "jwt".to_owned(),
                    ProofTypeMetadata {
                        proof_signing_alg_values_supported: vec!["ES256".into(), "EdDSA".into()],
                    },
                )]
                .into(),
            ),
            credential_metadata: Some(CredentialMetadata {
                display: Some(vec![CredentialDisplay {
                    name: "Identity".into(),
                    locale: Some("en".into()),
                    ..CredentialDisplay::default()
                }]),
                claims: Some(vec![ClaimDescription {
                    path: ClaimPath::dotted("given_name"),
                    mandatory: Some(true),
                    display: Some(vec![ClaimDisplay {
                        name: Some("Given name".into()),
                        locale: Some("en".into()),
                    }]),
                }]),
            }),
        },
    );
    CredentialIssuerMetadata {
        credential_issuer: issuer.into(),
        authorization_servers: None,
        credential_endpoint: format!("{issuer}/credential"),
        nonce_endpoint: Some(format!("{issuer}/nonce")),
        batch_credential_issuance: Some(BatchCredentialIssuance { batch_size: 4 }),
        display: Some(vec![IssuerDisplay {
            name: Some("Sigillum".into()),
            locale: Some("en".into()),
            logo: None,
        }]),
        credential_configurations_supported: configurations,
    }
}

#[test]
fn our_metadata_round_trips_with_spec_member_names() {
    let metadata = ours();
    let text = metadata.to_json();
    let value = json(&text);
    let configuration = &value["credential_configurations_supported"]["pid_sd_jwt"];
    assert_eq!(configuration["format"], "dc+sd-jwt");
    assert_eq!(
        configuration["credential_metadata"]["claims"][0]["path"],
        j!(["given_name"])
    );
    assert_eq!(
        configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
        j!(["ES256", "EdDSA"])
    );
    assert_eq!(value["batch_credential_issuance"], j!({"batch_size": 4}));
    assert_eq!(
        CredentialIssuerMetadata::from_json(&text, "http://127.0.0.1:8443").unwrap(),
        metadata
    );
}

#[test]
fn metadata_for_another_issuer_is_refused() {
    let text = vector("examples/credential_issuer_metadata_sd_jwt_long.json");
    let err = CredentialIssuerMetadata::from_json(&text, "https://credential-issuer.example.com/")
        .unwrap_err();
    assert_eq!(
        err,
        MetadataError::IssuerMismatch {
            expected: "https://credential-issuer.example.com/".into(),
            found: ISSUER.into()
        }
    );
    assert_eq!(err.code(), "metadata_issuer_mismatch");
}

#[test]
fn metadata_rules_are_enforced() {
    let config = "credential_configurations_supported.pid_sd_jwt";
    let check = |edit: &dyn Fn(&mut CredentialIssuerMetadata), expected: MetadataError| {
        let mut metadata = ours();
        edit(&mut metadata);
        assert_eq!(metadata.validate(), Err(expected.clone()), "{expected}");
        let text = metadata.to_json();
        assert_eq!(
            CredentialIssuerMetadata::from_json(&text, &metadata.credential_issuer),
            Err(expected)
        );
    };
    check(
        &|m| m.nonce_endpoint = Some("http://issuer.example/nonce".into()),
        MetadataError::UrlInvalid {
            field: "nonce_endpoint",
            url: "http://issuer.example/nonce".into(),
            reason: UrlError::NotHttps,
        },
    );
    check(
        &|m| m.batch_credential_issuance = Some(BatchCredentialIssuance { batch_size: 1 }),
        MetadataError::BatchSizeTooSmall { batch_size: 1 },
    );
    check(
        &|m| m.display = Some(vec![]),
        MetadataError::EmptyArray {
            field: "display".into(),
        },
    );
    check(
        &|m| {
            let display = m.display.as_mut().unwrap();
            display.push(display[0].clone());
        },
        MetadataError::DuplicateLocale {
            field: "display".into(),
            locale: "en".into(),
        },
    );
    check(
        &|m| pid(m).vct = None,
        MetadataError::FormatMemberMissing {
            id: "pid_sd_jwt".into(),
            format: "dc+sd-jwt",
            member: "vct",
        },
    );
    check(
        &|m| pid(m).format = CredentialFormat::JwtVcJson,
        MetadataError::FormatMemberMissing {
            id: "pid_sd_jwt".into(),
            format: "jwt_vc_json",
            member: "credential_definition",
        },
    );
    check(
        &|m| pid(m).proof_types_supported = None,
        MetadataError::ProofTypesBindingMismatch {
            id: "pid_sd_jwt".into(),
        },
    );
    check(
        &|m| pid(m).cryptographic_binding_methods_supported = Some(vec![]),
        MetadataError::EmptyArray {
            field: format!("{config}.cryptographic_binding_methods_supported"),
        },
    );
    check(
        &|m| {
            let claims = claims(pid(m));
            claims.push(claims[0].clone());
        },
        MetadataError::ClaimsConflict {
            id: "pid_sd_jwt".into(),
            first: r#"["given_name"]"#.into(),
            second: r#"["given_name"]"#.into(),
        },
    );
    check(
        &|m| claims(pid(m))[0].path = ClaimPath(vec![]),
        MetadataError::ClaimPathEmpty {
            id: "pid_sd_jwt".into(),
        },
    );
    check(
        &|m| {
            let claim = claims(pid(m))[0].clone();
            claims(pid(m)).extend(std::iter::repeat_n(claim, MAX_CLAIMS));
        },
        MetadataError::TooManyClaims {
            id: "pid_sd_jwt".into(),
            count: MAX_CLAIMS + 1,
            max: MAX_CLAIMS,
        },
    );
}

fn pid(metadata: &mut CredentialIssuerMetadata) -> &mut CredentialConfiguration {
    metadata
        .credential_configurations_supported
        .get_mut("pid_sd_jwt")
        .unwrap()
}

fn claims(configuration: &mut CredentialConfiguration) -> &mut Vec<ClaimDescription> {
    configuration
        .credential_metadata
        .as_mut()
        .and_then(|m| m.claims.as_mut())
        .unwrap()
}

#[test]
fn malformed_claim_paths_and_duplicate_members_are_refused() {
    let mut value = json(&ours().to_json());
    value["credential_configurations_supported"]["pid_sd_jwt"]["credential_metadata"]["claims"]
        [0]["path"] = j!(["a", -1]);
    let err = CredentialIssuerMetadata::from_json(&value.to_string(), "http://127.0.0.1:8443")
        .unwrap_err();
    assert_eq!(err.code(), "message_malformed");
    let text = r#"{"credential_issuer":"https://a.example","credential_endpoint":"https://a.example/c","credential_endpoint":"https://evil.example/c","credential_configurations_supported":{}}"#;
    assert_eq!(
        CredentialIssuerMetadata::from_json(text, "https://a.example"),
        Err(MetadataError::Message(MessageError::Json {
            message: "credential issuer metadata",
            error: JsonError::DuplicateKey("credential_endpoint".into())
        }))
    );
}
