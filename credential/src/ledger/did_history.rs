//! When each key of a `did:sigillum` DID was valid: the registry keeps, beside the
//! current document, every key's periods in each verification relationship, so
//! one proven read answers "was this key an `assertionMethod` of the issuer at the
//! time it signed?" (specs/registry/DESIGN.md "Log and state"; issue #4 and #5:
//! rotation keeps old credentials valid, a key compromised since T stops being
//! trusted from T on).
//!
//! The DID's ledger value is
//! ```json
//! { "document": { … }, "deactivated": false,
//!   "compromised": [ { "kid": "did:sigillum:…#key-1", "since": 1795500000 } ],
//!   "keys": [ { "id": "did:sigillum:…#key-1", "jwk": { … },
//!               "relationships": ["assertionMethod"], "from": 1795400000, "until": 1795500000 } ] }
//! ```
//! A period is half-open, `[from, until)`; `until` is absent while the key is in
//! the current document.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::operation_body::LedgerDidDocument;
use crate::key::{Jwk, PublicKey};

/// The most key periods one DID keeps; a DID that rotates more often than this
/// should be replaced by a new one.
pub const MAX_PERIODS: usize = 256;

/// One key in one set of relationships over one span of time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPeriod {
    /// The absolute method id, `did#fragment`.
    pub id: String,
    /// The public key.
    pub jwk: Jwk,
    /// `assertionMethod`, `authentication`, `capabilityInvocation` — those it held.
    pub relationships: Vec<String>,
    /// Start, Unix seconds (the time of the operation that added it).
    pub from: i64,
    /// End, exclusive; absent while current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

/// Why a key was not valid when it signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyValidityError {
    /// The DID never had this key.
    #[error("{kid} was never a key of this DID")]
    UnknownKey {
        /// The key id asked about.
        kid: String,
    },
    /// The key existed but not in this relationship at that time (before it was
    /// added, after it was retired, or never as e.g. `assertionMethod`).
    #[error("{kid} was not an {relationship} key at {at} (it was: {periods})")]
    NotValidAt {
        /// The key id.
        kid: String,
        /// The relationship asked about.
        relationship: String,
        /// The time asked about.
        at: i64,
        /// The periods it did hold, as text for the message.
        periods: String,
    },
    /// The key was declared compromised at or before that time.
    #[error("{kid} is compromised since {since}; {at} is not before that")]
    Compromised {
        /// The key id.
        kid: String,
        /// Start of the compromise.
        since: i64,
        /// The time asked about.
        at: i64,
    },
    /// The ledger value is not a DID value of this shape.
    #[error("the DID's ledger value is malformed: {0}")]
    Malformed(String),
}

impl KeyValidityError {
    /// The stable code (`key_not_valid_at_issuance` for every "it was not valid").
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            KeyValidityError::UnknownKey { .. } => "key_unknown",
            KeyValidityError::NotValidAt { .. } | KeyValidityError::Compromised { .. } => {
                "key_not_valid_at_issuance"
            }
            KeyValidityError::Malformed(_) => "registry_answer_malformed",
        }
    }
}

fn relationships_of(document: &LedgerDidDocument, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (name, list) in [
        ("assertionMethod", &document.assertion_method),
        ("authentication", &document.authentication),
        ("capabilityInvocation", &document.capability_invocation),
    ] {
        if list.iter().any(|r| r == id) {
            out.push(name.to_owned());
        }
    }
    out
}

/// Updates `periods` for a (normalized: absolute ids) `document` that takes effect
/// at `time`: a key whose JWK or relationships changed, or that left the document,
/// has its open period closed; a new or changed key opens one.
///
/// # Errors
/// A message when the history would exceed [`MAX_PERIODS`].
pub fn record_document(
    periods: &mut Vec<KeyPeriod>,
    document: &LedgerDidDocument,
    time: i64,
) -> Result<(), String> {
    let wanted: Vec<KeyPeriod> = document
        .verification_method
        .iter()
        .map(|vm| KeyPeriod {
            id: vm.id.clone(),
            jwk: vm.public_key_jwk.public_only(),
            relationships: relationships_of(document, &vm.id),
            from: time,
            until: None,
        })
        .collect();
    for open in periods.iter_mut().filter(|p| p.until.is_none()) {
        let unchanged = wanted
            .iter()
            .any(|w| w.id == open.id && w.jwk == open.jwk && w.relationships == open.relationships);
        if !unchanged {
            open.until = Some(time);
        }
    }
    for w in wanted {
        let still_open = periods.iter().any(|p| {
            p.until.is_none()
                && p.id == w.id
                && p.jwk == w.jwk
                && p.relationships == w.relationships
        });
        if !still_open {
            periods.push(w);
        }
    }
    if periods.len() > MAX_PERIODS {
        return Err(format!(
            "a DID keeps at most {MAX_PERIODS} key periods; create a new DID instead"
        ));
    }
    Ok(())
}

