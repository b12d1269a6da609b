//! `did:key` (W3C CCG did:key Method v0.7): the DID *is* the public key, as
//! `z` + base58btc(multicodec varint ‖ key bytes). Ed25519 uses multicodec `0xed`
//! (`ed25519-pub`, 32 bytes); P-256 uses `0x1200` (`p256-pub`, 33-byte compressed point).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::{Did, DidDocument, DidError, VerificationMethod};
use crate::key::PublicKey;

const ED25519_PREFIX: [u8; 2] = [0xed, 0x01];
const P256_PREFIX: [u8; 2] = [0x80, 0x24];
/// A multibase string of a supported key is at most ~50 characters; refuse long input early.
const MAX_MULTIBASE_CHARS: usize = 128;

/// The `did:key` of `key`.
#[must_use]
pub fn did_for(key: &PublicKey) -> Did {
    Did(format!("did:key:{}", encode_multikey(key)))
}

/// `z` + base58btc(multicodec ‖ key), the did:key / Multikey `publicKeyMultibase` form.
#[must_use]
pub fn encode_multikey(key: &PublicKey) -> String {
    let mut bytes = Vec::with_capacity(35);
    match key {
        PublicKey::Ed25519(k) => {
            bytes.extend_from_slice(&ED25519_PREFIX);
            bytes.extend_from_slice(k.as_bytes());
        }
        PublicKey::P256 { sec1, .. } => {
            bytes.extend_from_slice(&P256_PREFIX);
            // Compressed point: 0x02 / 0x03 by the parity of y, then x.
            let y_odd = sec1[64] & 1 == 1;
            bytes.push(if y_odd { 0x03 } else { 0x02 });
            bytes.extend_from_slice(&sec1[1..33]);
        }
    }
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a `publicKeyMultibase` / did:key identifier into a key.
///
/// # Errors
/// [`DidError::KeyInvalid`] for other multibase prefixes, unknown multicodecs, wrong
/// lengths or invalid points.
pub fn decode_multikey(text: &str) -> Result<PublicKey, DidError> {
    if text.len() > MAX_MULTIBASE_CHARS {
        return Err(DidError::KeyInvalid("multibase key too long".into()));
    }
    let b58 = text
        .strip_prefix('z')
        .ok_or_else(|| DidError::KeyInvalid("multibase must be base58btc (prefix \"z\")".into()))?;
    let bytes = bs58::decode(b58)
        .into_vec()
        .map_err(|_| DidError::KeyInvalid("not valid base58btc".into()))?;
    match bytes.split_at_checked(2) {
        Some((prefix, key)) if prefix == ED25519_PREFIX => {
            let key: [u8; 32] = key
                .try_into()
                .map_err(|_| DidError::KeyInvalid("an Ed25519 key is 32 bytes".into()))?;
            PublicKey::ed25519_from_bytes(&key).map_err(|e| DidError::KeyInvalid(e.to_string()))
        }
        Some((prefix, key)) if prefix == P256_PREFIX => {
            if key.len() != 33 {
                return Err(DidError::KeyInvalid(
                    "a P-256 did:key holds a 33-byte compressed point".into(),
                ));
            }
            decompressed_p256(key)
        }
        _ => Err(DidError::KeyInvalid(
            "multicodec is neither ed25519-pub (0xed) nor p256-pub (0x1200)".into(),
        )),
    }
}

/// Compressed P-256 points already decompressed, at most this many: decompression
/// is a field square root (~8 µs, a tenth of a signature verification), and a
/// checkpoint resolves the same few issuer keys for every traveller.
const MAX_DECOMPRESSED: usize = 4096;

/// The P-256 key of a 33-byte SEC1 compressed point, decompressed once per process.
fn decompressed_p256(point: &[u8]) -> Result<PublicKey, DidError> {
    static SEEN: OnceLock<Mutex<HashMap<Vec<u8>, PublicKey>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Mutex::default);
    if let Some(key) = seen.lock().ok().and_then(|s| s.get(point).cloned()) {
        return Ok(key);
    }
    let key = PublicKey::p256_from_sec1(point).map_err(|e| DidError::KeyInvalid(e.to_string()))?;
    if let Ok(mut seen) = seen.lock() {
        if seen.len() >= MAX_DECOMPRESSED {
            seen.clear();
        }
        seen.insert(point.to_vec(), key.clone());
    }
    Ok(key)
}

/// Resolves a `did:key` into its DID document (did:key v0.7 §"Document Creation",
/// JsonWebKey2020 representation).
///
/// # Errors
/// [`DidError::KeyInvalid`] when the identifier does not decode to an acceptable key.
pub fn resolve(did: &Did) -> Result<DidDocument, DidError> {
    let msid = did.method_specific_id();
    let key = decode_multikey(msid)?;
    let vm_id = format!("{did}#{msid}");
    Ok(single_key_document(did, &vm_id, &key))
}

/// A document with one JsonWebKey2020 method in every relationship it can serve
/// (Ed25519 keys do no key agreement).
pub(crate) fn single_key_document(did: &Did, vm_id: &str, key: &PublicKey) -> DidDocument {
    let refs = vec![vm_id.to_owned()];
    DidDocument {
        context: vec![
            "https://www.w3.org/ns/did/v1".into(),
            "https://w3id.org/security/suites/jws-2020/v1".into(),
        ],
        id: did.to_string(),
        verification_method: vec![VerificationMethod {
            id: vm_id.to_owned(),
            kind: "JsonWebKey2020".into(),
            controller: did.to_string(),
            public_key_jwk: Some(key.to_jwk()),
            public_key_multibase: None,
        }],
        assertion_method: refs.clone(),
        authentication: refs.clone(),
        capability_invocation: refs.clone(),
        capability_delegation: refs.clone(),
        key_agreement: match key {
            PublicKey::P256 { .. } => refs,
            PublicKey::Ed25519(_) => Vec::new(),
        },
    }
}
