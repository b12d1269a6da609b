//! Why a backup could not be written or restored, each with a stable code.

use crate::vault::VaultError;

/// Why a backup could not be written or restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The backup is larger than a restore reads; it was refused before parsing.
    #[error("the backup is {len} bytes, over the limit of {max}; it was not read")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Not a Sigillum wallet backup: not a JWE in compact serialization (RFC 7516
    /// §7.1), a header other than the one backups are written with, or a content
    /// that does not follow the backup format.
    #[error("this is not a Sigillum wallet backup: {0}")]
    Malformed(String),
    /// The key could not be unwrapped or the content did not authenticate
    /// (RFC 7518 §4.8, §5.3): the two cannot be told apart, by design.
    #[error("the passphrase is wrong, or the backup was altered or damaged")]
    WrongPassphrase,
    /// The PBES2 iteration count (`p2c`, RFC 7518 §4.8.1.2) is outside the accepted
    /// range; refused before any key derivation, so a crafted file cannot make the
    /// wallet spin.
    #[error("the backup asks for {p2c} PBKDF2 iterations; only {min} to {max} are accepted")]
    KdfCostOutOfRange {
        /// The count asked for.
        p2c: u64,
        /// The least accepted.
        min: u32,
        /// The most accepted.
        max: u32,
    },
    /// A backup format version this wallet does not read.
    #[error("the backup has format version {found}; this wallet reads version {supported}")]
    VersionUnsupported {
        /// The version in the backup.
        found: u64,
        /// The version this wallet reads.
        supported: u32,
    },
    /// A passphrase too short to protect a file that may leave the device.
    #[error("the backup passphrase must have at least {min} characters")]
    PassphraseTooShort {
        /// The minimum.
        min: usize,
    },
    /// The folder to restore into is not empty: a restore never writes over
    /// anything, least of all another vault.
    #[error(
        "{dir} is not empty: a backup is restored only into a new, empty folder, so that no vault is overwritten"
    )]
    TargetNotEmpty {
        /// The folder.
        dir: String,
    },
    /// The new vault does not read back what was restored into it.
    #[error("the restored vault holds {found} {what} instead of {expected}; restore again")]
    RestoreIncomplete {
        /// `credentials` or `history entries`.
        what: &'static str,
        /// How many the backup holds.
        expected: usize,
        /// How many the new vault reads back.
        found: usize,
    },
    /// The backup could not be encrypted.
    #[error("the backup could not be written: {0}")]
    Encrypt(String),
    /// The vault failed (the one exported, or the new one).
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl BackupError {
    /// The stable code (the vault's own codes pass through).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            BackupError::TooLarge { .. } => "backup_too_large",
            BackupError::Malformed(_) => "backup_malformed",
            BackupError::WrongPassphrase => "backup_wrong_passphrase",
            BackupError::KdfCostOutOfRange { .. } => "backup_kdf_cost_out_of_range",
            BackupError::VersionUnsupported { .. } => "backup_version_unsupported",
            BackupError::PassphraseTooShort { .. } => "backup_passphrase_too_short",
            BackupError::TargetNotEmpty { .. } => "backup_target_not_empty",
            BackupError::RestoreIncomplete { .. } => "backup_restore_incomplete",
            BackupError::Encrypt(_) => "backup_encrypt_failed",
            BackupError::Vault(e) => e.code(),
        }
    }
}
