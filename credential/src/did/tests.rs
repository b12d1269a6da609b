//! did:key, did:jwk and did:web against the published vectors, and refusals.

use std::collections::HashMap;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use serde_json::Value;

use super::*;
use crate::key::{Alg, PublicKey, SigningKey};

fn vector(path: &str) -> Value {
    let full = format!("{}/../../shared/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

/// Polls a future that must already be ready (local resolution, an in-memory fetcher).
fn ready<T>(fut: impl Future<Output = T>) -> T {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("future was not ready"),
    }
}

#[test]
fn did_key_ed25519_vectors_decode_to_the_published_keys() {
    let v = vector("did-key/ed25519-x25519.json");
    let mut checked = 0;
    for (did, entry) in v.as_object().unwrap() {
        let did = Did::parse(did).unwrap();
        let doc = resolve_local(&did).unwrap();
        let key = doc.key_for(None, Relationship::AssertionMethod).unwrap();
        let PublicKey::Ed25519(k) = &key else {
            panic!("not ed25519")
        };
        let pair = &entry["verificationKeyPair"];
        match pair["publicKeyBase58"].as_str() {
            Some(b58) => assert_eq!(
                k.as_bytes().as_slice(),
                bs58::decode(b58).into_vec().unwrap().as_slice()
            ),
            None => assert_eq!(
                key.to_jwk(),
                crate::key::Jwk::from_value(&pair["publicKeyJwk"]).unwrap()
            ),
        }
        // The published seed is the Ed25519 private key: it derives the same DID.
        let seed: [u8; 32] = (0..32)
            .map(|i| {
                u8::from_str_radix(&entry["seed"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let from_seed = SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed));
        assert_eq!(key::did_for(&from_seed.public_key()), did);
        assert_eq!(key::did_for(&key), did, "re-encoding gives the same DID");
        checked += 1;
    }
    assert!(checked >= 5, "{checked}");
}

#[test]
fn did_key_p256_vectors_resolve_to_the_published_documents() {
    let v = vector("did-key/nist-curves.json");
    let mut checked = 0;
    for (did, entry) in v.as_object().unwrap() {
        if entry["verificationMethod"]["publicKeyJwk"]["crv"] != "P-256" {
            continue; // P-384 / P-521 are not accepted algorithms.
        }
        let did = Did::parse(did).unwrap();
        let doc = resolve_local(&did).unwrap();
        assert_eq!(
            serde_json::to_value(&doc).unwrap(),
            entry["didDocument"],
            "{did}"
        );
        let private =
            crate::key::Jwk::from_value(&entry["verificationMethod"]["privateKeyJwk"]).unwrap();
        assert_eq!(
            key::did_for(&private.to_signing_key().unwrap().public_key()),
            did
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
    // Other curves are refused with a specific error.
    let p384 = v
        .as_object()
        .unwrap()
        .keys()
        .find(|k| k.starts_with("did:key:z82"))
        .unwrap();
    assert_eq!(
        resolve_local(&Did::parse(p384).unwrap())
            .unwrap_err()
            .code(),
        "did_key_invalid"
    );
}

#[test]
fn did_jwk_p256_vector_resolves_to_the_published_document() {
    let did_text = std::fs::read_to_string(format!(
        "{}/../../shared/vectors/did-jwk/p256-did.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let did = Did::parse(did_text.trim()).unwrap();
    let doc = resolve_local(&did).unwrap();
    assert_eq!(
        serde_json::to_value(&doc).unwrap(),
        vector("did-jwk/p256-did-document.corrected.json")
    );
    let key = doc
        .key_for(Some("#0"), Relationship::AssertionMethod)
        .unwrap();
    assert_eq!(jwk::did_for(&key), did);
}

#[test]
fn round_trips_both_methods_and_both_algs() {
    for alg in Alg::ALL {
        let key = SigningKey::generate(*alg).public_key();
        for did in [key::did_for(&key), jwk::did_for(&key)] {
            let doc = resolve_local(&did).unwrap();
            assert_eq!(
                doc.key_for(None, Relationship::AssertionMethod).unwrap(),
                key
            );
            let vm = &doc.verification_method[0].id;
            assert_eq!(
                doc.key_for(Some(vm), Relationship::Authentication).unwrap(),
                key
            );
            let resolved = ready(MethodResolvers::local().resolve(&did)).unwrap();
            assert_eq!(resolved, doc);
        }
    }
}

#[test]
fn refuses_bad_dids_with_specific_codes() {
    let code = |text: &str| match Did::parse(text) {
        Err(e) => e.code(),
        Ok(did) => resolve_local(&did)
            .map(|_| "accepted")
            .unwrap_or_else(|e| e.code()),
    };
    assert_eq!(code("did:key"), "did_invalid");
    assert_eq!(code("DID:key:z6Mk"), "did_invalid");
    assert_eq!(code("did:KEY:z6Mk"), "did_invalid");
    assert_eq!(code("did:key:z6Mk/../x"), "did_invalid");
    assert_eq!(
        code(&format!("did:key:{}", "z".repeat(3000))),
        "did_invalid"
    );
    assert_eq!(code("did:example:123"), "did_method_unsupported");
    assert_eq!(code("did:key:m6Mk"), "did_key_invalid"); // not base58btc multibase
    assert_eq!(code("did:key:z0OIl"), "did_key_invalid"); // not base58 alphabet
    assert_eq!(
        code("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2dok"),
        "accepted"
    );
    assert_eq!(
        code("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do"),
        "did_key_invalid"
    ); // truncated
    assert_eq!(code("did:jwk:e30"), "did_key_invalid"); // "{}"
    // ed25519-pub of y = p + 3 (RFC 8032 §5.1.3: y >= p does not decode); y = 3 is
    // a valid point of large order, so only the encoding is wrong.
    let mut non_canonical: Vec<u8> = vec![0xed, 0x01, 0xf0];
    non_canonical.extend([0xff; 30]);
    non_canonical.push(0x7f);
    let did = format!("did:key:z{}", bs58::encode(&non_canonical).into_string());
    assert_eq!(code(&did), "did_key_invalid");
    let mut canonical: Vec<u8> = vec![0xed, 0x01, 0x03]; // the same point, y = 3
    canonical.extend([0; 31]);
    let did = format!("did:key:z{}", bs58::encode(&canonical).into_string());
    assert_eq!(code(&did), "accepted");
    let private = SigningKey::generate(Alg::Es256).to_private_jwk();
    let leaked = format!(
        "did:jwk:{}",
        crate::b64::encode(serde_json::to_string(&private).unwrap())
    );
    assert_eq!(code(&leaked), "did_key_invalid"); // a private JWK in a DID is refused
    let key = SigningKey::generate(Alg::EdDsa).public_key();
    let doc = resolve_local(&key::did_for(&key)).unwrap();
    assert_eq!(
        doc.key_for(Some("#other"), Relationship::AssertionMethod)
            .unwrap_err()
            .code(),
        "verification_method_not_found"
    );
}

#[test]
fn did_web_urls_follow_the_spec_examples() {
    let url = |d: &str| web::document_url(&Did::parse(d).unwrap());
    assert_eq!(
        url("did:web:w3c-ccg.github.io").unwrap(),
        "https://w3c-ccg.github.io/.well-known/did.json"
    );
    assert_eq!(
        url("did:web:w3c-ccg.github.io:user:alice").unwrap(),
        "https://w3c-ccg.github.io/user/alice/did.json"
    );
    assert_eq!(
        url("did:web:example.com%3A3000:user:alice").unwrap(),
        "https://example.com:3000/user/alice/did.json"
    );
    assert_eq!(
        url("did:web:example.com:..:x").unwrap_err().code(),
        "did_invalid"
    );
    assert_eq!(
        url("did:web:exa_mple.com").unwrap_err().code(),
        "did_invalid"
    );
}

/// An in-memory [`web::HttpGet`], standing in for the service's HTTP client.
struct Pages(HashMap<String, Vec<u8>>);

impl web::HttpGet for Pages {
    fn get<'a>(&'a self, url: &'a str, max: usize) -> BoxFuture<'a, Result<Vec<u8>, String>> {
        let page = self.0.get(url).cloned().ok_or_else(|| format!("404 {url}"));
        Box::pin(std::future::ready(page.and_then(|p| {
            if p.len() > max {
                Err("too large".to_owned())
            } else {
                Ok(p)
            }
        })))
    }
}

#[test]
fn did_web_resolves_checks_the_id_and_accepts_embedded_methods() {
    let key = SigningKey::generate(Alg::Es256).public_key();
    let did = Did::parse("did:web:gov.example:mfa").unwrap();
    let doc = serde_json::json!({
        "@context": "https://www.w3.org/ns/did/v1",
        "id": "did:web:gov.example:mfa",
        "verificationMethod": [],
        "assertionMethod": [{"id": "#k1", "type": "JsonWebKey2020", "controller": "did:web:gov.example:mfa",
                             "publicKeyJwk": key.to_jwk()}]
    });
    let mut pages = HashMap::new();
    pages.insert(
        "https://gov.example/mfa/did.json".to_owned(),
        doc.to_string().into_bytes(),
    );
    let other = Did::parse("did:web:gov.example:other").unwrap();
    let mut wrong = doc.clone();
    wrong["id"] = Value::from("did:web:evil.example");
    pages.insert(
        "https://gov.example/other/did.json".to_owned(),
        wrong.to_string().into_bytes(),
    );
    let resolvers = MethodResolvers::local().with(
        "web",
        std::sync::Arc::new(web::WebResolver::new(Pages(pages))),
    );
    let resolved = ready(resolvers.resolve(&did)).unwrap();
    assert_eq!(
        resolved
            .key_for(Some("#k1"), Relationship::AssertionMethod)
            .unwrap(),
        key
    );
    assert_eq!(
        ready(resolvers.resolve(&other)).unwrap_err().code(),
        "did_document_invalid"
    );
    // The same method id twice (listed, and embedded with another key): refused.
    let mut twice = doc.clone();
    twice["verificationMethod"] = serde_json::json!([{"id": "did:web:gov.example:mfa#k1",
        "type": "JsonWebKey2020", "controller": "did:web:gov.example:mfa",
        "publicKeyJwk": SigningKey::generate(Alg::Es256).public_key().to_jwk()}]);
    assert_eq!(
        DidDocument::from_json(twice.to_string().as_bytes(), &did)
            .unwrap_err()
            .code(),
        "did_document_invalid"
    );
    let missing = Did::parse("did:web:gov.example:none").unwrap();
    assert_eq!(
        ready(resolvers.resolve(&missing)).unwrap_err().code(),
        "did_resolution_failed"
    );
}
