//! Authorization Requests by reference and `direct_post` answers: round trips, the
//! spec's examples, and every refusal with its code.

use std::collections::BTreeMap;

use super::*;
use crate::did::key::did_for;
use crate::key::{Alg, SigningKey};
use crate::oid4vci::form;
use crate::time::Timestamp;

fn dcql() -> DcqlQuery {
    query("examples/query_lang/simple.json")
}

struct Verifier {
    key: SigningKey,
    client_id: String,
    kid: String,
}

fn verifier(alg: Alg) -> Verifier {
    let key = SigningKey::generate(alg);
    let did = did_for(&key.public_key());
    let fragment = did.method_specific_id().to_owned();
    Verifier {
        client_id: format!("{DID_CLIENT_PREFIX}{}", did.as_str()),
        kid: format!("{}#{fragment}", did.as_str()),
        key,
    }
}

fn request(v: &Verifier) -> AuthorizationRequest {
    AuthorizationRequest {
        client_id: v.client_id.clone(),
        response_uri: "https://verifier.example/response/abc".into(),
        nonce: "n-0S6_WzA2Mj".into(),
        state: Some("st-1".into()),
        dcql_query: dcql(),
        client_metadata: Some(client_metadata(&[Alg::Es256])),
    }
}

fn link(v: &Verifier) -> RequestLink {
    RequestLink {
        client_id: v.client_id.clone(),
        request_uri: "https://verifier.example/request/abc".into(),
    }
}

fn signed(v: &Verifier, claims: &Map<String, Value>) -> String {
    crate::jws::sign_claims(REQUEST_OBJECT_TYP, Some(&v.kid), claims, &v.key)
}

#[test]
fn a_signed_request_round_trips_for_both_key_types() {
    for alg in [Alg::Es256, Alg::EdDsa] {
        let v = verifier(alg);
        let req = request(&v);
        let jwt = sign_request_object(&req, &v.kid, &v.key, Timestamp::from_unix(1_800_000_000))
            .expect("sign");
        let back = verify_request_object(&jwt, &link(&v), Alg::ALL).expect("verify");
        assert_eq!(back, req);
        assert_eq!(
            verify_offline_request(&jwt, Alg::ALL).expect("offline"),
            req
        );
        assert_eq!(
            back.client_did(),
            v.kid.split('#').next().unwrap_or_default()
        );
    }
}

#[test]
fn the_link_round_trips_and_reads_a_wallet_https_url() {
    let v = verifier(Alg::Es256);
    let text = link(&v).to_link();
    assert!(text.starts_with("openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3A"));
    assert_eq!(RequestLink::parse(&text).expect("parse"), link(&v));
    let https = text.replace("openid4vp://", "https://wallet.example/");
    assert_eq!(RequestLink::parse(&https).expect("https"), link(&v));
    for method in ["get", "post"] {
        let with = format!("{text}&request_uri_method={method}");
        assert!(RequestLink::parse(&with).is_ok(), "{method}");
    }
    let err = RequestLink::parse(&format!("{text}&request_uri_method=GET")).expect_err("case");
    assert_eq!(err.oauth_error(), "invalid_request_uri_method");
}

#[test]
fn the_spec_example_link_has_a_client_id_without_our_prefix() {
    // 022: the direct_post example's cross-device link, `client_id` an https URL
    // (pre-registered): a wallet that trusts only `decentralized_identifier` refuses it.
    let text: String = vector("inline-blocks/022-L1250-response-mode-direct-post.txt")
        .split_whitespace()
        .collect();
    let err = RequestLink::parse(&text).expect_err("prefix");
    assert_eq!(err.code(), "request_client_id_prefix");
    assert_eq!(err.oauth_error(), "invalid_request");
}

