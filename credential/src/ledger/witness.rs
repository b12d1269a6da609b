//! Checkpoint verification under a k-of-n cosigning policy.
//!
//! A verifier pins the log's key (type 0x01, c2sp.org/signed-note) and the
//! consortium's cosigner keys (type 0x04, c2sp.org/tlog-cosignature), and
//! accepts a checkpoint (c2sp.org/tlog-checkpoint) only if the log signed it
//! and at least `threshold` distinct cosigners did. Signatures from keys not in
//! the policy are ignored, as the signed-note spec requires; a signature that
//! claims a pinned key and does not verify rejects the whole note.
//!
//! Cosignature timestamps are returned, not judged: freshness is the caller's
//! policy, with its own clock.

use super::checkpoint::{Checkpoint, CheckpointFormatError};
use super::keys::{KeyId, KeyName, KeyType, VerifierKey};
use super::note::{self, NoteError};

/// A checkpoint verification policy. Build it with [`Policy::new`], or with
/// [`Policy::with_log_keys`] for a log that any one of several nodes may sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    origin: String,
    /// The first of `log_keys`, which errors name.
    log_key: VerifierKey,
    /// Every key that may sign as the log (never empty).
    log_keys: Vec<VerifierKey>,
    cosigners: Vec<VerifierKey>,
    threshold: usize,
}

/// Why a policy could not be built (a configuration error, not a verdict).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The origin is empty or holds a control character.
    #[error("policy origin is empty or holds a control character")]
    OriginInvalid,
    /// The log key is not an Ed25519 note key (type 0x01).
    #[error("log key {name} is a {found:?} key, an Ed25519 note key (0x01) is required")]
    LogKeyType {
        /// The log key's name.
        name: KeyName,
        /// Its type.
        found: KeyType,
    },
    /// A cosigner key is not a cosignature key (type 0x04).
    #[error("cosigner key {name} is a {found:?} key, a cosignature key (0x04) is required")]
    CosignerKeyType {
        /// The cosigner's name.
        name: KeyName,
        /// Its type.
        found: KeyType,
    },
    /// Two pinned keys share a name and key id.
    #[error("two pinned keys are named {name}+{id}")]
    DuplicateKey {
        /// The shared name.
        name: KeyName,
        /// The shared id.
        id: KeyId,
    },
    /// One public key is pinned for two cosigners, which would count it twice.
    #[error("cosigner {name} reuses another cosigner's public key")]
    DuplicateCosignerKey {
        /// The second cosigner with that key.
        name: KeyName,
    },
    /// No log key was given.
    #[error("a policy needs at least one log key")]
    NoLogKey,
    /// The threshold is above the number of cosigners.
    #[error("threshold {threshold} is above the {cosigners} pinned cosigners")]
    ThresholdTooHigh {
        /// Cosignatures required.
        threshold: usize,
        /// Cosigners pinned.
        cosigners: usize,
    },
}

impl PolicyError {
    /// Stable snake_case code for APIs and logs.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::OriginInvalid => "policy_origin_invalid",
            Self::NoLogKey => "policy_log_key_missing",
            Self::LogKeyType { .. } => "policy_log_key_type",
            Self::CosignerKeyType { .. } => "policy_cosigner_key_type",
            Self::DuplicateKey { .. } => "policy_duplicate_key",
            Self::DuplicateCosignerKey { .. } => "policy_duplicate_cosigner_key",
            Self::ThresholdTooHigh { .. } => "policy_threshold_too_high",
        }
    }
}

impl Policy {
    /// A policy from its configuration text: the log's and cosigners' note
    /// verifier keys as C2SP `signed-note` key lines.
    ///
    /// # Errors
    /// A sentence naming the key that does not parse, or why the policy is impossible.
    pub fn from_text(
        origin: &str,
        log_key: &str,
        cosigners: &[String],
        threshold: usize,
    ) -> Result<Self, String> {
        let key = |text: &str| VerifierKey::parse(text).map_err(|e| format!("key {text:.40}: {e}"));
        let cosigners = cosigners
            .iter()
            .map(|c| key(c))
            .collect::<Result<Vec<_>, _>>()?;
        Policy::new(origin, key(log_key)?, cosigners, threshold).map_err(|e| e.to_string())
    }

