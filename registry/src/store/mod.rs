//! Durable storage for the registry's append-only log.
//!
//! The registry sees storage through one narrow trait, [`LogStore`]: an append-only sequence
//! of opaque entries (the signed operations, leaves of the RFC 9162 tree) plus a small
//! key-value side table ("meta") for data derived from the entries — Merkle node hashes,
//! state indexes, a running hash chain. Entries and meta are written in **one atomic batch**,
//! so a crash can never leave the log and its derived data out of step.
//!
//! ```text
//!  callers ──append / append_with──▶ Committer (one writer thread, group commit)
//!                                        │ one batch, one transaction, one flush
//!                                        ▼
//!                               Arc<dyn LogStore> ── SledStore (disk) / MemoryStore (tests)
//! ```
//!
//! Guarantees every implementation gives:
//! - `append_batch*` is all-or-nothing and returns only once the batch is durable;
//! - reads ([`LogStore::len`], [`LogStore::get`], [`LogStore::range`]) see only durable
//!   entries, so nothing derived from a read (a signed checkpoint) can outlive a crash that
//!   loses the entry;
//! - every size is bounded ([`limits`]); bytes read back from disk are treated as untrusted,
//!   and anything malformed is reported as [`StoreError::Corrupt`], never a panic.

mod group_commit;
mod memory;
mod sled_store;

pub use group_commit::{CommitStats, Committer, CommitterConfig};
pub use memory::MemoryStore;
pub(crate) use sled_store::DurableSled;
pub use sled_store::{Durability, SledConfig, SledStore};

/// One key-value pair of the meta side table: `(key, value)`.
pub type MetaPair = (Vec<u8>, Vec<u8>);

/// Size limits enforced by every [`LogStore`] and by the [`Committer`].
///
/// They fail closed: an oversized entry or batch is refused before anything is written.
pub mod limits {
    /// Largest log entry accepted, in bytes (1 MiB).
    pub const MAX_ENTRY_BYTES: usize = 1 << 20;
    /// Largest meta key accepted, in bytes.
    pub const MAX_META_KEY_BYTES: usize = 1024;
    /// Largest meta value accepted, in bytes (1 MiB).
    pub const MAX_META_VALUE_BYTES: usize = 1 << 20;
    /// Most entries in one atomic batch.
    pub const MAX_BATCH_ENTRIES: usize = 4096;
    /// Most meta pairs in one atomic batch.
    pub const MAX_BATCH_META: usize = 65_536;
    /// Most bytes (entries, meta keys and values) in one atomic batch (64 MiB).
    pub const MAX_BATCH_BYTES: usize = 64 << 20;
    /// Most entries returned by one [`LogStore::range`](super::LogStore::range) call.
    pub const MAX_RANGE: u64 = 1000;
}

/// Why storage could not do what was asked.
///
/// Callers normally map every variant to an HTTP 5xx (storage failures) or 4xx (limits),
/// using [`StoreError::code`] as the stable problem-details code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The storage backend failed (I/O error, closed store, writer stopped). After a failed
    /// append the store refuses further appends until it is reopened: what reached the disk
    /// is then decided by recovery, not guessed.
    #[error("storage unavailable: {reason}")]
    Unavailable {
        /// What failed, for the operator's log (never shown to API clients).
        reason: String,
    },
    /// Data read back from storage is malformed or inconsistent.
    #[error("storage corrupt: {reason}")]
    Corrupt {
        /// What was found, for the operator's log (never shown to API clients).
        reason: String,
    },
    /// A log entry exceeds [`limits::MAX_ENTRY_BYTES`].
    #[error("log entry of {size} bytes exceeds the {max}-byte limit")]
    EntryTooLarge {
        /// Size of the refused entry.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A meta key or value exceeds its limit.
    #[error("meta {part} of {size} bytes exceeds the {max}-byte limit")]
    MetaTooLarge {
        /// `"key"` or `"value"`.
        part: &'static str,
        /// Size of the refused key or value.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A batch has too many entries, meta pairs or bytes.
    #[error("batch has {size} {what}, more than the limit of {max}")]
    BatchTooLarge {
        /// `"entries"`, `"meta pairs"` or `"bytes"`.
        what: &'static str,
        /// What the batch has.
        size: usize,
        /// The limit.
        max: usize,
    },
}

impl StoreError {
    /// The stable machine-readable code for this error, as returned by the registry API.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "storage_unavailable",
            Self::Corrupt { .. } => "storage_corrupt",
            Self::EntryTooLarge { .. } => "entry_too_large",
            Self::MetaTooLarge { .. } => "meta_too_large",
            Self::BatchTooLarge { .. } => "batch_too_large",
        }
    }

    pub(crate) fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable {
            reason: reason.into(),
        }
    }

    pub(crate) fn corrupt(reason: impl Into<String>) -> Self {
        Self::Corrupt {
            reason: reason.into(),
        }
    }
}

/// The registry's view of durable storage: an append-only log of opaque entries, indexed
/// from 0 without holes, plus a meta side table written atomically with the entries.
///
/// Implementations serialize appends internally, but the registry is expected to have a
/// single writer (the [`Committer`]): indexes handed to validation code are only meaningful
/// if nobody else appends.
pub trait LogStore: Send + Sync {
    /// Appends `entries` atomically and returns the index of the first one, once durable.
    ///
    /// # Errors
    /// See [`LogStore::append_batch_with_meta`].
    fn append_batch(&self, entries: &[Vec<u8>]) -> Result<u64, StoreError> {
        self.append_batch_with_meta(entries, &[])
    }

