//! The issuer's durable store: applications, credential offers, access tokens, status list
//! allocation, the audit chain and officers, in one sled database.
//!
//! ```text
//!  callers ──closure──▶ writer thread ──one sled::Batch + one flush per group──▶ disk
//!     ▲                      │ (validates against working state, stages writes)
//!     └──── answer after the flush covering the request ◀──┘
//!  readers ──▶ sled tree (applications, offers, tokens, audit) and the durable list view
//! ```
//!
//! * **One writer** (`writer.rs`) serializes every mutation, so idempotency, single-use
//!   offers and never-reused status indices need no locks; **group commit** amortizes the
//!   flush over every request that queued meanwhile.
//! * **One tree** (`keys.rs`), so a request's records — an application, its slots, the list
//!   counters and the audit record describing them — land in one atomic batch.
//! * **Durable before `Ok`**: a mutation returns only after the flush covering it; the
//!   state survives `kill -9` at any instant ([`Durability::PowerLoss`], the default, also
//!   survives power loss). A failed flush stops the writer (fail-stop) until reopen.
//! * **Reads** go to the tree directly and may see a mutation up to one flush before its
//!   caller is answered. That is safe: sled recovers a prefix of its log, so anything
//!   done because of such a read is itself a later write that a crash undoes with it.
//!   Status list values, which leave the store to be published, are the exception: they
//!   come from a view updated only after the flush.

mod applications;
mod audit;
mod disk;
mod error;
mod integrity;
mod keys;
mod offers;
mod officers;
mod state;
mod status;
mod types;
mod writer;

use std::path::Path;
use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_core::OsRng;

pub use applications::{Application, MAX_SEARCH, NewApplication};
pub use audit::{AuditBreak, AuditEntry, AuditError, AuditHead, AuditRecord, MAX_AUDIT_PAGE};
pub use disk::{Durability, OpenOptions};
pub use error::StoreError;
pub use integrity::IntegrityReport;
pub use offers::{MAX_TX_CODE_ATTEMPTS, NewOffer, OfferError};
pub use officers::{AuthError, SecretToken};
pub use status::{ListSnapshot, MAX_COPIES, MAX_SLOTS_PER_APPLICATION};
pub use types::{
    CredentialId, CredentialStatus, InputError, ListKind, MAX_CLAIMS_JSON, MAX_DETAIL,
    MAX_REFERENCE, MAX_THUMBPRINT, Officer, RESERVED_NAMES, Role, StatusSlot,
};
pub use writer::CommitStats;

/// The smallest status list: W3C Bitstring Status List v1.0 requires the uncompressed
/// bitstring to hold at least 16 KB (131,072 entries), so that fetching a list says little
/// about which credential is checked (herd privacy); Token Status Lists are held to the
/// same size for the same reason.
pub const MIN_LIST_SIZE: u32 = 131_072;
/// The largest status list (16 Mi entries, 16 MiB of values in memory per list).
pub const MAX_LIST_SIZE: u32 = 1 << 24;
/// The highest fill limit: beyond it, random draws would mostly hit used entries.
pub const MAX_FILL_PERCENT: u8 = 95;

/// Sizing of status lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// Entries per status list, [`MIN_LIST_SIZE`]..=[`MAX_LIST_SIZE`]. Fixed when the store
    /// is created: reopening with another size is refused.
    pub list_size: u32,
    /// A new list is opened once an allocation would take the current one past this
    /// percentage (1..=[`MAX_FILL_PERCENT`]), keeping both herd privacy and the cost of
    /// drawing a random unused entry bounded. May change between opens.
    pub fill_limit_percent: u8,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            list_size: MIN_LIST_SIZE,
            fill_limit_percent: 75,
        }
    }
}

impl StoreConfig {
    /// Checks the ranges documented on the fields.
    ///
    /// # Errors
    /// [`StoreError::Config`] naming the value out of range.
    pub fn validate(&self) -> Result<(), StoreError> {
        self.validate_with_min(MIN_LIST_SIZE)
    }

    fn validate_with_min(&self, min_list_size: u32) -> Result<(), StoreError> {
        if !(min_list_size..=MAX_LIST_SIZE).contains(&self.list_size) {
            return Err(StoreError::Config {
                reason: format!(
                    "list_size {} outside {min_list_size}..={MAX_LIST_SIZE}",
                    self.list_size
                ),
            });
        }
        if !(1..=MAX_FILL_PERCENT).contains(&self.fill_limit_percent) {
            return Err(StoreError::Config {
                reason: format!(
                    "fill_limit_percent {} outside 1..={MAX_FILL_PERCENT}",
                    self.fill_limit_percent
                ),
            });
        }
        if self.fill_limit() < u32::try_from(MAX_COPIES).unwrap_or(u32::MAX) {
            return Err(StoreError::Config {
                reason: format!("a list must hold at least {MAX_COPIES} entries"),
            });
        }
        Ok(())
    }

