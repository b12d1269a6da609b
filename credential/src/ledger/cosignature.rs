//! Ed25519 cosignatures, c2sp.org/tlog-cosignature v1.0.0 (`cosignature/v1`).
//!
//! A cosignature is a note signature of type 0x04 on a checkpoint. Its key id is
//! `SHA-256(<name> ‖ "\n" ‖ 0x04 ‖ 32-byte public key)[:4]` (§Format), so the
//! same Ed25519 key has a different id here than as a 0x01 note signer. The
//! signature bytes are a `timestamped_signature` (§Format):
//!
//! ```text
//! u64 timestamp (big-endian, POSIX seconds, ≤ 2^63 − 1) ‖ Ed25519 signature (64 bytes)
//! ```
//!
//! and the Ed25519 message is (§Ed25519 signed message) "two newline (U+000A)
//! terminated lines (one header line and one timestamp line) followed by the
//! whole note body of the cosigned checkpoint (including the final newline, but
//! not including any signature lines)":
//!
//! ```text
//! cosignature/v1
//! time <timestamp, ASCII decimal, no leading zeroes>
//! <checkpoint body, extension lines included>
//! ```
//!
//! A cosigner asserts only the first three lines (origin, size, root); the
//! extension lines are signed but carry no statement unless the cosigner's
//! operator says so. Checking consistency before cosigning is the caller's job
//! (the registry node holds the state); this module only formats and signs.

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;

use super::checkpoint::Checkpoint;
use super::keys::{self, KeyId, KeyName, KeyType, VerifierKey};
use super::note::{NoteError, NoteSignature, NoteSigner};

/// The header line that separates cosignature/v1 messages from other uses of the key.
pub const HEADER: &str = "cosignature/v1";
/// The largest timestamp allowed (§Format: "MUST NOT exceed 2^63 - 1").
pub const MAX_TIMESTAMP: u64 = (1 << 63) - 1;
/// Length of a `timestamped_signature` for Ed25519.
pub const SIGNATURE_LEN: usize = 8 + 64;

/// Why a cosignature could not be made or was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    /// The signature is not 8 + 64 bytes.
    #[error("cosignature is {len} bytes, {SIGNATURE_LEN} expected")]
    LengthInvalid {
        /// Bytes given.
        len: usize,
    },
    /// The timestamp is over 2^63 − 1.
    #[error("cosignature timestamp {timestamp} is over 2^63 - 1")]
    TimestampOutOfRange {
        /// The timestamp.
        timestamp: u64,
    },
    /// The Ed25519 signature does not verify.
    #[error("cosignature does not verify")]
    SignatureInvalid,
}

impl CosignatureError {
    /// Stable snake_case code for APIs and logs.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::LengthInvalid { .. } => "cosignature_length_invalid",
            Self::TimestampOutOfRange { .. } => "cosignature_timestamp_out_of_range",
            Self::SignatureInvalid => "cosignature_invalid",
        }
    }
}

/// §Ed25519 signed message: `"cosignature/v1\ntime <timestamp>\n" ‖ body`,
/// where `body` is the whole checkpoint note text, final newline included.
#[must_use]
pub fn signed_message(body: &str, timestamp: u64) -> String {
    format!("{HEADER}\ntime {timestamp}\n{body}")
}

/// Verifies a `timestamped_signature` over a checkpoint body and returns its
/// timestamp.
///
/// # Errors
/// [`CosignatureError::LengthInvalid`], [`CosignatureError::TimestampOutOfRange`],
/// [`CosignatureError::SignatureInvalid`].
pub fn verify(key: &VerifyingKey, body: &str, signature: &[u8]) -> Result<u64, CosignatureError> {
    let Some((time, sig)) = signature.split_first_chunk::<8>() else {
        return Err(CosignatureError::LengthInvalid {
            len: signature.len(),
        });
    };
    let sig = Signature::from_slice(sig).map_err(|_| CosignatureError::LengthInvalid {
        len: signature.len(),
    })?;
    let timestamp = u64::from_be_bytes(*time);
    if timestamp > MAX_TIMESTAMP {
        return Err(CosignatureError::TimestampOutOfRange { timestamp });
    }
    key.verify_strict(signed_message(body, timestamp).as_bytes(), &sig)
        .map_err(|_| CosignatureError::SignatureInvalid)?;
    Ok(timestamp)
}

