//! Credential Offer (§4.1): spec examples, links, and refusals.

use super::{http_body, join_lines, json, vector};
use crate::json::JsonError;
use crate::oid4vci::*;

const ISSUER: &str = "https://credential-issuer.example.com";

#[test]
fn spec_offer_objects_parse_and_reserialize_equal() {
    for file in [
        "examples/credential_offer_pre-authz_code.json",
        "examples/credential_offer_multiple_credentials.json",
        "examples/credential_offer_by_reference.json",
        "examples/credential_offer_authz_code.txt",
    ] {
        let text = vector(file);
        let body = http_body(&text);
        let offer = CredentialOffer::from_json(body).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(offer.credential_issuer, ISSUER, "{file}");
        assert_eq!(json(&offer.to_json()), json(body), "{file}");
    }
}

#[test]
fn spec_offer_fields_are_read() {
    let offer = CredentialOffer::from_json(&vector(
        "examples/credential_offer_multiple_credentials.json",
    ))
    .unwrap();
    assert_eq!(
        offer.credential_configuration_ids,
        ["UniversityDegreeCredential", "org.iso.18013.5.1.mDL"]
    );
    let grant = offer.pre_authorized_grant().unwrap();
    assert_eq!(
        grant.pre_authorized_code,
        SecretString::new("oaKazRN8I0IbtZ0C7JuMn5")
    );
    let tx_code = grant.tx_code.as_ref().unwrap();
    assert_eq!(tx_code.length, Some(4));
    assert_eq!(tx_code.input_mode(), InputMode::Numeric);

    let by_reference =
        CredentialOffer::from_json(&vector("examples/credential_offer_by_reference.json")).unwrap();
    let empty_tx_code = by_reference.pre_authorized_grant().unwrap().tx_code.clone();
    // An empty tx_code object still means "a Transaction Code is required" (§4.1.1).
    assert_eq!(empty_tx_code, Some(TxCode::default()));

    let text = vector("examples/credential_offer_authz_code.txt");
    let authz = CredentialOffer::from_json(http_body(&text)).unwrap();
    let grants = authz.grants.unwrap();
    assert_eq!(grants.pre_authorized_code, None);
    assert_eq!(
        grants.authorization_code.unwrap().issuer_state.as_deref(),
        Some("eyJhbGciOiJSU0Et...FYUaBy")
    );
}

#[test]
fn spec_offer_links_parse() {
    // 003: the custom-scheme link with a text tx_code.
    let link = join_lines(&vector(
        "inline-blocks/003-L422-sending-credential-offer-by-value-using-credential.txt",
    ));
    let OfferLink::ByValue(offer) = CredentialOffer::parse_link(&link).unwrap() else {
        panic!("by value expected");
    };
    assert_eq!(
        offer.credential_configuration_ids,
        ["org.iso.18013.5.1.mDL"]
    );
    let tx_code = offer
        .pre_authorized_grant()
        .unwrap()
        .tx_code
        .clone()
        .unwrap();
    assert_eq!(tx_code.input_mode(), InputMode::Text);
    assert_eq!(
        tx_code.description.as_deref(),
        Some("Please enter the serial number of your physical drivers license")
    );

    // 002: a GET to a wallet's Credential Offer Endpoint; the query alone.
    let request = join_lines(&vector(
        "inline-blocks/002-L411-sending-credential-offer-by-value-using-credential.txt",
    ));
    let (_, query) = request.split_once('?').unwrap();
    let OfferLink::ByValue(offer) = CredentialOffer::parse_query(query).unwrap() else {
        panic!("by value expected");
    };
    assert_eq!(
        offer.credential_configuration_ids,
        ["UniversityDegree_JWT", "org.iso.18013.5.1.mDL"]
    );

    // 005: by reference.
    let link = join_lines(&vector(
        "inline-blocks/005-L451-sending-credential-offer-by-reference-using-creden.txt",
    ));
    assert_eq!(
        CredentialOffer::parse_link(&link).unwrap(),
        OfferLink::ByReference(
            "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM"
                .into()
        )
    );
}