/// Closes every open period at `time` (deactivation).
pub fn close_all(periods: &mut [KeyPeriod], time: i64) {
    for p in periods.iter_mut().filter(|p| p.until.is_none()) {
        p.until = Some(time);
    }
}

/// Whether `kid` appears anywhere in the history.
#[must_use]
pub fn knows(periods: &[KeyPeriod], kid: &str) -> bool {
    periods.iter().any(|p| p.id == kid)
}

fn parse<T: serde::de::DeserializeOwned>(
    value: &Value,
    member: &str,
) -> Result<T, KeyValidityError> {
    serde_json::from_value(value.get(member).cloned().unwrap_or(Value::Array(vec![])))
        .map_err(|e| KeyValidityError::Malformed(format!("{member}: {e}")))
}

#[derive(Deserialize)]
struct Compromise {
    kid: String,
    since: i64,
}

/// The public key `kid` had in any period, valid or not: to check a signature and
/// then report precisely that the key was not valid when it signed.
#[must_use]
pub fn key_ever(value: &Value, kid: &str) -> Option<PublicKey> {
    let periods: Vec<KeyPeriod> = parse(value, "keys").ok()?;
    periods
        .iter()
        .rev()
        .find(|p| p.id == kid)
        .and_then(|p| p.jwk.to_public_key().ok())
}

