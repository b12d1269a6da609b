//! Disclosures (RFC 9901 §4.2): base64url of a JSON array `[salt, name, value]` for
//! an object property or `[salt, value]` for an array element, and their digests
//! (§4.2.3: base64url of SHA-256 over the ASCII of the base64url Disclosure).

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::SdJwtError;
use crate::b64;

/// Largest single Disclosure accepted, in base64url characters.
const MAX_DISCLOSURE_CHARS: usize = 64 * 1024;

/// One Disclosure, with its digest computed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    encoded: String,
    digest: String,
    name: Option<String>,
    value: Value,
}

/// SHA-256 digest of a Disclosure's base64url text (§4.2.3).
#[must_use]
pub fn digest_of(encoded: &str) -> String {
    b64::encode(Sha256::digest(encoded.as_bytes()))
}

/// A fresh 128-bit random salt (§4.2.1 recommends at least 128 bits).
fn salt() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    b64::encode(bytes)
}

impl Disclosure {
    /// A new object-property Disclosure with a random salt (§4.2.1).
    #[must_use]
    pub fn property(name: &str, value: Value) -> Self {
        let array = Value::Array(vec![
            Value::String(salt()),
            Value::String(name.to_owned()),
            value.clone(),
        ]);
        Self::from_array(&array, Some(name.to_owned()), value)
    }

    /// A new array-element Disclosure with a random salt (§4.2.2).
    #[must_use]
    pub fn element(value: Value) -> Self {
        let array = Value::Array(vec![Value::String(salt()), value.clone()]);
        Self::from_array(&array, None, value)
    }

    fn from_array(array: &Value, name: Option<String>, value: Value) -> Self {
        let encoded = b64::encode(array.to_string());
        Disclosure {
            digest: digest_of(&encoded),
            encoded,
            name,
            value,
        }
    }

    /// Parses a received Disclosure (the `index`-th, for error messages).
    ///
    /// # Errors
    /// [`SdJwtError::DisclosureMalformed`] unless it is canonical base64url of a JSON
    /// array of 2 or 3 elements with a string salt (and string name);
    /// [`SdJwtError::ClaimNameForbidden`] for the names `_sd` and `...`.
    pub fn parse(encoded: &str, index: usize) -> Result<Self, SdJwtError> {
        let malformed = |why| SdJwtError::DisclosureMalformed { index, why };
        let bytes = b64::decode_capped(encoded, MAX_DISCLOSURE_CHARS)
            .map_err(|_| malformed("not canonical base64url"))?;
        let json = crate::json::parse(&bytes, MAX_DISCLOSURE_CHARS)
            .map_err(|_| malformed("not strict JSON"))?;
        let Value::Array(mut items) = json else {
            return Err(malformed("not a JSON array"));
        };
        if !items.first().is_some_and(Value::is_string) {
            return Err(malformed("the salt is not a string"));
        }
        let (name, value) = match items.len() {
            2 => (None, items.pop().unwrap_or(Value::Null)),
            3 => {
                let value = items.pop().unwrap_or(Value::Null);
                let Some(Value::String(name)) = items.pop() else {
                    return Err(malformed("the claim name is not a string"));
                };
                if name == "_sd" || name == "..." {
                    return Err(SdJwtError::ClaimNameForbidden(name));
                }
                (Some(name), value)
            }
            _ => return Err(malformed("not 2 or 3 elements")),
        };
        Ok(Disclosure {
            digest: digest_of(encoded),
            encoded: encoded.to_owned(),
            name,
            value,
        })
    }

    /// The base64url text, as it travels.
    #[must_use]
    pub fn encoded(&self) -> &str {
        &self.encoded
    }
    /// Its digest (§4.2.3).
    #[must_use]
    pub fn digest(&self) -> &str {
        &self.digest
    }
    /// The claim name, for an object-property Disclosure.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The disclosed value.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.value
    }
}
