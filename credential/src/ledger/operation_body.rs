//! The body of each registry operation type, closed (`deny_unknown_fields`): only
//! DIDs, public JWKs, URIs, credential type names, digests, times and status list
//! tokens can be expressed, so there is no field where personal data could go
//! (specs/registry/DESIGN.md "Operations").

use serde::{Deserialize, Serialize};

use crate::key::Jwk;

/// A verification method as the ledger stores it: a public JWK, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LedgerVerificationMethod {
    /// `did:sigillum:…#<fragment>`.
    pub id: String,
    /// `JsonWebKey2020` or `JsonWebKey`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The DID itself (the ledger has no third-party controllers).
    pub controller: String,
    /// The public key.
    pub public_key_jwk: Jwk,
}

/// A `did:sigillum` document as written to the ledger (DID Core §5, restricted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LedgerDidDocument {
    /// The keys.
    pub verification_method: Vec<LedgerVerificationMethod>,
    /// Ids of methods that may sign credentials.
    #[serde(default)]
    pub assertion_method: Vec<String>,
    /// Ids of methods that may authenticate.
    #[serde(default)]
    pub authentication: Vec<String>,
    /// Ids of methods that may update this DID on the ledger.
    pub capability_invocation: Vec<String>,
}

/// `did.key_compromised`: the key `kid` must not be trusted for anything signed at or after `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyCompromisedBody {
    /// The verification method id.
    pub kid: String,
    /// Unix seconds.
    pub since: i64,
}

/// `accreditation.grant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccreditationBody {
    /// The issuer DID.
    pub issuer: String,
    /// The credential type name (`passport`, …).
    pub credential_type: String,
    /// Unix seconds.
    pub valid_from: i64,
    /// Unix seconds, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
}

/// `accreditation.withdraw`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// Unix seconds from which the issuer is no longer accredited.
    pub since: i64,
}

/// Which status list format a list uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusListFormat {
    /// IETF Token Status List, `statuslist+jwt`.
    Token,
    /// W3C Bitstring Status List credential, `vc+jwt`.
    Bitstring,
}

/// `status_list.create` / `status_list.update`: the whole signed list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusListBody {
    /// The format.
    pub format: StatusListFormat,
    /// The signed list (signed by the same issuer as the operation).
    pub token: String,
}

/// `schema.publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaBody {
    /// The SD-JWT VC type.
    pub vct: String,
    /// `sha-256:` + base64url of the schema document's digest.
    pub digest: String,
    /// Where the schema document is served.
    pub uri: String,
}

/// `governance.rotate`: the new governance key set and threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceBody {
    /// Public JWKs, each with a `kid`.
    pub keys: Vec<Jwk>,
    /// Signatures required (m of n).
    pub threshold: u8,
}

/// `did.deactivate` carries nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}
