//! [`LogStore`] on sled 0.34.
//!
//! Layout: tree `entries` maps the big-endian `u64` index to the entry bytes; tree `meta`
//! holds the side table; the default tree holds a format marker.
//!
//! **Atomicity.** Each batch is one sled transaction over the tuple `(&entries, &meta)`
//! (`sled::Transactional`). Its commit pins the log with a batch manifest and seals it with
//! the LSN of the batch's last write; recovery stops before a batch whose end is not on disk,
//! so a crash exposes all of a batch or none of it, across both trees.
//!
//! **Durability.** sled acknowledges writes from memory; nothing is durable until
//! `Db::flush`, which writes sled's IO buffers and waits for them. On Linux that wait is
//! `sync_file_range(2)`, which survives a killed process but neither commits file-size
//! metadata nor flushes the device cache, and sled never syncs its blob files (values above
//! ~128 KiB). [`Durability::PowerLoss`] (the default) therefore follows each flush with
//! `fdatasync` of the `db` file and `fsync` of new blob files.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{LogStore, MetaPair, StoreError, check_batch, clamp_range, limits};

/// Marker stored in the default tree; a store written in another format is refused.
const FORMAT_KEY: &[u8] = b"sigillum/log-store-format";
const FORMAT_V1: &[u8] = b"sigillum-log-store-v1";

/// What a successful append survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// sled's own `flush` only: survives the process being killed (`kill -9`), not
    /// necessarily a power loss or kernel crash. For tests and benchmarks.
    Process,
    /// `flush` followed by `fdatasync`/`fsync` of the files sled wrote: survives power loss
    /// on a device that honours flushes. The registry's default.
    #[default]
    PowerLoss,
}

/// Options for [`SledStore::open_with`].
#[derive(Debug, Clone)]
pub struct SledConfig {
    /// What an acknowledged append survives.
    pub durability: Durability,
    /// sled's page cache size in bytes.
    pub cache_capacity_bytes: u64,
    /// How long [`SledStore::open_with`] waits for the directory's lock. sled releases its
    /// `flock` only when its background threads finish, some time after the last handle is
    /// dropped or its process is killed, so an immediate reopen can find it still held.
    pub lock_wait: Duration,
}

impl Default for SledConfig {
    fn default() -> Self {
        Self {
            durability: Durability::PowerLoss,
            cache_capacity_bytes: 256 << 20,
            lock_wait: Duration::from_secs(5),
        }
    }
}

/// A [`LogStore`] in a sled database directory. Only one process may open a directory.
#[derive(Debug)]
pub struct SledStore {
    disk: DurableSled,
    entries: sled::Tree,
    meta: sled::Tree,
    /// Entries below this index are durable; reads never look above it.
    durable_len: AtomicU64,
    writer: Mutex<WriterState>,
}

#[derive(Debug)]
struct WriterState {
    next: u64,
    /// Set by a failed append; afterwards every append is refused (fail-stop).
    failed: Option<String>,
}

/// A sled database with what it takes to make its writes durable per [`Durability`]
/// (module doc); the log store and the Raft log (`crate::raft`) both sit on one.
#[derive(Debug)]
pub(crate) struct DurableSled {
    pub(crate) db: sled::Db,
    path: PathBuf,
    durability: Durability,
    /// Our own handle on sled's log file, to `fdatasync` it after sled's flush.
    db_file: File,
    synced_blobs: Mutex<HashSet<OsString>>,
}

impl DurableSled {
    /// Opens (or creates) the database at `path` and makes everything recovered durable
    /// before any of it is served (the previous process may have been killed before its
    /// flush, leaving it only in the OS page cache).
    pub(crate) fn open(path: &Path, config: &SledConfig) -> Result<Self, StoreError> {
        if path.as_os_str().is_empty() {
            // sled would silently use the current directory.
            return Err(StoreError::unavailable("empty store path"));
        }
        let db = open_waiting_for_lock(path, config)?;
        let db_file = File::open(path.join("db")).map_err(|e| io_error("open db file", &e))?;
        let disk = Self {
            db,
            path: path.to_path_buf(),
            durability: config.durability,
            db_file,
            synced_blobs: Mutex::new(HashSet::new()),
        };
        disk.sync()?;
        if disk.durability == Durability::PowerLoss {
            // The directory sled may just have created, and the entries inside it.
            sync_dir(&disk.path)?;
            if let Some(parent) = disk.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        Ok(disk)
    }

    /// Makes everything written so far durable, per the configured [`Durability`].
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(from_sled)?;
        if self.durability == Durability::PowerLoss {
            self.db_file
                .sync_data()
                .map_err(|e| io_error("fdatasync db file", &e))?;
            let mut synced = self
                .synced_blobs
                .lock()
                .map_err(|_| StoreError::unavailable("blob sync lock poisoned"))?;
            sync_new_blobs(&self.path, &mut synced)?;
        }
        Ok(())
    }
}

