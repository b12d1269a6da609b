//! The citizens' accounts: one vault folder each under `<data_dir>/users/`, named
//! by a hash of the account name (the folder list names nobody). A vault is opened
//! once per process and shared by that citizen's sessions (sled allows one opener);
//! a second session proves the PIN against the open vault, counted as any other try.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use sha2::{Digest, Sha256};

use crate::backup::{self, BackupError, Restored};
use crate::vault::{Vault, VaultConfig, VaultError};

/// Shortest and longest account names.
const NAME_CHARS: std::ops::RangeInclusive<usize> = 3..=40;

/// Why an account could not be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The name breaks the rules.
    #[error(
        "a wallet name has 3 to 40 characters: lower-case letters, digits, '.', '_', '-' or '@'"
    )]
    NameInvalid,
    /// The name is taken.
    #[error("a wallet with this name already exists on this service; unlock it instead")]
    NameTaken,
    /// No wallet by that name.
    #[error("no wallet with this name exists on this service")]
    Unknown,
    /// The vault refused (wrong PIN, lockout, PIN too short…).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A restore failed.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// The data folder failed.
    #[error("the wallet's data folder failed: {0}")]
    Store(String),
}

impl AccountError {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::NameInvalid => "wallet_name_invalid",
            AccountError::NameTaken => "wallet_name_taken",
            AccountError::Unknown => "wallet_unknown",
            AccountError::Vault(e) => e.code(),
            AccountError::Backup(e) => e.code(),
            AccountError::Store(_) => "wallet_store_failed",
        }
    }
}

/// The accounts of one web wallet.
pub(crate) struct Accounts {
    users: PathBuf,
    config: VaultConfig,
    /// Vaults open in this process, by folder; the lock is also held while one opens.
    open: Mutex<HashMap<PathBuf, Weak<Vault>>>,
}

/// The account name as stored: trimmed, lower case, checked.
pub(crate) fn normalize(name: &str) -> Result<String, AccountError> {
    let name = name.trim().to_lowercase();
    let ok = NAME_CHARS.contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c));
    if ok {
        Ok(name)
    } else {
        Err(AccountError::NameInvalid)
    }
}

impl Accounts {
    /// The accounts under `data_dir` (made if missing).
    pub(crate) fn open(data_dir: &Path, config: VaultConfig) -> Result<Self, String> {
        let users = data_dir.join("users");
        std::fs::create_dir_all(&users).map_err(|e| format!("{}: {e}", users.display()))?;
        Ok(Accounts {
            users,
            config,
            open: Mutex::new(HashMap::new()),
        })
    }

    fn folder(&self, name: &str) -> PathBuf {
        let digest = Sha256::digest(format!("sigillum-wallet-account:{name}").as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        self.users.join(hex)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Weak<Vault>>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new account `name` with a new vault under `pin` (blocking: Argon2id).
    pub(crate) fn sign_up(
        &self,
        name: &str,
        pin: &str,
    ) -> Result<(String, Arc<Vault>), AccountError> {
        let name = normalize(name)?;
        let folder = self.folder(&name);
        let mut open = self.lock();
        if folder.exists() {
            return Err(AccountError::NameTaken);
        }
        if pin.chars().count() < self.config.min_pin_len {
            return Err(VaultError::PinTooShort {
                min: self.config.min_pin_len,
            }
            .into());
        }
        let vault = Vault::create(&folder, pin, &self.config).inspect_err(|_| {
            // Best effort: nothing else is in a folder made just now.
            let _ = std::fs::remove_dir_all(&folder);
        })?;
        let vault = Arc::new(vault);
        open.insert(folder, Arc::downgrade(&vault));
        Ok((name, vault))
    }

    /// Unlocks `name`'s vault with `pin` at `now` (blocking: Argon2id).
    pub(crate) fn unlock(
        &self,
        name: &str,
        pin: &str,
        now: i64,
    ) -> Result<(String, Arc<Vault>), AccountError> {
        let name = normalize(name).map_err(|_| AccountError::Unknown)?;
        let folder = self.folder(&name);
        let mut open = self.lock();
        if let Some(vault) = open.get(&folder).and_then(Weak::upgrade) {
            drop(open);
            vault.confirm_pin(pin, &self.config, now)?;
            return Ok((name, vault));
        }
        if !folder.exists() {
            return Err(AccountError::Unknown);
        }
        let vault = Arc::new(Vault::open(&folder, pin, &self.config, now)?);
        open.retain(|_, v| v.strong_count() > 0);
        open.insert(folder, Arc::downgrade(&vault));
        Ok((name, vault))
    }

    /// A new account `name` holding what the backup `jwe` holds (blocking: PBES2
    /// and Argon2id).
    pub(crate) fn restore(
        &self,
        name: &str,
        pin: &str,
        jwe: &str,
        passphrase: &str,
        now: i64,
    ) -> Result<(String, Arc<Vault>, Restored), AccountError> {
        let name = normalize(name)?;
        let folder = self.folder(&name);
        let mut open = self.lock();
        if folder.exists() {
            return Err(AccountError::NameTaken);
        }
        let (vault, restored) = backup::restore(jwe, passphrase, &folder, pin, &self.config, now)?;
        let vault = Arc::new(vault);
        open.insert(folder, Arc::downgrade(&vault));
        Ok((name, vault, restored))
    }
}
