//! Fixed keys and the signing that lets a fuzzer reach past signature checks.
//!
//! Inputs with several parts separate them with the ASCII record separator (0x1E),
//! a byte no JSON text or compact serialization contains unescaped, so the fuzzer
//! mutates each part in place. Placeholders in a part are replaced before signing
//! (`$HOLDER_JWK`, `$SD_HASH`), so a mutation keeps the values only the harness can
//! compute.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sigillum_credential::did::key::did_for;
use sigillum_credential::key::{PublicKey, SigningKey};
use sigillum_credential::time::Timestamp;

/// The harnesses' "now": 2026-11-24T00:00:00Z.
pub const NOW: i64 = 1_795_478_400;
/// The separator between an input's parts.
pub const SEPARATOR: u8 = 0x1E;
/// At most this many parts are read (more are ignored): a bound on the work one input makes.
pub const MAX_PARTS: usize = 64;

fn ed25519(seed: u8) -> SigningKey {
    SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
}

/// The issuer every forged credential, list and operation is signed by.
pub fn issuer() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| ed25519(1))
}

/// The holder whose key forged credentials bind (`cnf.jwk`) and who signs KB-JWTs.
pub fn holder() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| ed25519(2))
}

/// A verifier (request objects) or registry member (operations), named by its `did:key`.
pub fn party() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| ed25519(3))
}

/// `did:key` of a key, and the `kid` naming its one verification method.
pub fn did_and_kid(key: &PublicKey) -> (String, String) {
    let did = did_for(key);
    let kid = format!("{}#{}", did.as_str(), did.method_specific_id());
    (did.as_str().to_owned(), kid)
}

/// The harnesses' clock reading.
pub fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

/// The input's parts, split at [`SEPARATOR`], at most [`MAX_PARTS`].
pub fn parts(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == SEPARATOR).take(MAX_PARTS).collect()
}

/// base64url without padding, as JOSE and SD-JWT write it.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact JWS over exactly these header and payload bytes, signed by `key`
/// whatever the header says: the parser then meets the fuzzer's header and payload
/// behind a valid signature.
pub fn sign_raw(header: &[u8], payload: &[u8], key: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = key.sign_bytes(input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

/// The EdDSA header a well-behaved signer of `typ` writes.
pub fn header(typ: &str, kid: Option<&str>) -> Vec<u8> {
    let mut h = serde_json::json!({ "alg": "EdDSA", "typ": typ });
    if let Some(kid) = kid {
        h["kid"] = kid.into();
    }
    h.to_string().into_bytes()
}

/// `part` with each `(placeholder, value)` replaced, byte-wise (the part need not be UTF-8).
pub fn substitute(part: &[u8], replacements: &[(&str, &str)]) -> Vec<u8> {
    let mut out = part.to_vec();
    for (from, to) in replacements {
        let from = from.as_bytes();
        if from.is_empty() || out.len() < from.len() {
            continue;
        }
        let mut next = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            if out[i..].starts_with(from) {
                next.extend_from_slice(to.as_bytes());
                i += from.len();
            } else {
                next.push(out[i]);
                i += 1;
            }
        }
        out = next;
    }
    out
}

/// The holder's public JWK as JSON text, for `$HOLDER_JWK`.
pub fn holder_jwk() -> &'static str {
    static JWK: OnceLock<String> = OnceLock::new();
    JWK.get_or_init(|| serde_json::to_string(&holder().public_key().to_jwk()).unwrap_or_default())
}
