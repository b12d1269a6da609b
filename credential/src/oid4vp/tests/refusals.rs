//! Round trips of queries built in code, and every refusal with its code.

use super::*;

#[test]
fn query_built_in_code_round_trips() {
    let q = DcqlQuery {
        credentials: vec![CredentialQuery {
            id: "passport".into(),
            format: CredentialFormat::DcSdJwt,
            multiple: Some(false),
            meta: Meta {
                vct_values: Some(vec!["urn:sigillum:vct:passport:1".into()]),
                ..Meta::default()
            },
            trusted_authorities: Some(vec![TrustedAuthoritiesQuery {
                kind: "aki".into(),
                values: vec!["s9tIpPmhxdiuNkHMEWNpYim8S8Y".into()],
            }]),
            require_cryptographic_holder_binding: Some(true),
            claims: Some(vec![
                ClaimsQuery {
                    id: Some("n".into()),
                    path: ClaimPath(vec![PathSegment::Key("family_name".into())]),
                    values: None,
                    intent_to_retain: None,
                },
                ClaimsQuery {
                    id: Some("d".into()),
                    path: ClaimPath(vec![
                        PathSegment::Key("degrees".into()),
                        PathSegment::All,
                        PathSegment::Index(2),
                    ]),
                    values: Some(vec![
                        ClaimValue::Integer(3),
                        ClaimValue::Bool(false),
                        ClaimValue::String("x".into()),
                    ]),
                    intent_to_retain: None,
                },
            ]),
            claim_sets: Some(vec![vec!["n".into(), "d".into()], vec!["n".into()]]),
        }],
        credential_sets: Some(vec![CredentialSetQuery {
            options: vec![vec!["passport".into()]],
            required: Some(true),
        }]),
    };
    q.validate().unwrap();
    let text = q.to_json();
    assert!(text.contains(r#""path":["degrees",null,2]"#), "{text}");
    assert!(text.contains(r#""values":[3,false,"x"]"#), "{text}");
    assert_eq!(DcqlQuery::from_json_strict(&text).unwrap(), q);
}

fn refusal(text: &str) -> DcqlError {
    match DcqlQuery::from_json(text) {
        Ok(q) => panic!("accepted: {q:?}"),
        Err(e) => e,
    }
}

fn with_credential(credential: Value) -> String {
    json!({"credentials": [credential]}).to_string()
}

fn sd_credential(extra: Value) -> Value {
    let mut c = json!({"id": "c", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:x"]}});
    for (k, v) in object(extra) {
        c[k] = v;
    }
    c
}

#[test]
fn refusals_have_specific_codes() {
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "json_malformed"),
        (r#"{"credentials":[],"credentials":[]}"#.into(), "json_duplicate_member"),
        (format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_DCQL_LEN)), "input_too_large"),
        (r#"{"credentials":[]}"#.into(), "dcql_empty"),
        (r#"{}"#.into(), "dcql_malformed"),
        (with_credential(json!({"id": "c", "format": "dc+sd-jwt"})), "dcql_malformed"),
        (with_credential(sd_credential(json!({"id": "my credential"}))), "dcql_id_invalid"),
        (with_credential(sd_credential(json!({"id": ""}))), "dcql_id_invalid"),
        (with_credential(sd_credential(json!({"id": "a".repeat(65)}))), "dcql_id_invalid"),
        (json!({"credentials": [sd_credential(json!({})), sd_credential(json!({}))]}).to_string(), "dcql_id_duplicate"),
        (with_credential(json!({"id": "c", "format": "dc+sd-jwt", "meta": {}})), "dcql_meta_missing"),
        (with_credential(json!({"id": "c", "format": "dc+sd-jwt", "meta": {"vct_values": []}})), "dcql_empty"),
        (with_credential(json!({"id": "c", "format": "dc+sd-jwt", "meta": {"vct_values": [""]}})), "dcql_bad_length"),
        (with_credential(json!({"id": "c", "format": "jwt_vc_json", "meta": {"vct_values": ["x"]}})), "dcql_meta_missing"),
        (with_credential(json!({"id": "c", "format": "jwt_vc_json", "meta": {"type_values": [[]]}})), "dcql_empty"),
        (with_credential(json!({"id": "c", "format": "mso_mdoc", "meta": {}})), "dcql_meta_missing"),
        (with_credential(json!({
            "id": "c", "format": "mso_mdoc", "meta": {"doctype_value": "d"},
            "claims": [{"path": ["ns", "a", "b"]}]
        })), "dcql_path_invalid"),
        (with_credential(sd_credential(json!({"claims": []}))), "dcql_empty"),
        (with_credential(sd_credential(json!({"claims": [{"path": []}]}))), "dcql_path_invalid"),
        (with_credential(sd_credential(json!({"claims": [{"path": vec!["a"; 17]}]}))), "dcql_path_invalid"),
        (with_credential(sd_credential(json!({"claims": [{"path": ["a", -1]}]}))), "dcql_malformed"),
        (with_credential(sd_credential(json!({"claims": [{"path": ["a", 1.5]}]}))), "dcql_malformed"),
        (with_credential(sd_credential(json!({"claims": [{"path": "a"}]}))), "dcql_malformed"),
        (with_credential(sd_credential(json!({"claims": [{"path": ["a"], "values": []}]}))), "dcql_empty"),
        (with_credential(sd_credential(json!({"claims": [{"path": ["a"], "values": [1.5]}]}))), "dcql_malformed"),
        (with_credential(sd_credential(json!({"claims": [{"path": ["a"], "values": [{"x": 1}]}]}))), "dcql_malformed"),
        (with_credential(sd_credential(json!({"claims": [{"path": ["a"]}, {"path": ["a"]}]}))), "dcql_claim_duplicate"),
        (with_credential(sd_credential(json!({
            "claims": [{"id": "x", "path": ["a"]}, {"id": "x", "path": ["b"]}]
        }))), "dcql_id_duplicate"),
        (with_credential(sd_credential(json!({"claim_sets": [["x"]]}))), "dcql_claim_sets_without_claims"),
        (with_credential(sd_credential(json!({
            "claims": [{"id": "x", "path": ["a"]}, {"path": ["b"]}], "claim_sets": [["x"]]
        }))), "dcql_claim_id_missing"),
        (with_credential(sd_credential(json!({
            "claims": [{"id": "x", "path": ["a"]}], "claim_sets": [["x", "y"]]
        }))), "dcql_reference_unknown"),
        (with_credential(sd_credential(json!({
            "claims": [{"id": "x", "path": ["a"]}], "claim_sets": [[]]
        }))), "dcql_empty"),
        (with_credential(sd_credential(json!({"trusted_authorities": []}))), "dcql_empty"),
        (with_credential(sd_credential(json!({"trusted_authorities": [{"type": "aki", "values": []}]}))), "dcql_empty"),
        (json!({"credentials": [sd_credential(json!({}))], "credential_sets": []}).to_string(), "dcql_empty"),
        (json!({"credentials": [sd_credential(json!({}))], "credential_sets": [{"options": []}]}).to_string(), "dcql_empty"),
        (json!({"credentials": [sd_credential(json!({}))], "credential_sets": [{"options": [[]]}]}).to_string(), "dcql_empty"),
        (json!({"credentials": [sd_credential(json!({}))], "credential_sets": [{"options": [["c", "d"]]}]}).to_string(), "dcql_reference_unknown"),
        (json!({"credentials": (0..33).map(|i| sd_credential(json!({"id": format!("c{i}")}))).collect::<Vec<_>>()}).to_string(), "dcql_too_many"),
        (with_credential(sd_credential(json!({
            "claims": (0..65).map(|i| json!({"path": [format!("c{i}")]})).collect::<Vec<_>>()
        }))), "dcql_too_many"),
        (with_credential(sd_credential(json!({"meta": {"vct_values": vec!["v"; 33]}}))), "dcql_too_many"),
        (with_credential(sd_credential(json!({"meta": {"vct_values": ["v".repeat(1025)]}}))), "dcql_bad_length"),
    ];
    for (text, code) in cases {
        let e = refusal(&text);
        assert_eq!(e.code(), code, "{} → {e}", &text[..text.len().min(200)]);
    }
}

/// §6: implementations ignore unknown members; a verifier's own configuration is
/// read strictly, so a misspelt `claims` cannot silently ask for nothing.
#[test]
fn unknown_members_are_ignored_on_the_wire_and_refused_in_configuration() {
    let text = with_credential(sd_credential(json!({"claim": [{"path": ["a"]}]})));
    let q = DcqlQuery::from_json(&text).unwrap();
    assert_eq!(q.credentials[0].claims, None);
    let e = DcqlQuery::from_json_strict(&text).unwrap_err();
    assert_eq!(
        e,
        DcqlError::UnknownMember {
            at: "credentials[0].claim".into()
        }
    );
    assert_eq!(e.code(), "dcql_unknown_member");
    for (text, at) in [
        (r#"{"credentials":[],"extension":1}"#.to_owned(), "extension"),
        (with_credential(sd_credential(json!({"meta": {"vct_values": ["x"], "vct": "x"}}))), "credentials[0].meta.vct"),
        (with_credential(sd_credential(json!({"claims": [{"path": ["a"], "value": 1}]}))), "credentials[0].claims[0].value"),
        (json!({"credentials": [sd_credential(json!({}))], "credential_sets": [{"options": [["c"]], "optional": true}]}).to_string(), "credential_sets[0].optional"),
    ] {
        assert_eq!(
            DcqlQuery::from_json_strict(&text).unwrap_err(),
            DcqlError::UnknownMember { at: at.into() }
        );
    }
}

#[test]
fn errors_quote_untrusted_text_clipped() {
    let long = "é".repeat(500);
    let e = refusal(&with_credential(sd_credential(json!({"id": long}))));
    assert!(e.to_string().chars().count() < 200, "{e}");
}
