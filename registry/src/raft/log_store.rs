//! The Raft log and vote on sled, in `<data>/raft` (CONSORTIUM.md "Storage on sled").
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `log` | Raft index, u64 big-endian | `Entry` as JSON (operation bytes in base64) |
//! | `raft_meta` | `vote`, `committed`, `last_purged` | JSON |
//!
//! Durability: a vote is on disk before [`save_vote`](RaftLogStorage::save_vote)
//! returns (a forgotten vote could let this node vote twice in one term, Raft §5.2);
//! appended entries are reported flushed to openraft only after sled's flush and
//! `fdatasync` ([`DurableSled::sync`]), so an entry a leader counts towards a majority
//! survives `kill -9` and power loss. openraft calls these methods one at a time
//! (`&mut self`), which serializes every write as it requires.

// openraft's storage traits fix the error type (`StorageError`, about 224 bytes);
// the helpers here return what the trait methods must.
#![allow(clippy::result_large_err)]

use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::path::Path;
use std::sync::Arc;

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{
    Entry, ErrorSubject, ErrorVerb, LogId, OptionalSend, RaftLogReader, StorageError,
    StorageIOError, Vote,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RegistryRaft;
use crate::store::{DurableSled, SledConfig, StoreError};

type SE = StorageError<u64>;

const VOTE: &[u8] = b"vote";
const COMMITTED: &[u8] = b"committed";
const LAST_PURGED: &[u8] = b"last_purged";

/// The Raft log store; clones share the database (a clone is the log reader).
#[derive(Clone)]
pub struct RaftLog {
    disk: Arc<DurableSled>,
    log: sled::Tree,
    meta: sled::Tree,
}

impl RaftLog {
    /// Opens (or creates) the Raft log at `path`.
    ///
    /// # Errors
    /// [`StoreError`] when sled cannot open it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let disk = DurableSled::open(path, &SledConfig::default())?;
        let log = disk.db.open_tree("log").map_err(sled_error)?;
        let meta = disk.db.open_tree("raft_meta").map_err(sled_error)?;
        Ok(RaftLog {
            disk: Arc::new(disk),
            log,
            meta,
        })
    }

    fn read_meta<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, SE> {
        let subject = || ErrorSubject::Store;
        match self.meta.get(key) {
            Ok(None) => Ok(None),
            Ok(Some(bytes)) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| StorageIOError::new(subject(), ErrorVerb::Read, &e).into()),
            Err(e) => Err(StorageIOError::new(subject(), ErrorVerb::Read, &e).into()),
        }
    }

    fn write_meta<T: Serialize>(&self, key: &[u8], value: &T, sync: bool) -> Result<(), SE> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| StorageIOError::new(ErrorSubject::Store, ErrorVerb::Write, &e))?;
        self.meta
            .insert(key, bytes)
            .map_err(|e| StorageIOError::new(ErrorSubject::Store, ErrorVerb::Write, &e))?;
        if sync {
            self.sync(ErrorSubject::Store)?;
        }
        Ok(())
    }

    fn sync(&self, subject: ErrorSubject<u64>) -> Result<(), SE> {
        self.disk
            .sync()
            .map_err(|e| StorageIOError::new(subject, ErrorVerb::Write, &e).into())
    }

    fn last_entry(&self) -> Result<Option<LogId<u64>>, SE> {
        match self.log.last() {
            Ok(None) => Ok(None),
            Ok(Some((_, bytes))) => Ok(Some(decode_entry(&bytes)?.log_id)),
            Err(e) => Err(StorageIOError::read_logs(&e).into()),
        }
    }
}

fn sled_error(e: sled::Error) -> StoreError {
    StoreError::Unavailable {
        reason: e.to_string(),
    }
}

fn decode_entry(bytes: &[u8]) -> Result<Entry<RegistryRaft>, SE> {
    serde_json::from_slice(bytes).map_err(|e| StorageIOError::read_logs(&e).into())
}

