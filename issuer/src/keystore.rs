//! Secrets at rest: the issuer's private keys are sealed with XChaCha20-Poly1305
//! under a key derived from an operator passphrase with Argon2id (RFC 9106), or
//! taken from a 32-byte key file. The sealed file is JSON so an operator can see
//! what it is without being able to read it:
//!
//! ```json
//! { "v": 1, "kdf": { "alg": "argon2id", "m_kib": 19456, "t": 2, "p": 1, "salt": "…" },
//!   "aead": "xchacha20poly1305", "sealed": "<base64url nonce ‖ ciphertext>" }
//! ```
//!
//! The version and the KDF parameters are bound as associated data, so a file whose
//! header was edited does not open.

use std::fmt;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sigillum_credential::b64;
use sigillum_credential::seal::{self, KdfParams, SealError};
use zeroize::{Zeroize, Zeroizing};

/// The largest sealed file we open (keys are a few hundred bytes).
pub const MAX_SEALED_BYTES: usize = 1024 * 1024;

/// Why a sealed secret could not be opened or sealed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeystoreError {
    /// The file is not a sealed key file of a version we read.
    #[error("not a sealed key file: {0}")]
    Malformed(String),
    /// Authentication failed: the passphrase or key file is wrong, or the file was altered.
    #[error(
        "the sealed key file does not open: wrong passphrase or key file, or the file was altered"
    )]
    WrongKey,
    /// The key file is not 32 bytes of base64url or hex.
    #[error("the key file must hold 32 bytes as base64url or hex ({0})")]
    KeyFile(String),
}

impl KeystoreError {
    /// The stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            KeystoreError::Malformed(_) => "keystore_malformed",
            KeystoreError::WrongKey => "keystore_wrong_key",
            KeystoreError::KeyFile(_) => "keystore_key_file_invalid",
        }
    }
}

/// What unlocks the sealed keys: a passphrase (stretched with Argon2id) or a raw
/// 32-byte key (from a key file or a KMS). Never printed.
#[derive(Clone)]
pub enum Unlock {
    /// An operator passphrase.
    Passphrase(Zeroizing<String>),
    /// A 256-bit key used directly.
    Key(Zeroizing<[u8; 32]>),
}

impl fmt::Debug for Unlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Unlock::Passphrase(_) => "passphrase",
            Unlock::Key(_) => "key",
        };
        f.debug_struct("Unlock")
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

impl Unlock {
    /// Reads a key file: 32 bytes written as base64url (43 characters) or hex (64),
    /// surrounding whitespace ignored.
    ///
    /// # Errors
    /// [`KeystoreError::KeyFile`] for anything else.
    pub fn from_key_file_text(text: &str) -> Result<Self, KeystoreError> {
        let text = text.trim();
        let mut bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| {
                    text.get(2 * i..2 * i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .unwrap_or_default()
                })
                .collect()
        } else {
            b64::decode(text).map_err(|e| KeystoreError::KeyFile(e.to_string()))?
        };
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeystoreError::KeyFile(format!("{} bytes", bytes.len())))?;
        bytes.zeroize();
        Ok(Unlock::Key(Zeroizing::new(key)))
    }

    /// A fresh random key file's text (base64url of 32 random bytes).
    #[must_use]
    pub fn generate_key_file_text() -> Zeroizing<String> {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        Zeroizing::new(b64::encode(key.as_ref()))
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Kdf {
    alg: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    v: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kdf: Option<Kdf>,
    aead: String,
    /// `nonce ‖ ciphertext+tag`, base64url (`sigillum_credential::seal`).
    sealed: String,
}

const AEAD: &str = "xchacha20poly1305";

fn derive(unlock: &Unlock, kdf: Option<&Kdf>) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
    match (unlock, kdf) {
        (Unlock::Key(key), None) => Ok(key.clone()),
        (Unlock::Passphrase(phrase), Some(kdf)) => {
            if kdf.alg != "argon2id" {
                return Err(KeystoreError::Malformed(format!(
                    "unsupported key derivation {}",
                    kdf.alg
                )));
            }
            let salt =
                b64::decode(&kdf.salt).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
            seal::derive_key(phrase.as_bytes(), &salt, kdf.params)
                .map_err(|e| KeystoreError::Malformed(e.to_string()))
        }
        (Unlock::Key(_), Some(_)) => Err(KeystoreError::Malformed(
            "this file is sealed with a passphrase, not a key file".into(),
        )),
        (Unlock::Passphrase(_), None) => Err(KeystoreError::Malformed(
            "this file is sealed with a key file, not a passphrase".into(),
        )),
    }
}

/// The header every sealed file binds as associated data.
fn associated_data(v: u8, kdf: Option<&Kdf>) -> Vec<u8> {
    let header = serde_json::json!({"v": v, "kdf": kdf, "aead": AEAD});
    header.to_string().into_bytes()
}

