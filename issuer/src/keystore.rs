//! Secrets at rest: the issuer's private keys are sealed with XChaCha20-Poly1305
//! under a key derived from an operator passphrase with Argon2id (RFC 9106), or
//! taken from a 32-byte key file. The sealed file is JSON so an operator can see
//! what it is without being able to read it:
//!
//! ```json
//! { "v": 1, "kdf": { "alg": "argon2id", "m_kib": 19456, "t": 2, "p": 1, "salt": "…" },
//!   "aead": "xchacha20poly1305", "nonce": "…", "ciphertext": "…" }
//! ```
//!
//! The version and the KDF parameters are bound as associated data, so a file whose
//! header was edited does not open.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sigillum_credential::b64;
use zeroize::{Zeroize, Zeroizing};

/// The largest sealed file we open (keys are a few hundred bytes).
pub const MAX_SEALED_BYTES: usize = 1024 * 1024;

/// Argon2id memory cost in KiB: OWASP's minimum recommendation (19 MiB, t = 2).
const M_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
/// Bounds on parameters read back from a file, so a crafted file cannot make us
/// allocate gigabytes or spin for hours.
const MAX_M_KIB: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 16;

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
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    v: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kdf: Option<Kdf>,
    aead: String,
    nonce: String,
    ciphertext: String,
}

const AEAD: &str = "xchacha20poly1305";

fn derive(unlock: &Unlock, kdf: Option<&Kdf>) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
    match (unlock, kdf) {
        (Unlock::Key(key), None) => Ok(key.clone()),
        (Unlock::Passphrase(phrase), Some(kdf)) => {
            if kdf.alg != "argon2id" || kdf.m_kib > MAX_M_KIB || kdf.t > MAX_T_COST || kdf.p != 1 {
                return Err(KeystoreError::Malformed(format!(
                    "unsupported key derivation {} m={} t={} p={}",
                    kdf.alg, kdf.m_kib, kdf.t, kdf.p
                )));
            }
            let salt =
                b64::decode(&kdf.salt).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
            let params = Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32))
                .map_err(|e| KeystoreError::Malformed(e.to_string()))?;
            let mut out = Zeroizing::new([0u8; 32]);
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password_into(phrase.as_bytes(), &salt, out.as_mut())
                .map_err(|e| KeystoreError::Malformed(e.to_string()))?;
            Ok(out)
        }
        (Unlock::Key(_), Some(_)) => Err(KeystoreError::Malformed(
            "this file is sealed with a passphrase, not a key file".into(),
        )),
        (Unlock::Passphrase(_), None) => Err(KeystoreError::Malformed(
            "this file is sealed with a key file, not a passphrase".into(),
        )),
    }
}

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
        Unlock::Passphrase(_) => {
            let mut salt = [0u8; 16];
            OsRng.fill_bytes(&mut salt);
            Some(Kdf {
                alg: "argon2id".into(),
                m_kib: M_KIB,
                t: T_COST,
                p: P_COST,
                salt: b64::encode(salt),
            })
        }
        Unlock::Key(_) => None,
    };
    let key = derive(unlock, kdf.as_ref())?;
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let aad = associated_data(1, kdf.as_ref());
    let ciphertext = XChaCha20Poly1305::new(key.as_ref().into())
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .map_err(|_| KeystoreError::WrongKey)?;
    let sealed = Sealed {
        v: 1,
        kdf,
        aead: AEAD.into(),
        nonce: b64::encode(nonce),
        ciphertext: b64::encode(ciphertext),
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
    let nonce = b64::decode(&sealed.nonce).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
    let nonce: [u8; 24] = nonce
        .as_slice()
        .try_into()
        .map_err(|_| KeystoreError::Malformed("the nonce must be 24 bytes".into()))?;
    let ciphertext =
        b64::decode(&sealed.ciphertext).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
    let key = derive(unlock, sealed.kdf.as_ref())?;
    let aad = associated_data(sealed.v, sealed.kdf.as_ref());
    XChaCha20Poly1305::new(key.as_ref().into())
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| KeystoreError::WrongKey)
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
        let mut ct = b64::decode(v["ciphertext"].as_str().unwrap()).unwrap();
        ct[0] ^= 1;
        v["ciphertext"] = serde_json::json!(b64::encode(ct));
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
