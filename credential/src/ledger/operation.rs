//! Registry operations (specs/registry/DESIGN.md "Operations"): a JSON payload
//! `{v, type, id, prev, time, body}` signed as a JWS in the general JSON
//! serialization (RFC 7515 §7.2.1), so that governance operations can carry m of n
//! signatures. The accepted bytes are the log leaf (RFC 9162 §2.1.1).
//!
//! Parsing is strict and bounded, every signature's `typ` is `sigillum-op+jwt`, and
//! each type's body is a closed structure ([`super::operation_body`]): a field the
//! ledger does not define is refused as `operation_field_forbidden`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::merkle::{Hash, leaf_hash};
use super::operation_body::{
    AccreditationBody, EmptyBody, GovernanceBody, KeyCompromisedBody, LedgerDidDocument,
    SchemaBody, StatusListBody, WithdrawBody,
};
use crate::b64;
use crate::jws::CompactJws;
use crate::key::{Alg, PublicKey, SigningKey};

/// The `typ` of every operation signature.
pub const OP_TYP: &str = "sigillum-op+jwt";
/// Largest operation accepted (a status list of 4 MiB, base64url, in JSON).
pub const MAX_OPERATION_BYTES: usize = 8 * 1024 * 1024;
/// Most signatures on one operation.
pub const MAX_SIGNATURES: usize = 16;

/// Why an operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperationError {
    /// Not a JWS JSON serialization of an operation payload.
    #[error("malformed operation: {0}")]
    Malformed(String),
    /// Larger than [`MAX_OPERATION_BYTES`].
    #[error("operation of {0} bytes is over the limit")]
    TooLarge(usize),
    /// The body has a field this operation type does not define (or a wrong type).
    #[error("operation body not accepted for {op}: {why}")]
    FieldForbidden {
        /// The operation type.
        op: &'static str,
        /// serde's description, naming the field.
        why: String,
    },
    /// A signature does not verify with the key its `kid` names.
    #[error("signature by {kid} does not verify: {why}")]
    SignatureInvalid {
        /// The signature's key id.
        kid: String,
        /// What failed.
        why: String,
    },
    /// Not signed by enough authorized keys.
    #[error("not authorized: {0}")]
    Unauthorized(String),
    /// `prev` is not the object's latest version: a replay or a lost update.
    #[error("operation on {id} names version {found:?}, but the latest is {latest:?}")]
    Stale {
        /// The object.
        id: String,
        /// The operation's `prev`.
        found: Option<String>,
        /// The ledger's latest version.
        latest: Option<String>,
    },
    /// `time` is too far from the node's clock.
    #[error("operation time {time} is more than {max_skew} s from the node's clock {now}")]
    TimeSkew {
        /// The operation's time.
        time: i64,
        /// The node's time.
        now: i64,
        /// The allowed skew.
        max_skew: i64,
    },
    /// The operation is well-formed but not allowed in the object's current state.
    #[error("{0}")]
    Rejected(String),
}

impl OperationError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            OperationError::Malformed(_) => "operation_malformed",
            OperationError::TooLarge(_) => "input_too_large",
            OperationError::FieldForbidden { .. } => "operation_field_forbidden",
            OperationError::SignatureInvalid { .. } => "operation_signature_invalid",
            OperationError::Unauthorized(_) => "operation_unauthorized",
            OperationError::Stale { .. } => "operation_stale",
            OperationError::TimeSkew { .. } => "operation_time_skew",
            OperationError::Rejected(_) => "operation_rejected",
        }
    }
}

/// The operation types (specs/registry/DESIGN.md table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OpType {
    /// Create a `did:sigillum` DID.
    #[serde(rename = "did.create")]
    DidCreate,
    /// Replace a DID's document (key rotation, methods added or removed).
    #[serde(rename = "did.update")]
    DidUpdate,
    /// Deactivate a DID.
    #[serde(rename = "did.deactivate")]
    DidDeactivate,
    /// Mark one of a DID's keys compromised from a time.
    #[serde(rename = "did.key_compromised")]
    DidKeyCompromised,
    /// Accredit an issuer for a credential type.
    #[serde(rename = "accreditation.grant")]
    AccreditationGrant,
    /// Withdraw an accreditation.
    #[serde(rename = "accreditation.withdraw")]
    AccreditationWithdraw,
    /// Publish a new status list.
    #[serde(rename = "status_list.create")]
    StatusListCreate,
    /// Publish a new version of a status list.
    #[serde(rename = "status_list.update")]
    StatusListUpdate,
    /// Publish a credential type's schema digest.
    #[serde(rename = "schema.publish")]
    SchemaPublish,
    /// Replace the governance key set.
    #[serde(rename = "governance.rotate")]
    GovernanceRotate,
}

impl OpType {
    /// The wire name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            OpType::DidCreate => "did.create",
            OpType::DidUpdate => "did.update",
            OpType::DidDeactivate => "did.deactivate",
            OpType::DidKeyCompromised => "did.key_compromised",
            OpType::AccreditationGrant => "accreditation.grant",
            OpType::AccreditationWithdraw => "accreditation.withdraw",
            OpType::StatusListCreate => "status_list.create",
            OpType::StatusListUpdate => "status_list.update",
            OpType::SchemaPublish => "schema.publish",
            OpType::GovernanceRotate => "governance.rotate",
        }
    }
}

