//! `did:jwk` (did:jwk specification, 2023): the DID is `did:jwk:` + base64url of the
//! public JWK's JSON; the document has one method, `#0`.

use super::{Did, DidDocument, DidError};
use crate::b64;
use crate::key::{Jwk, PublicKey};

/// The `did:jwk` of `key`. The JWK JSON uses the RFC 7638 member order (as the
/// spec's examples do), so the same key always gives the same DID.
#[must_use]
pub fn did_for(key: &PublicKey) -> Did {
    let jwk = key.to_jwk();
    let json = match &jwk.y {
        Some(y) => serde_json::json!({"crv": jwk.crv, "kty": jwk.kty, "x": jwk.x, "y": y}),
        None => serde_json::json!({"crv": jwk.crv, "kty": jwk.kty, "x": jwk.x}),
    };
    Did(format!("did:jwk:{}", b64::encode(json.to_string())))
}

/// Resolves a `did:jwk` (did:jwk spec §"Read"): decode, parse a *public* JWK of an
/// accepted type, and build the document.
///
/// # Errors
/// [`DidError::KeyInvalid`] when the identifier is not base64url of an acceptable public JWK.
pub fn resolve(did: &Did) -> Result<DidDocument, DidError> {
    let bytes = b64::decode_capped(did.method_specific_id(), 1024)
        .map_err(|e| DidError::KeyInvalid(format!("identifier: {e}")))?;
    let value =
        crate::json::parse(&bytes, 1024).map_err(|e| DidError::KeyInvalid(e.to_string()))?;
    let jwk = Jwk::from_value(&value).map_err(|e| DidError::KeyInvalid(e.to_string()))?;
    let key = jwk
        .to_public_key()
        .map_err(|e| DidError::KeyInvalid(e.to_string()))?;
    let mut doc = super::key::single_key_document(did, &format!("{did}#0"), &key);
    // Keep the JWK exactly as the identifier spelled it (kid/alg included).
    if let Some(vm) = doc.verification_method.first_mut() {
        vm.public_key_jwk = Some(jwk);
    }
    Ok(doc)
}
