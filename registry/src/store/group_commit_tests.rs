//! Tests of the group-commit front end, over the in-memory store.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::store::MemoryStore;

/// A store whose appends take `delay` (like a flush) and that records every batch size.
struct SlowStore {
    inner: MemoryStore,
    delay: Duration,
    batches: Mutex<Vec<usize>>,
}

impl SlowStore {
    fn new(delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryStore::new(),
            delay,
            batches: Mutex::new(Vec::new()),
        })
    }
}

impl LogStore for SlowStore {
    fn append_batch_with_meta(
        &self,
        entries: &[Vec<u8>],
        meta: &[MetaPair],
    ) -> Result<u64, StoreError> {
        std::thread::sleep(self.delay);
        self.batches.lock().unwrap().push(entries.len());
        self.inner.append_batch_with_meta(entries, meta)
    }
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn get(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(index)
    }
    fn range(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.inner.range(start, end)
    }
    fn get_meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_meta(key)
    }
}

fn committer(store: Arc<dyn LogStore>, max_batch_entries: usize) -> Arc<Committer> {
    let config = CommitterConfig {
        max_batch_entries,
        ..CommitterConfig::default()
    };
    Arc::new(Committer::new(store, &config).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_are_grouped_and_each_gets_its_own_index() {
    let store = SlowStore::new(Duration::from_millis(5));
    let committer = committer(store.clone(), 64);
    let mut tasks = Vec::new();
    for i in 0..300u32 {
        let committer = Arc::clone(&committer);
        tasks.push(tokio::spawn(async move {
            let entry = i.to_be_bytes().to_vec();
            let meta = vec![(entry.clone(), b"m".to_vec())];
            (i, committer.append(entry, meta).await.unwrap())
        }));
    }
    let mut indexes = HashSet::new();
    for task in tasks {
        let (i, index) = task.await.unwrap();
        assert_eq!(store.get(index), Ok(Some(i.to_be_bytes().to_vec())));
        assert_eq!(store.get_meta(&i.to_be_bytes()), Ok(Some(b"m".to_vec())));
        indexes.insert(index);
    }
    assert_eq!(indexes, (0..300).collect::<HashSet<u64>>());
    let batches = store.batches.lock().unwrap().clone();
    assert!(batches.iter().all(|&n| n <= 64), "{batches:?}");
    assert_eq!(batches.iter().sum::<usize>(), 300);
    // 300 appends while each flush takes 5 ms: far fewer flushes than appends.
    assert!(batches.len() <= 30, "{} batches", batches.len());
    let stats = committer.stats();
    assert_eq!(stats.entries, 300);
    assert_eq!(stats.batches, u64::try_from(batches.len()).unwrap());
}

#[tokio::test]
async fn append_with_validates_against_state_in_log_order() {
    let store = Arc::new(MemoryStore::new());
    store.append_batch(&[b"genesis".to_vec()]).unwrap();
    let committer = committer(store.clone(), 512);
    // The registry's state: names taken so far. Only the writer thread touches it.
    let taken = Arc::new(Mutex::new(HashSet::<Vec<u8>>::new()));
    let mut outcomes = Vec::new();
    for name in [&b"alice"[..], b"bob", b"alice"] {
        let taken = Arc::clone(&taken);
        let name = name.to_vec();
        let outcome = committer.append_with(move |next_index| {
            if !taken.lock().unwrap().insert(name.clone()) {
                return Err(format!("{} taken", String::from_utf8_lossy(&name)));
            }
            let meta = vec![(name.clone(), next_index.to_be_bytes().to_vec())];
            Ok((name, meta))
        });
        outcomes.push(outcome.await.unwrap());
    }
    assert_eq!(outcomes, vec![Ok(1), Ok(2), Err("alice taken".to_string())]);
    assert_eq!(store.len(), 3);
    assert_eq!(
        store.get_meta(b"bob"),
        Ok(Some(2u64.to_be_bytes().to_vec()))
    );
}

#[tokio::test]
async fn oversized_entry_is_refused_before_queueing_and_the_committer_goes_on() {
    let store = Arc::new(MemoryStore::new());
    let committer = committer(store.clone(), 512);
    let too_big = vec![0u8; limits::MAX_ENTRY_BYTES + 1];
    assert_eq!(
        committer.append(too_big, vec![]).await,
        Err(StoreError::EntryTooLarge {
            size: limits::MAX_ENTRY_BYTES + 1,
            max: limits::MAX_ENTRY_BYTES
        })
    );
    assert_eq!(committer.append(b"ok".to_vec(), vec![]).await, Ok(0));
}

#[tokio::test]
async fn oversized_entry_from_a_closure_stops_the_committer() {
    let store = Arc::new(MemoryStore::new());
    let committer = committer(store.clone(), 512);
    let outcome = committer
        .append_with(|_| Ok::<_, ()>((vec![0u8; limits::MAX_ENTRY_BYTES + 1], vec![])))
        .await;
    assert_eq!(outcome.map_err(|e| e.code()), Err("entry_too_large"));
    let after = committer.append(b"x".to_vec(), vec![]).await;
    assert_eq!(after.map_err(|e| e.code()), Err("storage_unavailable"));
    assert_eq!(store.len(), 0);
}

#[tokio::test]
async fn storage_failure_stops_the_committer_for_good() {
    let store = Arc::new(MemoryStore::new());
    let committer = committer(store.clone(), 512);
    assert_eq!(committer.append(b"a".to_vec(), vec![]).await, Ok(0));
    store.set_failing(true);
    let failed = committer.append(b"b".to_vec(), vec![]).await;
    assert_eq!(
        failed,
        Err(StoreError::Unavailable {
            reason: "simulated storage failure".into()
        })
    );
    // The disk is back, but validation state may have counted the failed entry: stay down.
    store.set_failing(false);
    let ran = Arc::new(Mutex::new(false));
    let ran_in_closure = Arc::clone(&ran);
    let after = committer
        .append_with(move |_| {
            *ran_in_closure.lock().unwrap() = true;
            Ok::<_, ()>((b"c".to_vec(), vec![]))
        })
        .await;
    assert!(
        matches!(&after, Err(StoreError::Unavailable { reason }) if reason.contains("earlier failure")),
        "{after:?}"
    );
    assert!(
        !*ran.lock().unwrap(),
        "closures must not run after a failure"
    );
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn another_writer_is_detected_as_corruption() {
    let store = Arc::new(MemoryStore::new());
    let committer = committer(store.clone(), 512);
    assert_eq!(committer.append(b"a".to_vec(), vec![]).await, Ok(0));
    store.append_batch(&[b"intruder".to_vec()]).unwrap();
    let outcome = committer.append(b"b".to_vec(), vec![]).await;
    assert_eq!(outcome.map_err(|e| e.code()), Err("storage_corrupt"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_acknowledges_everything_queued() {
    let store = SlowStore::new(Duration::from_millis(2));
    let committer = Committer::new(store.clone(), &CommitterConfig::default()).unwrap();
    let committer = Arc::new(committer);
    let mut tasks = Vec::new();
    for i in 0..50u8 {
        let committer = Arc::clone(&committer);
        tasks.push(tokio::spawn(async move {
            committer.append(vec![i], vec![]).await
        }));
    }
    let mut acked = 0;
    for task in tasks {
        assert!(task.await.unwrap().is_ok());
        acked += 1;
    }
    Arc::try_unwrap(committer).unwrap().shutdown().await;
    assert_eq!(acked, 50);
    assert_eq!(store.len(), 50);
}

#[tokio::test]
async fn batch_byte_limit_splits_batches_but_admits_a_large_single_entry() {
    let store = SlowStore::new(Duration::from_millis(1));
    let config = CommitterConfig {
        max_batch_bytes: 10,
        ..CommitterConfig::default()
    };
    let committer = Arc::new(Committer::new(store.clone(), &config).unwrap());
    let mut tasks = Vec::new();
    for size in [4usize, 4, 4, 50, 4] {
        let committer = Arc::clone(&committer);
        tasks.push(tokio::spawn(async move {
            committer.append(vec![1; size], vec![]).await
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().is_ok());
    }
    assert_eq!(store.len(), 5);
    let batches = store.batches.lock().unwrap().clone();
    assert!(batches.iter().all(|&n| n <= 2), "{batches:?}");
}
