//! Signed notes, c2sp.org/signed-note v1.0.0.
//!
//! ```text
//! <text, ending in a newline>        ← the signed bytes, final newline included
//! <blank line>                       ← separator, not signed; the LAST "\n\n" of the note
//! — <key name> <base64(key id(4) ‖ signature)>\n     ← one line per signature, "— " is U+2014 U+0020
//! ```
//!
//! Keys, ids and their text forms live in [`super::keys`].
//!
//! Limits: a note is at most [`MAX_NOTE_LEN`] bytes with at most
//! [`MAX_SIGNATURES`] signature lines (the spec asks for at least 16).

use super::keys::{KeyId, KeyName, KeyType, VerifierKey};
use super::{std_b64_decode, std_b64_encode};

/// Largest note accepted, in bytes.
pub const MAX_NOTE_LEN: usize = 1 << 20;
/// Most signature lines accepted in one note.
pub const MAX_SIGNATURES: usize = 100;

/// The em dash and space that open every signature line (§Format).
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note, key or signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is over the size limit.
    #[error("note is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// The note is not valid UTF-8.
    #[error("note is not valid UTF-8")]
    NotUtf8,
    /// The note holds an ASCII control character other than newline.
    #[error("note has a control character at byte {offset}")]
    ControlCharacter {
        /// Byte offset of the character.
        offset: usize,
    },
    /// The text to sign is empty or does not end in a newline.
    #[error("note text must be non-empty and end in a newline")]
    TextMalformed,
    /// No blank line followed by signature lines ends the note.
    #[error("note has no signature block after a blank line")]
    SignatureBlockMissing,
    /// A signature line is not `— <name> <base64>` with a valid name and at
    /// least one signature byte after the key id.
    #[error("signature line {line} is malformed")]
    SignatureLineMalformed {
        /// 1-based line number within the signature block.
        line: usize,
    },
    /// Too many signature lines.
    #[error("note has more than {max} signatures")]
    TooManySignatures {
        /// Signatures allowed.
        max: usize,
    },
    /// A known key's signature does not verify; the whole note is rejected.
    #[error("signature by {name}+{id} does not verify")]
    SignatureInvalid {
        /// Key name on the line.
        name: KeyName,
        /// Key id on the line.
        id: KeyId,
    },
    /// No signature from a known key is on the note.
    #[error("note has no signature from a known key ({unknown} from unknown keys)")]
    Unverified {
        /// Distinct signatures from keys not configured.
        unknown: usize,
    },
    /// Two different configured keys share a name and key id.
    #[error("two configured keys are named {name}+{id}")]
    AmbiguousKey {
        /// The shared name.
        name: KeyName,
        /// The shared id.
        id: KeyId,
    },
    /// The same key was given twice to sign one note.
    #[error("key {name}+{id} would sign the note twice")]
    DuplicateSigner {
        /// Key name.
        name: KeyName,
        /// Key id.
        id: KeyId,
    },
    /// A key name is empty, too long, or holds whitespace, '+' or a control character.
    #[error("key name is empty, too long, or holds whitespace, '+' or a control character")]
    KeyNameInvalid,
    /// A key's text form is malformed.
    #[error("key text is malformed: {reason}")]
    KeyMalformed {
        /// What is wrong.
        reason: &'static str,
    },
    /// A key's stated id is not the id its name, type and public key give.
    #[error("key id {stated} does not match the computed id {computed}")]
    KeyIdMismatch {
        /// Id in the key text.
        stated: KeyId,
        /// Id computed from the key.
        computed: KeyId,
    },
    /// The key's signature type is not one this crate supports here.
    #[error("key type {key_type:#04x} is not supported here")]
    KeyTypeUnsupported {
        /// The type byte.
        key_type: u8,
    },
    /// A signer refused or failed to sign.
    #[error("signing failed: {reason}")]
    SigningFailed {
        /// What the signer reported.
        reason: String,
    },
}

impl NoteError {
    /// Stable snake_case code for APIs and logs.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "note_too_large",
            Self::NotUtf8 => "note_not_utf8",
            Self::ControlCharacter { .. } => "note_control_character",
            Self::TextMalformed => "note_text_malformed",
            Self::SignatureBlockMissing => "note_signature_block_missing",
            Self::SignatureLineMalformed { .. } => "note_signature_line_malformed",
            Self::TooManySignatures { .. } => "note_too_many_signatures",
            Self::SignatureInvalid { .. } => "note_signature_invalid",
            Self::Unverified { .. } => "note_unverified",
            Self::AmbiguousKey { .. } => "note_key_ambiguous",
            Self::DuplicateSigner { .. } => "note_duplicate_signer",
            Self::KeyNameInvalid => "note_key_name_invalid",
            Self::KeyMalformed { .. } => "note_key_malformed",
            Self::KeyIdMismatch { .. } => "note_key_id_mismatch",
            Self::KeyTypeUnsupported { .. } => "note_key_type_unsupported",
            Self::SigningFailed { .. } => "note_signing_failed",
        }
    }
}

