//! Bearer secrets on the wire: the Pre-Authorized Code (§4.1.1), the Transaction
//! Code (§6.1) and the Access Token (§6.2). Whoever holds one is authorized, so
//! they never print, are compared in constant time and are zeroized on drop.

use std::fmt;

use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::b64;

/// Random bytes in a generated secret or nonce: 256 bits, beyond guessing.
const RANDOM_BYTES: usize = 32;

/// A bearer secret. `Serialize` exists because these values are made to be sent, and
/// only inside their own protocol message; read the value with
/// [`SecretString::expose_secret`].
#[derive(Clone, Default, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret received or chosen elsewhere.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// A fresh secret of 256 random bits from the operating system, base64url
    /// (43 characters): for Pre-Authorized Codes and Access Tokens, which must be
    /// unguessable (§13.6).
    #[must_use]
    pub fn generate() -> Self {
        SecretString(random_b64url())
    }

    /// The secret itself. Name it when you call it.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Length in bytes (not secret: it is visible on the wire anyway).
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretString").finish_non_exhaustive()
    }
}

/// Constant-time in the contents (the length is public).
impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

/// 256 random bits from the operating system, base64url: unpredictable, as §7.2
/// requires of a `c_nonce`, and unguessable, as a Pre-Authorized Code must be (§13.6).
pub(crate) fn random_b64url() -> String {
    let mut bytes = [0u8; RANDOM_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let text = b64::encode(bytes);
    bytes.zeroize();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_and_compares_by_value() {
        let secret = SecretString::new("oaKazRN8I0IbtZ0C7JuMn5");
        assert_eq!(format!("{secret:?}"), "SecretString(..)");
        assert_eq!(secret, SecretString::new("oaKazRN8I0IbtZ0C7JuMn5"));
        assert_ne!(secret, SecretString::new("oaKazRN8I0IbtZ0C7JuMn6"));
        assert_ne!(secret, SecretString::new("oaKaz"));
    }

    #[test]
    fn generated_secrets_are_256_bit_and_distinct() {
        let a = SecretString::generate();
        let b = SecretString::generate();
        assert_eq!(a.len(), 43);
        assert_eq!(b64::decode(a.expose_secret()).unwrap().len(), 32);
        assert_ne!(a, b);
    }
}
