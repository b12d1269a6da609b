//! Checkpoint profiles (issue #5 item 2): what one kind of checkpoint accepts — which
//! credential types with which claims (a DCQL query, OpenID4VP 1.0 §6), which
//! predicates the claims must meet, and how strict verification is (status age,
//! clock leeway, what happens when the registry cannot answer).
//!
//! ```text
//!  Profile ─ verify_policy / ledger_policy ─► the pipeline's policy (before verifying)
//!          ─ dcql ─────────────────────────► the request a wallet answers
//!          ─ evaluate(report, now) ─────────► profile_type, profile_claims,
//!                                              profile_predicate checks (after)
//! ```
//!
//! Three ship with Sigillum, `specs/profiles/{border,bank_kyc,business_check}.json`,
//! compiled in ([`Profile::builtin`]); an operator writes their own in the same
//! format ([`Profile::load`]).
//!
//! # The JSON format
//!
//! ```json
//! {
//!   "name": "bank_kyc",                       // [a-z0-9_-], 1–64 characters
//!   "description": "Know your customer …",    // optional, at most 1000 characters
//!   "dcql": { "credentials": [ … ], "credential_sets": [ … ] },
//!   "predicates": [                           // optional, at most 32
//!     { "type": "age_at_least", "claim": "birth_date", "years": 18 },
//!     { "type": "date_not_passed", "claim": "valid_until", "credential": "residence_permit" },
//!     { "type": "date_reached", "claim": "valid_from" },
//!     { "type": "equals", "claim": "registration_status", "value": "active" }
//!   ],
//!   "max_status_age_secs": 604800,            // optional: any unexpired list
//!   "leeway_secs": 60,                        // default 60, at most 3600
//!   "fail_closed": false,                     // default true
//!   "require_status": false,                  // default true
//!   "kb_max_age_secs": 300                    // default 300, 1 to 86400
//! }
//! ```
//!
//! Unknown members are refused everywhere, also inside `dcql`, so that a misspelt
//! member cannot silently loosen a checkpoint. The DCQL query must be answerable by
//! one credential (a checkpoint verifies one per presentation): one Credential
//! Query, or `credential_sets` with exactly one required set whose options each
//! name one Credential Query. A predicate's `claim` is a top-level claim of the
//! credential subject and must be requested by every Credential Query it applies
//! to — all of them, or the one its optional `credential` names.
//!
//! Dates are ISO 8601 calendar dates `YYYY-MM-DD`, compared in UTC. `age_at_least`
//! counts calendar years (the birthday itself counts; someone born on 29 February
//! is a year older on 1 March in common years); `date_not_passed` holds through the
//! named day, `date_reached` from it, each with the profile's leeway.

mod date;
mod error;
mod evaluate;
mod validate;

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sigillum_credential::json;
use sigillum_credential::oid4vp::{ClaimValue, CredentialQuery, DcqlQuery};
use sigillum_credential::verify::VerifyPolicy;

pub use error::ProfileError;

use crate::check::LedgerPolicy;

/// Largest profile file accepted.
pub const MAX_PROFILE_LEN: usize = 64 * 1024;
/// Most predicates in one profile.
pub const MAX_PREDICATES: usize = 32;
/// The profiles that ship with Sigillum.
pub const BUILTIN_PROFILES: [&str; 3] = ["border", "bank_kyc", "business_check"];

const BUILTIN_DOCUMENTS: [&str; 3] = [
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/profiles/border.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/profiles/bank_kyc.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/profiles/business_check.json"
    )),
];

