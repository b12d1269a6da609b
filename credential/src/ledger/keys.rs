//! Note keys, c2sp.org/signed-note v1.0.0 §Signatures: names, ids, types,
//! and the text forms of Go's `golang.org/x/mod/sumdb/note`.
//!
//! - key id = `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`, big-endian; so one
//!   Ed25519 key has different ids as a note signer (type 0x01) and as a
//!   cosigner (type 0x04, c2sp.org/tlog-cosignature);
//! - verifier key: `<name>+<8 hex digits id>+<base64(type ‖ 32-byte public key)>`;
//! - signer key: `PRIVATE+KEY+<name>+<8 hex digits id>+<base64(type ‖ 32-byte seed)>`.
//!
//! Parsing checks the stated id against the key, so a key text that names the
//! wrong key is refused rather than silently never matching.

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

use super::note::{NoteError, NoteSigner};
use super::{cosignature, std_b64_decode, std_b64_decode_into, std_b64_encode, wipe};

/// Longest key name accepted, in bytes.
pub const MAX_KEY_NAME_LEN: usize = 256;

/// A key name (§Format): non-empty, no Unicode whitespace, no '+', no control
/// characters, at most [`MAX_KEY_NAME_LEN`] bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyName(String);

impl KeyName {
    /// Checks and wraps a key name.
    ///
    /// # Errors
    /// [`NoteError::KeyNameInvalid`] if the name breaks the rules above.
    pub fn new(name: impl Into<String>) -> Result<Self, NoteError> {
        let name = name.into();
        let ok = !name.is_empty()
            && name.len() <= MAX_KEY_NAME_LEN
            && !name
                .chars()
                .any(|c| c.is_whitespace() || c == '+' || c < ' ');
        if ok {
            Ok(Self(name))
        } else {
            Err(NoteError::KeyNameInvalid)
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 32-bit key id (§Signatures), shown as 8 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(u32);

impl KeyId {
    /// §Signatures: `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`, big-endian.
    #[must_use]
    pub fn compute(name: &KeyName, key_type: KeyType, public_key: &[u8]) -> Self {
        let digest = Sha256::new()
            .chain_update(name.0.as_bytes())
            .chain_update([b'\n', key_type.byte()])
            .chain_update(public_key)
            .finalize();
        let digest: [u8; 32] = digest.into();
        let [a, b, c, d, ..] = digest;
        Self(u32::from_be_bytes([a, b, c, d]))
    }

    /// Wraps a raw id, as read from a signature line.
    #[must_use]
    pub const fn new(id: u32) -> Self {
        Self(id)
    }

    /// The raw id.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({:08x})", self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// The signature types this crate speaks (§Signature types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// 0x01: Ed25519 over the note text (c2sp.org/signed-note).
    Ed25519,
    /// 0x04: timestamped Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature).
    Cosignature,
}

impl KeyType {
    /// The type identifier byte.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Self::Ed25519 => 0x01,
            Self::Cosignature => 0x04,
        }
    }

    const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(Self::Ed25519),
            0x04 => Some(Self::Cosignature),
            _ => None,
        }
    }
}

/// A public key a verifier trusts: name, id, type and Ed25519 key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: KeyName,
    id: KeyId,
    key_type: KeyType,
    key: VerifyingKey,
}

impl VerifierKey {
    /// A verifier key for `key` in the role `key_type`; the id is computed.
    #[must_use]
    pub fn new(name: KeyName, key_type: KeyType, key: VerifyingKey) -> Self {
        let id = KeyId::compute(&name, key_type, key.as_bytes());
        Self {
            name,
            id,
            key_type,
            key,
        }
    }

    /// Parses `<name>+<hex id>+<base64(type ‖ public key)>`.
    ///
    /// # Errors
    /// [`NoteError::KeyNameInvalid`], [`NoteError::KeyMalformed`] (shape, hex,
    /// base64, length or not a curve point), [`NoteError::KeyTypeUnsupported`]
    /// for types other than 0x01 and 0x04, and [`NoteError::KeyIdMismatch`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::KeyMalformed {
                reason: "expected <name>+<hex id>+<base64 key>",
            });
        };
        let name = KeyName::new(name)?;
        let stated = parse_key_id(id)?;
        let bytes = std_b64_decode(key64).ok_or(NoteError::KeyMalformed {
            reason: "key is not canonical padded base64",
        })?;
        let (&type_byte, public) = bytes.split_first().ok_or(NoteError::KeyMalformed {
            reason: "key is empty",
        })?;
        let key_type = KeyType::from_byte(type_byte).ok_or(NoteError::KeyTypeUnsupported {
            key_type: type_byte,
        })?;
        let public: [u8; 32] = public.try_into().map_err(|_| NoteError::KeyMalformed {
            reason: "Ed25519 public key is not 32 bytes",
        })?;
        let computed = KeyId::compute(&name, key_type, &public);
        if computed != stated {
            return Err(NoteError::KeyIdMismatch { stated, computed });
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::KeyMalformed {
            reason: "not an Ed25519 public key",
        })?;
        Ok(Self {
            name,
            id: computed,
            key_type,
            key,
        })
    }

    /// The key name.
    #[must_use]
    pub const fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key id.
    #[must_use]
    pub const fn id(&self) -> KeyId {
        self.id
    }

    /// The signature type.
    #[must_use]
    pub const fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The Ed25519 public key.
    #[must_use]
    pub const fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks one signature (key id already stripped) over a note's text;
    /// returns the cosignature timestamp for type 0x04.
    pub(super) fn check(&self, text: &str, signature: &[u8]) -> Result<Option<u64>, NoteError> {
        let invalid = || NoteError::SignatureInvalid {
            name: self.name.clone(),
            id: self.id,
        };
        match self.key_type {
            KeyType::Ed25519 => {
                let sig = Signature::from_slice(signature).map_err(|_| invalid())?;
                self.key
                    .verify_strict(text.as_bytes(), &sig)
                    .map_err(|_| invalid())?;
                Ok(None)
            }
            KeyType::Cosignature => cosignature::verify(&self.key, text, signature)
                .map(Some)
                .map_err(|_| invalid()),
        }
    }
}