/// Seals `secret` under `unlock`, returning the file's JSON text.
///
/// # Errors
/// [`KeystoreError::Malformed`] only if the KDF rejects its fixed parameters.
pub fn seal(secret: &[u8], unlock: &Unlock) -> Result<String, KeystoreError> {
    let kdf = match unlock {
        Unlock::Passphrase(_) => Some(Kdf {
            alg: "argon2id".into(),
            params: KdfParams::RECOMMENDED,
            salt: b64::encode(seal::salt()),
        }),
        Unlock::Key(_) => None,
    };
    let key = derive(unlock, kdf.as_ref())?;
    let aad = associated_data(1, kdf.as_ref());
    let sealed = Sealed {
        v: 1,
        sealed: b64::encode(seal::seal(&key, &aad, secret)),
        kdf,
        aead: AEAD.into(),
    };
    serde_json::to_string_pretty(&sealed).map_err(|e| KeystoreError::Malformed(e.to_string()))
}

/// Opens a sealed file's text.
///
/// # Errors
/// [`KeystoreError::Malformed`] for a file we do not read; [`KeystoreError::WrongKey`]
/// when authentication fails.
pub fn open(text: &str, unlock: &Unlock) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
    if text.len() > MAX_SEALED_BYTES {
        return Err(KeystoreError::Malformed(format!(
            "{} bytes is more than a key file holds",
            text.len()
        )));
    }
    let sealed: Sealed =
        serde_json::from_str(text).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
    if sealed.v != 1 || sealed.aead != AEAD {
        return Err(KeystoreError::Malformed(format!(
            "version {} with {}; this build reads version 1 with {AEAD}",
            sealed.v, sealed.aead
        )));
    }
    let bytes = b64::decode(&sealed.sealed).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
    let key = derive(unlock, sealed.kdf.as_ref())?;
    let aad = associated_data(sealed.v, sealed.kdf.as_ref());
    seal::open(&key, &aad, &bytes).map_err(|e| match e {
        SealError::Truncated => KeystoreError::Malformed(e.to_string()),
        _ => KeystoreError::WrongKey,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(p: &str) -> Unlock {
        Unlock::Passphrase(Zeroizing::new(p.to_owned()))
    }

    #[test]
    fn passphrase_round_trip_and_wrong_passphrase() {
        let text = seal(b"the issuer's private keys", &phrase("correct horse")).unwrap();
        assert!(!text.contains("issuer"), "{text}");
        assert_eq!(
            open(&text, &phrase("correct horse")).unwrap().as_slice(),
            b"the issuer's private keys"
        );
        assert_eq!(
            open(&text, &phrase("wrong")).unwrap_err(),
            KeystoreError::WrongKey
        );
    }

    #[test]
    fn key_file_round_trip_and_kind_mismatch() {
        let file = Unlock::generate_key_file_text();
        let unlock = Unlock::from_key_file_text(&format!("{}\n", file.as_str())).unwrap();
        let text = seal(b"secret", &unlock).unwrap();
        assert_eq!(open(&text, &unlock).unwrap().as_slice(), b"secret");
        let hex = Unlock::from_key_file_text(&"ab".repeat(32)).unwrap();
        assert_eq!(open(&text, &hex).unwrap_err(), KeystoreError::WrongKey);
        assert!(matches!(
            open(&text, &phrase("p")).unwrap_err(),
            KeystoreError::Malformed(m) if m.contains("key file")
        ));
        assert_eq!(
            Unlock::from_key_file_text("short").unwrap_err().code(),
            "keystore_key_file_invalid"
        );
    }

    #[test]
    fn edited_header_or_ciphertext_does_not_open() {
        let unlock = phrase("p");
        let text = seal(b"secret", &unlock).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["kdf"]["t"] = serde_json::json!(3);
        assert_eq!(
            open(&v.to_string(), &unlock).unwrap_err(),
            KeystoreError::WrongKey
        );
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut ct = b64::decode(v["sealed"].as_str().unwrap()).unwrap();
        ct[30] ^= 1;
        v["sealed"] = serde_json::json!(b64::encode(ct));
        assert_eq!(
            open(&v.to_string(), &unlock).unwrap_err(),
            KeystoreError::WrongKey
        );
    }

    #[test]
    fn crafted_parameters_are_refused_before_work() {
        let unlock = phrase("p");
        let mut v: serde_json::Value = serde_json::from_str(&seal(b"s", &unlock).unwrap()).unwrap();
        v["kdf"]["m_kib"] = serde_json::json!(u32::MAX);
        assert!(matches!(
            open(&v.to_string(), &unlock).unwrap_err(),
            KeystoreError::Malformed(_)
        ));
        assert!(matches!(
            open("{}", &unlock).unwrap_err(),
            KeystoreError::Malformed(_)
        ));
        assert!(matches!(
            open(&" ".repeat(MAX_SEALED_BYTES + 1), &unlock).unwrap_err(),
            KeystoreError::Malformed(_)
        ));
    }

    #[test]
    fn unlock_does_not_print_its_secret() {
        let debug = format!("{:?}", phrase("hunter2"));
        assert!(!debug.contains("hunter2"));
        assert!(debug.contains("passphrase"));
    }
}
