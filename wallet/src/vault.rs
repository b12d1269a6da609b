//! The citizen's vault: credentials, their holder keys and the history of what was
//! received and shown, in sled, every record sealed with XChaCha20-Poly1305 under
//! a key stretched from the PIN with Argon2id (`sigillum_credential::seal`). Nothing
//! readable is on disk without the PIN: not a claim, not a key, not a verifier's
//! name. Each record is bound to its name as associated data, so records cannot be
//! swapped. Wrong PINs are counted on disk; after `max_attempts` the vault locks for
//! a delay that doubles with every further wrong PIN.
//!
//! ```text
//!  meta        "vault"        → {salt, kdf, check: seal("sigillum-vault")}   (clear)
//!  meta        "guard"        → {failures, locked_until}                     (clear)
//!  credentials <id>           → seal(StoredCredential)     aad "credential/<id>"
//!  history     <seq, 8 B BE>  → seal(HistoryEntry)         aad "history/<seq>"
//! ```

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sigillum_credential::b64;
use sigillum_credential::seal::{self, KdfParams};
use zeroize::Zeroizing;

const CHECK: &[u8] = b"sigillum-vault";

/// Why the vault refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// Wrong PIN; this many attempts remain before the vault locks.
    #[error("wrong PIN; {attempts_left} attempt(s) left before the vault locks")]
    WrongPin {
        /// Attempts left.
        attempts_left: u32,
    },
    /// Too many wrong PINs: locked until then.
    #[error("too many wrong PINs: the vault is locked until {until} (now {now})")]
    LockedOut {
        /// Unix seconds.
        until: i64,
        /// Unix seconds.
        now: i64,
    },
    /// No vault in that directory.
    #[error("there is no vault here; create one first")]
    NotCreated,
    /// A vault already exists there.
    #[error("a vault already exists here")]
    AlreadyExists,
    /// A PIN too short to resist guessing.
    #[error("the PIN must have at least {min} characters")]
    PinTooShort {
        /// The minimum.
        min: usize,
    },
    /// A record does not open or parse: the files were altered.
    #[error("vault record {0} is damaged or was altered")]
    Corrupt(String),
    /// The store failed.
    #[error("the vault's store failed: {0}")]
    Store(String),
}

impl VaultError {
    /// The stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            VaultError::WrongPin { .. } => "pin_wrong",
            VaultError::LockedOut { .. } => "vault_locked",
            VaultError::NotCreated => "vault_missing",
            VaultError::AlreadyExists => "vault_exists",
            VaultError::PinTooShort { .. } => "pin_too_short",
            VaultError::Corrupt(_) => "vault_corrupt",
            VaultError::Store(_) => "vault_store_failed",
        }
    }
}

fn store(e: impl fmt::Display) -> VaultError {
    VaultError::Store(e.to_string())
}

/// How the vault guards its PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultConfig {
    /// Argon2id cost (OWASP's recommendation by default).
    pub kdf: KdfParams,
    /// Wrong PINs allowed before the first lockout.
    pub max_attempts: u32,
    /// The first lockout's length; each further wrong PIN doubles it.
    pub base_delay_secs: i64,
    /// Shortest PIN accepted.
    pub min_pin_len: usize,
}

