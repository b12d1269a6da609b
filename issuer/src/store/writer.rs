//! Group commit: one writer thread, many callers, one flush per batch.
//!
//! Every mutation is a closure sent to the writer thread. The writer runs each closure
//! against a [`Txn`] — reads see the tree, the batch gathered so far and the closure's own
//! writes; writes are staged — and then takes whatever else queued up while the previous
//! batch was flushing. The whole batch goes to sled as **one** `sled::Batch` (atomic on
//! recovery: a crash exposes all of it or none) followed by **one** flush; only then is
//! each caller answered. Under load a batch grows to fill the flush latency, so durability
//! costs one flush per batch, not per request.
//!
//! * **Single writer, no lost updates.** Closures run one at a time, in queue order, on a
//!   state that includes every request accepted before — the same batch included.
//! * **A closure is all or nothing.** `Ok` commits its staged writes, working-state
//!   changes and audit records to the batch; `Err` (a rejection) drops them.
//! * **Answers wait for the flush**, rejections too, so no answer rests on state a crash
//!   could still undo (an idempotent hit on an application written earlier in the same
//!   batch is answered only once that batch is on disk).
//! * **Fail-stop.** If a batch fails to write or flush, whether it reached the disk is
//!   unknown while the working state already counts it, so every later request is refused
//!   with [`StoreError::Unavailable`] until the store is reopened (recovery decides).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rand::rngs::StdRng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::audit::AuditHead;
use super::disk::Disk;
use super::error::StoreError;
use super::state::{Effect, ListMeta, View, Working};
use super::types::{ListKind, StatusSlot};

/// Counters showing how well requests are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitStats {
    /// Batches written (each one atomic sled batch and one flush).
    pub batches: u64,
    /// Requests answered.
    pub requests: u64,
    /// Requests in the largest batch so far.
    pub largest_batch: u64,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    batches: AtomicU64,
    requests: AtomicU64,
    largest_batch: AtomicU64,
}

impl Counters {
    pub(super) fn snapshot(&self) -> CommitStats {
        CommitStats {
            batches: self.batches.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            largest_batch: self.largest_batch.load(Ordering::Relaxed),
        }
    }
}

/// Pending writes: `None` removes the key.
pub(super) type Overlay = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// What one request changes, kept apart until its closure returns `Ok`.
#[derive(Debug, Default)]
pub(super) struct Staged {
    pub(super) writes: Overlay,
    pub(super) effects: Vec<Effect>,
    pub(super) audit: Option<AuditHead>,
    /// Indices newly taken, per list.
    pub(super) marks: Vec<StatusSlot>,
    /// Lists created or whose counters changed.
    pub(super) lists: BTreeMap<(ListKind, u32), ListMeta>,
}

/// A request's view of the store on the writer thread.
pub(super) struct Txn<'a> {
    tree: &'a sled::Tree,
    batch: &'a Overlay,
    pub(super) working: &'a Working,
    pub(super) rng: &'a mut StdRng,
    pub(super) staged: Staged,
}

impl Txn<'_> {
    /// The current value: this request's writes, then the batch's, then the tree's.
    pub(super) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(value) = self.staged.writes.get(key) {
            return Ok(value.clone());
        }
        if let Some(value) = self.batch.get(key) {
            return Ok(value.clone());
        }
        Ok(self.tree.get(key)?.map(|v| v.to_vec()))
    }

    /// Reads and decodes a JSON record; undecodable is corruption.
    pub(super) fn get_json<T: DeserializeOwned>(
        &self,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>, StoreError> {
        self.get(key)?.map(|bytes| decode(&bytes, what)).transpose()
    }

    pub(super) fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.staged.writes.insert(key, Some(value));
    }

    pub(super) fn remove(&mut self, key: Vec<u8>) {
        self.staged.writes.insert(key, None);
    }

    pub(super) fn put_json<T: Serialize>(
        &mut self,
        key: Vec<u8>,
        value: &T,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| StoreError::unavailable(format!("cannot encode record: {e}")))?;
        self.insert(key, bytes);
        Ok(())
    }

    pub(super) fn effect(&mut self, effect: Effect) {
        self.staged.effects.push(effect);
    }
}

/// Decodes a stored JSON record.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::corrupt(format!("undecodable {what} record: {e}")))
}