#[test]
fn links_that_are_not_requests_by_reference_are_refused() {
    let v = verifier(Alg::Es256);
    let good = link(&v).to_link();
    let cases = [
        (
            "openid-credential-offer://?credential_offer_uri=x",
            "request_link_scheme",
        ),
        ("openid4vp://", "request_link_scheme"),
        (
            &format!("{good}&request_uri_method=put") as &str,
            "request_uri_method_invalid",
        ),
        (&format!("{good}&request=eyJ"), "request_parameter_invalid"),
        (&format!("{good}&client_id=x"), "request_link_encoding"),
        (
            "openid4vp://?request_uri=https%3A%2F%2Fv.example%2Fr",
            "request_parameter_invalid",
        ),
        (
            &format!("openid4vp://?client_id={}", form::encode(&v.client_id)),
            "request_parameter_invalid",
        ),
        (
            &format!(
                "openid4vp://?client_id={}&request_uri=http%3A%2F%2Fv.example%2Fr",
                form::encode(&v.client_id)
            ),
            "request_url_invalid",
        ),
        (&"a".repeat(MAX_REQUEST_LINK_LEN + 1), "request_too_large"),
    ];
    for (text, code) in cases {
        let err = RequestLink::parse(text).expect_err(text);
        assert_eq!(err.code(), code, "{text}: {err}");
    }
}

#[test]
fn request_objects_that_break_a_rule_are_refused_with_their_code() {
    let v = verifier(Alg::Es256);
    let other = verifier(Alg::Es256);
    let claims = request(&v).to_claims(Timestamp::from_unix(1_800_000_000));
    let with = |name: &str, value: Value| {
        let mut c = claims.clone();
        c.insert(name.into(), value);
        signed(&v, &c)
    };
    let without = |name: &str| {
        let mut c = claims.clone();
        c.remove(name);
        signed(&v, &c)
    };
    let good = signed(&v, &claims);
    // Change one whole character inside the signature (the last one carries padding
    // bits, so changing it could make the encoding non-canonical instead).
    let at = good.len() - 10;
    let mut tampered = good.clone();
    let flip = if &good[at..=at] == "A" { "B" } else { "A" };
    tampered.replace_range(at..=at, flip);
    let cases: Vec<(String, &str)> = vec![
        (
            crate::jws::sign_claims("JWT", Some(&v.kid), &claims, &v.key),
            "request_object_invalid",
        ),
        (tampered, "request_object_signature_invalid"),
        (
            crate::jws::sign_claims(REQUEST_OBJECT_TYP, Some(&v.kid), &claims, &other.key),
            "request_object_signature_invalid",
        ),
        (
            crate::jws::sign_claims(REQUEST_OBJECT_TYP, Some(&other.kid), &claims, &other.key),
            "request_object_kid",
        ),
        (
            crate::jws::sign_claims(REQUEST_OBJECT_TYP, None, &claims, &v.key),
            "request_object_kid",
        ),
        (
            with("client_id", other.client_id.clone().into()),
            "request_client_id_mismatch",
        ),
        (
            with("response_type", "code".into()),
            "request_parameter_invalid",
        ),
        (
            with("response_mode", "direct_post.jwt".into()),
            "request_parameter_invalid",
        ),
        (
            with("redirect_uri", "https://v.example/cb".into()),
            "request_parameter_invalid",
        ),
        (
            with("presentation_definition", json!({})),
            "request_parameter_invalid",
        ),
        (
            with("response_uri", "http://v.example/r".into()),
            "request_url_invalid",
        ),
        (without("response_uri"), "request_parameter_invalid"),
        (without("nonce"), "request_parameter_invalid"),
        (with("nonce", "".into()), "request_parameter_invalid"),
        (with("state", json!(7)), "request_parameter_invalid"),
        (with("nonce", "a b".into()), "request_parameter_invalid"),
        (with("state", "x/y".into()), "request_parameter_invalid"),
        (
            with("transaction_data", json!(["e30"])),
            "request_parameter_invalid",
        ),
        (
            with("nonce", "n".repeat(MAX_NONCE_LEN + 1).into()),
            "request_parameter_invalid",
        ),
        (
            with("aud", "https://other.example".into()),
            "request_parameter_invalid",
        ),
        (
            with("dcql_query", json!({"credentials": []})),
            "request_dcql_invalid",
        ),
        (without("dcql_query"), "request_parameter_invalid"),
        (
            with("client_metadata", json!("x")),
            "request_parameter_invalid",
        ),
        ("a.b".into(), "request_object_invalid"),
        ("a".repeat(MAX_REQUEST_OBJECT_LEN + 1), "request_too_large"),
    ];
    for (jwt, code) in cases {
        let err = verify_request_object(&jwt, &link(&v), Alg::ALL).expect_err(code);
        assert_eq!(err.code(), code, "{err}");
    }
    // An algorithm outside the wallet's allow-list.
    let err = verify_request_object(&good, &link(&v), &[Alg::EdDsa]).expect_err("alg");
    assert_eq!(err.code(), "request_object_signature_invalid");
}