fn index_bound(bound: Bound<&u64>) -> Bound<[u8; 8]> {
    match bound {
        Bound::Included(i) => Bound::Included(i.to_be_bytes()),
        Bound::Excluded(i) => Bound::Excluded(i.to_be_bytes()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl RaftLogReader<RegistryRaft> for RaftLog {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<RegistryRaft>>, SE> {
        let keys = (
            index_bound(range.start_bound()),
            index_bound(range.end_bound()),
        );
        self.log
            .range::<[u8; 8], _>(keys)
            .map(|item| {
                let (_, bytes) = item.map_err(|e| StorageIOError::read_logs(&e))?;
                decode_entry(&bytes)
            })
            .collect()
    }
}

impl RaftLogStorage<RegistryRaft> for RaftLog {
    type LogReader = RaftLog;

    async fn get_log_state(&mut self) -> Result<LogState<RegistryRaft>, SE> {
        let last_purged_log_id: Option<LogId<u64>> = self.read_meta(LAST_PURGED)?;
        let last_log_id = self.last_entry()?.or(last_purged_log_id);
        Ok(LogState {
            last_purged_log_id,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), SE> {
        self.write_meta(VOTE, vote, true)
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, SE> {
        self.read_meta(VOTE)
    }

    async fn save_committed(&mut self, committed: Option<LogId<u64>>) -> Result<(), SE> {
        // Not synced: a committed index forgotten in a crash is learned again from the
        // leader; remembering it lets a restarted node re-apply without waiting for one.
        self.write_meta(COMMITTED, &committed, false)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<u64>>, SE> {
        Ok(self.read_meta::<Option<LogId<u64>>>(COMMITTED)?.flatten())
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<RegistryRaft>) -> Result<(), SE>
    where
        I: IntoIterator<Item = Entry<RegistryRaft>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        match self.write_entries(entries) {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                callback.log_io_completed(Err(std::io::Error::other(e.to_string())));
                Err(e)
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<(), SE> {
        self.remove((Bound::Included(log_id.index), Bound::Unbounded))
    }

    async fn purge(&mut self, log_id: LogId<u64>) -> Result<(), SE> {
        // Record the purge point first: a crash part-way then leaves entries that are
        // merely not yet removed, never a hole before a recorded start.
        self.write_meta(LAST_PURGED, &log_id, true)?;
        self.remove((Bound::Unbounded, Bound::Included(log_id.index)))
    }
}

impl RaftLog {
    /// Writes `entries` in one batch and makes them durable: what `append` reports to
    /// openraft as flushed once it returns `Ok`.
    ///
    /// # Errors
    /// [`StorageError`] when an entry cannot be encoded or the write or sync fails.
    pub fn write_entries(
        &self,
        entries: impl IntoIterator<Item = Entry<RegistryRaft>>,
    ) -> Result<(), SE> {
        let mut batch = sled::Batch::default();
        for entry in entries {
            let bytes = serde_json::to_vec(&entry)
                .map_err(|e| StorageIOError::write_log_entry(entry.log_id, &e))?;
            batch.insert(&entry.log_id.index.to_be_bytes()[..], bytes);
        }
        self.log
            .apply_batch(batch)
            .map_err(|e| StorageIOError::write_logs(&e))?;
        self.sync(ErrorSubject::Logs)
    }

    /// Removes the entries in `range` and makes that durable before returning, so a
    /// later append is never reordered before the removal.
    fn remove(&self, range: (Bound<u64>, Bound<u64>)) -> Result<(), SE> {
        let keys = (index_bound(range.0.as_ref()), index_bound(range.1.as_ref()));
        let mut batch = sled::Batch::default();
        for item in self.log.range::<[u8; 8], _>(keys) {
            let (key, _) = item.map_err(|e| StorageIOError::write_logs(&e))?;
            batch.remove(key);
        }
        self.log
            .apply_batch(batch)
            .map_err(|e| StorageIOError::write_logs(&e))?;
        self.sync(ErrorSubject::Logs)
    }
}