fn our_offer() -> CredentialOffer {
    CredentialOffer::pre_authorized(
        "http://127.0.0.1:8443/issuer",
        vec!["pid_sd_jwt".into(), "diploma+jwt".into()],
        SecretString::new("code with spaces & symbols=+/é"),
        Some(TxCode {
            input_mode: Some(InputMode::Numeric),
            length: Some(6),
            description: Some("Sent by SMS".into()),
        }),
    )
}

#[test]
fn link_and_json_round_trip() {
    let offer = our_offer();
    let link = offer.to_link();
    assert!(link.starts_with("openid-credential-offer://?credential_offer=%7B%22"));
    let (_, encoded) = link.split_once("credential_offer=").unwrap();
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
    );
    assert_eq!(
        CredentialOffer::parse_link(&link).unwrap(),
        OfferLink::ByValue(offer.clone())
    );
    assert_eq!(CredentialOffer::from_json(&offer.to_json()).unwrap(), offer);

    let by_reference = OfferLink::ByReference("https://issuer.example/offers/abc?x=1".into());
    assert_eq!(
        by_reference.to_link(),
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffers%2Fabc%3Fx%3D1"
    );
    assert_eq!(
        CredentialOffer::parse_link(&by_reference.to_link()).unwrap(),
        by_reference
    );
    // A wallet's https Credential Offer Endpoint is accepted too.
    let https = link.replace(OFFER_SCHEME, "https://wallet.example/offer");
    assert_eq!(
        CredentialOffer::parse_link(&https).unwrap(),
        OfferLink::ByValue(offer)
    );
}

#[test]
fn links_with_wrong_shape_are_refused() {
    let offer_json = form_value(&our_offer().to_json());
    let cases = [
        (
            format!("haip://?credential_offer={offer_json}"),
            OfferError::LinkScheme {
                found: "haip://".into(),
            },
        ),
        (
            format!(
                "{OFFER_SCHEME}?credential_offer={offer_json}&credential_offer_uri=https%3A%2F%2Fa.example"
            ),
            OfferError::LinkParameters(
                "both credential_offer and credential_offer_uri are present",
            ),
        ),
        (
            format!("{OFFER_SCHEME}?other=1"),
            OfferError::LinkParameters(
                "neither credential_offer nor credential_offer_uri is present",
            ),
        ),
        (
            format!("{OFFER_SCHEME}?credential_offer={offer_json}&credential_offer={offer_json}"),
            OfferError::Form(FormError::DuplicateParameter {
                name: "credential_offer".into(),
            }),
        ),
        (
            format!("{OFFER_SCHEME}?credential_offer=%7B%zz"),
            OfferError::Form(FormError::BadEscape {
                name: "credential_offer".into(),
            }),
        ),
        (
            format!("{OFFER_SCHEME}?credential_offer_uri=http%3A%2F%2Fissuer.example%2Fo"),
            OfferError::UrlInvalid {
                field: "credential_offer_uri",
                url: "http://issuer.example/o".into(),
                reason: UrlError::NotHttps,
            },
        ),
        (
            format!("{OFFER_SCHEME}?credential_offer={offer_json}#frag"),
            OfferError::LinkParameters("a fragment is not allowed"),
        ),
    ];
    for (link, expected) in cases {
        assert_eq!(CredentialOffer::parse_link(&link), Err(expected), "{link}");
    }
}

fn form_value(text: &str) -> String {
    crate::oid4vci::form::encode(text)
}

