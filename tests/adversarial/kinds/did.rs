//! `did`: a DID or DID URL resolved, and the issuer's key selected from it, as the
//! verifier does (`IssuerKey::ResolveLocal` for `did:key`/`did:jwk`,
//! `IssuerKey::Document` for a document the caller resolved, and the registry's
//! `did:sigillum` ledger value read by `ledger::client::did_document` or checked
//! against its key history by `ledger::did_history::key_valid_at`).
//!
//! Members:
//! - `input`: the DID the token names as its issuer (`iss`), or a DID URL (with `#`),
//!   which is then the token's `kid` and the token names no issuer;
//! - `issuer`: optional, the issuer when `input` is a DID URL;
//! - `kid`: optional, the JWS `kid` (a DID URL or `#fragment`);
//! - `document`: optional, the DID document the caller resolved (a JSON value, or a
//!   string with the exact text), parsed with `DidDocument::from_json` against the
//!   issuer's DID;
//! - `ledger_value`: optional, a `did:sigillum` ledger value (`document`,
//!   `deactivated`, `compromised`, `keys`); with `at` (Unix seconds, or `{{now±N}}`)
//!   the key history answers "was `kid` a `relationship` key at `at`", without it the
//!   current document is read from the value;
//! - `relationship`: optional, `assertionMethod` (default), `authentication` or
//!   `capabilityInvocation`;
//! - `expect_key`: optional, the corpus key the resolved key must be (an accepted
//!   case that yields another key answers `wrong_key`).
//!
//! Every string is expanded (`build.rs` placeholders), after the kind's own
//! `{{base58btc:HEX}}` (base58btc of the bytes given in hex, for hand-made did:key
//! identifiers).

use std::collections::BTreeMap;

use serde_json::Value;
use sigillum_credential::did::{self, Did, DidDocument, DidError, Relationship};
use sigillum_credential::key::PublicKey;
use sigillum_credential::ledger::client;
use sigillum_credential::ledger::did_history::{self, KeyValidityError};
use sigillum_credential::verify::IssuerKey;
use sigillum_credential::verify::Rejection;

use crate::build::Fixtures;
use crate::case::Case;

pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    let text = |name: &str| -> Result<Option<String>, String> {
        match case.spec.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(
                fx.expand_text(&base58_placeholders(s)?, &BTreeMap::new())?,
            )),
            Some(_) => Err(format!("\"{name}\" must be a string")),
        }
    };
    let value = |name: &str| -> Result<Option<Value>, String> {
        case.spec
            .get(name)
            .map(|v| fx.expand(&base58_values(v)?, &BTreeMap::new()))
            .transpose()
    };
    let input = text("input")?.ok_or("the case has no \"input\"")?;
    let (mut issuer, mut kid) = if input.contains('#') {
        (None, Some(input.clone()))
    } else {
        (Some(input.clone()), None)
    };
    if let Some(i) = text("issuer")? {
        issuer = Some(i);
    }
    if let Some(k) = text("kid")? {
        kid = Some(k);
    }
    let relationship = match case.spec.get("relationship").and_then(Value::as_str) {
        None | Some("assertionMethod") => Relationship::AssertionMethod,
        Some("authentication") => Relationship::Authentication,
        Some("capabilityInvocation") => Relationship::CapabilityInvocation,
        Some(other) => return Err(format!("unknown relationship {other}")),
    };
    // The DID whose document is read: the issuer's, else the kid's.
    let subject = || -> Result<Did, DidError> {
        match (&issuer, &kid) {
            (Some(iss), _) => Did::parse(iss),
            (None, Some(k)) => did::split_did_url(k).map(|(d, _)| d),
            (None, None) => Err(DidError::Invalid("no DID".into())),
        }
    };

    let result: Result<PublicKey, String> = if let Some(ledger) = value("ledger_value")? {
        match value("at")? {
            Some(at) => {
                let at = at.as_i64().ok_or("\"at\" must be a number")?;
                let kid = kid.as_deref().ok_or("a key-history case needs a \"kid\"")?;
                did_history::key_valid_at(&ledger, kid, relationship.name(), at)
                    .map_err(|e: KeyValidityError| e.code().to_owned())
            }
            None => subject()
                .and_then(|did| client::did_document(&did, &ledger))
                .map_err(|e| e.code().to_owned())
                .and_then(|doc| select(Some(doc), issuer.as_deref(), kid.as_deref(), relationship)),
        }
    } else {
        let document = match case.spec.get("document") {
            None => None,
            Some(v) => {
                let bytes = match v {
                    Value::String(s) => {
                        fx.expand_text(&base58_placeholders(s)?, &BTreeMap::new())?
                    }
                    v => fx.expand(&base58_values(v)?, &BTreeMap::new())?.to_string(),
                };
                match subject().and_then(|did| DidDocument::from_json(bytes.as_bytes(), &did)) {
                    Ok(doc) => Some(doc),
                    Err(e) => return Ok(e.code().to_owned()),
                }
            }
        };
        select(document, issuer.as_deref(), kid.as_deref(), relationship)
    };
    match result {
        Err(code) => Ok(code),
        Ok(key) => match case.spec.get("expect_key").and_then(Value::as_str) {
            Some(name) if fx.key(name)?.public_key() != key => Ok("wrong_key".into()),
            _ => Ok("accept".into()),
        },
    }
}

/// The key the verifier would use: for `assertionMethod`, through `IssuerKey` exactly
/// as the pipeline calls it; for other relationships, the document's `key_for`.
fn select(
    document: Option<DidDocument>,
    issuer: Option<&str>,
    kid: Option<&str>,
    relationship: Relationship,
) -> Result<PublicKey, String> {
    if relationship == Relationship::AssertionMethod {
        let source = match document {
            Some(doc) => IssuerKey::Document(doc),
            None => IssuerKey::ResolveLocal,
        };
        return source
            .resolve(issuer, kid)
            .map_err(|e: Rejection| e.code().to_owned());
    }
    let code = |e: DidError| e.code().to_owned();
    let (doc, vm) = match document {
        Some(doc) => (doc, kid.map(str::to_owned)),
        None => {
            let (did, fragment) = match (kid.filter(|k| k.starts_with("did:")), issuer) {
                (Some(k), _) => did::split_did_url(k).map_err(code)?,
                (None, Some(iss)) => (
                    Did::parse(iss).map_err(code)?,
                    kid.and_then(|k| k.strip_prefix('#')),
                ),
                (None, None) => return Err("did_invalid".into()),
            };
            let vm = fragment.map(|f| format!("{did}#{f}"));
            (did::resolve_local(&did).map_err(code)?, vm)
        }
    };
    doc.key_for(vm.as_deref(), relationship).map_err(code)
}

/// Replaces `{{base58btc:HEX}}` with the base58btc (Bitcoin alphabet) of the bytes.
fn base58_placeholders(text: &str) -> Result<String, String> {
    const OPEN: &str = "{{base58btc:";
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let end = after.find("}}").ok_or("unclosed {{base58btc:")?;
        out.push_str(&base58(&crate::build::hex(&after[..end])?));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn base58_values(value: &Value) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(base58_placeholders(s)?),
        Value::Array(items) => {
            Value::Array(items.iter().map(base58_values).collect::<Result<_, _>>()?)
        }
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| Ok((base58_placeholders(k)?, base58_values(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn base58(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut digits: Vec<u8> = Vec::new(); // base 58, least significant first
    for &b in bytes {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = "1".repeat(zeros);
    out.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char));
    out
}