#[cfg(test)]
impl VerifierKey {
    /// Test-only: a key whose id collides with another's.
    pub(super) const fn with_forged_id(mut self, id: KeyId) -> Self {
        self.id = id;
        self
    }
}

impl fmt::Display for VerifierKey {
    /// The `<name>+<hex id>+<base64(type ‖ public key)>` text form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = [0u8; 33];
        raw[0] = self.key_type.byte();
        raw[1..].copy_from_slice(self.key.as_bytes());
        write!(f, "{}+{}+{}", self.name, self.id, std_b64_encode(raw))
    }
}

impl std::str::FromStr for VerifierKey {
    type Err = NoteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// An Ed25519 note signer (type 0x01). Secret: not printed, zeroized on drop.
pub struct SignerKey {
    name: KeyName,
    id: KeyId,
    key: SigningKey,
}

impl SignerKey {
    /// A signer for an existing Ed25519 key.
    #[must_use]
    pub fn from_signing_key(name: KeyName, key: SigningKey) -> Self {
        let id = KeyId::compute(&name, KeyType::Ed25519, key.verifying_key().as_bytes());
        Self { name, id, key }
    }

    /// A signer with a fresh random key.
    #[must_use]
    pub fn generate(name: KeyName, rng: &mut impl CryptoRngCore) -> Self {
        Self::from_signing_key(name, SigningKey::generate(rng))
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    ///
    /// # Errors
    /// As [`parse_private_key`], and [`NoteError::KeyTypeUnsupported`] unless
    /// the type is 0x01.
    pub fn parse_private(text: &str) -> Result<Self, NoteError> {
        let (name, key) = parse_private_key(text, KeyType::Ed25519)?;
        Ok(Self::from_signing_key(name, key))
    }

    /// The secret key's text form. It reveals the key: write it only to
    /// protected storage.
    #[must_use]
    pub fn expose_private_key_text(&self) -> String {
        private_key_text(&self.name, self.id, KeyType::Ed25519, &self.key)
    }

    /// The matching verifier key (type 0x01).
    #[must_use]
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::new(
            self.name.clone(),
            KeyType::Ed25519,
            self.key.verifying_key(),
        )
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl NoteSigner for SignerKey {
    fn key_name(&self) -> &KeyName {
        &self.name
    }
    fn key_id(&self) -> KeyId {
        self.id
    }
    fn sign_note_text(&self, text: &str) -> Result<Vec<u8>, NoteError> {
        Ok(self.key.sign(text.as_bytes()).to_bytes().to_vec())
    }
}

/// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(type ‖ 32-byte seed)>` for the
/// expected type, checking the id against the derived public key.
///
/// # Errors
/// [`NoteError::KeyMalformed`], [`NoteError::KeyNameInvalid`],
/// [`NoteError::KeyTypeUnsupported`] for another type, [`NoteError::KeyIdMismatch`].
pub fn parse_private_key(
    text: &str,
    expected: KeyType,
) -> Result<(KeyName, SigningKey), NoteError> {
    let malformed = NoteError::KeyMalformed {
        reason: "expected PRIVATE+KEY+<name>+<hex id>+<base64 key>",
    };
    let rest = text.strip_prefix("PRIVATE+KEY+").ok_or(malformed.clone())?;
    let mut parts = rest.splitn(3, '+');
    let (Some(name), Some(id), Some(key64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed);
    };
    let name = KeyName::new(name)?;
    let stated = parse_key_id(id)?;
    let mut raw = [0u8; 33];
    let decoded = std_b64_decode_into(key64, &mut raw);
    let result = match decoded {
        Some(33) if raw[0] == expected.byte() => {
            let mut seed = [0u8; 32];
            seed.copy_from_slice(&raw[1..]);
            let key = SigningKey::from_bytes(&seed);
            wipe(&mut seed);
            let computed = KeyId::compute(&name, expected, key.verifying_key().as_bytes());
            if computed == stated {
                Ok((name, key))
            } else {
                Err(NoteError::KeyIdMismatch { stated, computed })
            }
        }
        Some(33) => Err(NoteError::KeyTypeUnsupported { key_type: raw[0] }),
        _ => Err(NoteError::KeyMalformed {
            reason: "key is not canonical base64 of a type byte and a 32-byte seed",
        }),
    };
    wipe(&mut raw);
    result
}

pub(super) fn private_key_text(
    name: &KeyName,
    id: KeyId,
    key_type: KeyType,
    key: &SigningKey,
) -> String {
    let mut raw = [0u8; 33];
    raw[0] = key_type.byte();
    raw[1..].copy_from_slice(key.as_bytes());
    let text = format!("PRIVATE+KEY+{name}+{id}+{}", std_b64_encode(raw));
    wipe(&mut raw);
    text
}

fn parse_key_id(hex: &str) -> Result<KeyId, NoteError> {
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::KeyMalformed {
            reason: "key id is not 8 hex digits",
        });
    }
    u32::from_str_radix(hex, 16)
        .map(KeyId)
        .map_err(|_| NoteError::KeyMalformed {
            reason: "key id is not 8 hex digits",
        })
}