#[test]
fn oversize_links_and_offers_are_refused_before_decoding() {
    let link = format!(
        "{OFFER_SCHEME}?credential_offer={}",
        "a".repeat(MAX_OFFER_LINK_LEN)
    );
    let err = CredentialOffer::parse_link(&link).unwrap_err();
    assert_eq!(
        err,
        OfferError::LinkTooLarge {
            len: link.len(),
            max: MAX_OFFER_LINK_LEN
        }
    );
    assert_eq!(err.code(), "input_too_large");
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_OFFER_JSON_LEN));
    assert_eq!(
        CredentialOffer::from_json(&big),
        Err(OfferError::Message(MessageError::TooLarge {
            message: "credential offer",
            len: big.len(),
            max: MAX_OFFER_JSON_LEN
        }))
    );
}

#[test]
fn offer_rules_of_section_4_1_1_are_enforced() {
    let with = |edit: fn(&mut serde_json::Value)| {
        let mut value = json(&our_offer().to_json());
        edit(&mut value);
        CredentialOffer::from_json(&value.to_string())
    };
    let pre = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
    assert_eq!(
        with(|v| v["credential_issuer"] = "https://issuer.example.com/?q".into()),
        Err(OfferError::UrlInvalid {
            field: "credential_issuer",
            url: "https://issuer.example.com/?q".into(),
            reason: UrlError::Query
        })
    );
    assert_eq!(
        with(|v| v["credential_configuration_ids"] = serde_json::json!([])),
        Err(OfferError::NoConfigurationIds)
    );
    assert_eq!(
        with(|v| v["credential_configuration_ids"] = serde_json::json!(["a", "b", "a"])),
        Err(OfferError::DuplicateConfigurationId { id: "a".into() })
    );
    assert_eq!(
        with(|v| v["credential_configuration_ids"] = serde_json::json!([""])),
        Err(OfferError::FieldEmpty {
            field: "credential_configuration_ids"
        })
    );
    assert_eq!(
        with(|v| v["credential_configuration_ids"] = (0..65).map(|i| i.to_string()).collect()),
        Err(OfferError::TooManyConfigurationIds { count: 65, max: 64 })
    );
    let mut value = json(&our_offer().to_json());
    value["grants"][pre]["tx_code"]["description"] = "é".repeat(301).into();
    assert_eq!(
        CredentialOffer::from_json(&value.to_string()),
        Err(OfferError::FieldTooLong {
            field: "tx_code.description",
            len: 301,
            max: 300
        })
    );
    value["grants"][pre]["tx_code"]["description"] = "é".repeat(300).into();
    assert!(CredentialOffer::from_json(&value.to_string()).is_ok());
    value["grants"][pre]["pre-authorized_code"] = "x".repeat(MAX_OFFER_FIELD_LEN + 1).into();
    assert_eq!(
        CredentialOffer::from_json(&value.to_string()),
        Err(OfferError::FieldTooLong {
            field: "pre-authorized_code",
            len: MAX_OFFER_FIELD_LEN + 1,
            max: MAX_OFFER_FIELD_LEN
        })
    );
    value["grants"][pre]["tx_code"]["input_mode"] = "alphanumeric".into();
    assert_eq!(
        CredentialOffer::from_json(&value.to_string())
            .unwrap_err()
            .code(),
        "message_malformed"
    );
}

#[test]
fn duplicate_members_in_an_offer_are_refused() {
    let text = r#"{"credential_issuer":"https://a.example","credential_issuer":"https://b.example","credential_configuration_ids":["x"]}"#;
    let err = CredentialOffer::from_json(text).unwrap_err();
    assert_eq!(
        err,
        OfferError::Message(MessageError::Json {
            message: "credential offer",
            error: JsonError::DuplicateKey("credential_issuer".into())
        })
    );
    assert_eq!(err.code(), "json_duplicate_member");
}

/// A `#` before the `?` makes the rest a fragment (RFC 3986 §3.5), not a query.
#[test]
fn a_fragment_before_the_query_is_refused() {
    let link = "openid-credential-offer://#?credential_offer_uri=https%3A%2F%2Fevil.example%2Fo";
    assert_eq!(
        CredentialOffer::parse_link(link),
        Err(OfferError::LinkParameters("a fragment is not allowed"))
    );
}
