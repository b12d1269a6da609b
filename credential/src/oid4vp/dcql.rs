//! The Digital Credentials Query Language (OpenID4VP 1.0 §6): what a verifier asks
//! for — which credentials, of which format and type, with which claims — as the
//! `dcql_query` of an Authorization Request, with the member names of the spec.
//!
//! Parsing is strict where the spec is: ids are non-empty `[A-Za-z0-9_-]` and unique,
//! arrays the spec calls non-empty are, `claim_sets` need `claims` with ids and
//! reference only them, `credential_sets` reference only credential queries, a claim
//! is not asked for twice, and every format's required `meta` member is present.
//! Every array and string is capped. Unknown members are ignored, as §6 requires of
//! implementations, except by [`DcqlQuery::from_value_strict`], which refuses them
//! for a verifier's own configuration, where a misspelt `claims` must not silently
//! ask for nothing.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::DcqlError;
use super::validate::{self, clip, parse_text, precheck, unknown_members};
use crate::sd_jwt::ClaimPath;

/// Largest DCQL query accepted as JSON text.
pub const MAX_DCQL_LEN: usize = 64 * 1024;
/// Most Credential Queries in one DCQL query.
pub const MAX_CREDENTIAL_QUERIES: usize = 32;
/// Most Claims Queries in one Credential Query.
pub const MAX_CLAIMS_QUERIES: usize = 64;
/// Most components of one claims path pointer.
pub const MAX_PATH_LEN: usize = 16;
/// Most entries of any other array (`vct_values`, `type_values`, `values`,
/// `claim_sets`, `credential_sets`, `options`, `trusted_authorities`, …).
pub const MAX_ENTRIES: usize = 32;
/// Longest `id` of a Credential Query or Claims Query.
pub const MAX_ID_LEN: usize = 64;
/// Longest string anywhere else (type identifiers, path keys, values).
pub const MAX_STRING_LEN: usize = 1024;

/// A Credential Format Identifier (OpenID4VP 1.0 Appendix B).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialFormat {
    /// `dc+sd-jwt`: IETF SD-JWT VC (Appendix B.3).
    DcSdJwt,
    /// `jwt_vc_json`: a W3C VC signed as a JWT, without JSON-LD (Appendix B.1.3.1);
    /// Sigillum's `vc+jwt` credentials are requested with it.
    JwtVcJson,
    /// `ldp_vc`: a W3C VC secured with Data Integrity (Appendix B.1.3.2). Parsed, never matched.
    LdpVc,
    /// `mso_mdoc`: an ISO mdoc (Appendix B.2). Parsed, never matched.
    MsoMdoc,
    /// Another format, defined elsewhere. Parsed, never matched.
    Other(String),
}

impl CredentialFormat {
    /// The identifier as it appears in `format`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            CredentialFormat::DcSdJwt => "dc+sd-jwt",
            CredentialFormat::JwtVcJson => "jwt_vc_json",
            CredentialFormat::LdpVc => "ldp_vc",
            CredentialFormat::MsoMdoc => "mso_mdoc",
            CredentialFormat::Other(s) => s,
        }
    }

    /// The format named by `identifier`.
    #[must_use]
    pub fn from_identifier(identifier: &str) -> Self {
        match identifier {
            "dc+sd-jwt" => CredentialFormat::DcSdJwt,
            "jwt_vc_json" => CredentialFormat::JwtVcJson,
            "ldp_vc" => CredentialFormat::LdpVc,
            "mso_mdoc" => CredentialFormat::MsoMdoc,
            other => CredentialFormat::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for CredentialFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CredentialFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CredentialFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| CredentialFormat::from_identifier(&s))
    }
}

/// A value in a Claims Query's `values` (§6.3): a string, an integer or a boolean.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClaimValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A string.
    String(String),
}

impl ClaimValue {
    /// Whether `value` has this type and this value, exactly (§6.3: "the type and
    /// value of the claim both match exactly"; `18.0` is not `18`).
    #[must_use]
    pub fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (ClaimValue::Bool(a), Value::Bool(b)) => a == b,
            // Only integers compare: `as_i64` is `None` for a float.
            (ClaimValue::Integer(a), Value::Number(n)) => n.as_i64() == Some(*a),
            (ClaimValue::String(a), Value::String(b)) => a == b,
            _ => false,
        }
    }

    /// The value as JSON.
    #[must_use]
    pub fn to_value(&self) -> Value {
        match self {
            ClaimValue::Bool(b) => Value::Bool(*b),
            ClaimValue::Integer(i) => Value::from(*i),
            ClaimValue::String(s) => Value::String(s.clone()),
        }
    }
}

impl fmt::Display for ClaimValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

/// The format-specific `meta` object of a Credential Query (§6.1; Appendix B).
/// Members of other formats are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// `dc+sd-jwt` (Appendix B.3.5): the accepted `vct` values; required, non-empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct_values: Option<Vec<String>>,
    /// `jwt_vc_json`, `ldp_vc` (Appendix B.1.1): alternatives, each a set of types
    /// the credential's `type` must all contain; required, non-empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_values: Option<Vec<Vec<String>>>,
    /// `mso_mdoc` (Appendix B.2.3): the accepted doctype; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctype_value: Option<String>,
}