/// An operation's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Format version, 1.
    pub v: u8,
    /// What it does.
    #[serde(rename = "type")]
    pub op_type: OpType,
    /// The object it changes.
    pub id: String,
    /// The object's latest leaf hash (standard base64), or `null` to create.
    pub prev: Option<String>,
    /// The signer's time, Unix seconds.
    pub time: i64,
    /// The type's body.
    pub body: Value,
}

/// A typed operation body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// `did.create`, `did.update`.
    DidDocument(LedgerDidDocument),
    /// `did.key_compromised`.
    KeyCompromised(KeyCompromisedBody),
    /// `accreditation.grant`.
    Accreditation(AccreditationBody),
    /// `accreditation.withdraw`.
    Withdraw(WithdrawBody),
    /// `status_list.*`.
    StatusList(StatusListBody),
    /// `schema.publish`.
    Schema(SchemaBody),
    /// `governance.rotate`.
    Governance(GovernanceBody),
    /// `did.deactivate`.
    Empty,
}

fn typed<T: serde::de::DeserializeOwned>(op: OpType, body: &Value) -> Result<T, OperationError> {
    serde_json::from_value(body.clone()).map_err(|e| OperationError::FieldForbidden {
        op: op.name(),
        why: e.to_string(),
    })
}

impl Operation {
    /// The body, checked against the closed structure of this operation type.
    ///
    /// # Errors
    /// [`OperationError::FieldForbidden`] for unknown fields or wrong types.
    pub fn body(&self) -> Result<Body, OperationError> {
        let t = self.op_type;
        Ok(match t {
            OpType::DidCreate | OpType::DidUpdate => Body::DidDocument(typed(t, &self.body)?),
            OpType::DidDeactivate => {
                let _: EmptyBody = typed(t, &self.body)?;
                Body::Empty
            }
            OpType::DidKeyCompromised => Body::KeyCompromised(typed(t, &self.body)?),
            OpType::AccreditationGrant => Body::Accreditation(typed(t, &self.body)?),
            OpType::AccreditationWithdraw => Body::Withdraw(typed(t, &self.body)?),
            OpType::StatusListCreate | OpType::StatusListUpdate => {
                Body::StatusList(typed(t, &self.body)?)
            }
            OpType::SchemaPublish => Body::Schema(typed(t, &self.body)?),
            OpType::GovernanceRotate => Body::Governance(typed(t, &self.body)?),
        })
    }
}

/// One signature of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpSignature {
    /// The signing key's id (a DID URL, or a governance key id).
    pub kid: String,
    signing_input: String,
    signature: Vec<u8>,
    alg: String,
}

/// A parsed operation: payload, signatures (not yet verified) and the leaf bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedOperation {
    /// The payload.
    pub operation: Operation,
    /// The signatures, in order.
    pub signatures: Vec<OpSignature>,
    bytes: Vec<u8>,
}

/// Signs `op` with each `(key, kid)`, returning the JWS JSON serialization.
#[must_use]
pub fn sign(op: &Operation, signers: &[(&SigningKey, &str)]) -> String {
    let payload = b64::encode(serde_json::to_vec(op).unwrap_or_default());
    let signatures: Vec<Value> = signers
        .iter()
        .map(|(key, kid)| {
            let protected = b64::encode(
                json!({"alg": key.alg().name(), "typ": OP_TYP, "kid": kid}).to_string(),
            );
            let signature =
                b64::encode(key.sign_bytes(format!("{protected}.{payload}").as_bytes()));
            json!({"protected": protected, "signature": signature})
        })
        .collect();
    json!({"payload": payload, "signatures": signatures}).to_string()
}

fn malformed(why: impl Into<String>) -> OperationError {
    OperationError::Malformed(why.into())
}

fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a str, OperationError> {
    map.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(format!("\"{name}\" is missing or not a string")))
}

