//! Token and Nonce Endpoints (§6, §7): spec examples, round trips, refusals.

use super::{http_body, join_lines, json, vector};
use crate::json::JsonError;
use crate::oid4vci::*;

#[test]
fn spec_pre_authorized_token_request_parses() {
    let text =
        vector("inline-blocks/014-L693-request-credential-issuance-using-authorization-de.txt");
    let request = TokenRequest::from_form(&join_lines(http_body(&text))).unwrap();
    assert_eq!(
        request.pre_authorized_code,
        SecretString::new("SplxlOBeZQQYbYS6WxSbIA")
    );
    assert_eq!(request.tx_code, Some(SecretString::new("493536")));
    assert_eq!(request.client_id, None);
    assert_eq!(
        request.authorization_details,
        Some(vec![AuthorizationDetail {
            detail_type: AuthorizationDetailType::OpenIdCredential,
            credential_configuration_id: "UniversityDegreeCredential".into(),
            credential_identifiers: None,
        }])
    );
    assert_eq!(
        TokenRequest::from_form(&request.to_form()).unwrap(),
        request
    );
}

#[test]
fn spec_authorization_code_token_request_is_an_unsupported_grant() {
    let text = vector("inline-blocks/013-L672-token-request.txt");
    let err = TokenRequest::from_form(&join_lines(http_body(&text))).unwrap_err();
    assert_eq!(
        err,
        TokenError::UnsupportedGrantType {
            found: "authorization_code".into()
        }
    );
    assert_eq!(err.error_code(), TokenErrorCode::UnsupportedGrantType);
    assert_eq!(err.error_code().code(), "unsupported_grant_type");
}

#[test]
fn spec_token_response_and_errors_parse_and_reserialize_equal() {
    let text = vector("inline-blocks/015-L728-successful-token-response.txt");
    let body = http_body(&text);
    let response = TokenResponse::from_json(body).unwrap();
    assert_eq!(response.expires_in, Some(86400));
    let details = response.authorization_details.as_ref().unwrap();
    assert_eq!(
        details[0].credential_identifiers.as_deref(),
        Some(
            &[
                "CivilEngineeringDegree-2023".to_owned(),
                "ElectricalEngineeringDegree-2023".to_owned()
            ][..]
        )
    );
    assert_eq!(json(&response.to_json()), json(body));

    let text = vector("inline-blocks/016-L772-token-error-response.txt");
    let error = TokenErrorResponse::from_json(http_body(&text)).unwrap();
    assert_eq!(
        error,
        TokenErrorResponse::new(TokenErrorCode::InvalidRequest)
    );
    assert_eq!(json(&error.to_json()), json(http_body(&text)));
}

#[test]
fn spec_nonce_response_parses_and_reserializes_equal() {
    let text = vector("inline-blocks/018-L813-nonce-response.txt");
    let response = NonceResponse::from_json(http_body(&text)).unwrap();
    assert_eq!(response.c_nonce, "wKI4LT17ac15ES9bw8ac4");
    assert_eq!(json(&response.to_json()), json(http_body(&text)));
    let fresh = NonceResponse::fresh();
    assert_eq!(fresh.c_nonce.len(), 43);
    assert_ne!(fresh, NonceResponse::fresh());
    assert_eq!(
        NonceResponse::from_json(r#"{"c_nonce":""}"#)
            .unwrap_err()
            .code(),
        "message_malformed"
    );
}

#[test]
fn our_token_request_and_response_round_trip() {
    let request = TokenRequest {
        pre_authorized_code: SecretString::generate(),
        tx_code: Some(SecretString::new("12 34+5")),
        client_id: Some("wallet/1".into()),
        authorization_details: None,
    };
    let form = request.to_form();
    assert!(form.starts_with(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code="
    ));
    assert!(form.contains("&tx_code=12%2034%2B5&client_id=wallet%2F1"));
    assert_eq!(TokenRequest::from_form(&form).unwrap(), request);

    let response = TokenResponse::bearer(SecretString::new("at"), 300);
    assert_eq!(
        json(&response.to_json()),
        serde_json::json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300})
    );
    assert_eq!(
        TokenResponse::from_json(&response.to_json()).unwrap(),
        response
    );
    assert!(format!("{response:?}").contains("SecretString(..)"));
}