/// An Ed25519 cosigner key (type 0x04). Secret: not printed, zeroized on drop.
pub struct CosignerKey {
    name: KeyName,
    id: KeyId,
    key: SigningKey,
}

impl CosignerKey {
    /// A cosigner for an existing Ed25519 key. The tlog-cosignature spec
    /// requires a distinct key per cosigner.
    #[must_use]
    pub fn from_signing_key(name: KeyName, key: SigningKey) -> Self {
        let id = KeyId::compute(&name, KeyType::Cosignature, key.verifying_key().as_bytes());
        Self { name, id, key }
    }

    /// A cosigner with a fresh random key.
    #[must_use]
    pub fn generate(name: KeyName, rng: &mut impl CryptoRngCore) -> Self {
        Self::from_signing_key(name, SigningKey::generate(rng))
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖ seed)>`.
    ///
    /// # Errors
    /// As [`keys::parse_private_key`] with type 0x04.
    pub fn parse_private(text: &str) -> Result<Self, NoteError> {
        let (name, key) = keys::parse_private_key(text, KeyType::Cosignature)?;
        Ok(Self::from_signing_key(name, key))
    }

    /// The secret key's text form. It reveals the key: write it only to
    /// protected storage.
    #[must_use]
    pub fn expose_private_key_text(&self) -> String {
        keys::private_key_text(&self.name, self.id, KeyType::Cosignature, &self.key)
    }

    /// The cosigner's name.
    #[must_use]
    pub const fn name(&self) -> &KeyName {
        &self.name
    }

    /// The cosigner's key id (type 0x04).
    #[must_use]
    pub const fn id(&self) -> KeyId {
        self.id
    }

    /// The matching verifier key (type 0x04).
    #[must_use]
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::new(
            self.name.clone(),
            KeyType::Cosignature,
            self.key.verifying_key(),
        )
    }

    /// Cosigns a checkpoint at `timestamp` (POSIX seconds) and returns the
    /// signature line to add to the checkpoint's note.
    ///
    /// # Errors
    /// [`CosignatureError::TimestampOutOfRange`] past 2^63 − 1.
    pub fn cosign(
        &self,
        checkpoint: &Checkpoint,
        timestamp: u64,
    ) -> Result<NoteSignature, CosignatureError> {
        let bytes = self.timestamped_signature(&checkpoint.to_body(), timestamp)?;
        NoteSignature::new(self.name.clone(), self.id, bytes)
            .map_err(|_| CosignatureError::LengthInvalid { len: 0 })
    }

    /// A [`NoteSigner`] that cosigns at a fixed time, for [`super::note::sign`].
    #[must_use]
    pub const fn at(&self, timestamp: u64) -> TimedCosigner<'_> {
        TimedCosigner {
            cosigner: self,
            timestamp,
        }
    }

    fn timestamped_signature(
        &self,
        body: &str,
        timestamp: u64,
    ) -> Result<Vec<u8>, CosignatureError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(CosignatureError::TimestampOutOfRange { timestamp });
        }
        let sig = self.key.sign(signed_message(body, timestamp).as_bytes());
        let mut out = Vec::with_capacity(SIGNATURE_LEN);
        out.extend_from_slice(&timestamp.to_be_bytes());
        out.extend_from_slice(&sig.to_bytes());
        Ok(out)
    }
}

impl fmt::Debug for CosignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosignerKey")
            .field("name", &self.name)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A cosigner bound to a timestamp; see [`CosignerKey::at`].
#[derive(Debug, Clone, Copy)]
pub struct TimedCosigner<'a> {
    cosigner: &'a CosignerKey,
    timestamp: u64,
}

impl NoteSigner for TimedCosigner<'_> {
    fn key_name(&self) -> &KeyName {
        &self.cosigner.name
    }

    fn key_id(&self) -> KeyId {
        self.cosigner.id
    }

    /// Refuses any text that is not a well-formed checkpoint: a cosignature
    /// is a statement about a tree head, never about arbitrary text.
    fn sign_note_text(&self, text: &str) -> Result<Vec<u8>, NoteError> {
        Checkpoint::parse(text).map_err(|e| NoteError::SigningFailed {
            reason: format!("not a checkpoint: {e}"),
        })?;
        self.cosigner
            .timestamped_signature(text, self.timestamp)
            .map_err(|e| NoteError::SigningFailed {
                reason: e.to_string(),
            })
    }
}

#[cfg(test)]
#[path = "cosignature_tests.rs"]
pub(crate) mod tests;
