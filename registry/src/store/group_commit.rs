//! Group commit: many concurrent appenders, one writer, one flush per batch.
//!
//! Callers send requests into a bounded queue. One dedicated writer thread takes whatever
//! has queued up (at most [`CommitterConfig::max_batch_entries`]) while the previous batch
//! was being flushed, writes it with one [`LogStore::append_batch_with_meta`] call — one
//! transaction, one flush — and then acknowledges every caller in the batch with its index.
//! Under load the batch grows to fill the flush latency, so durability costs one flush per
//! batch, not per operation.
//!
//! **Validation against current state** ([`Committer::append_with`]): the caller's closure
//! runs *on the writer thread*, in log order, with the index its entry will get, so it can
//! check the operation against a state that includes every entry before it (even those in
//! the same, not yet flushed, batch) and update that state. This is the registry's single
//! writer: no locks, no lost updates. A rejection is delivered only after the batch it was
//! judged in is durable, so a rejection never rests on state a crash could lose.
//!
//! **Fail-stop.** If a batch fails, whether the batch reached the disk is unknown, and the
//! validation state held by closures already counts its entries. The committer therefore
//! refuses every later request with [`StoreError::Unavailable`]; the registry must restart,
//! reopen the store (recovery decides what survived) and rebuild its state from the log.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::{LogStore, MetaPair, StoreError, check_batch, limits};

/// Tuning of a [`Committer`]. Values are clamped to the store's [`limits`].
#[derive(Debug, Clone)]
pub struct CommitterConfig {
    /// Most entries written (and flushed) together.
    pub max_batch_entries: usize,
    /// Most bytes (entries and meta) written together; a single larger request still goes
    /// alone in its own batch if it is within the store's limits.
    pub max_batch_bytes: usize,
    /// Requests that may wait in the queue before `append` itself waits (back-pressure).
    pub queue_depth: usize,
}

impl Default for CommitterConfig {
    fn default() -> Self {
        Self {
            max_batch_entries: 512,
            max_batch_bytes: 16 << 20,
            queue_depth: 4096,
        }
    }
}

/// Counters showing how well appends are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitStats {
    /// Batches written (each one transaction and one flush).
    pub batches: u64,
    /// Entries written.
    pub entries: u64,
    /// Entries in the largest batch so far.
    pub largest_batch: u64,
}

#[derive(Debug, Default)]
struct Counters {
    batches: AtomicU64,
    entries: AtomicU64,
    largest_batch: AtomicU64,
}

/// The async front end that serializes and groups appends to a [`LogStore`].
///
/// It must be the store's only writer. Share it with `Arc<Committer>`; when the last
/// handle is dropped the writer finishes the queued requests and stops.
#[derive(Debug)]
pub struct Committer {
    queue: mpsc::Sender<Box<dyn Job>>,
    counters: Arc<Counters>,
    /// Closed when the writer thread exits.
    stopped: oneshot::Receiver<()>,
}

/// Delivers the outcome of one request: the entry's index, or the error.
type Done = Box<dyn FnOnce(Result<u64, StoreError>) + Send>;

/// What a request turns into on the writer thread.
struct Proposal {
    /// `None` for a request its closure rejected.
    item: Option<(Vec<u8>, Vec<MetaPair>)>,
    done: Done,
}

