//! Backup and restore (issue #6): the whole vault as one encrypted file that
//! restores on another installation, under a passphrase of its own.
//!
//! ```text
//!  export   vault ─▶ document v1 (JSON, zeroized buffer) ─▶ JWE compact (RFC 7516 §7.1)
//!             alg PBES2-HS512+A256KW (RFC 7518 §4.8): 16-byte random p2s, p2c 600,000
//!             enc A256GCM (RFC 7518 §5.3), cty application/vnd.sigillum.wallet-backup+json
//!  restore  size cap ─▶ segments and pinned header (p2c range) ─▶ PIN and empty folder
//!             ─▶ decrypt ─▶ document checked ─▶ new vault, new PIN ─▶ read back
//! ```
//!
//! Holder keys can travel in the backup or be left out. Left out, the file is
//! worth less to a thief (a stolen credential cannot be presented with proof of
//! possession), and the restored credentials keep an empty `holder_jwk`: the
//! wallet shows them as needing re-issuance (`present::Shortfall::HolderKeyMissing`)
//! until the issuer issues them again.
//!
//! josekit holds its own copy of the passphrase and of the derived keys, which it
//! does not zeroize; this module zeroizes the plaintext it serializes and reads.

mod document;
mod envelope;
mod error;

use std::io;
use std::path::Path;

pub use envelope::{
    CONTENT_TYPE, DEFAULT_P2C, MAX_BACKUP_LEN, MAX_P2C, MIN_P2C, MIN_PASSPHRASE_CHARS,
};
pub use error::BackupError;

use document::Document;
use envelope::Envelope;

use crate::vault::{Vault, VaultConfig, VaultError};

/// What goes into a backup, and how hard its passphrase is to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupOptions {
    /// Whether the holders' private keys travel with their credentials; without
    /// them, the restored credentials must be issued again before they can prove
    /// possession.
    pub include_holder_keys: bool,
    /// PBKDF2 iterations (RFC 7518 §4.8.1.2 `p2c`), within
    /// [`MIN_P2C`]`..=`[`MAX_P2C`].
    pub p2c: u32,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            include_holder_keys: true,
            p2c: DEFAULT_P2C,
        }
    }
}

/// What a restore put into the new vault.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Restored {
    /// Credentials restored (every copy counts).
    pub credentials: usize,
    /// History entries restored.
    pub history: usize,
    /// Whether the backup was made with holder keys.
    pub holder_keys_included: bool,
    /// Credentials restored without a holder key: they must be issued again.
    pub without_holder_key: usize,
    /// When the backup was made, Unix seconds.
    pub created_at: i64,
}

/// Exports everything `vault` holds as a JWE (RFC 7516 §7.1) encrypted under
/// `passphrase`, made at `now` (Unix seconds).
///
/// # Errors
/// [`BackupError::PassphraseTooShort`]; [`BackupError::KdfCostOutOfRange`] for
/// `options.p2c` outside [`MIN_P2C`]`..=`[`MAX_P2C`]; the vault's errors;
/// [`BackupError::Encrypt`].
pub fn export(
    vault: &Vault,
    passphrase: &str,
    options: &BackupOptions,
    now: i64,
) -> Result<String, BackupError> {
    let document = Document::from_vault(vault, options.include_holder_keys, now)?;
    let plain = document.to_json()?;
    envelope::seal(&plain, passphrase, options.p2c)
}

/// Restores the backup `jwe` into a new vault in `dir` protected by `pin`, and
/// returns it open (read back at `now`, Unix seconds) with a summary. `dir` must
/// be empty or absent. Every check that costs nothing comes before the key
/// derivation; if writing fails midway, what was written is removed.
///
/// # Errors
/// [`BackupError::TooLarge`] before anything is parsed; [`BackupError::Malformed`],
/// [`BackupError::KdfCostOutOfRange`] before any key derivation;
/// [`VaultError::PinTooShort`] and [`BackupError::TargetNotEmpty`], also before;
/// [`BackupError::WrongPassphrase`]; [`BackupError::VersionUnsupported`];
/// [`BackupError::RestoreIncomplete`] and the vault's errors.
pub fn restore(
    jwe: &str,
    passphrase: &str,
    dir: &Path,
    pin: &str,
    config: &VaultConfig,
    now: i64,
) -> Result<(Vault, Restored), BackupError> {
    let envelope = Envelope::parse(jwe)?;
    if pin.chars().count() < config.min_pin_len {
        return Err(VaultError::PinTooShort {
            min: config.min_pin_len,
        }
        .into());
    }
    let existed = check_empty(dir)?;
    let plain = envelope.open(passphrase)?;
    let document = Document::read(&plain)?;
    drop(plain);
    let written = write(&document, dir, pin, config)
        .and_then(|vault| read_back(vault, &document, pin, config, now));
    if written.is_err() {
        // Best effort: the folder was empty or absent before, so all of it is ours.
        let _ = std::fs::remove_dir_all(dir);
        if existed {
            let _ = std::fs::create_dir(dir);
        }
    }
    written
}

/// Whether `dir` exists; refuses one that is not empty.
fn check_empty(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(true),
            Some(_) => Err(BackupError::TargetNotEmpty {
                dir: dir.display().to_string(),
            }),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(VaultError::Store(format!("{}: {e}", dir.display())).into()),
    }
}

fn write(
    document: &Document,
    dir: &Path,
    pin: &str,
    config: &VaultConfig,
) -> Result<Vault, BackupError> {
    let vault = Vault::create(dir, pin, config)?;
    for record in &document.credentials {
        vault.put(&record.to_stored())?;
    }
    for entry in &document.history {
        vault.log(entry)?;
    }
    Ok(vault)
}

/// Checks the new PIN against the new vault, as opening it would, and that
/// everything reads back. The handle that wrote it is kept: sled releases a
/// folder's lock only when its background threads let go of a closed handle, so
/// closing and reopening at once could find the folder still locked.
fn read_back(
    vault: Vault,
    document: &Document,
    pin: &str,
    config: &VaultConfig,
    now: i64,
) -> Result<(Vault, Restored), BackupError> {
    vault.confirm_pin(pin, config, now)?;
    let credentials = vault.credentials()?.len();
    let history = vault.history()?.len();
    for (what, expected, found) in [
        ("credentials", document.credentials.len(), credentials),
        ("history entries", document.history.len(), history),
    ] {
        if expected != found {
            return Err(BackupError::RestoreIncomplete {
                what,
                expected,
                found,
            });
        }
    }
    let restored = Restored {
        credentials,
        history,
        holder_keys_included: document.holder_keys_included,
        without_holder_key: document.credentials.iter().filter(|r| !r.has_key()).count(),
        created_at: document.created_at,
    };
    Ok((vault, restored))
}

#[cfg(test)]
mod tests;