/// Anything that can put a signature line on a note: [`SignerKey`](super::keys::SignerKey), a
/// cosigner, or later an HSM- or KMS-backed signer.
pub trait NoteSigner {
    /// The key name written on the signature line.
    fn key_name(&self) -> &KeyName;
    /// The key id written on the signature line.
    fn key_id(&self) -> KeyId;
    /// Signs the note text (final newline included) and returns the signature
    /// bytes that follow the key id on the line.
    ///
    /// # Errors
    /// [`NoteError::SigningFailed`] if the signer cannot or will not sign.
    fn sign_note_text(&self, text: &str) -> Result<Vec<u8>, NoteError>;
}

/// One signature line: key name, key id, and the signature bytes after the id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    name: KeyName,
    id: KeyId,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// Wraps a signature made by a [`NoteSigner`] or received from a cosigner.
    ///
    /// # Errors
    /// [`NoteError::SignatureLineMalformed`] if `signature` is empty (§Format
    /// requires at least one byte after the key id).
    pub fn new(name: KeyName, id: KeyId, signature: Vec<u8>) -> Result<Self, NoteError> {
        if signature.is_empty() {
            return Err(NoteError::SignatureLineMalformed { line: 1 });
        }
        Ok(Self {
            name,
            id,
            signature,
        })
    }

    /// The key name on the line.
    #[must_use]
    pub const fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key id on the line.
    #[must_use]
    pub const fn id(&self) -> KeyId {
        self.id
    }

    /// The signature bytes after the key id.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The line, `— <name> <base64(id ‖ signature)>\n`.
    #[must_use]
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.id.get().to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, std_b64_encode(raw))
    }

    /// Parses one line without its newline; `line` numbers errors.
    fn parse_line(text: &str, line: usize) -> Result<Self, NoteError> {
        let malformed = NoteError::SignatureLineMalformed { line };
        let rest = text.strip_prefix(SIG_PREFIX).ok_or(malformed.clone())?;
        let (name, b64) = rest.split_once(' ').ok_or(malformed.clone())?;
        let name = KeyName::new(name).map_err(|_| malformed.clone())?;
        let raw = std_b64_decode(b64).ok_or(malformed.clone())?;
        match raw.as_slice() {
            [a, b, c, d, signature @ ..] if !signature.is_empty() => Ok(Self {
                name,
                id: KeyId::new(u32::from_be_bytes([*a, *b, *c, *d])),
                signature: signature.to_vec(),
            }),
            _ => Err(malformed),
        }
    }
}

/// A note parsed for its syntax only. Its text must be ignored until
/// [`SignedNote::open`] has verified a trusted signature (§Note).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Parses a signed note (§Format): size, UTF-8 and control characters first,
    /// then the split at the last blank line, then each signature line.
    ///
    /// # Errors
    /// [`NoteError::TooLarge`], [`NoteError::NotUtf8`],
    /// [`NoteError::ControlCharacter`], [`NoteError::SignatureBlockMissing`],
    /// [`NoteError::SignatureLineMalformed`], [`NoteError::TooManySignatures`].
    pub fn parse(note: &[u8]) -> Result<Self, NoteError> {
        let note = check_note_bytes(note)?;
        let split = note.rfind("\n\n").ok_or(NoteError::SignatureBlockMissing)?;
        // The text keeps its final newline; the separator's second newline is dropped.
        let (text, block) = note
            .split_at_checked(split + 1)
            .ok_or(NoteError::SignatureBlockMissing)?;
        let block = block.strip_prefix('\n').unwrap_or(block);
        if block.is_empty() || !block.ends_with('\n') {
            return Err(NoteError::SignatureBlockMissing);
        }
        let mut signatures = Vec::new();
        for (i, line) in block.split_terminator('\n').enumerate() {
            if i >= MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures {
                    max: MAX_SIGNATURES,
                });
            }
            signatures.push(NoteSignature::parse_line(line, i + 1)?);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The text, not yet verified: do not act on it.
    #[must_use]
    pub fn unverified_text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    #[must_use]
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line, replacing any line by the same key (name and id).
    ///
    /// # Errors
    /// [`NoteError::TooManySignatures`] past [`MAX_SIGNATURES`].
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        self.signatures
            .retain(|s| !(s.name == signature.name && s.id == signature.id));
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// The note's wire form: text, blank line, signature lines.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
        }
        out
    }

    /// Verifies the note against the configured keys (§Signatures).
    ///
    /// A signature counts for a key only if both name and id match it; others
    /// are kept as unverified and otherwise ignored. Repeated lines from one
    /// key are checked once (the first). A known key's signature that does
    /// not verify rejects the whole note.
    ///
    /// # Errors
    /// [`NoteError::SignatureInvalid`], [`NoteError::AmbiguousKey`], or
    /// [`NoteError::Unverified`] if no known key signed.
    pub fn open(&self, verifiers: &[VerifierKey]) -> Result<VerifiedNote, NoteError> {
        let mut verified: Vec<VerifiedSignature> = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        for sig in &self.signatures {
            let mut matching = verifiers
                .iter()
                .filter(|v| *v.name() == sig.name && v.id() == sig.id);
            let Some(key) = matching.next() else {
                if !unverified.contains(sig) {
                    unverified.push(sig.clone());
                }
                continue;
            };
            if matching.any(|other| other != key) {
                return Err(NoteError::AmbiguousKey {
                    name: sig.name.clone(),
                    id: sig.id,
                });
            }
            if verified
                .iter()
                .any(|v| v.name == sig.name && v.id == sig.id)
            {
                continue;
            }
            let timestamp = key.check(&self.text, &sig.signature)?;
            verified.push(VerifiedSignature {
                name: key.name().clone(),
                id: key.id(),
                key_type: key.key_type(),
                timestamp,
            });
        }
        if verified.is_empty() {
            return Err(NoteError::Unverified {
                unknown: unverified.len(),
            });
        }
        Ok(VerifiedNote {
            text: self.text.clone(),
            verified,
            unverified,
        })
    }
}