impl Default for VaultConfig {
    fn default() -> Self {
        VaultConfig {
            kdf: KdfParams::RECOMMENDED,
            max_attempts: 5,
            base_delay_secs: 30,
            min_pin_len: 6,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Meta {
    salt: String,
    kdf: KdfParams,
    check: String,
}

#[derive(Serialize, Deserialize, Default)]
struct Guard {
    failures: u32,
    locked_until: i64,
}

/// One held credential (one copy of a batch).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCredential {
    /// Copies of one issuance share a group (so one can be used, then the next).
    pub group: String,
    /// The credential as issued.
    pub credential: String,
    /// The holder's private key, as a JWK.
    pub holder_jwk: Zeroizing<String>,
    /// The issuer identifier (its OpenID4VCI URL).
    pub issuer: String,
    /// The configuration it was issued under (`passport_dc_sd_jwt`).
    pub configuration_id: String,
    /// When it was received, Unix seconds.
    pub received_at: i64,
    /// Whether this copy was already shown once (copies are shown once each).
    pub used: bool,
}

impl fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredCredential")
            .field("group", &self.group)
            .field("configuration_id", &self.configuration_id)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

/// One line of the consent and history log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Unix seconds.
    pub time: i64,
    /// `receive` or `present`.
    pub kind: String,
    /// The issuer or verifier.
    pub counterparty: String,
    /// What was asked for (claim names).
    pub requested: Vec<String>,
    /// What was shared (claim names).
    pub shared: Vec<String>,
    /// The credential group concerned.
    pub group: String,
}

/// An open vault. The key is zeroized when it is dropped.
pub struct Vault {
    db: sled::Db,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault").finish_non_exhaustive()
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(
    tree: &sled::Tree,
    name: &str,
) -> Result<Option<T>, VaultError> {
    tree.get(name)
        .map_err(store)?
        .map(|bytes| serde_json::from_slice(&bytes).map_err(|_| VaultError::Corrupt(name.into())))
        .transpose()
}

fn write_json<T: Serialize>(tree: &sled::Tree, name: &str, value: &T) -> Result<(), VaultError> {
    let bytes = serde_json::to_vec(value).map_err(store)?;
    tree.insert(name, bytes).map_err(store)?;
    Ok(())
}

/// sled's page cache for one vault: a vault holds a citizen's few cards, and a web
/// wallet holds one open vault per signed-in citizen, so sled's default (1 GiB each)
/// would let memory grow with the number of sessions.
const VAULT_CACHE_BYTES: u64 = 8 << 20;

fn open_db(dir: &Path) -> Result<sled::Db, VaultError> {
    sled::Config::new()
        .path(dir)
        .cache_capacity(VAULT_CACHE_BYTES)
        .open()
        .map_err(store)
}

/// Derives the vault key from `pin` if it is right, keeping the wrong-PIN count
/// and the lockout in the clear `guard` record (so they hold across restarts).
fn unlock_key(
    db: &sled::Db,
    pin: &str,
    config: &VaultConfig,
    now: i64,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let meta_tree = db.open_tree("meta").map_err(store)?;
    let meta: Meta = read_json(&meta_tree, "vault")?.ok_or(VaultError::NotCreated)?;
    let mut guard: Guard = read_json(&meta_tree, "guard")?.unwrap_or_default();
    if guard.locked_until > now {
        return Err(VaultError::LockedOut {
            until: guard.locked_until,
            now,
        });
    }
    let salt = b64::decode(&meta.salt).map_err(|_| VaultError::Corrupt("vault".into()))?;
    let key = seal::derive_key(pin.as_bytes(), &salt, meta.kdf)
        .map_err(|_| VaultError::Corrupt("vault".into()))?;
    let check = b64::decode(&meta.check).map_err(|_| VaultError::Corrupt("vault".into()))?;
    if seal::open(&key, b"check", &check).is_err() {
        guard.failures = guard.failures.saturating_add(1);
        let over = guard.failures.saturating_sub(config.max_attempts);
        let result = if guard.failures >= config.max_attempts {
            let delay = config.base_delay_secs.saturating_mul(1i64 << over.min(20));
            guard.locked_until = now.saturating_add(delay);
            Err(VaultError::LockedOut {
                until: guard.locked_until,
                now,
            })
        } else {
            Err(VaultError::WrongPin {
                attempts_left: config.max_attempts - guard.failures,
            })
        };
        write_json(&meta_tree, "guard", &guard)?;
        db.flush().map_err(store)?;
        return result;
    }
    if guard.failures != 0 {
        write_json(&meta_tree, "guard", &Guard::default())?;
        db.flush().map_err(store)?;
    }
    Ok(key)
}

impl Vault {
    /// Creates a vault in `dir` protected by `pin`.
    ///
    /// # Errors
    /// [`VaultError::AlreadyExists`], [`VaultError::PinTooShort`], or a store error.
    pub fn create(dir: &Path, pin: &str, config: &VaultConfig) -> Result<Self, VaultError> {
        if pin.chars().count() < config.min_pin_len {
            return Err(VaultError::PinTooShort {
                min: config.min_pin_len,
            });
        }
        let db = open_db(dir)?;
        let meta = db.open_tree("meta").map_err(store)?;
        if meta.contains_key("vault").map_err(store)? {
            return Err(VaultError::AlreadyExists);
        }
        let salt = seal::salt();
        let key = seal::derive_key(pin.as_bytes(), &salt, config.kdf).map_err(store)?;
        let record = Meta {
            salt: b64::encode(salt),
            kdf: config.kdf,
            check: b64::encode(seal::seal(&key, b"check", CHECK)),
        };
        write_json(&meta, "vault", &record)?;
        write_json(&meta, "guard", &Guard::default())?;
        db.flush().map_err(store)?;
        Ok(Vault { db, key })
    }

    /// Opens the vault with `pin` at time `now` (Unix seconds), counting a wrong PIN.
    ///
    /// # Errors
    /// [`VaultError::WrongPin`], [`VaultError::LockedOut`], [`VaultError::NotCreated`].
    pub fn open(dir: &Path, pin: &str, config: &VaultConfig, now: i64) -> Result<Self, VaultError> {
        let db = open_db(dir)?;
        let key = unlock_key(&db, pin, config, now)?;
        Ok(Vault { db, key })
    }

