//! DIDs and DID documents: DID syntax and DID URLs (DID Core §3.1–§3.2), `did:key`
//! multikeys (Multikey, multibase base58btc, multicodec), `did:jwk`, JWKs (RFC
//! 7517), documents and their verification relationships (DID Core §5), and the
//! registry's DID entries with their key history.
//!
//! Parts separated by 0x1E: a DID or DID URL, then optionally a DID document (or
//! registry entry) as JSON, then optionally a Unix time for the key-history check.

use sigillum_credential::did::{self, Did, DidDocument, Relationship};
use sigillum_credential::key::Jwk;
use sigillum_credential::ledger::{client, did_history};
use sigillum_credential::verify::IssuerKey;

use crate::forge;

const RELATIONSHIPS: [Relationship; 3] = [
    Relationship::AssertionMethod,
    Relationship::Authentication,
    Relationship::CapabilityInvocation,
];

/// Runs one input.
pub fn run(data: &[u8]) {
    let parts = forge::parts(data);
    let Some(Ok(text)) = parts.first().map(|p| std::str::from_utf8(p)) else {
        return;
    };
    let _ = did::key::decode_multikey(text);
    let _ = Jwk::from_json(text);
    let did = match did::split_did_url(text) {
        Ok((did, _)) => did,
        Err(_) => match Did::parse(text) {
            Ok(did) => did,
            Err(_) => return,
        },
    };
    let kid = text.contains('#').then_some(text);
    if let Ok(doc) = did::resolve_local(&did) {
        select(&doc, kid);
    }
    let _ = IssuerKey::ResolveLocal.resolve(Some(text), kid);
    let Some(document) = parts.get(1) else {
        return;
    };
    if let Ok(doc) = DidDocument::from_json(document, &did) {
        select(&doc, kid);
        let _ = IssuerKey::Document(doc).resolve(Some(did.as_str()), kid);
    }
    let Ok(value) = sigillum_credential::json::parse(document, 1024 * 1024) else {
        return;
    };
    if let Ok(doc) = client::did_document(&did, &value) {
        select(&doc, kid);
    }
    let at = parts
        .get(2)
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|t| t.trim().parse::<i64>().ok())
        .unwrap_or(forge::NOW);
    for r in RELATIONSHIPS {
        let _ = did_history::key_valid_at(&value, kid.unwrap_or(text), r.name(), at);
    }
}

fn select(doc: &DidDocument, kid: Option<&str>) {
    for r in RELATIONSHIPS {
        let _ = doc.key_for(None, r);
        let _ = doc.key_for(kid, r);
    }
}