impl SledStore {
    /// Opens (or creates) the store at `path` with [`SledConfig::default`].
    ///
    /// # Errors
    /// As [`SledStore::open_with`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, &SledConfig::default())
    }

    /// Opens (or creates) the store at `path`, recovers its length and makes everything
    /// recovered durable before any of it is served.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if `path` is empty or sled cannot open the directory (I/O
    /// error, another process still holds it after [`SledConfig::lock_wait`]); [`StoreError::Corrupt`] if sled reports corruption, the format
    /// marker is foreign, or the entry keys are malformed.
    pub fn open_with(path: impl AsRef<Path>, config: &SledConfig) -> Result<Self, StoreError> {
        let disk = DurableSled::open(path.as_ref(), config)?;
        let db = &disk.db;
        let entries = db.open_tree("entries").map_err(from_sled)?;
        let meta = db.open_tree("meta").map_err(from_sled)?;
        match db.get(FORMAT_KEY).map_err(from_sled)? {
            Some(format) if format.as_ref() == FORMAT_V1 => {}
            None if entries.is_empty() && meta.is_empty() => {
                db.insert(FORMAT_KEY, FORMAT_V1).map_err(from_sled)?;
                disk.sync()?;
            }
            Some(_) => return Err(StoreError::corrupt("unknown log store format")),
            None => return Err(StoreError::corrupt("log store format marker missing")),
        }
        let len = recover_len(&entries)?;
        Ok(Self {
            disk,
            entries,
            meta,
            durable_len: AtomicU64::new(len),
            writer: Mutex::new(WriterState {
                next: len,
                failed: None,
            }),
        })
    }

    fn lock_writer(&self) -> Result<std::sync::MutexGuard<'_, WriterState>, StoreError> {
        self.writer
            .lock()
            .map_err(|_| StoreError::unavailable("log store writer lock poisoned"))
    }

    /// Writes the batch in one transaction across both trees (not yet durable).
    fn commit(&self, first: u64, entries: &[Vec<u8>], meta: &[MetaPair]) -> Result<(), StoreError> {
        let result: Result<(), TransactionError<()>> =
            (&self.entries, &self.meta).transaction(|(tx_entries, tx_meta)| {
                let mut batch = sled::Batch::default();
                for (index, entry) in (first..).zip(entries) {
                    batch.insert(&index.to_be_bytes()[..], entry.as_slice());
                }
                tx_entries.apply_batch(&batch)?;
                for (key, value) in meta {
                    tx_meta.insert(key.as_slice(), value.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            });
        result.map_err(|e| match e {
            TransactionError::Storage(e) => from_sled(e),
            TransactionError::Abort(()) => StoreError::unavailable("transaction aborted"),
        })
    }
}

impl LogStore for SledStore {
    fn append_batch_with_meta(
        &self,
        entries: &[Vec<u8>],
        meta: &[MetaPair],
    ) -> Result<u64, StoreError> {
        check_batch(entries, meta)?;
        let mut writer = self.lock_writer()?;
        if let Some(reason) = &writer.failed {
            return Err(StoreError::unavailable(format!(
                "appends stopped after an earlier failure ({reason}); reopen the store"
            )));
        }
        let first = writer.next;
        let end = u64::try_from(entries.len())
            .ok()
            .and_then(|count| first.checked_add(count))
            .ok_or_else(|| StoreError::unavailable("log index space exhausted"))?;
        if entries.is_empty() && meta.is_empty() {
            return Ok(first);
        }
        let written = self
            .commit(first, entries, meta)
            .and_then(|()| self.disk.sync());
        match written {
            Ok(()) => {
                writer.next = end;
                self.durable_len.store(end, Ordering::Release);
                Ok(first)
            }
            Err(e) => {
                // The batch may or may not be on disk; only recovery can tell. Stop here
                // rather than number later entries from a guess.
                writer.failed = Some(e.to_string());
                Err(e)
            }
        }
    }

    fn len(&self) -> u64 {
        self.durable_len.load(Ordering::Acquire)
    }

    fn get(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let len = self.len();
        if index >= len {
            return Ok(None);
        }
        match self.entries.get(index.to_be_bytes()).map_err(from_sled)? {
            Some(value) => checked_entry(index, &value).map(Some),
            None => Err(StoreError::corrupt(format!(
                "entry {index} missing below log length {len}"
            ))),
        }
    }

    fn range(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let Some((start, end)) = clamp_range(start, end, self.len()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut expected = start;
        for item in self.entries.range(start.to_be_bytes()..end.to_be_bytes()) {
            let (key, value) = item.map_err(from_sled)?;
            let index = decode_index(&key)?;
            if index != expected {
                return Err(StoreError::corrupt(format!("entry {expected} missing")));
            }
            out.push(checked_entry(index, &value)?);
            expected = expected.saturating_add(1);
        }
        if expected != end {
            return Err(StoreError::corrupt(format!("entry {expected} missing")));
        }
        Ok(out)
    }

    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.meta.get(key).map_err(from_sled)? {
            Some(value) if value.len() > limits::MAX_META_VALUE_BYTES => Err(StoreError::corrupt(
                format!("meta value of {} bytes over the limit", value.len()),
            )),
            value => Ok(value.map(|v| v.to_vec())),
        }
    }
}

/// Opens sled, retrying while another holder's lock lingers (up to `config.lock_wait`).
fn open_waiting_for_lock(path: &Path, config: &SledConfig) -> Result<sled::Db, StoreError> {
    let sled_config = sled::Config::new()
        .path(path)
        .cache_capacity(config.cache_capacity_bytes);
    let deadline = Instant::now() + config.lock_wait;
    let mut pause = Duration::from_millis(5);
    loop {
        match sled_config.open() {
            Ok(db) => return Ok(db),
            // sled 0.34 flattens the flock error into an `ErrorKind::Other` message.
            Err(sled::Error::Io(e)) if e.to_string().starts_with("could not acquire lock") => {
                if Instant::now() >= deadline {
                    return Err(StoreError::unavailable(format!(
                        "store directory {} is locked by another process",
                        path.display()
                    )));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(e) => return Err(from_sled(e)),
        }
    }
}

/// The log length from the last key; the first key must be 0.
fn recover_len(entries: &sled::Tree) -> Result<u64, StoreError> {
    let Some((last, _)) = entries.last().map_err(from_sled)? else {
        return Ok(0);
    };
    if let Some((first, _)) = entries.first().map_err(from_sled)? {
        let first = decode_index(&first)?;
        if first != 0 {
            return Err(StoreError::corrupt(format!("log starts at {first}, not 0")));
        }
    }
    decode_index(&last)?
        .checked_add(1)
        .ok_or_else(|| StoreError::corrupt("log index space exhausted"))
}

fn decode_index(key: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(key)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::corrupt(format!("entry key of {} bytes", key.len())))
}

fn checked_entry(index: u64, value: &[u8]) -> Result<Vec<u8>, StoreError> {
    if value.len() > limits::MAX_ENTRY_BYTES {
        return Err(StoreError::corrupt(format!(
            "entry {index} is {} bytes, over the limit",
            value.len()
        )));
    }
    Ok(value.to_vec())
}

/// sled writes values too large for its log segments to `<db>/blobs/<lsn>` without
/// syncing them; sync every blob file not synced before, then the directory.
fn sync_new_blobs(db: &Path, synced: &mut HashSet<OsString>) -> Result<(), StoreError> {
    let dir = db.join("blobs");
    let listing = match std::fs::read_dir(&dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("list blobs", &e)),
    };
    let mut present = HashSet::new();
    let mut synced_any = false;
    for item in listing {
        let item = item.map_err(|e| io_error("list blobs", &e))?;
        let name = item.file_name();
        if !synced.contains(&name) {
            match File::open(item.path()).and_then(|f| f.sync_all()) {
                Ok(()) => synced_any = true,
                // Garbage-collected by sled since the listing: nothing to keep.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_error("fsync blob", &e)),
            }
        }
        present.insert(name);
    }
    *synced = present;
    if synced_any {
        sync_dir(&dir)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("fsync directory", &e))
}

fn from_sled(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Corruption { .. } => StoreError::corrupt(e.to_string()),
        e => StoreError::unavailable(e.to_string()),
    }
}

fn io_error(what: &str, e: &std::io::Error) -> StoreError {
    StoreError::unavailable(format!("{what}: {e}"))
}

#[cfg(test)]
#[path = "sled_store_tests.rs"]
mod tests;