type Ack = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A request as the writer thread sees it.
pub(super) trait Job: Send {
    /// Runs the request; true if its staged changes are to be committed. The returned
    /// acknowledgement is called once the batch is durable (or failed).
    fn run(self: Box<Self>, txn: &mut Txn<'_>) -> (bool, Ack);
    /// Refuses the request without running it.
    fn refuse(self: Box<Self>, error: StoreError);
}

type Reply<T, R> = SyncSender<Result<Result<T, R>, StoreError>>;

struct Request<F, T, R> {
    work: F,
    reply: Reply<T, R>,
}

impl<F, T, R> Job for Request<F, T, R>
where
    F: FnOnce(&mut Txn<'_>) -> Result<T, R> + Send,
    T: Send + 'static,
    R: Send + 'static,
{
    fn run(self: Box<Self>, txn: &mut Txn<'_>) -> (bool, Ack) {
        let outcome = (self.work)(txn);
        let reply = self.reply;
        let commit = outcome.is_ok();
        let ack: Ack = Box::new(move |durable| {
            // The caller may have given up waiting; the write stands regardless.
            let _ = reply.send(durable.map(|()| outcome));
        });
        (commit, ack)
    }

    fn refuse(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }
}

/// The callers' end of the writer thread.
#[derive(Debug)]
pub(super) struct Queue {
    sender: Option<SyncSender<Box<dyn Job>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Queue {
    /// Runs `work` on the writer thread and waits until the batch holding it is durable.
    /// `Ok(Ok(t))`: committed and flushed. `Ok(Err(r))`: rejected (nothing written), and
    /// everything the rejection was judged on is flushed.
    pub(super) fn submit<T, R, F>(&self, work: F) -> Result<Result<T, R>, StoreError>
    where
        F: FnOnce(&mut Txn<'_>) -> Result<T, R> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let sender = self.sender.as_ref().ok_or_else(writer_gone)?;
        let (reply, answer) = sync_channel(1);
        sender
            .send(Box::new(Request { work, reply }))
            .map_err(|_| writer_gone())?;
        answer.recv().map_err(|_| writer_gone())?
    }
}

impl Drop for Queue {
    /// Lets the writer finish what is queued and waits for it, so the database is closed
    /// (and its lock released) when the last store handle is gone.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn writer_gone() -> StoreError {
    StoreError::unavailable("store writer stopped")
}

/// The writer thread's state.
pub(super) struct Writer {
    pub(super) disk: Disk,
    pub(super) working: Working,
    pub(super) rng: StdRng,
    pub(super) view: Arc<View>,
    pub(super) counters: Arc<Counters>,
    pub(super) max_batch: usize,
    /// Set by the first failed batch; every later request is refused with it.
    failure: Option<StoreError>,
}

#[derive(Default)]
struct Batch {
    writes: Overlay,
    effects: Vec<Effect>,
    acks: Vec<Ack>,
}

impl Writer {
    pub(super) fn new(
        disk: Disk,
        working: Working,
        rng: StdRng,
        view: Arc<View>,
        counters: Arc<Counters>,
        max_batch: usize,
    ) -> Self {
        Self {
            disk,
            working,
            rng,
            view,
            counters,
            max_batch: max_batch.max(1),
            failure: None,
        }
    }

    /// Starts the writer thread; requests queue up to `queue_depth` before callers wait.
    pub(super) fn spawn(self, queue_depth: usize) -> Result<Queue, StoreError> {
        let (sender, requests) = sync_channel::<Box<dyn Job>>(queue_depth.max(1));
        let thread = std::thread::Builder::new()
            .name("issuer-store-writer".into())
            .spawn(move || self.run(&requests))
            .map_err(|e| StoreError::unavailable(format!("cannot start store writer: {e}")))?;
        Ok(Queue {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    fn run(mut self, requests: &Receiver<Box<dyn Job>>) {
        while let Ok(first) = requests.recv() {
            let mut batch = Batch::default();
            self.take(first, &mut batch);
            // Everything that queued while the previous batch was flushing joins this one.
            while batch.acks.len() < self.max_batch {
                match requests.try_recv() {
                    Ok(job) => self.take(job, &mut batch),
                    Err(_) => break,
                }
            }
            self.commit(batch);
        }
    }

    fn take(&mut self, job: Box<dyn Job>, batch: &mut Batch) {
        if let Some(failure) = &self.failure {
            job.refuse(StoreError::unavailable(format!(
                "store writer stopped after an earlier failure ({failure}); reopen the store"
            )));
            return;
        }
        let mut txn = Txn {
            tree: &self.disk.tree,
            batch: &batch.writes,
            working: &self.working,
            rng: &mut self.rng,
            staged: Staged::default(),
        };
        let (commit, ack) = job.run(&mut txn);
        let staged = txn.staged;
        if commit {
            batch.writes.extend(staged.writes);
            batch.effects.extend(staged.effects);
            apply_to_working(&mut self.working, staged.marks, staged.lists, staged.audit);
        }
        batch.acks.push(ack);
    }

    fn commit(&mut self, batch: Batch) {
        let count = u64::try_from(batch.acks.len()).unwrap_or(u64::MAX);
        let written = if batch.writes.is_empty() {
            // Nothing new; every decision rested on earlier batches, already durable.
            Ok(())
        } else {
            let mut sled_batch = sled::Batch::default();
            for (key, value) in batch.writes {
                match value {
                    Some(value) => sled_batch.insert(key, value),
                    None => sled_batch.remove(key),
                }
            }
            self.disk
                .tree
                .apply_batch(sled_batch)
                .map_err(StoreError::from)
                .and_then(|()| self.disk.sync())
                .and_then(|()| self.view.apply(batch.effects))
        };
        match written {
            Ok(()) => {
                self.counters.batches.fetch_add(1, Ordering::Relaxed);
                self.counters.requests.fetch_add(count, Ordering::Relaxed);
                self.counters
                    .largest_batch
                    .fetch_max(count, Ordering::Relaxed);
                for ack in batch.acks {
                    ack(Ok(()));
                }
            }
            Err(e) => {
                for ack in batch.acks {
                    ack(Err(e.clone()));
                }
                self.failure.get_or_insert(e);
            }
        }
    }
}

/// Folds a committed request's staged state into the writer's working state.
fn apply_to_working(
    working: &mut Working,
    marks: Vec<StatusSlot>,
    lists: BTreeMap<(ListKind, u32), ListMeta>,
    audit: Option<AuditHead>,
) {
    let size = working.list_size;
    for ((kind, list), meta) in lists {
        working
            .lists
            .entry((kind, list))
            .or_insert_with(|| super::state::WorkingList {
                used: super::state::Bitmap::new(size),
                meta,
            })
            .meta = meta;
    }
    for slot in marks {
        if let Some(list) = working.lists.get_mut(&(slot.kind, slot.list)) {
            list.used.insert(slot.index);
        }
    }
    if let Some(head) = audit {
        working.audit = head;
    }
}