/// What one kind of checkpoint accepts, and how strictly it verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Short name (`border`), `[a-z0-9_-]`.
    pub name: String,
    /// What the checkpoint is for, for the operator and the officer.
    pub description: String,
    /// The credentials and claims requested; also what a wallet is asked for.
    pub dcql: DcqlQuery,
    /// Conditions on the disclosed claims.
    pub predicates: Vec<Predicate>,
    /// Oldest acceptable status list, in seconds since it was issued.
    pub max_status_age_secs: Option<i64>,
    /// Clock skew allowed on validity windows, KB-JWTs and date predicates.
    pub leeway_secs: i64,
    /// When the registry cannot answer: fail (border) or report the check as not run.
    pub fail_closed: bool,
    /// Fail a credential with a status entry when no status list is available.
    pub require_status: bool,
    /// Oldest acceptable key binding JWT, in seconds.
    pub kb_max_age_secs: i64,
}

/// A condition on one disclosed claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Predicate {
    /// The date in `claim` (a birth date) is at least `years` calendar years ago.
    AgeAtLeast {
        /// The date claim.
        claim: String,
        /// The minimum age.
        years: u32,
        /// Only for credentials answering this Credential Query.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<String>,
    },
    /// The date in `claim` (an expiry or `valid_until` day) is today or later.
    DateNotPassed {
        /// The date claim.
        claim: String,
        /// Only for credentials answering this Credential Query.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<String>,
    },
    /// The date in `claim` (a `valid_from` day) is today or earlier.
    DateReached {
        /// The date claim.
        claim: String,
        /// Only for credentials answering this Credential Query.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<String>,
    },
    /// `claim` is exactly `value` (same JSON type and value).
    Equals {
        /// The claim.
        claim: String,
        /// The required value: a string, an integer or a boolean.
        value: ClaimValue,
        /// Only for credentials answering this Credential Query.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<String>,
    },
}

impl Predicate {
    /// The claim the predicate reads.
    #[must_use]
    pub fn claim(&self) -> &str {
        match self {
            Predicate::AgeAtLeast { claim, .. }
            | Predicate::DateNotPassed { claim, .. }
            | Predicate::DateReached { claim, .. }
            | Predicate::Equals { claim, .. } => claim,
        }
    }

    /// The Credential Query it is limited to, if any.
    #[must_use]
    pub fn credential(&self) -> Option<&str> {
        match self {
            Predicate::AgeAtLeast { credential, .. }
            | Predicate::DateNotPassed { credential, .. }
            | Predicate::DateReached { credential, .. }
            | Predicate::Equals { credential, .. } => credential.as_deref(),
        }
    }

    /// The rule in words (`age at least 18`, `expiry_date not passed`).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Predicate::AgeAtLeast { years, .. } => format!("age at least {years}"),
            Predicate::DateNotPassed { claim, .. } => format!("{claim} not passed"),
            Predicate::DateReached { claim, .. } => format!("{claim} reached"),
            Predicate::Equals { claim, value, .. } => format!("{claim} == {value}"),
        }
    }
}

/// The file as written; `dcql` is read strictly afterwards, keeping its error codes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    #[serde(default)]
    description: String,
    dcql: Value,
    #[serde(default)]
    predicates: Vec<Value>,
    #[serde(default)]
    max_status_age_secs: Option<i64>,
    #[serde(default = "default_leeway")]
    leeway_secs: i64,
    #[serde(default = "yes")]
    fail_closed: bool,
    #[serde(default = "yes")]
    require_status: bool,
    #[serde(default = "default_kb_age")]
    kb_max_age_secs: i64,
}

fn default_leeway() -> i64 {
    60
}
fn default_kb_age() -> i64 {
    300
}
fn yes() -> bool {
    true
}

impl Profile {
    /// One of the profiles that ship with Sigillum ([`BUILTIN_PROFILES`]), from
    /// `specs/profiles/<name>.json`, compiled in.
    ///
    /// # Errors
    /// [`ProfileError::UnknownBuiltin`]; any other error is a defect of the shipped
    /// file (a unit test loads them all).
    pub fn builtin(name: &str) -> Result<Profile, ProfileError> {
        let document = BUILTIN_PROFILES
            .iter()
            .zip(BUILTIN_DOCUMENTS)
            .find_map(|(n, d)| (*n == name).then_some(d))
            .ok_or_else(|| ProfileError::UnknownBuiltin {
                name: evaluate::clip(name),
            })?;
        Profile::from_json(document)
    }