    /// Entries a list holds before a new one is opened.
    #[must_use]
    pub fn fill_limit(&self) -> u32 {
        let limit = u64::from(self.list_size) * u64::from(self.fill_limit_percent) / 100;
        u32::try_from(limit).unwrap_or(u32::MAX)
    }
}

/// The issuer's store. Cheap to clone (an `Arc` inside); share it between request
/// handlers. Methods block (a durable one for a flush): call them from blocking threads.
#[derive(Clone)]
pub struct IssuerStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for IssuerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerStore")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

struct Inner {
    tree: sled::Tree,
    view: Arc<state::View>,
    counters: Arc<writer::Counters>,
    officers: officers::Cache,
    config: StoreConfig,
    /// Dropped last: joins the writer thread, which closes the database.
    queue: writer::Queue,
}

impl IssuerStore {
    /// Opens (or creates) the store in `dir` with [`OpenOptions::default`].
    ///
    /// # Errors
    /// As [`IssuerStore::open_with`].
    pub fn open(dir: &Path, config: StoreConfig) -> Result<Self, StoreError> {
        Self::open_with(dir, config, &OpenOptions::default())
    }

    /// Opens (or creates) the store in `dir`, makes everything recovered durable, rebuilds
    /// the status list state from the slot records and starts the writer thread.
    ///
    /// # Errors
    /// [`StoreError::Config`] if `config` is out of range; [`StoreError::ConfigMismatch`]
    /// if the store was created with another list size; [`StoreError::Unavailable`] if the
    /// directory cannot be opened or stays locked for [`OpenOptions::lock_wait`];
    /// [`StoreError::Corrupt`] if the stored records break the store's invariants.
    pub fn open_with(
        dir: &Path,
        config: StoreConfig,
        options: &OpenOptions,
    ) -> Result<Self, StoreError> {
        config.validate()?;
        Self::open_checked(dir, config, options)
    }

    /// Opens with a list size below [`MIN_LIST_SIZE`], for tests that fill lists.
    #[cfg(test)]
    pub(crate) fn open_small(dir: &Path, list_size: u32, fill: u8) -> Result<Self, StoreError> {
        let config = StoreConfig {
            list_size,
            fill_limit_percent: fill,
        };
        config.validate_with_min(16)?;
        let options = OpenOptions {
            durability: Durability::Process,
            ..OpenOptions::default()
        };
        Self::open_checked(dir, config, &options)
    }

    fn open_checked(
        dir: &Path,
        config: StoreConfig,
        options: &OpenOptions,
    ) -> Result<Self, StoreError> {
        let mut disk = disk::Disk::open(dir, options)?;
        check_format(&disk.tree, config.list_size)?;
        // What recovery found may be only in the page cache (the previous process was
        // killed before its flush): make it durable before serving or extending it.
        disk.sync()?;
        let tree = disk.tree.clone();
        let audit = audit::load_head(&tree)?;
        let (working, view) = state::load(&tree, config.list_size, config.fill_limit(), audit)?;
        let view = Arc::new(view);
        let counters = Arc::new(writer::Counters::default());
        let rng = StdRng::from_rng(OsRng)
            .map_err(|e| StoreError::unavailable(format!("OS random generator: {e}")))?;
        let queue = writer::Writer::new(
            disk,
            working,
            rng,
            Arc::clone(&view),
            Arc::clone(&counters),
            options.max_batch,
        )
        .spawn(options.max_batch.saturating_mul(4))?;
        Ok(Self {
            inner: Arc::new(Inner {
                tree,
                view,
                counters,
                officers: officers::Cache::default(),
                config,
                queue,
            }),
        })
    }

    /// The configuration the store was opened with.
    #[must_use]
    pub fn config(&self) -> StoreConfig {
        self.inner.config
    }

    /// How requests have been grouped into flushes since open.
    #[must_use]
    pub fn commit_stats(&self) -> CommitStats {
        self.inner.counters.snapshot()
    }
}

/// Checks (or, for a new store, writes) the format marker and the list size.
fn check_format(tree: &sled::Tree, list_size: u32) -> Result<(), StoreError> {
    match tree.get(keys::FORMAT)? {
        Some(format) if format.as_ref() == keys::FORMAT_V1 => {}
        Some(_) => return Err(StoreError::corrupt("unknown issuer store format")),
        None if tree.is_empty() => {
            let mut batch = sled::Batch::default();
            batch.insert(keys::FORMAT, keys::FORMAT_V1);
            batch.insert(keys::LIST_SIZE, &list_size.to_be_bytes());
            tree.apply_batch(batch)?;
            return Ok(());
        }
        None => return Err(StoreError::corrupt("issuer store format marker missing")),
    }
    let stored = tree
        .get(keys::LIST_SIZE)?
        .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| StoreError::corrupt("stored list size missing"))?;
    if stored != list_size {
        return Err(StoreError::ConfigMismatch {
            stored,
            requested: list_size,
        });
    }
    Ok(())
}

/// The wall clock in Unix seconds, for the methods whose signature has no `now`.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