    /// Appends `entries` and upserts `meta` (applied in order: a later pair overwrites an
    /// earlier one with the same key) in one atomic batch, and returns the index of the first
    /// entry (the log length before the call) once the batch is durable. An empty `entries`
    /// with non-empty `meta` is a meta-only update.
    ///
    /// # Errors
    /// [`StoreError::EntryTooLarge`], [`StoreError::MetaTooLarge`] or
    /// [`StoreError::BatchTooLarge`] before anything is written;
    /// [`StoreError::Unavailable`] if the write or flush failed — the batch may or may not
    /// survive (recovery decides), and the store refuses further appends until reopened.
    fn append_batch_with_meta(
        &self,
        entries: &[Vec<u8>],
        meta: &[MetaPair],
    ) -> Result<u64, StoreError>;

    /// Number of durable entries; the next append gets this index.
    fn len(&self) -> u64;

    /// `true` if the log holds no durable entry.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry at `index`, or `None` if `index >= len()`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if an index below `len()` is missing or malformed on disk;
    /// [`StoreError::Unavailable`] on I/O failure.
    fn get(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;

    /// The entries `start..end`, clamped to `len()` and to at most [`limits::MAX_RANGE`]
    /// entries (like RFC 9162 `get-entries`, the caller asks again for the rest). Empty if
    /// `start >= end` or `start >= len()`.
    ///
    /// # Errors
    /// As [`LogStore::get`].
    fn range(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;

    /// The meta value for `key`.
    ///
    /// Unlike entries, a meta value may be observed between its commit and its flush (a few
    /// milliseconds), so derived data that must be durable before use should refer to a log
    /// index and be checked against [`LogStore::len`].
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if the stored value is malformed; [`StoreError::Unavailable`]
    /// on I/O failure.
    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Checks a batch against [`limits`] before anything is written; returns its size in bytes.
pub(crate) fn check_batch(entries: &[Vec<u8>], meta: &[MetaPair]) -> Result<usize, StoreError> {
    use limits::{
        MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, MAX_BATCH_META, MAX_ENTRY_BYTES, MAX_META_KEY_BYTES,
        MAX_META_VALUE_BYTES,
    };
    if entries.len() > MAX_BATCH_ENTRIES {
        return Err(StoreError::BatchTooLarge {
            what: "entries",
            size: entries.len(),
            max: MAX_BATCH_ENTRIES,
        });
    }
    if meta.len() > MAX_BATCH_META {
        return Err(StoreError::BatchTooLarge {
            what: "meta pairs",
            size: meta.len(),
            max: MAX_BATCH_META,
        });
    }
    let mut bytes = 0usize;
    for entry in entries {
        if entry.len() > MAX_ENTRY_BYTES {
            return Err(StoreError::EntryTooLarge {
                size: entry.len(),
                max: MAX_ENTRY_BYTES,
            });
        }
        bytes = bytes.saturating_add(entry.len());
    }
    for (key, value) in meta {
        if key.len() > MAX_META_KEY_BYTES {
            return Err(StoreError::MetaTooLarge {
                part: "key",
                size: key.len(),
                max: MAX_META_KEY_BYTES,
            });
        }
        if value.len() > MAX_META_VALUE_BYTES {
            return Err(StoreError::MetaTooLarge {
                part: "value",
                size: value.len(),
                max: MAX_META_VALUE_BYTES,
            });
        }
        bytes = bytes.saturating_add(key.len()).saturating_add(value.len());
    }
    if bytes > MAX_BATCH_BYTES {
        return Err(StoreError::BatchTooLarge {
            what: "bytes",
            size: bytes,
            max: MAX_BATCH_BYTES,
        });
    }
    Ok(bytes)
}

/// The range `start..end` clamped to `len` and [`limits::MAX_RANGE`]; `None` if empty.
pub(crate) fn clamp_range(start: u64, end: u64, len: u64) -> Option<(u64, u64)> {
    let end = end.min(len).min(start.saturating_add(limits::MAX_RANGE));
    (start < end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_before_writing() {
        let big = vec![0u8; limits::MAX_ENTRY_BYTES + 1];
        assert_eq!(
            check_batch(&[big], &[]),
            Err(StoreError::EntryTooLarge {
                size: limits::MAX_ENTRY_BYTES + 1,
                max: limits::MAX_ENTRY_BYTES
            })
        );
        let long_key = (vec![0u8; limits::MAX_META_KEY_BYTES + 1], vec![]);
        assert_eq!(
            check_batch(&[], &[long_key]).map_err(|e| e.code()),
            Err("meta_too_large")
        );
        let many = vec![vec![]; limits::MAX_BATCH_ENTRIES + 1];
        assert_eq!(
            check_batch(&many, &[]).map_err(|e| e.code()),
            Err("batch_too_large")
        );
        let max = vec![0u8; limits::MAX_ENTRY_BYTES];
        let too_many_bytes = vec![max; limits::MAX_BATCH_BYTES / limits::MAX_ENTRY_BYTES + 1];
        assert_eq!(
            check_batch(&too_many_bytes, &[]),
            Err(StoreError::BatchTooLarge {
                what: "bytes",
                size: limits::MAX_BATCH_BYTES + limits::MAX_ENTRY_BYTES,
                max: limits::MAX_BATCH_BYTES
            })
        );
        assert_eq!(check_batch(&[vec![1, 2]], &[(vec![3], vec![4, 5])]), Ok(5));
    }

    #[test]
    fn ranges_are_clamped() {
        assert_eq!(clamp_range(0, 10, 5), Some((0, 5)));
        assert_eq!(clamp_range(5, 10, 5), None);
        assert_eq!(clamp_range(7, 3, 100), None);
        assert_eq!(
            clamp_range(0, u64::MAX, u64::MAX),
            Some((0, limits::MAX_RANGE))
        );
        assert_eq!(clamp_range(u64::MAX, u64::MAX, u64::MAX), None);
    }
}