    /// An operator's profile from a file (at most [`MAX_PROFILE_LEN`] bytes).
    ///
    /// # Errors
    /// [`ProfileError::Unreadable`], [`ProfileError::TooLarge`], or as [`Profile::from_json`].
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let unreadable = |e: std::io::Error| ProfileError::Unreadable {
            path: path.display().to_string(),
            why: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let mut bytes = Vec::new();
        file.take(MAX_PROFILE_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        Profile::from_slice(&bytes)
    }

    /// A profile from its JSON text (see the module documentation for the format).
    ///
    /// # Errors
    /// [`ProfileError`]: too large, not strict JSON, an unknown or mis-typed member,
    /// a DCQL query breaking OpenID4VP 1.0 §6 (its own codes), or a value out of range.
    pub fn from_json(text: &str) -> Result<Profile, ProfileError> {
        Profile::from_slice(text.as_bytes())
    }

    fn from_slice(bytes: &[u8]) -> Result<Profile, ProfileError> {
        if bytes.len() > MAX_PROFILE_LEN {
            return Err(ProfileError::TooLarge {
                max: MAX_PROFILE_LEN,
            });
        }
        let value = json::parse(bytes, MAX_PROFILE_LEN).map_err(ProfileError::Json)?;
        let file = ProfileFile::deserialize(&value)
            .map_err(|e| ProfileError::Malformed(evaluate::clip(&e.to_string())))?;
        if file.predicates.len() > MAX_PREDICATES {
            return Err(ProfileError::TooManyPredicates {
                count: file.predicates.len(),
                max: MAX_PREDICATES,
            });
        }
        let predicates = file
            .predicates
            .iter()
            .map(Predicate::deserialize)
            .collect::<Result<_, _>>()
            .map_err(|e| {
                ProfileError::Malformed(format!("predicate: {}", evaluate::clip(&e.to_string())))
            })?;
        let profile = Profile {
            name: file.name,
            description: file.description,
            dcql: DcqlQuery::from_value_strict(&file.dcql)?,
            predicates,
            max_status_age_secs: file.max_status_age_secs,
            leeway_secs: file.leeway_secs,
            fail_closed: file.fail_closed,
            require_status: file.require_status,
            kb_max_age_secs: file.kb_max_age_secs,
        };
        profile.validate()?;
        Ok(profile)
    }

    /// The profile as pretty JSON, in the format [`Profile::from_json`] reads.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The pipeline's policy for this profile: its leeway, status rules and KB age;
    /// key binding required unless every Credential Query waives it
    /// (`require_cryptographic_holder_binding: false`); all of Sigillum's algorithms.
    /// `nonce` and `aud` are the request's.
    #[must_use]
    pub fn verify_policy(&self, nonce: Option<String>, aud: Option<String>) -> VerifyPolicy {
        VerifyPolicy {
            leeway_secs: self.leeway_secs,
            require_key_binding: self
                .dcql
                .credentials
                .iter()
                .any(CredentialQuery::requires_holder_binding),
            nonce,
            aud,
            kb_max_age_secs: self.kb_max_age_secs,
            require_status: self.require_status,
            max_status_age_secs: self.max_status_age_secs,
            ..VerifyPolicy::default()
        }
    }

    /// [`Profile::verify_policy`] with the profile's `fail_closed`, for
    /// [`crate::check::verify_with_ledger`].
    #[must_use]
    pub fn ledger_policy(&self, nonce: Option<String>, aud: Option<String>) -> LedgerPolicy {
        LedgerPolicy {
            verify: self.verify_policy(nonce, aud),
            fail_closed: self.fail_closed,
        }
    }

    /// Checks the rules the JSON format cannot express (see the module documentation).
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), ProfileError> {
        validate::profile(self)
    }
}

#[cfg(test)]
mod tests;