#[test]
fn token_requests_breaking_rules_are_refused() {
    let grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code";
    let cases = [
        (
            "pre-authorized_code=abc".to_owned(),
            TokenError::MissingParameter { name: "grant_type" },
        ),
        (
            grant.to_owned(),
            TokenError::MissingParameter {
                name: "pre-authorized_code",
            },
        ),
        (
            format!("{grant}&pre-authorized_code="),
            TokenError::EmptyParameter {
                name: "pre-authorized_code",
            },
        ),
        (
            format!("{grant}&pre-authorized_code=a&pre-authorized_code=b"),
            TokenError::Form(FormError::DuplicateParameter {
                name: "pre-authorized_code".into(),
            }),
        ),
        (
            format!(
                "{grant}&pre-authorized_code={}",
                "a".repeat(MAX_TOKEN_PARAMETER_LEN + 1)
            ),
            TokenError::ParameterTooLong {
                name: "pre-authorized_code",
                len: MAX_TOKEN_PARAMETER_LEN + 1,
                max: MAX_TOKEN_PARAMETER_LEN,
            },
        ),
        (
            format!("{grant}&pre-authorized_code=a&authorization_details=%5B%5D"),
            TokenError::AuthorizationDetailsInvalid("the array is empty"),
        ),
    ];
    for (body, expected) in cases {
        let err = TokenRequest::from_form(&body).unwrap_err();
        assert_eq!(err, expected, "{body}");
        let code = if matches!(expected, TokenError::AuthorizationDetailsInvalid(_)) {
            TokenErrorCode::InvalidAuthorizationDetails
        } else {
            TokenErrorCode::InvalidRequest
        };
        assert_eq!(err.error_code(), code, "{body}");
    }
    let details = form_encode(
        r#"[{"type":"openid_credential","type":"x","credential_configuration_id":"a"}]"#,
    );
    assert_eq!(
        TokenRequest::from_form(&format!(
            "{grant}&pre-authorized_code=a&authorization_details={details}"
        )),
        Err(TokenError::Message(MessageError::Json {
            message: "authorization_details",
            error: JsonError::DuplicateKey("type".into())
        }))
    );
    let body = "a".repeat(MAX_TOKEN_REQUEST_LEN + 1);
    assert_eq!(
        TokenRequest::from_form(&body),
        Err(TokenError::TooLarge {
            len: MAX_TOKEN_REQUEST_LEN + 1,
            max: MAX_TOKEN_REQUEST_LEN
        })
    );
}

fn form_encode(text: &str) -> String {
    crate::oid4vci::form::encode(text)
}

#[test]
fn tx_code_is_checked_against_the_offer() {
    let request = |tx: Option<&str>| TokenRequest {
        pre_authorized_code: SecretString::new("c"),
        tx_code: tx.map(SecretString::new),
        client_id: None,
        authorization_details: None,
    };
    let expected = SecretString::new("493536");
    assert_eq!(request(None).check_tx_code(None), Ok(()));
    assert_eq!(
        request(Some("493536")).check_tx_code(Some(&expected)),
        Ok(())
    );
    let cases = [
        (
            request(Some("1")).check_tx_code(None),
            TokenError::TxCodeUnexpected,
            TokenErrorCode::InvalidRequest,
        ),
        (
            request(None).check_tx_code(Some(&expected)),
            TokenError::TxCodeMissing,
            TokenErrorCode::InvalidRequest,
        ),
        (
            request(Some("493537")).check_tx_code(Some(&expected)),
            TokenError::TxCodeMismatch,
            TokenErrorCode::InvalidGrant,
        ),
    ];
    for (result, error, code) in cases {
        assert_eq!(result, Err(error.clone()));
        assert_eq!(error.error_code(), code);
    }
}

#[test]
fn token_responses_breaking_rules_are_refused() {
    assert_eq!(
        TokenResponse::from_json(r#"{"access_token":"a","token_type":"DPoP"}"#),
        Err(TokenError::UnsupportedTokenType {
            found: "DPoP".into()
        })
    );
    assert!(TokenResponse::from_json(r#"{"access_token":"a","token_type":"bearer"}"#).is_ok());
    assert_eq!(
        TokenResponse::from_json(r#"{"access_token":"","token_type":"Bearer"}"#),
        Err(TokenError::EmptyParameter {
            name: "access_token"
        })
    );
    assert_eq!(
        TokenResponse::from_json(
            r#"{"access_token":"a","token_type":"Bearer","authorization_details":[{"type":"openid_credential","credential_configuration_id":"x"}]}"#
        ),
        Err(TokenError::AuthorizationDetailsInvalid(
            "credential_identifiers is missing or empty"
        ))
    );
    assert_eq!(
        TokenResponse::from_json(
            r#"{"access_token":"a","token_type":"Bearer","authorization_details":[{"type":"other","credential_configuration_id":"x"}]}"#
        )
        .unwrap_err()
        .code(),
        "message_malformed"
    );
}

#[test]
fn unknown_error_codes_are_kept_and_descriptions_sanitized() {
    let error =
        TokenErrorResponse::from_json(r#"{"error":"slow_down","error_description":"wait"}"#)
            .unwrap();
    assert_eq!(error.error, TokenErrorCode::Other("slow_down".into()));
    assert_eq!(error.error.code(), "slow_down");
    let ours = TokenErrorResponse::new(TokenErrorCode::InvalidGrant)
        .with_description(&TokenError::TxCodeMismatch.to_string());
    assert_eq!(
        ours.to_json(),
        r#"{"error":"invalid_grant","error_description":"the tx_code is wrong"}"#
    );
}
