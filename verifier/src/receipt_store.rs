//! The receipts a checkpoint keeps, on sled, written in groups: each answer waits
//! until its receipt is on disk, and the answers that arrive while one `fsync` runs
//! share the next one (group commit), so a busy checkpoint pays one `fsync` per
//! group rather than one per traveller. The writing happens on a thread of its own,
//! never on the threads serving HTTP.

use std::path::Path;
use std::sync::mpsc;

/// sled's page cache: receipts are written once and rarely read back, so sled's
/// default (1 GiB) would only let a long-running checkpoint's memory grow.
const CACHE_BYTES: u64 = 32 << 20;
/// Receipts written per `fsync` at most.
const MAX_GROUP: usize = 1024;

/// A receipt waiting for the writer, and who to tell when it is durable.
struct Pending {
    jti: String,
    jwt: String,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// The receipt store: `jti` → compact JWS.
pub struct ReceiptStore {
    db: sled::Db,
    queue: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for ReceiptStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptStore").finish_non_exhaustive()
    }
}

impl ReceiptStore {
    /// Opens (or creates) the store at `path` and starts its writer thread, which
    /// ends when the store is dropped.
    ///
    /// # Errors
    /// The database's or the thread's error, as text.
    pub fn open(path: &Path) -> Result<Self, String> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_BYTES)
            .open()
            .map_err(|e| format!("receipts store: {e}"))?;
        let (queue, pending) = mpsc::channel();
        let writer = db.clone();
        std::thread::Builder::new()
            .name("receipt-writer".into())
            .spawn(move || write_groups(&writer, &pending))
            .map_err(|e| format!("receipts writer: {e}"))?;
        Ok(ReceiptStore { db, queue })
    }

    /// Stores `jwt` under `jti` and returns once it is on disk.
    ///
    /// # Errors
    /// Why it could not be stored.
    pub async fn keep(&self, jti: String, jwt: String) -> Result<(), String> {
        let (done, stored) = tokio::sync::oneshot::channel();
        self.queue
            .send(Pending { jti, jwt, done })
            .map_err(|_| "the receipt writer has stopped".to_owned())?;
        stored
            .await
            .map_err(|_| "the receipt writer has stopped".to_owned())?
    }

    /// The receipt stored under `jti`.
    #[must_use]
    pub fn get(&self, jti: &str) -> Option<String> {
        let bytes = self.db.get(jti.as_bytes()).ok()??;
        String::from_utf8(bytes.to_vec()).ok()
    }
}

/// The writer: takes what is waiting, writes it, one `fsync`, answers everyone.
fn write_groups(db: &sled::Db, pending: &mpsc::Receiver<Pending>) {
    while let Ok(first) = pending.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match pending.try_recv() {
                Ok(more) => group.push(more),
                Err(_) => break,
            }
        }
        let mut result = Ok(());
        for p in &group {
            if let Err(e) = db.insert(p.jti.as_bytes(), p.jwt.as_bytes()) {
                result = Err(e.to_string());
            }
        }
        let result = result.and_then(|()| db.flush().map(drop).map_err(|e| e.to_string()));
        for p in group {
            let _ = p.done.send(result.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_receipts_are_all_on_disk_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(ReceiptStore::open(&dir.path().join("receipts")).unwrap());
        let mut kept = Vec::new();
        for n in 0..200 {
            let store = Arc::clone(&store);
            kept.push(tokio::spawn(async move {
                store.keep(format!("jti-{n}"), format!("jwt-{n}")).await
            }));
        }
        for k in kept {
            k.await.unwrap().unwrap();
        }
        assert_eq!(store.get("jti-17").as_deref(), Some("jwt-17"));
        assert_eq!(store.get("jti-200"), None);
        drop(store);
        // Reopened (the writer thread has let go of it once the queue closed).
        let mut reopened = None;
        for _ in 0..250 {
            if let Ok(s) = ReceiptStore::open(&dir.path().join("receipts")) {
                reopened = Some(s);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let reopened = reopened.expect("the store reopens once its writer has stopped");
        for n in 0..200 {
            assert_eq!(reopened.get(&format!("jti-{n}")), Some(format!("jwt-{n}")));
        }
    }
}