#[test]
fn the_spec_example_request_object_reads_with_our_prefix() {
    // examples/request/request_object_client_id_did.json uses redirect_uri (not
    // direct_post); its direct_post twin (021) with our client and a real query:
    let text = vector("inline-blocks/021-L1236-response-mode-direct-post.json")
        .replace("{...}", &dcql().to_json());
    let mut claims = object(serde_json::from_str(&text).expect("json"));
    let v = verifier(Alg::Es256);
    claims.insert("client_id".into(), v.client_id.clone().into());
    let request = AuthorizationRequest::from_claims(&claims).expect("021");
    assert_eq!(request.nonce, "n-0S6_WzA2Mj");
    assert_eq!(request.state.as_deref(), Some("eyJhb...6-sVA"));
    claims.remove("state");
    assert_eq!(
        AuthorizationRequest::from_claims(&claims)
            .expect("no state")
            .state,
        None
    );
    assert_eq!(request.response_uri, "https://client.example.org/post");
}

#[test]
fn an_answer_round_trips_as_a_form_body() {
    let mut vp_token = BTreeMap::new();
    vp_token.insert("my_credential".to_owned(), vec!["eyJ.a.b~WyJ~".to_owned()]);
    let answer = AuthorizationResponse {
        vp_token,
        state: Some("st-1".into()),
    };
    let body = answer.to_form();
    assert_eq!(
        WalletAnswer::from_form(&body).expect("parse"),
        WalletAnswer::Presented(answer)
    );
    let refusal = WalletAnswer::refusal_form("access_denied", "the holder declined", Some("st-1"));
    assert_eq!(
        WalletAnswer::from_form(&refusal).expect("refusal"),
        WalletAnswer::Refused {
            error: "access_denied".into(),
            error_description: Some("the holder declined".into()),
            state: Some("st-1".into()),
        }
    );
}

#[test]
fn answers_that_break_a_rule_are_refused_with_their_code() {
    let token = |json: &str| format!("vp_token={}&state=s", form::encode(json));
    let many: String = (0..=MAX_ANSWERED_QUERIES)
        .map(|i| format!("\"q{i}\":[\"p\"]"))
        .collect::<Vec<_>>()
        .join(",");
    let cases = [
        ("state=s".to_owned(), "response_shape"),
        (
            format!("{}&error=access_denied", token("{\"q\":[\"p\"]}")),
            "response_shape",
        ),
        (token("[\"p\"]"), "vp_token_malformed"),
        (token("{}"), "vp_token_malformed"),
        (token("{\"q\":\"p\"}"), "vp_token_malformed"),
        (token("{\"q\":[]}"), "vp_token_malformed"),
        (token("{\"q\":[1]}"), "vp_token_malformed"),
        (token("{\"q\":[\"p\"],\"q\":[\"p\"]}"), "vp_token_malformed"),
        (token(&format!("{{{many}}}")), "vp_token_malformed"),
        (
            token(&format!("{{\"q\":[{}]}}", ["\"p\""; 9].join(","))),
            "vp_token_malformed",
        ),
        ("vp_token=%ZZ".to_owned(), "response_encoding"),
        ("state=a&state=b&vp_token=x".to_owned(), "response_encoding"),
        ("x".repeat(MAX_RESPONSE_LEN + 1), "response_too_large"),
    ];
    for (body, code) in cases {
        let err = WalletAnswer::from_form(&body).expect_err(code);
        assert_eq!(err.code(), code, "{body:.80}: {err}");
    }
}

/// A `#` before the `?` makes the rest a fragment (RFC 3986 §3.5), not a query.
#[test]
fn a_fragment_before_the_query_is_refused() {
    let link = "openid4vp://#?client_id=decentralized_identifier%3Adid%3Aexample%3A1\
                &request_uri=https%3A%2F%2Fverifier.example%2Fr";
    assert!(matches!(
        RequestLink::parse(link),
        Err(RequestError::LinkScheme(_))
    ));
}