    /// A policy requiring the log's signature and `threshold` cosignatures.
    ///
    /// A threshold of 0 trusts the log alone (a single-node registry).
    ///
    /// # Errors
    /// [`PolicyError`] if the origin is not a valid checkpoint line, a key has
    /// the wrong type, a key is pinned twice, or the threshold is above the
    /// number of cosigners.
    pub fn new(
        origin: impl Into<String>,
        log_key: VerifierKey,
        cosigners: Vec<VerifierKey>,
        threshold: usize,
    ) -> Result<Self, PolicyError> {
        Self::with_log_keys(origin, vec![log_key], cosigners, threshold)
    }

    /// A policy for a log whose checkpoints any one of `log_keys` may sign (the
    /// nodes of a replicated registry, each signing as the log when it leads; see
    /// specs/registry/CONSORTIUM.md "Keys"), plus `threshold` cosignatures.
    ///
    /// # Errors
    /// As [`Policy::new`], and [`PolicyError::NoLogKey`] when `log_keys` is empty.
    pub fn with_log_keys(
        origin: impl Into<String>,
        log_keys: Vec<VerifierKey>,
        cosigners: Vec<VerifierKey>,
        threshold: usize,
    ) -> Result<Self, PolicyError> {
        let origin = origin.into();
        if origin.is_empty() || origin.bytes().any(|b| b < 0x20) {
            return Err(PolicyError::OriginInvalid);
        }
        let Some(log_key) = log_keys.first().cloned() else {
            return Err(PolicyError::NoLogKey);
        };
        for (i, log_key) in log_keys.iter().enumerate() {
            if log_key.key_type() != KeyType::Ed25519 {
                return Err(PolicyError::LogKeyType {
                    name: log_key.name().clone(),
                    found: log_key.key_type(),
                });
            }
            if let Some(e) = log_keys
                .iter()
                .take(i)
                .find(|e| e.name() == log_key.name() && e.id() == log_key.id())
            {
                return Err(PolicyError::DuplicateKey {
                    name: e.name().clone(),
                    id: e.id(),
                });
            }
        }
        for (i, c) in cosigners.iter().enumerate() {
            if c.key_type() != KeyType::Cosignature {
                return Err(PolicyError::CosignerKeyType {
                    name: c.name().clone(),
                    found: c.key_type(),
                });
            }
            let earlier = cosigners.iter().take(i);
            for e in earlier.chain(log_keys.iter()) {
                if e.name() == c.name() && e.id() == c.id() {
                    return Err(PolicyError::DuplicateKey {
                        name: c.name().clone(),
                        id: c.id(),
                    });
                }
            }
            if cosigners
                .iter()
                .take(i)
                .any(|e| e.public_key() == c.public_key())
            {
                return Err(PolicyError::DuplicateCosignerKey {
                    name: c.name().clone(),
                });
            }
        }
        if threshold > cosigners.len() {
            return Err(PolicyError::ThresholdTooHigh {
                threshold,
                cosigners: cosigners.len(),
            });
        }
        Ok(Self {
            origin,
            log_key,
            log_keys,
            cosigners,
            threshold,
        })
    }

    /// The log origin checkpoints must carry.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log's key (the first, when several may sign).
    #[must_use]
    pub const fn log_key(&self) -> &VerifierKey {
        &self.log_key
    }

    /// Every key that may sign as the log.
    #[must_use]
    pub fn log_keys(&self) -> &[VerifierKey] {
        &self.log_keys
    }

    /// The pinned cosigners.
    #[must_use]
    pub fn cosigners(&self) -> &[VerifierKey] {
        &self.cosigners
    }

    /// Distinct cosignatures required.
    #[must_use]
    pub const fn threshold(&self) -> usize {
        self.threshold
    }
}