trait Job: Send {
    /// Runs on the writer thread with the index the entry will get.
    fn propose(self: Box<Self>, next_index: u64) -> Proposal;
    /// Fails the request without running it.
    fn fail(self: Box<Self>, error: StoreError);
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

struct Plain {
    entry: Vec<u8>,
    meta: Vec<MetaPair>,
    ack: oneshot::Sender<Result<u64, StoreError>>,
}

impl Job for Plain {
    fn propose(self: Box<Self>, _next_index: u64) -> Proposal {
        let ack = self.ack;
        Proposal {
            item: Some((self.entry, self.meta)),
            done: Box::new(move |result| {
                // The caller may have stopped waiting; the entry is appended regardless.
                let _ = ack.send(result);
            }),
        }
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.ack.send(Err(error));
    }
}

/// The outcome of [`Committer::append_with`].
type WithResult<E> = Result<Result<u64, E>, StoreError>;

struct With<F, E> {
    build: F,
    ack: oneshot::Sender<WithResult<E>>,
}

impl<F, E> Job for With<F, E>
where
    F: FnOnce(u64) -> Result<(Vec<u8>, Vec<MetaPair>), E> + Send + 'static,
    E: Send + 'static,
{
    fn propose(self: Box<Self>, next_index: u64) -> Proposal {
        let ack = self.ack;
        match (self.build)(next_index) {
            Ok(item) => Proposal {
                item: Some(item),
                done: Box::new(move |result| {
                    let _ = ack.send(result.map(Ok));
                }),
            },
            Err(rejection) => Proposal {
                item: None,
                done: Box::new(move |result| {
                    let _ = ack.send(result.map(|_| Err(rejection)));
                }),
            },
        }
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.ack.send(Err(error));
    }
}

impl Committer {
    /// Starts the writer thread for `store`, numbering from `store.len()`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the writer thread cannot be started.
    pub fn new(store: Arc<dyn LogStore>, config: &CommitterConfig) -> Result<Self, StoreError> {
        let (queue, requests) = mpsc::channel(config.queue_depth.max(1));
        let (stopped_tx, stopped) = oneshot::channel();
        let counters = Arc::new(Counters::default());
        let writer = Writer {
            store,
            max_entries: config.max_batch_entries.clamp(1, limits::MAX_BATCH_ENTRIES),
            max_bytes: config.max_batch_bytes.min(limits::MAX_BATCH_BYTES),
            counters: Arc::clone(&counters),
            failure: None,
        };
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                writer.run(requests);
                drop(stopped_tx);
            })
            .map_err(|e| StoreError::unavailable(format!("cannot start log writer: {e}")))?;
        Ok(Self {
            queue,
            counters,
            stopped,
        })
    }

    /// Appends `entry` and upserts `meta` atomically with it; resolves with the entry's
    /// index once it is durable. Dropping the future does not withdraw a request already
    /// queued.
    ///
    /// # Errors
    /// [`StoreError::EntryTooLarge`], [`StoreError::MetaTooLarge`] or
    /// [`StoreError::BatchTooLarge`] before queueing; [`StoreError::Unavailable`] if the
    /// batch failed, the committer stopped after an earlier failure, or it is shut down;
    /// [`StoreError::Corrupt`] if someone else appended to the store.
    pub async fn append(&self, entry: Vec<u8>, meta: Vec<MetaPair>) -> Result<u64, StoreError> {
        check_batch(std::slice::from_ref(&entry), &meta)?;
        let (ack, outcome) = oneshot::channel();
        self.submit(Box::new(Plain { entry, meta, ack })).await?;
        outcome.await.map_err(|_| writer_gone())?
    }

    /// Runs `build(next_index)` on the writer thread, in log order, and appends the entry
    /// and meta it returns at `next_index`; resolves once durable. `build` returning
    /// `Err(rejection)` appends nothing and resolves to `Ok(Err(rejection))`.
    ///
    /// `build` may keep validation state (e.g. behind an `Arc<Mutex<_>>` only it locks): the
    /// state it sees includes every entry accepted before, durable or not. Returning `Ok`
    /// commits that state to the entry, so an entry over the store's [`limits`] stops the
    /// committer (fail-stop): check limits inside `build` and reject instead. `build` must
    /// not block for long or panic; it holds up the whole log.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the batch failed, the committer stopped after an
    /// earlier failure, or it is shut down; the limit errors if the entry breached them;
    /// [`StoreError::Corrupt`] if someone else appended to the store.
    pub async fn append_with<F, E>(&self, build: F) -> Result<Result<u64, E>, StoreError>
    where
        F: FnOnce(u64) -> Result<(Vec<u8>, Vec<MetaPair>), E> + Send + 'static,
        E: Send + 'static,
    {
        let (ack, outcome) = oneshot::channel();
        self.submit(Box::new(With { build, ack })).await?;
        outcome.await.map_err(|_| writer_gone())?
    }

    /// How appends have been grouped so far.
    #[must_use]
    pub fn stats(&self) -> CommitStats {
        CommitStats {
            batches: self.counters.batches.load(Ordering::Relaxed),
            entries: self.counters.entries.load(Ordering::Relaxed),
            largest_batch: self.counters.largest_batch.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting requests and waits until every queued request has been written
    /// and acknowledged.
    pub async fn shutdown(self) {
        drop(self.queue);
        // Resolves (with an error) when the writer thread drops its end on exit.
        let _ = self.stopped.await;
    }

    async fn submit(&self, job: Box<dyn Job>) -> Result<(), StoreError> {
        self.queue.send(job).await.map_err(|_| writer_gone())
    }
}

fn writer_gone() -> StoreError {
    StoreError::unavailable("log writer stopped")
}

/// The state of the writer thread.
struct Writer {
    store: Arc<dyn LogStore>,
    max_entries: usize,
    max_bytes: usize,
    counters: Arc<Counters>,
    /// Set by the first failure; every later request is refused with it.
    failure: Option<StoreError>,
}

/// One batch being gathered.
#[derive(Default)]
struct Batch {
    entries: Vec<Vec<u8>>,
    meta: Vec<MetaPair>,
    bytes: usize,
    /// In log order; `Some(offset)` for requests with an entry at `first + offset`.
    done: Vec<(Option<u64>, Done)>,
}

impl Writer {
    fn run(mut self, mut requests: mpsc::Receiver<Box<dyn Job>>) {
        let mut next = self.store.len();
        let mut carried: Option<Proposal> = None;
        loop {
            let mut batch = Batch::default();
            let mut stop_after = false;
            if let Some(proposal) = carried.take() {
                match &self.failure {
                    Some(failure) => (proposal.done)(Err(stopped_after(failure))),
                    None => self.add(&mut batch, proposal, &mut carried, &mut stop_after),
                }
            } else {
                match requests.blocking_recv() {
                    Some(job) => self.take(job, next, &mut batch, &mut carried, &mut stop_after),
                    None => return,
                }
            }
            // Everything that queued while the previous batch was flushing joins this one.
            while carried.is_none() && !stop_after && batch.entries.len() < self.max_entries {
                match requests.try_recv() {
                    Ok(job) => self.take(job, next, &mut batch, &mut carried, &mut stop_after),
                    Err(_) => break,
                }
            }
            next = self.commit(batch, next);
        }
    }

    fn take(
        &mut self,
        job: Box<dyn Job>,
        next: u64,
        batch: &mut Batch,
        carried: &mut Option<Proposal>,
        stop_after: &mut bool,
    ) {
        if let Some(failure) = &self.failure {
            job.fail(stopped_after(failure));
            return;
        }
        let offset = u64::try_from(batch.entries.len()).unwrap_or(u64::MAX);
        let proposal = job.propose(next.saturating_add(offset));
        self.add(batch, proposal, carried, stop_after);
    }

    /// Adds an accepted proposal to the batch, or carries it to the next one if the batch
    /// is full. A proposal is never carried past an empty batch, so nothing starves.
    fn add(
        &mut self,
        batch: &mut Batch,
        proposal: Proposal,
        carried: &mut Option<Proposal>,
        stop_after: &mut bool,
    ) {
        let Some((entry, meta)) = proposal.item else {
            batch.done.push((None, proposal.done));
            return;
        };
        let bytes = match check_batch(std::slice::from_ref(&entry), &meta) {
            Ok(bytes) => bytes,
            Err(e) => {
                // Only a closure can get here (plain appends are checked before queueing),
                // and its state already counts this entry: stop after this batch.
                self.failure = Some(e.clone());
                *stop_after = true;
                batch
                    .done
                    .push((None, Box::new(move |_| (proposal.done)(Err(e)))));
                return;
            }
        };
        let fits = batch.entries.len() < self.max_entries
            && batch.meta.len().saturating_add(meta.len()) <= limits::MAX_BATCH_META
            && batch.bytes.saturating_add(bytes) <= self.max_bytes;
        if !fits && !batch.entries.is_empty() {
            *carried = Some(Proposal {
                item: Some((entry, meta)),
                done: proposal.done,
            });
            return;
        }
        let offset = u64::try_from(batch.entries.len()).unwrap_or(u64::MAX);
        batch.entries.push(entry);
        batch.meta.extend(meta);
        batch.bytes = batch.bytes.saturating_add(bytes);
        batch.done.push((Some(offset), proposal.done));
    }

    /// Writes and flushes the batch, acknowledges its requests; returns the next index.
    fn commit(&mut self, batch: Batch, next: u64) -> u64 {
        let count = u64::try_from(batch.entries.len()).unwrap_or(u64::MAX);
        let written = if batch.entries.is_empty() && batch.meta.is_empty() {
            Ok(next)
        } else {
            self.store
                .append_batch_with_meta(&batch.entries, &batch.meta)
        };
        let outcome = match written {
            Ok(first) if first == next => Ok(first),
            Ok(first) => Err(StoreError::corrupt(format!(
                "log store appended at {first}, expected {next}: another writer is active"
            ))),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(first) => {
                self.counters.batches.fetch_add(1, Ordering::Relaxed);
                self.counters.entries.fetch_add(count, Ordering::Relaxed);
                self.counters
                    .largest_batch
                    .fetch_max(count, Ordering::Relaxed);
                for (offset, done) in batch.done {
                    done(Ok(offset.map_or(first, |o| first.saturating_add(o))));
                }
                next.saturating_add(count)
            }
            Err(e) => {
                for (_, done) in batch.done {
                    done(Err(e.clone()));
                }
                self.failure.get_or_insert(e);
                next
            }
        }
    }
}

fn stopped_after(failure: &StoreError) -> StoreError {
    StoreError::unavailable(format!(
        "log writer stopped after an earlier failure: {failure}"
    ))
}

#[cfg(test)]
#[path = "group_commit_tests.rs"]
mod tests;