/// The public key `kid` if it held `relationship` in the DID whose ledger `value`
/// is given, at time `at`, and was not compromised by then.
///
/// # Errors
/// [`KeyValidityError`] saying which of those failed, with the evidence.
pub fn key_valid_at(
    value: &Value,
    kid: &str,
    relationship: &str,
    at: i64,
) -> Result<PublicKey, KeyValidityError> {
    let periods: Vec<KeyPeriod> = parse(value, "keys")?;
    let compromised: Vec<Compromise> = parse(value, "compromised")?;
    let mine: Vec<&KeyPeriod> = periods.iter().filter(|p| p.id == kid).collect();
    if mine.is_empty() {
        return Err(KeyValidityError::UnknownKey {
            kid: kid.to_owned(),
        });
    }
    if let Some(c) = compromised
        .iter()
        .filter(|c| c.kid == kid && c.since <= at)
        .min_by_key(|c| c.since)
    {
        return Err(KeyValidityError::Compromised {
            kid: kid.to_owned(),
            since: c.since,
            at,
        });
    }
    let held = mine.iter().find(|p| {
        p.relationships.iter().any(|r| r == relationship)
            && p.from <= at
            && p.until.is_none_or(|until| at < until)
    });
    match held {
        Some(p) => p
            .jwk
            .to_public_key()
            .map_err(|e| KeyValidityError::Malformed(e.to_string())),
        None => Err(KeyValidityError::NotValidAt {
            kid: kid.to_owned(),
            relationship: relationship.to_owned(),
            at,
            periods: {
                let held: Vec<String> = mine
                    .iter()
                    .filter(|p| p.relationships.iter().any(|r| r == relationship))
                    .map(|p| match p.until {
                        Some(until) => format!("[{}, {until})", p.from),
                        None => format!("[{}, now)", p.from),
                    })
                    .collect();
                if held.is_empty() {
                    "never".to_owned()
                } else {
                    held.join(", ")
                }
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Alg, SigningKey};
    use crate::ledger::operation_body::LedgerVerificationMethod;
    use serde_json::json;

    const DID: &str = "did:sigillum:x";

    fn doc(keys: &[(&str, &SigningKey, &[&str])]) -> LedgerDidDocument {
        let mut d = LedgerDidDocument {
            verification_method: vec![],
            assertion_method: vec![],
            authentication: vec![],
            capability_invocation: vec![],
        };
        for (frag, key, rels) in keys {
            let id = format!("{DID}#{frag}");
            d.verification_method.push(LedgerVerificationMethod {
                id: id.clone(),
                kind: "JsonWebKey2020".into(),
                controller: DID.into(),
                public_key_jwk: key.public_key().to_jwk(),
            });
            for r in *rels {
                match *r {
                    "assertionMethod" => d.assertion_method.push(id.clone()),
                    _ => d.capability_invocation.push(id.clone()),
                }
            }
        }
        d
    }

    fn value(periods: &[KeyPeriod], compromised: Value) -> Value {
        json!({"keys": periods, "compromised": compromised})
    }

    #[test]
    fn rotation_keeps_the_old_key_valid_for_what_it_signed_before() {
        let ctl = SigningKey::generate(Alg::EdDsa);
        let k1 = SigningKey::generate(Alg::Es256);
        let k2 = SigningKey::generate(Alg::Es256);
        let mut periods = Vec::new();
        record_document(
            &mut periods,
            &doc(&[
                ("ctl", &ctl, &["capabilityInvocation"]),
                ("key-1", &k1, &["assertionMethod"]),
            ]),
            100,
        )
        .unwrap();
        record_document(
            &mut periods,
            &doc(&[
                ("ctl", &ctl, &["capabilityInvocation"]),
                ("key-2", &k2, &["assertionMethod"]),
            ]),
            200,
        )
        .unwrap();
        assert_eq!(
            periods.len(),
            3,
            "ctl unchanged keeps one period: {periods:?}"
        );
        let v = value(&periods, json!([]));
        let k1id = format!("{DID}#key-1");
        let k2id = format!("{DID}#key-2");
        assert_eq!(
            key_valid_at(&v, &k1id, "assertionMethod", 150).unwrap(),
            k1.public_key()
        );
        let late = key_valid_at(&v, &k1id, "assertionMethod", 200).unwrap_err();
        assert_eq!(late.code(), "key_not_valid_at_issuance");
        assert!(late.to_string().contains("[100, 200)"), "{late}");
        assert!(key_valid_at(&v, &k1id, "assertionMethod", 99).is_err());
        assert_eq!(
            key_valid_at(&v, &k2id, "assertionMethod", 10_000).unwrap(),
            k2.public_key()
        );
        assert!(matches!(
            key_valid_at(&v, &format!("{DID}#ctl"), "assertionMethod", 150).unwrap_err(),
            KeyValidityError::NotValidAt { .. }
        ));
        assert_eq!(
            key_valid_at(&v, "did:sigillum:x#nope", "assertionMethod", 150).unwrap_err(),
            KeyValidityError::UnknownKey {
                kid: "did:sigillum:x#nope".into()
            }
        );
    }

    #[test]
    fn compromise_cuts_trust_from_its_time_on_even_after_retirement() {
        let k1 = SigningKey::generate(Alg::Es256);
        let mut periods = Vec::new();
        record_document(
            &mut periods,
            &doc(&[("key-1", &k1, &["assertionMethod"])]),
            100,
        )
        .unwrap();
        let k1id = format!("{DID}#key-1");
        let v = value(&periods, json!([{"kid": k1id, "since": 150}]));
        assert!(key_valid_at(&v, &k1id, "assertionMethod", 149).is_ok());
        assert_eq!(
            key_valid_at(&v, &k1id, "assertionMethod", 150).unwrap_err(),
            KeyValidityError::Compromised {
                kid: k1id.clone(),
                since: 150,
                at: 150
            }
        );
    }

    #[test]
    fn deactivation_closes_everything_and_history_is_capped() {
        let k = SigningKey::generate(Alg::EdDsa);
        let mut periods = Vec::new();
        record_document(&mut periods, &doc(&[("k", &k, &["assertionMethod"])]), 1).unwrap();
        close_all(&mut periods, 5);
        assert_eq!(periods[0].until, Some(5));
        let v = value(&periods, json!([]));
        assert!(key_valid_at(&v, &format!("{DID}#k"), "assertionMethod", 4).is_ok());
        assert!(key_valid_at(&v, &format!("{DID}#k"), "assertionMethod", 5).is_err());
        let mut periods = Vec::new();
        let mut last = Ok(());
        for t in 0..=MAX_PERIODS as i64 {
            let key = SigningKey::generate(Alg::EdDsa);
            last = record_document(&mut periods, &doc(&[("k", &key, &["assertionMethod"])]), t);
            if last.is_err() {
                break;
            }
        }
        assert!(last.unwrap_err().contains("at most"));
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        assert!(matches!(
            key_valid_at(&json!({"keys": 3}), "a", "assertionMethod", 0).unwrap_err(),
            KeyValidityError::Malformed(_)
        ));
        assert!(matches!(
            key_valid_at(&json!({}), "a", "assertionMethod", 0).unwrap_err(),
            KeyValidityError::UnknownKey { .. }
        ));
    }
}
