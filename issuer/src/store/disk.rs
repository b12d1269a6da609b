//! The sled database under the store, and what "durable" means for it.
//!
//! sled acknowledges writes from memory; nothing is durable until `Db::flush`, which
//! writes sled's IO buffers and waits for them. That survives the process being killed at
//! any instant (the data is in the kernel's page cache). On Linux the wait is
//! `sync_file_range(2)`, which neither commits file-size metadata nor flushes the device
//! cache, and sled never syncs its blob files (values too large for a log segment), so
//! [`Durability::PowerLoss`] follows each flush with `fdatasync` of the `db` file and
//! `fsync` of blob files not synced before.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::StoreError;

/// What a durable operation survives once it returned `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// sled's flush only: survives `kill -9` of the issuer, not necessarily a power loss or
    /// kernel crash. For tests and benchmarks.
    Process,
    /// Flush, then `fdatasync`/`fsync` of the files sled wrote: survives power loss on a
    /// device that honours flushes. The default.
    #[default]
    PowerLoss,
}

/// How [`super::IssuerStore::open_with`] opens the directory.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// What an acknowledged write survives.
    pub durability: Durability,
    /// sled's page cache in bytes.
    pub cache_capacity_bytes: u64,
    /// How long to wait for the directory's lock: sled releases its `flock` only once its
    /// background threads finish, shortly after the last handle is dropped.
    pub lock_wait: Duration,
    /// Most requests written (and flushed) together by the group commit.
    pub max_batch: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            durability: Durability::PowerLoss,
            cache_capacity_bytes: 128 << 20,
            lock_wait: Duration::from_secs(5),
            max_batch: 1024,
        }
    }
}

/// The open database: its one tree, and what is needed to make writes durable.
pub(super) struct Disk {
    pub(super) db: sled::Db,
    pub(super) tree: sled::Tree,
    dir: PathBuf,
    durability: Durability,
    /// Our own handle on sled's log file, to `fdatasync` it after sled's flush.
    db_file: File,
    synced_blobs: HashSet<OsString>,
}

impl Disk {
    /// Opens (or creates) the database in `dir`, waiting for its lock.
    pub(super) fn open(dir: &Path, options: &OpenOptions) -> Result<Self, StoreError> {
        if dir.as_os_str().is_empty() {
            // sled would silently use the current directory.
            return Err(StoreError::unavailable("empty store path"));
        }
        let db = open_waiting_for_lock(dir, options)?;
        let tree = db.open_tree("issuer")?;
        let db_file = File::open(dir.join("db")).map_err(|e| io_error("open db file", &e))?;
        let disk = Self {
            db,
            tree,
            dir: dir.to_path_buf(),
            durability: options.durability,
            db_file,
            synced_blobs: HashSet::new(),
        };
        if disk.durability == Durability::PowerLoss {
            // The directory sled may just have created, and the entries inside it.
            sync_dir(&disk.dir)?;
            if let Some(parent) = disk.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        Ok(disk)
    }

    /// Makes everything written so far durable, per the configured [`Durability`].
    pub(super) fn sync(&mut self) -> Result<(), StoreError> {
        self.db.flush()?;
        if self.durability == Durability::PowerLoss {
            self.db_file
                .sync_data()
                .map_err(|e| io_error("fdatasync db file", &e))?;
            self.sync_new_blobs()?;
        }
        Ok(())
    }

    fn sync_new_blobs(&mut self) -> Result<(), StoreError> {
        let dir = self.dir.join("blobs");
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
            if !self.synced_blobs.contains(&name) {
                match File::open(item.path()).and_then(|f| f.sync_all()) {
                    Ok(()) => synced_any = true,
                    // Collected by sled since the listing: nothing left to keep.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_error("fsync blob", &e)),
                }
            }
            present.insert(name);
        }
        self.synced_blobs = present;
        if synced_any {
            sync_dir(&dir)?;
        }
        Ok(())
    }
}

fn open_waiting_for_lock(dir: &Path, options: &OpenOptions) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(dir)
        .cache_capacity(options.cache_capacity_bytes);
    let deadline = Instant::now() + options.lock_wait;
    let mut pause = Duration::from_millis(5);
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            // sled 0.34 reports a held flock as an `io::ErrorKind::Other` with this text.
            Err(sled::Error::Io(e)) if e.to_string().starts_with("could not acquire lock") => {
                if Instant::now() >= deadline {
                    return Err(StoreError::unavailable(format!(
                        "store directory {} is locked by another process",
                        dir.display()
                    )));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("fsync directory", &e))
}

fn io_error(what: &str, e: &std::io::Error) -> StoreError {
    StoreError::unavailable(format!("{what}: {e}"))
}