/// A signature that verified under a configured key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    name: KeyName,
    id: KeyId,
    key_type: KeyType,
    timestamp: Option<u64>,
}

impl VerifiedSignature {
    /// The key's name.
    #[must_use]
    pub const fn name(&self) -> &KeyName {
        &self.name
    }
    /// The key's id.
    #[must_use]
    pub const fn id(&self) -> KeyId {
        self.id
    }
    /// The key's signature type.
    #[must_use]
    pub const fn key_type(&self) -> KeyType {
        self.key_type
    }
    /// For a cosignature (type 0x04), its POSIX time in seconds.
    #[must_use]
    pub const fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }
}

/// A note with at least one verified signature from a configured key. Only
/// [`SignedNote::open`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNote {
    text: String,
    verified: Vec<VerifiedSignature>,
    unverified: Vec<NoteSignature>,
}

impl VerifiedNote {
    /// The verified text, final newline included.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The configured keys whose signatures verified, one entry per key.
    #[must_use]
    pub fn verified(&self) -> &[VerifiedSignature] {
        &self.verified
    }
    /// Signatures from keys not configured, duplicates dropped.
    #[must_use]
    pub fn unverified(&self) -> &[NoteSignature] {
        &self.unverified
    }
}

/// Parses and verifies a signed note in one step; see [`SignedNote::parse`]
/// and [`SignedNote::open`].
///
/// # Errors
/// Those of [`SignedNote::parse`] and [`SignedNote::open`].
pub fn open(note: impl AsRef<[u8]>, verifiers: &[VerifierKey]) -> Result<VerifiedNote, NoteError> {
    SignedNote::parse(note.as_ref())?.open(verifiers)
}

/// Signs `text` with each signer and returns the signed note (§Format).
///
/// # Errors
/// [`NoteError::TextMalformed`] unless the text is non-empty and ends in a
/// newline; [`NoteError::TooLarge`] / [`NoteError::ControlCharacter`] as for
/// parsing; [`NoteError::DuplicateSigner`] if a key is given twice;
/// [`NoteError::TooManySignatures`]; a signer's own error.
pub fn sign(text: &str, signers: &[&dyn NoteSigner]) -> Result<String, NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::TextMalformed);
    }
    check_note_bytes(text.as_bytes())?;
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            max: MAX_SIGNATURES,
        });
    }
    let mut note = SignedNote {
        text: text.to_owned(),
        signatures: Vec::with_capacity(signers.len()),
    };
    for signer in signers {
        let (name, id) = (signer.key_name().clone(), signer.key_id());
        if note.signatures.iter().any(|s| s.name == name && s.id == id) {
            return Err(NoteError::DuplicateSigner { name, id });
        }
        let signature = signer.sign_note_text(text)?;
        note.signatures
            .push(NoteSignature::new(name, id, signature)?);
    }
    let encoded = note.encode();
    if encoded.len() > MAX_NOTE_LEN {
        return Err(NoteError::TooLarge {
            len: encoded.len(),
            max: MAX_NOTE_LEN,
        });
    }
    Ok(encoded)
}

/// §Format: size cap, valid UTF-8, no control characters but newline.
fn check_note_bytes(note: &[u8]) -> Result<&str, NoteError> {
    if note.len() > MAX_NOTE_LEN {
        return Err(NoteError::TooLarge {
            len: note.len(),
            max: MAX_NOTE_LEN,
        });
    }
    let text = std::str::from_utf8(note).map_err(|_| NoteError::NotUtf8)?;
    if let Some(offset) = note.iter().position(|&b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter { offset });
    }
    Ok(text)
}

#[cfg(test)]
#[path = "note_tests.rs"]
mod tests;
