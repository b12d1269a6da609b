//! An in-memory [`LogStore`] for unit tests of the registry: same contract, no disk.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use super::{LogStore, MetaPair, StoreError, check_batch, clamp_range};

/// A [`LogStore`] held in memory. "Durable" means "in this process": it is for tests.
///
/// [`MemoryStore::set_failing`] simulates a storage failure, to test the fail-stop
/// behaviour of code above the store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<Vec<u8>>,
    meta: BTreeMap<Vec<u8>, Vec<u8>>,
    failing: bool,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// While `failing` is true, every append fails with [`StoreError::Unavailable`] and
    /// writes nothing, as a disk error would.
    pub fn set_failing(&self, failing: bool) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.failing = failing;
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::unavailable("memory store lock poisoned"))
    }
}

impl LogStore for MemoryStore {
    fn append_batch_with_meta(
        &self,
        entries: &[Vec<u8>],
        meta: &[MetaPair],
    ) -> Result<u64, StoreError> {
        check_batch(entries, meta)?;
        let mut inner = self.lock()?;
        if inner.failing {
            return Err(StoreError::unavailable("simulated storage failure"));
        }
        let first = u64::try_from(inner.entries.len())
            .map_err(|_| StoreError::unavailable("log index space exhausted"))?;
        inner.entries.extend(entries.iter().cloned());
        for (key, value) in meta {
            inner.meta.insert(key.clone(), value.clone());
        }
        Ok(first)
    }

    fn len(&self) -> u64 {
        self.inner.lock().map_or(0, |inner| {
            u64::try_from(inner.entries.len()).unwrap_or(u64::MAX)
        })
    }

    fn get(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let inner = self.lock()?;
        Ok(usize::try_from(index)
            .ok()
            .and_then(|i| inner.entries.get(i))
            .cloned())
    }

    fn range(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let inner = self.lock()?;
        let len = u64::try_from(inner.entries.len()).unwrap_or(u64::MAX);
        let Some((start, end)) = clamp_range(start, end, len) else {
            return Ok(Vec::new());
        };
        let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
            return Ok(Vec::new());
        };
        Ok(inner
            .entries
            .get(start..end)
            .map(<[Vec<u8>]>::to_vec)
            .unwrap_or_default())
    }

    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock()?.meta.get(key).cloned())
    }
}

/// The contract every [`LogStore`] must meet, run against each implementation.
#[cfg(test)]
pub(crate) fn conformance(store: &dyn LogStore) {
    use super::limits;

    assert_eq!(store.len(), 0);
    assert!(store.is_empty());
    assert_eq!(store.get(0), Ok(None));
    assert_eq!(store.range(0, 10), Ok(vec![]));
    assert_eq!(store.get_meta(b"k"), Ok(None));

    assert_eq!(store.append_batch(&[b"a".to_vec(), b"b".to_vec()]), Ok(0));
    let meta = [
        (b"k".to_vec(), b"1".to_vec()),
        (b"k".to_vec(), b"2".to_vec()),
        (b"other".to_vec(), vec![]),
    ];
    assert_eq!(store.append_batch_with_meta(&[b"c".to_vec()], &meta), Ok(2));
    assert_eq!(store.len(), 3);
    assert_eq!(store.get(2), Ok(Some(b"c".to_vec())));
    assert_eq!(store.get(3), Ok(None));
    assert_eq!(store.get(u64::MAX), Ok(None));
    assert_eq!(
        store.get_meta(b"k"),
        Ok(Some(b"2".to_vec())),
        "last pair wins"
    );
    assert_eq!(store.get_meta(b"other"), Ok(Some(vec![])));

    // Meta-only update: no entry, returns the current length.
    assert_eq!(
        store.append_batch_with_meta(&[], &[(b"k".to_vec(), b"3".to_vec())]),
        Ok(3)
    );
    assert_eq!(store.len(), 3);
    assert_eq!(store.get_meta(b"k"), Ok(Some(b"3".to_vec())));

    // A refused batch writes nothing, neither entries nor meta.
    let too_big = vec![0u8; limits::MAX_ENTRY_BYTES + 1];
    let refused = store.append_batch_with_meta(
        &[b"d".to_vec(), too_big],
        &[(b"k".to_vec(), b"refused".to_vec())],
    );
    assert_eq!(refused.map_err(|e| e.code()), Err("entry_too_large"));
    assert_eq!(store.len(), 3);
    assert_eq!(store.get_meta(b"k"), Ok(Some(b"3".to_vec())));

    // The largest entry is accepted and read back intact.
    let max = vec![7u8; limits::MAX_ENTRY_BYTES];
    assert_eq!(store.append_batch(std::slice::from_ref(&max)), Ok(3));
    assert_eq!(store.get(3), Ok(Some(max)));

    // Ranges are clamped to the length and to MAX_RANGE.
    assert_eq!(store.range(1, 3), Ok(vec![b"b".to_vec(), b"c".to_vec()]));
    assert_eq!(store.range(2, 100).map(|r| r.len()), Ok(2));
    assert_eq!(store.range(3, 1), Ok(vec![]));
    let many: Vec<Vec<u8>> = (0..1500u32).map(|i| i.to_be_bytes().to_vec()).collect();
    assert_eq!(store.append_batch(&many), Ok(4));
    let page = store.range(4, u64::MAX).unwrap();
    assert_eq!(page.len(), 1000);
    assert_eq!(page.first(), Some(&0u32.to_be_bytes().to_vec()));
    assert_eq!(page.last(), Some(&999u32.to_be_bytes().to_vec()));
    assert_eq!(store.range(1004, 3000).map(|r| r.len()), Ok(500));
    assert_eq!(store.len(), 1504);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_meets_the_contract() {
        conformance(&MemoryStore::new());
    }

    #[test]
    fn failing_store_writes_nothing() {
        let store = MemoryStore::new();
        store.set_failing(true);
        let result = store.append_batch_with_meta(&[b"x".to_vec()], &[(b"k".to_vec(), vec![])]);
        assert_eq!(result.map_err(|e| e.code()), Err("storage_unavailable"));
        assert_eq!(store.len(), 0);
        assert_eq!(store.get_meta(b"k"), Ok(None));
        store.set_failing(false);
        assert_eq!(store.append_batch(&[b"x".to_vec()]), Ok(0));
    }
}