/// A Trusted Authorities Query (§6.1.1). Carried, not evaluated: Sigillum's trust
/// comes from the registry's accreditations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedAuthoritiesQuery {
    /// `aki`, `etsi_tl`, `openid_federation`, or another type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The authorities; non-empty.
    pub values: Vec<String>,
}

/// A Claims Query (§6.3): one claim of the credential, by its claims path pointer (§7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimsQuery {
    /// Required when the Credential Query has `claim_sets`; unique within `claims`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The claims path pointer; non-empty.
    #[serde(with = "crate::sd_jwt::path::pointer")]
    pub path: ClaimPath,
    /// Acceptable values (a privacy aid for the wallet, never a security check, §6.4.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<ClaimValue>>,
    /// `mso_mdoc` only (Appendix B.2.4): whether the verifier keeps the element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_to_retain: Option<bool>,
}

/// A Credential Query (§6.1): one credential the verifier asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialQuery {
    /// Names the credential in the response and in `credential_sets`.
    pub id: String,
    /// The requested format.
    pub format: CredentialFormat,
    /// Whether several credentials may answer (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple: Option<bool>,
    /// Format-specific constraints on the type.
    pub meta: Meta,
    /// Authorities the issuer should be certified by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_authorities: Option<Vec<TrustedAuthoritiesQuery>>,
    /// Whether a holder binding proof is required (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_cryptographic_holder_binding: Option<bool>,
    /// The requested claims; absent asks for no selectively disclosable claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<ClaimsQuery>>,
    /// Acceptable combinations of claim ids, most preferred first (§6.4.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_sets: Option<Vec<Vec<String>>>,
}

impl CredentialQuery {
    /// `multiple`, with its default (`false`).
    #[must_use]
    pub fn multiple(&self) -> bool {
        self.multiple.unwrap_or(false)
    }

    /// `require_cryptographic_holder_binding`, with its default (`true`).
    #[must_use]
    pub fn requires_holder_binding(&self) -> bool {
        self.require_cryptographic_holder_binding.unwrap_or(true)
    }
}

/// A Credential Set Query (§6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialSetQuery {
    /// Alternatives, each a non-empty list of Credential Query ids.
    pub options: Vec<Vec<String>>,
    /// Whether the set must be satisfied (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl CredentialSetQuery {
    /// `required`, with its default (`true`).
    #[must_use]
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(true)
    }
}

/// A DCQL query (§6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcqlQuery {
    /// The requested credentials; non-empty.
    pub credentials: Vec<CredentialQuery>,
    /// Which combinations of them satisfy the request; absent means all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_sets: Option<Vec<CredentialSetQuery>>,
}

impl DcqlQuery {
    /// Parses and validates a DCQL query from JSON text (at most [`MAX_DCQL_LEN`]
    /// bytes; duplicate member names refused; unknown members ignored, §6).
    ///
    /// # Errors
    /// [`DcqlError`]: too large, not strict JSON, mis-shaped, or breaking a rule of §6.
    pub fn from_json(text: &str) -> Result<Self, DcqlError> {
        Self::from_value(&parse_text(text)?)
    }

    /// Parses and validates a DCQL query already read as JSON (the `dcql_query`
    /// member of a request). Unknown members are ignored (§6).
    ///
    /// # Errors
    /// As [`DcqlQuery::from_json`], without the JSON-level errors.
    pub fn from_value(value: &Value) -> Result<Self, DcqlError> {
        precheck(value)?;
        let query = DcqlQuery::deserialize(value)
            .map_err(|e| DcqlError::Shape(clip(&e.to_string(), 200)))?;
        query.validate()?;
        Ok(query)
    }

    /// Like [`DcqlQuery::from_value`], and refuses members this implementation does
    /// not know: for a verifier's own configuration, where a typo must not silently
    /// widen what is accepted.
    ///
    /// # Errors
    /// As [`DcqlQuery::from_value`], plus [`DcqlError::UnknownMember`].
    pub fn from_value_strict(value: &Value) -> Result<Self, DcqlError> {
        unknown_members(value)?;
        Self::from_value(value)
    }

    /// Like [`DcqlQuery::from_json`], with unknown members refused as by
    /// [`DcqlQuery::from_value_strict`].
    ///
    /// # Errors
    /// As [`DcqlQuery::from_value_strict`], plus the JSON-level errors.
    pub fn from_json_strict(text: &str) -> Result<Self, DcqlError> {
        Self::from_value_strict(&parse_text(text)?)
    }

    /// The query as compact JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        // String keys and infallible Serialize impls: serde_json cannot fail here.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The query as a JSON value (for the `dcql_query` member of a request object).
    #[must_use]
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The Credential Query with this `id`.
    #[must_use]
    pub fn credential(&self, id: &str) -> Option<&CredentialQuery> {
        self.credentials.iter().find(|c| c.id == id)
    }
    /// Checks every rule of §6 and the size caps (for a query built in code; the
    /// parsers call it).
    ///
    /// # Errors
    /// The first rule broken, as a [`DcqlError`].
    pub fn validate(&self) -> Result<(), DcqlError> {
        validate::query(self)
    }
}