    /// Checks `pin` against this open vault, counting a wrong one exactly as
    /// [`Vault::open`] does (a second device unlocking the same vault while it is
    /// open in this process).
    ///
    /// # Errors
    /// As [`Vault::open`].
    pub fn confirm_pin(&self, pin: &str, config: &VaultConfig, now: i64) -> Result<(), VaultError> {
        let key = unlock_key(&self.db, pin, config, now)?;
        if *key == *self.key {
            Ok(())
        } else {
            Err(VaultError::Corrupt("vault".into()))
        }
    }

    fn tree(&self, name: &str) -> Result<sled::Tree, VaultError> {
        self.db.open_tree(name).map_err(store)
    }

    fn put_sealed<T: Serialize>(
        &self,
        tree: &str,
        name: &[u8],
        aad: &str,
        value: &T,
    ) -> Result<(), VaultError> {
        let plain = Zeroizing::new(serde_json::to_vec(value).map_err(store)?);
        let sealed = seal::seal(&self.key, aad.as_bytes(), &plain);
        self.tree(tree)?.insert(name, sealed).map_err(store)?;
        self.db.flush().map_err(store)?;
        Ok(())
    }

    fn get_sealed<T: for<'de> Deserialize<'de>>(
        &self,
        bytes: &[u8],
        aad: &str,
    ) -> Result<T, VaultError> {
        let plain = seal::open(&self.key, aad.as_bytes(), bytes)
            .map_err(|_| VaultError::Corrupt(aad.to_owned()))?;
        serde_json::from_slice(&plain).map_err(|_| VaultError::Corrupt(aad.to_owned()))
    }

    /// Stores a credential; returns its id. Durable when it returns.
    ///
    /// # Errors
    /// A store error.
    pub fn put(&self, credential: &StoredCredential) -> Result<String, VaultError> {
        let mut id_bytes = [0u8; 12];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id_bytes);
        let id = b64::encode(id_bytes);
        self.put_sealed(
            "credentials",
            id.as_bytes(),
            &format!("credential/{id}"),
            credential,
        )?;
        Ok(id)
    }

    /// Every credential held, with its id.
    ///
    /// # Errors
    /// [`VaultError::Corrupt`] for a record that does not open.
    pub fn credentials(&self) -> Result<Vec<(String, StoredCredential)>, VaultError> {
        let mut out = Vec::new();
        for item in self.tree("credentials")?.iter() {
            let (name, bytes) = item.map_err(store)?;
            let id = String::from_utf8_lossy(&name).into_owned();
            let credential = self.get_sealed(&bytes, &format!("credential/{id}"))?;
            out.push((id, credential));
        }
        Ok(out)
    }

    /// The next unused copy of `group`, marked used (so two verifiers never see the
    /// same copy); `None` when every copy was shown.
    ///
    /// # Errors
    /// As [`Vault::credentials`].
    pub fn take_copy(&self, group: &str) -> Result<Option<(String, StoredCredential)>, VaultError> {
        let next = self
            .credentials()?
            .into_iter()
            .find(|(_, c)| c.group == group && !c.used);
        if let Some((id, mut credential)) = next {
            credential.used = true;
            self.put_sealed(
                "credentials",
                id.as_bytes(),
                &format!("credential/{id}"),
                &credential,
            )?;
            return Ok(Some((id, credential)));
        }
        Ok(None)
    }

    /// Marks copy `id` unused again: only for a copy taken by [`Vault::take_copy`]
    /// that never left the wallet (the answer it was for was never built).
    ///
    /// # Errors
    /// [`VaultError::Corrupt`] when there is no such record or it does not open; a
    /// store error.
    pub fn release_copy(&self, id: &str) -> Result<(), VaultError> {
        let aad = format!("credential/{id}");
        let bytes = self
            .tree("credentials")?
            .get(id)
            .map_err(store)?
            .ok_or_else(|| VaultError::Corrupt(aad.clone()))?;
        let mut credential: StoredCredential = self.get_sealed(&bytes, &aad)?;
        credential.used = false;
        self.put_sealed("credentials", id.as_bytes(), &aad, &credential)
    }

    /// Appends to the consent and history log. Durable when it returns.
    ///
    /// # Errors
    /// A store error.
    pub fn log(&self, entry: &HistoryEntry) -> Result<(), VaultError> {
        let seq = self.db.generate_id().map_err(store)?;
        self.put_sealed(
            "history",
            &seq.to_be_bytes(),
            &format!("history/{seq}"),
            entry,
        )
    }

