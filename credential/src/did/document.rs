//! DID documents (DID Core §5): verification methods and the relationships that say
//! what each may be used for.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Did, DidError};
use crate::key::{Jwk, PublicKey};

/// A verification relationship (DID Core §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Relationship {
    /// `assertionMethod`: may sign credentials (what issuers need).
    AssertionMethod,
    /// `authentication`: may authenticate as the DID subject (holders, KB-JWTs).
    Authentication,
    /// `capabilityInvocation`: may update the DID itself (the registry uses this).
    CapabilityInvocation,
}

impl Relationship {
    /// The DID Core property name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Relationship::AssertionMethod => "assertionMethod",
            Relationship::Authentication => "authentication",
            Relationship::CapabilityInvocation => "capabilityInvocation",
        }
    }
}

/// One verification method (DID Core §5.2). Keys are given as `publicKeyJwk` or
/// `publicKeyMultibase` (Multikey, did:key encoding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMethod {
    /// Absolute DID URL of the method (`did:…#fragment`).
    pub id: String,
    /// `JsonWebKey2020`, `JsonWebKey`, `Multikey`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The DID that controls this key.
    pub controller: String,
    /// The key as a JWK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_jwk: Option<Jwk>,
    /// The key as a multibase multicodec string (did:key form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_multibase: Option<String>,
}

impl VerificationMethod {
    /// The public key this method holds.
    ///
    /// # Errors
    /// [`DidError::KeyInvalid`] when neither form is present or the key is not acceptable.
    pub fn public_key(&self) -> Result<PublicKey, DidError> {
        if let Some(jwk) = &self.public_key_jwk {
            return jwk
                .to_public_key()
                .map_err(|e| DidError::KeyInvalid(e.to_string()));
        }
        if let Some(mb) = &self.public_key_multibase {
            return super::key::decode_multikey(mb);
        }
        Err(DidError::KeyInvalid(format!(
            "{} has no publicKeyJwk or publicKeyMultibase",
            self.id
        )))
    }
}

/// A DID document (DID Core §5). Relationships hold method ids (embedded methods are
/// accepted on input and moved into `verification_method`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DidDocument {
    /// JSON-LD context (DID Core §4.1).
    #[serde(rename = "@context", default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    /// The DID this document describes.
    pub id: String,
    /// The keys.
    #[serde(default)]
    pub verification_method: Vec<VerificationMethod>,
    /// Ids of methods allowed to sign credentials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertion_method: Vec<String>,
    /// Ids of methods allowed to authenticate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<String>,
    /// Ids of methods allowed to update the DID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capability_invocation: Vec<String>,
    /// Ids of methods allowed to delegate capabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capability_delegation: Vec<String>,
    /// Ids of methods for key agreement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_agreement: Vec<String>,
}

/// Largest DID document accepted from the network.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

impl DidDocument {
    /// Parses a DID document from untrusted JSON and checks that it describes `did`.
    /// Relationship entries may be references or embedded methods (DID Core §5.3).
    ///
    /// # Errors
    /// [`DidError::DocumentInvalid`] when malformed, oversize or about another DID.
    pub fn from_json(bytes: &[u8], did: &Did) -> Result<Self, DidError> {
        let mut value = crate::json::parse(bytes, MAX_DOCUMENT_BYTES)
            .map_err(|e| DidError::DocumentInvalid(e.to_string()))?;
        let mut embedded = Vec::new();
        if let Value::Object(map) = &mut value {
            if let Some(Value::String(ctx)) = map.get("@context").cloned() {
                map.insert("@context".into(), Value::Array(vec![Value::String(ctx)]));
            }
            for rel in [
                "assertionMethod",
                "authentication",
                "capabilityInvocation",
                "capabilityDelegation",
                "keyAgreement",
            ] {
                if let Some(Value::Array(items)) = map.get_mut(rel) {
                    for item in items.iter_mut() {
                        if item.is_object() {
                            let id = item.get("id").cloned().unwrap_or(Value::Null);
                            embedded.push(std::mem::replace(item, id));
                        }
                    }
                }
            }
        }
        let mut doc: DidDocument =
            serde_json::from_value(value).map_err(|e| DidError::DocumentInvalid(e.to_string()))?;
        for vm in embedded {
            let vm: VerificationMethod =
                serde_json::from_value(vm).map_err(|e| DidError::DocumentInvalid(e.to_string()))?;
            doc.verification_method.push(vm);
        }
        if doc.id != did.as_str() {
            return Err(DidError::DocumentInvalid(format!(
                "document id {} does not match the DID {did}",
                doc.id
            )));
        }
        // Controlled Identifiers v1.0 §2.2: multiple verification methods with the
        // same id MUST produce an error (which key "#key-1" means would otherwise
        // depend on the reader: the first listed, or the one embedded later).
        let mut ids = std::collections::HashSet::new();
        for vm in &doc.verification_method {
            let id = doc.absolute(&vm.id);
            if !ids.insert(id.clone()) {
                return Err(DidError::DocumentInvalid(format!(
                    "two verification methods are named {id}"
                )));
            }
        }
        Ok(doc)
    }

    fn absolute(&self, id: &str) -> String {
        if id.starts_with('#') {
            format!("{}{id}", self.id)
        } else {
            id.to_owned()
        }
    }

    /// The key of verification method `id` (absolute `did:…#frag`, or `#frag`, or
    /// `None` when the document has exactly one method for `relationship`), provided
    /// that method is listed under `relationship`.
    ///
    /// # Errors
    /// [`DidError::VerificationMethodNotFound`] when no such method is authorized, or
    /// [`DidError::KeyInvalid`] when its key is not acceptable.
    pub fn key_for(
        &self,
        id: Option<&str>,
        relationship: Relationship,
    ) -> Result<PublicKey, DidError> {
        let allowed = match relationship {
            Relationship::AssertionMethod => &self.assertion_method,
            Relationship::Authentication => &self.authentication,
            Relationship::CapabilityInvocation => &self.capability_invocation,
        };
        let not_found = |id: String| DidError::VerificationMethodNotFound {
            id,
            relationship: relationship.name(),
        };
        let wanted = match id {
            Some(id) => self.absolute(id),
            None => match allowed.as_slice() {
                [only] => self.absolute(only),
                _ => {
                    return Err(not_found(format!(
                        "{} (no kid, and not exactly one key)",
                        self.id
                    )));
                }
            },
        };
        if !allowed.iter().any(|a| self.absolute(a) == wanted) {
            return Err(not_found(wanted));
        }
        self.verification_method
            .iter()
            .find(|vm| self.absolute(&vm.id) == wanted)
            .ok_or_else(|| not_found(wanted.clone()))?
            .public_key()
    }
}