/// Parses an operation received from a client (strict JSON, bounded), without
/// verifying signatures.
///
/// # Errors
/// [`OperationError::TooLarge`], [`OperationError::Malformed`].
pub fn parse(bytes: &[u8]) -> Result<SignedOperation, OperationError> {
    if bytes.len() > MAX_OPERATION_BYTES {
        return Err(OperationError::TooLarge(bytes.len()));
    }
    let envelope = crate::json::parse_object(bytes, MAX_OPERATION_BYTES)
        .map_err(|e| malformed(e.to_string()))?;
    if let Some(extra) = envelope
        .keys()
        .find(|k| *k != "payload" && *k != "signatures")
    {
        return Err(malformed(format!("unexpected member \"{extra}\"")));
    }
    let payload_b64 = field(&envelope, "payload")?;
    let payload =
        b64::decode(payload_b64).map_err(|_| malformed("payload is not canonical base64url"))?;
    let payload_json = crate::json::parse_object(&payload, MAX_OPERATION_BYTES)
        .map_err(|e| malformed(format!("payload: {e}")))?;
    let operation: Operation = serde_json::from_value(Value::Object(payload_json))
        .map_err(|e| malformed(format!("payload: {e}")))?;
    if operation.v != 1 {
        return Err(malformed(format!(
            "version {} is not supported",
            operation.v
        )));
    }
    let items = envelope
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("\"signatures\" is missing or not an array"))?;
    if items.is_empty() || items.len() > MAX_SIGNATURES {
        return Err(malformed(format!(
            "{} signatures (1 to {MAX_SIGNATURES} allowed)",
            items.len()
        )));
    }
    let signatures = items
        .iter()
        .map(|item| {
            let item = item
                .as_object()
                .ok_or_else(|| malformed("a signature is not an object"))?;
            let protected = field(item, "protected")?;
            let signature = field(item, "signature")?;
            let compact = format!("{protected}.{payload_b64}.{signature}");
            let jws = CompactJws::parse(&compact, MAX_OPERATION_BYTES * 2)
                .map_err(|e| malformed(e.to_string()))?;
            jws.expect_typ(OP_TYP)
                .map_err(|e| malformed(e.to_string()))?;
            let kid = jws
                .header()
                .kid
                .clone()
                .ok_or_else(|| malformed("a signature has no kid"))?;
            Ok(OpSignature {
                kid,
                alg: jws.header().alg.clone(),
                signing_input: format!("{protected}.{payload_b64}"),
                signature: b64::decode(signature)
                    .map_err(|_| malformed("signature is not base64url"))?,
            })
        })
        .collect::<Result<Vec<_>, OperationError>>()?;
    Ok(SignedOperation {
        operation,
        signatures,
        bytes: bytes.to_vec(),
    })
}

impl SignedOperation {
    /// Verifies every signature with the key its `kid` names (`keys` answers `None` for
    /// a key that is not authorized for this operation) and returns the distinct kids
    /// that signed. Any signature that does not verify fails the operation.
    ///
    /// # Errors
    /// [`OperationError::Unauthorized`] for a kid with no authorized key,
    /// [`OperationError::SignatureInvalid`] for a bad signature.
    pub fn verify_signers(
        &self,
        keys: impl Fn(&str) -> Option<PublicKey>,
    ) -> Result<Vec<String>, OperationError> {
        let mut signers: Vec<String> = Vec::new();
        for s in &self.signatures {
            let key = keys(&s.kid).ok_or_else(|| {
                OperationError::Unauthorized(format!(
                    "{} is not an authorized key for this operation",
                    s.kid
                ))
            })?;
            if Alg::from_name(&s.alg) != Some(key.alg()) {
                return Err(OperationError::SignatureInvalid {
                    kid: s.kid.clone(),
                    why: format!("alg {} does not match the key", s.alg),
                });
            }
            key.verify_bytes(s.signing_input.as_bytes(), &s.signature)
                .map_err(|_| OperationError::SignatureInvalid {
                    kid: s.kid.clone(),
                    why: "signature does not verify".into(),
                })?;
            if !signers.contains(&s.kid) {
                signers.push(s.kid.clone());
            }
        }
        Ok(signers)
    }

    /// The bytes that become the log leaf.
    #[must_use]
    pub fn leaf_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// RFC 9162 leaf hash of [`SignedOperation::leaf_bytes`].
    #[must_use]
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.bytes)
    }
}

/// The standard-base64 text of a leaf hash, as `prev` carries it.
#[must_use]
pub fn hash_text(hash: &Hash) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hash.as_bytes())
}

/// The fragment of a method id (`did:…#key-1` or `#key-1` → `key-1`): a new DID's
/// document cannot name itself before its id is derived, so methods match by fragment.
#[must_use]
pub fn fragment(id: &str) -> &str {
    id.rsplit_once('#').map_or(id, |(_, f)| f)
}

/// `did:sigillum:` + base58btc of the first 16 bytes of SHA-256 over the RFC 7638
/// thumbprints (sorted, newline-joined) of the document's `capabilityInvocation` keys.
///
/// # Errors
/// [`OperationError::Rejected`] when the document has no usable `capabilityInvocation` key.
pub fn derive_did(document: &LedgerDidDocument) -> Result<String, OperationError> {
    let mut thumbprints: Vec<String> = document
        .capability_invocation
        .iter()
        .filter_map(|id| {
            document
                .verification_method
                .iter()
                .find(|vm| fragment(&vm.id) == fragment(id))
        })
        .map(|vm| vm.public_key_jwk.thumbprint())
        .collect();
    if thumbprints.is_empty() {
        return Err(OperationError::Rejected(
            "the document has no capabilityInvocation key".into(),
        ));
    }
    thumbprints.sort();
    let digest = Sha256::digest(thumbprints.join("\n").as_bytes());
    let id = bs58::encode(digest.get(..16).unwrap_or_default()).into_string();
    Ok(format!("did:sigillum:{id}"))
}

#[cfg(test)]
#[path = "operation_tests.rs"]
mod tests;