/// Why a checkpoint was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The note is malformed, or a pinned key's signature does not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The verified text is not a checkpoint.
    #[error(transparent)]
    Format(#[from] CheckpointFormatError),
    /// The log's own signature is not on the note.
    #[error("checkpoint is not signed by the log key {log}")]
    LogSignatureMissing {
        /// The pinned log key's name.
        log: KeyName,
    },
    /// The checkpoint is for another log.
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    OriginMismatch {
        /// The policy's origin.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
    /// Fewer distinct pinned cosigners signed than the policy requires.
    #[error("checkpoint has {valid} valid cosignatures, {required} required")]
    TooFewCosignatures {
        /// Distinct pinned cosigners whose signatures verified.
        valid: usize,
        /// The policy's threshold.
        required: usize,
    },
}

impl CheckpointError {
    /// Stable snake_case code for APIs and logs.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Note(e) => e.code(),
            Self::Format(e) => e.code(),
            Self::LogSignatureMissing { .. } => "checkpoint_log_signature_missing",
            Self::OriginMismatch { .. } => "checkpoint_origin_mismatch",
            Self::TooFewCosignatures { .. } => "checkpoint_too_few_cosignatures",
        }
    }
}

/// One verified cosignature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    name: KeyName,
    id: KeyId,
    timestamp: u64,
}

impl Cosignature {
    /// The cosigner's name.
    #[must_use]
    pub const fn name(&self) -> &KeyName {
        &self.name
    }
    /// The cosigner's key id.
    #[must_use]
    pub const fn id(&self) -> KeyId {
        self.id
    }
    /// When the cosigner signed, POSIX seconds.
    #[must_use]
    pub const fn timestamp(&self) -> u64 {
        self.timestamp
    }
}

/// A checkpoint signed by its log and cosigned per a [`Policy`]. Only
/// [`verify_checkpoint`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    cosignatures: Vec<Cosignature>,
}

impl VerifiedCheckpoint {
    /// The checkpoint.
    #[must_use]
    pub const fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }
    /// The verified cosignatures, one per distinct pinned cosigner.
    #[must_use]
    pub fn cosignatures(&self) -> &[Cosignature] {
        &self.cosignatures
    }
    /// The checkpoint, dropping the cosignature details.
    #[must_use]
    pub fn into_checkpoint(self) -> Checkpoint {
        self.checkpoint
    }
}

/// Verifies a signed checkpoint note under `policy`: the log's signature, at
/// least `threshold` distinct valid cosignatures, a well-formed body, and the
/// policy's origin.
///
/// # Errors
/// [`CheckpointError::Note`] for a malformed note or a pinned key's bad
/// signature; [`CheckpointError::LogSignatureMissing`];
/// [`CheckpointError::Format`]; [`CheckpointError::OriginMismatch`];
/// [`CheckpointError::TooFewCosignatures`].
pub fn verify_checkpoint(
    note: impl AsRef<[u8]>,
    policy: &Policy,
) -> Result<VerifiedCheckpoint, CheckpointError> {
    let mut keys = Vec::with_capacity(policy.log_keys.len() + policy.cosigners.len());
    keys.extend(policy.log_keys.iter().cloned());
    keys.extend(policy.cosigners.iter().cloned());
    let missing = || CheckpointError::LogSignatureMissing {
        log: policy.log_key.name().clone(),
    };
    let opened = match note::open(note, &keys) {
        Ok(opened) => opened,
        Err(NoteError::Unverified { .. }) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    let log_signed = opened.verified().iter().any(|v| {
        policy
            .log_keys
            .iter()
            .any(|k| v.name() == k.name() && v.id() == k.id())
    });
    if !log_signed {
        return Err(missing());
    }
    let checkpoint = Checkpoint::parse(opened.text())?;
    if checkpoint.origin() != policy.origin {
        return Err(CheckpointError::OriginMismatch {
            expected: policy.origin.clone(),
            found: checkpoint.origin().to_owned(),
        });
    }
    // `open` reports each key at most once, and the policy pins each public
    // key at most once, so these are distinct cosigners.
    let cosignatures: Vec<Cosignature> = opened
        .verified()
        .iter()
        .filter(|v| v.key_type() == KeyType::Cosignature)
        .filter_map(|v| {
            v.timestamp().map(|timestamp| Cosignature {
                name: v.name().clone(),
                id: v.id(),
                timestamp,
            })
        })
        .collect();
    if cosignatures.len() < policy.threshold {
        return Err(CheckpointError::TooFewCosignatures {
            valid: cosignatures.len(),
            required: policy.threshold,
        });
    }
    Ok(VerifiedCheckpoint {
        checkpoint,
        cosignatures,
    })
}

#[cfg(test)]
#[path = "witness_tests.rs"]
mod tests;
