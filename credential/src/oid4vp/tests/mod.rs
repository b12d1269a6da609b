//! Tests for the OpenID4VP module: every DCQL example of the 1.0 spec (OpenID
//! Foundation, see `shared/vectors/openid4vc/SOURCES.md`), round trips, matching,
//! and every refusal with its code.
#![allow(clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::*;
use crate::sd_jwt::{ClaimPath, PathSegment};

mod refusals;
mod request;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/openid4vc/openid4vp-1.0")
}

fn vector(path: &str) -> String {
    let full = vectors_dir().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn query(path: &str) -> DcqlQuery {
    DcqlQuery::from_json(&vector(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn path(pointer: Value) -> ClaimPath {
    ClaimPath::from_pointer(&pointer).unwrap()
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// Every DCQL query in the vectors: the query-language examples, the request
/// examples, and the `dcql_query` of every request object that is valid JSON (those
/// with `{...}` elisions are skipped, as SOURCES.md lists). Each parses, and
/// serializes back to exactly the published JSON (none has unknown members).
#[test]
fn every_dcql_example_parses_and_round_trips() {
    let mut files = Vec::new();
    json_files(&vectors_dir(), &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        // Display-only files (elisions, wrapped strings) are not JSON.
        let Ok(value) = crate::json::parse(text.as_bytes(), 1 << 20) else {
            continue;
        };
        let dcql = if let Some(q) = value.get("dcql_query").filter(|q| q.is_object()) {
            q.clone()
        } else if value["credentials"][0].get("format").is_some() {
            value
        } else {
            continue;
        };
        let parsed = DcqlQuery::from_value(&dcql)
            .unwrap_or_else(|e| panic!("{}: {e} [{}]", file.display(), e.code()));
        assert_eq!(parsed.to_value(), dcql, "{}", file.display());
        assert_eq!(DcqlQuery::from_json(&parsed.to_json()).unwrap(), parsed);
        assert_eq!(DcqlQuery::from_value_strict(&dcql).unwrap(), parsed);
        found.push(
            file.strip_prefix(vectors_dir())
                .unwrap()
                .display()
                .to_string(),
        );
    }
    assert_eq!(
        found,
        [
            "examples/query_lang/claims_alternatives.json",
            "examples/query_lang/complex_mdoc.json",
            "examples/query_lang/credentials_alternatives.json",
            "examples/query_lang/multi_credentials.json",
            "examples/query_lang/simple.json",
            "examples/query_lang/simple_mdoc.json",
            "examples/query_lang/value_matching_simple.json",
            "examples/request/dcql_jwt_vc.json",
            "examples/request/dcql_ldp_vc.json",
            "inline-blocks/006-L446-examples.json",
            "inline-blocks/026-L1330-encrypted-responses.json",
        ]
    );
}

#[test]
fn simple_example_reads_as_the_spec_says() {
    let q = query("examples/query_lang/simple.json");
    let c = &q.credentials[0];
    assert_eq!(c.id, "my_credential");
    assert_eq!(c.format, CredentialFormat::DcSdJwt);
    assert_eq!(
        c.meta.vct_values.as_deref(),
        Some(&["https://credentials.example.com/identity_credential".to_owned()][..])
    );
    assert!(!c.multiple());
    assert!(c.requires_holder_binding());
    let paths: Vec<String> = c
        .claims
        .iter()
        .flatten()
        .map(|q| q.path.to_string())
        .collect();
    assert_eq!(
        paths,
        ["family_name", "given_name", "address.street_address"]
    );
    assert_eq!(q.credential_sets, None);
}

/// §7.4: the claims path pointer example, and the §7.1.1 abort rules.
#[test]
fn claims_path_pointers_select_as_in_section_7() {
    let credential = object(
        serde_json::from_str(&vector(
            "inline-blocks/017-L1097-claims-path-pointer-example.json",
        ))
        .unwrap(),
    );
    let sel = |p: Value| {
        select(&credential, &path(p)).map(|v| v.into_iter().cloned().collect::<Vec<_>>())
    };
    assert_eq!(sel(json!(["name"])), Some(vec![json!("Arthur Dent")]));
    assert_eq!(
        sel(json!(["address"])),
        Some(vec![credential["address"].clone()])
    );
    assert_eq!(
        sel(json!(["address", "street_address"])),
        Some(vec![json!("42 Market Street")])
    );
    assert_eq!(
        sel(json!(["degrees", null, "type"])),
        Some(vec![
            json!("Bachelor of Science"),
            json!("Master of Science")
        ])
    );
    assert_eq!(
        sel(json!(["nationalities", 1])),
        Some(vec![json!("Betelgeusian")])
    );
    // Aborts: a key on a string, an index on an object, null on a string; nothing selected.
    assert_eq!(sel(json!(["name", "first"])), None);
    assert_eq!(sel(json!(["address", 0])), None);
    assert_eq!(sel(json!(["nationalities", 0, null])), None);
    assert_eq!(sel(json!(["nationalities", 5])), None);
    assert_eq!(sel(json!(["unknown"])), None);
    assert_eq!(sel(json!([0])), None);
}

fn sd(vct: &str) -> (CredentialFormat, Vec<&str>) {
    (CredentialFormat::DcSdJwt, vec![vct])
}

const IDENTITY: &str = "https://credentials.example.com/identity_credential";

#[test]
fn simple_query_tells_the_verifier_what_is_missing() {
    let q = query("examples/query_lang/simple.json");
    let (format, types) = sd(IDENTITY);
    let full = object(json!({
        "vct": IDENTITY, "family_name": "Doe", "given_name": "John",
        "address": {"street_address": "123 Main St"}
    }));
    assert_eq!(
        q.satisfied_by(&format, &types, &full),
        Ok(vec!["my_credential"])
    );

    let partial = object(json!({"vct": IDENTITY, "family_name": "Doe", "address": {}}));
    let Err(Unsatisfied::ClaimsMissing(missing)) = q.satisfied_by(&format, &types, &partial) else {
        panic!("expected missing claims");
    };
    assert_eq!(
        missing,
        [
            MissingClaim {
                credential: "my_credential".into(),
                id: None,
                path: path(json!(["given_name"])),
                reason: MissingReason::Absent
            },
            MissingClaim {
                credential: "my_credential".into(),
                id: None,
                path: path(json!(["address", "street_address"])),
                reason: MissingReason::Absent
            },
        ]
    );
    assert_eq!(missing[1].to_string(), "address.street_address");

    // Another type, or another format of the same name, is not asked for.
    let (_, other) = sd("https://othercredentials.example/pid");
    assert_eq!(
        q.satisfied_by(&format, &other, &full),
        Err(Unsatisfied::NotRequested)
    );
    assert_eq!(
        q.satisfied_by(&CredentialFormat::JwtVcJson, &types, &full),
        Err(Unsatisfied::NotRequested)
    );
    // The wallet discloses exactly the requested paths.
    assert_eq!(
        q.requested_paths(&format, &types, &full),
        [
            path(json!(["family_name"])),
            path(json!(["given_name"])),
            path(json!(["address", "street_address"]))
        ]
    );
    assert_eq!(
        q.requested_paths(&format, &types, &partial),
        Vec::<ClaimPath>::new()
    );
}

#[test]
fn claim_sets_take_any_option_and_report_the_closest() {
    let q = query("examples/query_lang/claims_alternatives.json");
    let (format, types) = sd(IDENTITY);
    let first = object(
        json!({"family_name": "D", "locality": "L", "region": "R", "date_of_birth": "2000-01-01"}),
    );
    let second =
        object(json!({"family_name": "D", "postal_code": "9", "date_of_birth": "2000-01-01"}));
    assert_eq!(q.satisfied_by(&format, &types, &first), Ok(vec!["pid"]));
    assert_eq!(q.satisfied_by(&format, &types, &second), Ok(vec!["pid"]));

    // Option 2 lacks one claim, option 1 two: option 2's is reported.
    let neither = object(json!({"family_name": "D", "date_of_birth": "2000-01-01"}));
    let Err(Unsatisfied::ClaimsMissing(missing)) = q.satisfied_by(&format, &types, &neither) else {
        panic!("expected missing claims");
    };
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].id.as_deref(), Some("b"));

    // The wallet returns the first option it can satisfy, and nothing when it can satisfy none.
    let everything = object(json!({
        "family_name": "D", "postal_code": "9", "locality": "L", "region": "R", "date_of_birth": "2000-01-01"
    }));
    let c = &q.credentials[0];
    let names = |paths: Option<Vec<ClaimPath>>| {
        paths.map(|p| p.iter().map(ToString::to_string).collect::<Vec<_>>())
    };
    assert_eq!(
        names(c.requested_paths(&everything)),
        Some(vec![
            "family_name".into(),
            "locality".into(),
            "region".into(),
            "date_of_birth".into()
        ])
    );
    assert_eq!(
        names(c.requested_paths(&second)),
        Some(vec![
            "family_name".into(),
            "postal_code".into(),
            "date_of_birth".into()
        ])
    );
    assert_eq!(c.requested_paths(&neither), None);
}

#[test]
fn credential_sets_decide_whether_one_credential_is_enough() {
    let q = query("examples/query_lang/credentials_alternatives.json");
    let pid =
        object(json!({"given_name": "J", "family_name": "D", "address": {"street_address": "S"}}));
    let (format, types) = sd(IDENTITY);
    assert_eq!(q.satisfied_by(&format, &types, &pid), Ok(vec!["pid"]));

    // The reduced credential is only half of its option.
    let (_, reduced) = sd("https://credentials.example.com/reduced_identity_credential");
    let Err(Unsatisfied::SetsUnsatisfied { answered, needed }) =
        q.satisfied_by(&format, &reduced, &pid)
    else {
        panic!("expected an unmet set");
    };
    assert_eq!(answered, ["pid_reduced_cred_1"]);
    assert_eq!(
        needed,
        [
            vec!["pid".to_owned()],
            vec!["other_pid".into()],
            vec!["pid_reduced_cred_1".into(), "pid_reduced_cred_2".into()]
        ]
    );
    // A credential only the optional set asks for does not meet the required one.
    let (_, rewards) = sd("https://company.example/company_rewards");
    let rewards_claims = object(json!({"rewards_number": 7}));
    assert!(matches!(
        q.satisfied_by(&format, &rewards, &rewards_claims),
        Err(Unsatisfied::SetsUnsatisfied { .. })
    ));
}

#[test]
fn without_credential_sets_every_query_is_needed() {
    let q = query("examples/query_lang/multi_credentials.json");
    let pid =
        object(json!({"given_name": "J", "family_name": "D", "address": {"street_address": "S"}}));
    let (format, types) = sd(IDENTITY);
    assert_eq!(
        q.satisfied_by(&format, &types, &pid),
        Err(Unsatisfied::SetsUnsatisfied {
            answered: vec!["pid".into()],
            needed: vec![vec!["pid".into(), "mdl".into()]],
        })
    );
}

#[test]
fn mdoc_queries_parse_but_never_match() {
    for file in ["simple_mdoc.json", "complex_mdoc.json"] {
        let q = query(&format!("examples/query_lang/{file}"));
        let claims = object(json!({"org.iso.18013.5.1": {"given_name": "J"}}));
        for doctype in ["org.iso.7367.1.mVRC", "org.iso.18013.5.1.mDL"] {
            assert_eq!(
                q.satisfied_by(&CredentialFormat::MsoMdoc, &[doctype], &claims),
                Err(Unsatisfied::NotRequested)
            );
        }
    }
}

#[test]
fn values_must_match_in_type_and_value() {
    let q = query("examples/query_lang/value_matching_simple.json");
    let (format, types) = sd(IDENTITY);
    let base = json!({
        "family_name": "Doe", "given_name": "J", "address": {"street_address": "S"}, "postal_code": "90211"
    });
    assert_eq!(
        q.satisfied_by(&format, &types, &object(base.clone())),
        Ok(vec!["my_credential"])
    );
    let mut other = base.clone();
    other["family_name"] = json!("Smith");
    other["postal_code"] = json!(90211);
    let Err(Unsatisfied::ClaimsMissing(missing)) = q.satisfied_by(&format, &types, &object(other))
    else {
        panic!("expected missing claims");
    };
    let text: Vec<String> = missing.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "family_name (not one of the requested values)",
            "postal_code (not one of the requested values)"
        ]
    );

    assert!(ClaimValue::Integer(18).matches(&json!(18)));
    assert!(!ClaimValue::Integer(18).matches(&json!(18.0)));
    assert!(!ClaimValue::Integer(18).matches(&json!("18")));
    assert!(!ClaimValue::Integer(-1).matches(&json!(u64::MAX)));
    assert!(ClaimValue::Bool(true).matches(&json!(true)));
    assert!(!ClaimValue::String("true".into()).matches(&json!(true)));
}

/// Appendix B.1.1: `type_values` (inline 042) against the three example credentials
/// (043–045), which all match, and a credential of another type, which does not.
#[test]
fn type_values_match_any_alternative_as_a_subset() {
    let fragment =
        vector("inline-blocks/042-L2633-parameters-in-the-meta-parameter-in-credential-que.json");
    let meta = format!("{{{fragment}}}");
    let q = DcqlQuery::from_json(&format!(
        r#"{{"credentials":[{{"id":"vc","format":"jwt_vc_json","meta":{meta}}}]}}"#
    ))
    .unwrap();
    let empty = Map::new();
    for file in [
        "043-L2652-parameters-in-the-meta-parameter-in-credential-que.json",
        "044-L2664-parameters-in-the-meta-parameter-in-credential-que.json",
        "045-L2676-parameters-in-the-meta-parameter-in-credential-que.json",
    ] {
        let vc: Value = serde_json::from_str(&vector(&format!("inline-blocks/{file}"))).unwrap();
        // The credentials use terms that their @context expands (045's
        // IdentityCredential is in no context, so it stays as it is): compare in the
        // expanded form the query uses, as Appendix B.1.1 says.
        let types: Vec<String> = vc["type"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| match t.as_str().unwrap() {
                "VerifiableCredential" => {
                    "https://www.w3.org/2018/credentials#VerifiableCredential".to_owned()
                }
                "IdentityCredential" => "IdentityCredential".to_owned(),
                other => format!("https://example.org/examples#{other}"),
            })
            .collect();
        let types: Vec<&str> = types.iter().map(String::as_str).collect();
        assert_eq!(
            q.satisfied_by(&CredentialFormat::JwtVcJson, &types, &empty),
            Ok(vec!["vc"]),
            "{file}"
        );
    }
    assert_eq!(
        q.satisfied_by(
            &CredentialFormat::JwtVcJson,
            &["VerifiableCredential", "PassportCredential"],
            &empty
        ),
        Err(Unsatisfied::NotRequested)
    );
}

#[test]
fn jwt_vc_paths_address_the_credential_subject() {
    let q = query("examples/request/dcql_jwt_vc.json");
    let vc = object(json!({"credentialSubject": {"family_name": "D", "given_name": "J"}}));
    let types = ["VerifiableCredential", "IDCredential"];
    assert_eq!(
        q.satisfied_by(&CredentialFormat::JwtVcJson, &types, &vc),
        Ok(vec!["example_jwt_vc"])
    );
    let subject_only = object(json!({"family_name": "D", "given_name": "J"}));
    assert!(matches!(
        q.satisfied_by(&CredentialFormat::JwtVcJson, &types, &subject_only),
        Err(Unsatisfied::ClaimsMissing(m)) if m.len() == 2
    ));
}