    /// The log, oldest first.
    ///
    /// # Errors
    /// [`VaultError::Corrupt`] for a record that does not open.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, VaultError> {
        let mut out = Vec::new();
        for item in self.tree("history")?.iter() {
            let (name, bytes) = item.map_err(store)?;
            let seq = u64::from_be_bytes(
                name.as_ref()
                    .try_into()
                    .map_err(|_| VaultError::Corrupt("history".into()))?,
            );
            out.push(self.get_sealed(&bytes, &format!("history/{seq}"))?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> VaultConfig {
        VaultConfig {
            kdf: KdfParams {
                m_kib: 256,
                t: 1,
                p: 1,
            },
            ..VaultConfig::default()
        }
    }

    fn passport(group: &str) -> StoredCredential {
        StoredCredential {
            group: group.into(),
            credential: "eyJ.ERIKSSON.sig~WyJzYWx0IiwiZmFtaWx5X25hbWUiLCJFUklLU1NPTiJd~".into(),
            holder_jwk: Zeroizing::new(
                r#"{"kty":"EC","crv":"P-256","d":"SECRETSCALARxyz"}"#.into(),
            ),
            issuer: "http://127.0.0.1:7401".into(),
            configuration_id: "passport_dc_sd_jwt".into(),
            received_at: 100,
            used: false,
        }
    }

    fn files_contain(dir: &Path, needle: &[u8]) -> bool {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                for e in std::fs::read_dir(&p).unwrap() {
                    stack.push(e.unwrap().path());
                }
            } else if std::fs::read(&p)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle)
            {
                return true;
            }
        }
        false
    }

    #[test]
    fn nothing_readable_on_disk_and_everything_back_with_the_pin() {
        let dir = tempfile::tempdir().unwrap();
        {
            let vault = Vault::create(dir.path(), "246810", &fast()).unwrap();
            vault.put(&passport("g1")).unwrap();
            vault
                .log(&HistoryEntry {
                    time: 5,
                    kind: "present".into(),
                    counterparty: "https://bank.example".into(),
                    requested: vec!["family_name".into()],
                    shared: vec!["family_name".into()],
                    group: "g1".into(),
                })
                .unwrap();
        }
        for needle in [
            &b"ERIKSSON"[..],
            b"SECRETSCALARxyz",
            b"bank.example",
            b"family_name",
        ] {
            assert!(
                !files_contain(dir.path(), needle),
                "{} readable on disk",
                String::from_utf8_lossy(needle)
            );
        }
        let vault = Vault::open(dir.path(), "246810", &fast(), 10).unwrap();
        let held = vault.credentials().unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].1, passport("g1"));
        assert_eq!(
            vault.history().unwrap()[0].counterparty,
            "https://bank.example"
        );
    }

    #[test]
    fn wrong_pins_count_then_lock_with_growing_delays() {
        let dir = tempfile::tempdir().unwrap();
        drop(Vault::create(dir.path(), "246810", &fast()).unwrap());
        let config = fast();
        for left in (1..config.max_attempts).rev() {
            assert_eq!(
                Vault::open(dir.path(), "000000", &config, 100).unwrap_err(),
                VaultError::WrongPin {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            Vault::open(dir.path(), "000000", &config, 100).unwrap_err(),
            VaultError::LockedOut {
                until: 130,
                now: 100
            }
        );
        // Locked: even the right PIN waits.
        assert_eq!(
            Vault::open(dir.path(), "246810", &config, 120).unwrap_err(),
            VaultError::LockedOut {
                until: 130,
                now: 120
            }
        );
        // The next wrong PIN doubles the delay.
        assert_eq!(
            Vault::open(dir.path(), "000000", &config, 131).unwrap_err(),
            VaultError::LockedOut {
                until: 191,
                now: 131
            }
        );
        assert!(Vault::open(dir.path(), "246810", &config, 200).is_ok());
        // A success resets the count.
        assert_eq!(
            Vault::open(dir.path(), "000000", &config, 201).unwrap_err(),
            VaultError::WrongPin { attempts_left: 4 }
        );
    }

    #[test]
    fn copies_are_shown_once_each_and_records_cannot_be_swapped() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::create(dir.path(), "246810", &fast()).unwrap();
        let a = vault.put(&passport("g")).unwrap();
        let b = vault.put(&passport("g")).unwrap();
        let first = vault.take_copy("g").unwrap().unwrap().0;
        let second = vault.take_copy("g").unwrap().unwrap().0;
        assert_ne!(first, second);
        assert!([a.clone(), b.clone()].contains(&first));
        assert_eq!(vault.take_copy("g").unwrap(), None);
        // Move record a's ciphertext under b's name: it no longer opens.
        let tree = vault.tree("credentials").unwrap();
        let bytes = tree.get(&a).unwrap().unwrap();
        tree.insert(&b, bytes).unwrap();
        assert_eq!(vault.credentials().unwrap_err().code(), "vault_corrupt");
        assert_eq!(
            Vault::create(dir.path().join("x").as_path(), "12", &fast()).unwrap_err(),
            VaultError::PinTooShort { min: 6 }
        );
    }
}
