//! Credential types: what each credential says, which of its claims the holder may
//! withhold, and the JSON Schema its subject must satisfy before anything is signed.
//!
//! Each type is one self-describing document in `specs/credential-types/<type>.json`
//! (see that folder's README). The documents are compiled into the binary, checked for
//! consistency and compiled into JSON Schema validators once per process:
//!
//! ```text
//! specs/credential-types/*.json ──parse──▶ CredentialType ──check + compile──▶ CredentialSchema
//!                                                                               │
//!                        CredentialTypes::builtin() ◀── by name / vct / VC type ┘
//! ```
//!
//! Pinned standards:
//! - JSON Schema draft 2020-12 ([`JSON_SCHEMA_DIALECT`]), with the `format` keyword
//!   *asserted* for `date` (2020-12 makes format an annotation unless asked).
//! - SD-JWT VC §3.2.2: the `vct` claim names the type of an SD-JWT VC.
//! - W3C VC Data Model 2.0 §4.5 (Types): the `type` array of a `vc+jwt` credential.
//!
//! Subject validation reports *every* offending field ([`SchemaViolations`]), and its
//! messages never repeat the submitted values: subjects are personal data, and errors
//! end up in logs.

mod check;
mod compiled;
mod error;
mod registry;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use compiled::CredentialSchema;
pub use error::{SchemaError, SchemaViolations, Violation};
pub use registry::CredentialTypes;

/// The JSON Schema dialect every credential type's `schema` must declare in `$schema`
/// (JSON Schema Core 2020-12 §8.1.1).
pub const JSON_SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The first entry of every `vc_type` (W3C VC Data Model 2.0 §4.5, Types).
pub const VERIFIABLE_CREDENTIAL: &str = "VerifiableCredential";

/// One credential type, exactly as its `specs/credential-types/<type>.json` document
/// states it.
///
/// This is plain data: nothing here has been checked. [`CredentialSchema::compile`]
/// checks it and compiles its schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CredentialType {
    /// Short snake_case name used inside Sigillum (`passport`): trust-list entries,
    /// issuer configuration, DCQL credential ids.
    #[serde(rename = "type")]
    pub name: String,
    /// The SD-JWT VC type (SD-JWT VC §3.2.2, `vct` claim), e.g.
    /// `urn:sigillum:vct:passport:1`.
    pub vct: String,
    /// The `type` array of the `vc+jwt` form (W3C VC Data Model 2.0 §4.5, Types); the first
    /// entry is always `VerifiableCredential`.
    pub vc_type: Vec<String>,
    /// How a wallet names the credential.
    pub display: TypeDisplay,
    /// Lifetime of a credential when the officer does not set one, in days.
    pub default_validity_days: u32,
    /// The claims that bound the document's own validity, if it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<ValidityClaims>,
    /// Why the type looks the way it does (disclosure choices, code lists, limits).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Claims issued as plain claims, visible in every presentation.
    pub always_disclosed: Vec<String>,
    /// Claims issued as SD-JWT disclosures (RFC 9901 §4.2), which the holder chooses to
    /// reveal or not. Nested objects and arrays are disclosed whole.
    pub selectively_disclosable: Vec<String>,
    /// Labels that wallets and verifiers show for each claim.
    pub claims: BTreeMap<String, ClaimDisplay>,
    /// JSON Schema 2020-12 of the credential subject (the claims, without JWT claims).
    pub schema: Value,
    /// Fictional subjects that satisfy the schema, for documentation and tests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Value>,
}

/// How a wallet names a credential type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TypeDisplay {
    /// Human-readable name, e.g. "Passport".
    pub name: String,
    /// BCP 47 language tag of `name`.
    pub locale: String,
}

/// How a wallet labels one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClaimDisplay {
    /// Short label, e.g. "Date of birth".
    pub label: String,
    /// One sentence on what the claim holds.
    pub description: String,
}

/// The two date claims that bound a document's validity (`issue_date`/`expiry_date`
/// for a passport). Validation rejects a subject whose `until` is before its `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ValidityClaims {
    /// Claim holding the first valid day.
    pub from: String,
    /// Claim holding the last valid day.
    pub until: String,
}

/// Whether a claim may be withheld by the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimDisclosure {
    /// Issued as a plain claim; every presentation shows it.
    Always,
    /// Issued as an SD-JWT disclosure (RFC 9901 §4.2); the holder decides.
    Selective,
}

impl CredentialType {
    /// How `claim` is issued, or `None` when the type has no such claim.
    #[must_use]
    pub fn disclosure(&self, claim: &str) -> Option<ClaimDisclosure> {
        if self.always_disclosed.iter().any(|c| c == claim) {
            Some(ClaimDisclosure::Always)
        } else if self.selectively_disclosable.iter().any(|c| c == claim) {
            Some(ClaimDisclosure::Selective)
        } else {
            None
        }
    }

    /// The `$id` of the subject schema, if it declares one (JSON Schema Core 2020-12 §8.2.1).
    #[must_use]
    pub fn schema_id(&self) -> Option<&str> {
        self.schema.get("$id").and_then(Value::as_str)
    }
}
