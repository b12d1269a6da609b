//! A registry node: the state machine over a durable, group-committed log, with the
//! log's Merkle tree persisted beside it and checkpoints signed for what is durable.
//!
//! Ordering (the part that must be right): an operation is validated and staged on the
//! committer's single writer thread, in log order, against a *writer* state that
//! already includes earlier operations of the same unflushed batch; its effect waits,
//! keyed by leaf index, until the batch is durable; the *served* state then advances
//! strictly in index order up to the store's durable length. Readers and checkpoints
//! only ever see the served state, so nothing unacknowledged is ever proven.
//! Restart replays the log (state is a deterministic fold of it) and checks the
//! replayed Merkle root against the stored hashes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine as _;
use sigillum_credential::ledger::bundle::{Bundle, BundleObject, BundledProof};
use sigillum_credential::ledger::operation::{self, OperationError};
use sigillum_credential::ledger::read::{ReadProof, StateProofWire, state_line, time_line};
use sigillum_credential::ledger::tree::stored_hash_count;
use sigillum_credential::ledger::{
    Checkpoint, Frontier, Hash, HashReadError, HashReader, LeafIndex, ProofError, SignerKey,
    TreeSize, note, tree,
};
use sigillum_credential::time::{Clock, Timestamp};

use crate::state::{Effect, Genesis, GenesisError, State, StateSnapshot, Versioned};
use crate::store::{Committer, CommitterConfig, LogStore, MetaPair, StoreError};

/// Why the node could not do what was asked (as opposed to refusing an operation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// Storage failed; the node must be restarted.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The genesis file is unusable.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// The stored log does not replay into a valid state (or its hashes disagree).
    #[error("the stored log is inconsistent: {0}")]
    Corrupt(String),
    /// A proof could not be produced.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The checkpoint could not be signed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}

impl NodeError {
    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            NodeError::Store(e) => e.code(),
            NodeError::Genesis(_) => "genesis_invalid",
            NodeError::Corrupt(_) => "storage_corrupt",
            NodeError::Proof(e) => e.code(),
            NodeError::Checkpoint(_) => "checkpoint_unavailable",
        }
    }
}

/// What an accepted operation got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Its leaf index.
    pub leaf_index: u64,
    /// Its leaf hash.
    pub leaf_hash: Hash,
}

fn hash_key(index: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    key.push(b'h');
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// The log's stored Merkle hashes, read from the store's meta table.
struct StoredHashes<'a>(&'a dyn LogStore);

impl HashReader for StoredHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, HashReadError> {
        indexes
            .iter()
            .map(|&index| match self.0.get_meta(&hash_key(index)) {
                Ok(Some(bytes)) => Hash::from_slice(&bytes).map_err(|e| HashReadError::Backend {
                    reason: e.to_string(),
                }),
                Ok(None) => Err(HashReadError::Missing { index }),
                Err(e) => Err(HashReadError::Backend {
                    reason: e.to_string(),
                }),
            })
            .collect()
    }
}

struct Writer {
    state: State,
    frontier: Frontier,
    /// The checkpoint time a replica has reached (see [`Node::open_replica`]).
    time: i64,
}

struct Served {
    state: State,
    frontier: Frontier,
    /// The signed checkpoint for the current size and the state tree it commits to,
    /// made on first demand after a write and shared by every read until the next.
    cache: Option<Arc<Signed>>,
    /// A replica's checkpoint time, taken from its log; `None` on a single node,
    /// whose checkpoints carry its clock.
    log_time: Option<i64>,
}

/// The meta key holding a replica's checkpoint time (i64, big-endian).
const LOG_TIME_KEY: &[u8] = b"sm/time";

/// One entry of a replicated log, as [`Node::apply_replicated`] applies it.
#[derive(Debug, Clone, Copy)]
pub enum LogCommand<'a> {
    /// An operation's JWS JSON bytes, judged at the leader's acceptance time.
    Submit {
        /// The bytes the client sent.
        op: &'a [u8],
        /// The leader's clock when it accepted them (Unix seconds).
        accepted_at: i64,
    },
    /// Moves the checkpoint time forward on an idle log.
    Tick {
        /// Unix seconds.
        time: i64,
    },
    /// An entry that is not the ledger's (a consensus engine's own).
    Skip,
}

/// What applying one [`LogCommand`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The operation became a leaf.
    Accepted(Receipt),
    /// The operation was refused; no leaf was written.
    Refused(OperationError),
    /// A tick or a skipped entry.
    Ticked,
}

/// Objects picked from the state, with their ids.
type Picked = Vec<(String, Versioned)>;

/// A signed checkpoint and the state snapshot it commits to.
pub struct Signed {
    /// The signed note.
    pub note: String,
    /// The state tree.
    pub snapshot: Arc<StateSnapshot>,
    /// The log size it covers.
    pub size: TreeSize,
}

/// A running registry node.
pub struct Node {
    store: Arc<dyn LogStore>,
    committer: Committer,
    writer: Arc<Mutex<Writer>>,
    pending: Arc<Mutex<BTreeMap<u64, Effect>>>,
    served: RwLock<Served>,
    signer: SignerKey,
    origin: String,
    clock: Arc<dyn Clock>,
    /// Set on a replica whose consortium requires cosignatures: reads and
    /// `checkpoint()` then use only [`Node::publish`]ed checkpoints.
    cosigned: AtomicBool,
    published: RwLock<Option<Arc<Published>>>,
}

/// A checkpoint with enough cosignatures, and the state it commits to
/// (CONSORTIUM.md "Serving reads").
struct Published {
    signed: Arc<Signed>,
    state: State,
}

impl Node {
    /// Opens a node over `store`: replays the log into the state and checks the
    /// replayed Merkle root against the stored hashes.
    ///
    /// # Errors
    /// [`NodeError`] when genesis is unusable, storage fails, or the log is inconsistent.
    pub fn open(
        store: Arc<dyn LogStore>,
        genesis: &Genesis,
        signer: SignerKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, NodeError> {
        Self::open_with(store, genesis, signer, clock, false)
    }

    /// Opens a node that is one replica of a replicated log
    /// (specs/registry/CONSORTIUM.md "Checkpoint body"): it appends only through
    /// [`Node::apply_replicated`], and its checkpoints carry the time of the log
    /// (the latest acceptance or tick applied), so every replica that has applied the
    /// same entries signs byte-identical bodies.
    ///
    /// # Errors
    /// As [`Node::open`].
    pub fn open_replica(
        store: Arc<dyn LogStore>,
        genesis: &Genesis,
        signer: SignerKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, NodeError> {
        Self::open_with(store, genesis, signer, clock, true)
    }

    fn open_with(
        store: Arc<dyn LogStore>,
        genesis: &Genesis,
        signer: SignerKey,
        clock: Arc<dyn Clock>,
        replica: bool,
    ) -> Result<Self, NodeError> {
        let mut state = State::from_genesis(genesis)?;
        let mut frontier = Frontier::new();
        let len = store.len();
        let mut next = 0u64;
        while next < len {
            let chunk = store.range(next, len)?;
            if chunk.is_empty() {
                return Err(NodeError::Corrupt(format!("entry {next} is missing")));
            }
            for bytes in chunk {
                let op = operation::parse(&bytes)
                    .map_err(|e| NodeError::Corrupt(format!("entry {next}: {e}")))?;
                // Replay judges each operation at its own time: the skew check passed when it was accepted.
                let effect = state
                    .check(&op, op.operation.time)
                    .map_err(|e| NodeError::Corrupt(format!("entry {next}: {e}")))?;
                state.apply(effect, next, op.leaf_hash());
                frontier.append(op.leaf_hash());
                next += 1;
            }
        }
        let stored = Frontier::load(TreeSize::new(len), &StoredHashes(store.as_ref()))?;
        if stored.root() != frontier.root() {
            return Err(NodeError::Corrupt(
                "the stored Merkle hashes do not match the replayed log".into(),
            ));
        }
        let log_time = if replica {
            Some(match store.get_meta(LOG_TIME_KEY)? {
                None => 0,
                Some(bytes) => <[u8; 8]>::try_from(bytes.as_slice())
                    .map(i64::from_be_bytes)
                    .map_err(|_| NodeError::Corrupt("the stored log time is not 8 bytes".into()))?,
            })
        } else {
            None
        };
        let committer = Committer::new(store.clone(), &CommitterConfig::default())?;
        Ok(Node {
            committer,
            writer: Arc::new(Mutex::new(Writer {
                state: state.clone(),
                frontier: frontier.clone(),
                time: log_time.unwrap_or(0),
            })),
            pending: Arc::new(Mutex::new(BTreeMap::new())),
            served: RwLock::new(Served {
                state,
                frontier,
                cache: None,
                log_time,
            }),
            store,
            signer,
            origin: genesis.origin.clone(),
            clock,
            cosigned: AtomicBool::new(false),
            published: RwLock::new(None),
        })
    }

    /// Validates and durably appends one operation (the JWS JSON bytes a client sent).
    /// The outer error is "could not run" (storage); the inner one is the refusal.
    ///
    /// # Errors
    /// [`NodeError`] when storage fails.
    pub async fn submit(
        &self,
        bytes: Vec<u8>,
    ) -> Result<Result<Receipt, OperationError>, NodeError> {
        let op = match operation::parse(&bytes) {
            Ok(op) => op,
            Err(e) => return Ok(Err(e)),
        };
        let leaf_hash = op.leaf_hash();
        let writer = Arc::clone(&self.writer);
        let pending = Arc::clone(&self.pending);
        let now = self.clock.now().unix();
        let outcome = self
            .committer
            .append_with(move |index| {
                let mut w = writer
                    .lock()
                    .map_err(|_| OperationError::Rejected("writer state poisoned".into()))?;
                let effect = w.state.check(&op, now)?;
                w.state.apply(effect.clone(), index, leaf_hash);
                let first = stored_hash_count(w.frontier.size()).unwrap_or(0);
                let meta: Vec<MetaPair> = w
                    .frontier
                    .append(leaf_hash)
                    .into_iter()
                    .zip(first..)
                    .map(|(hash, i)| (hash_key(i), hash.as_bytes().to_vec()))
                    .collect();
                if let Ok(mut p) = pending.lock() {
                    p.insert(index, effect);
                }
                Ok((bytes, meta))
            })
            .await?;
        match outcome {
            Ok(leaf_index) => {
                self.advance();
                Ok(Ok(Receipt {
                    leaf_index,
                    leaf_hash,
                }))
            }
            Err(refusal) => Ok(Err(refusal)),
        }
    }

    /// Applies a run of replicated log entries, in order, deterministically: each
    /// operation is judged by [`State::check`] at its `accepted_at` (never this node's
    /// clock), an accepted one becomes the next leaf, a refused one writes nothing.
    /// The leaves, their Merkle hashes, the log time and `extra` (the consensus
    /// engine's own bookkeeping) are written in one durable batch before any of it is
    /// served. Only for a node opened with [`Node::open_replica`].
    ///
    /// # Errors
    /// [`NodeError::Store`] when the batch cannot be written; the store then refuses
    /// further appends and the node must be reopened (it replays what is durable).
    pub fn apply_replicated(
        &self,
        commands: &[LogCommand<'_>],
        extra: Vec<MetaPair>,
    ) -> Result<Vec<Applied>, NodeError> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| NodeError::Checkpoint("writer state poisoned".into()))?;
        let first = self.store.len();
        let mut leaves: Vec<Vec<u8>> = Vec::new();
        let mut meta: Vec<MetaPair> = Vec::new();
        let mut staged = Vec::new();
        let mut outcomes = Vec::with_capacity(commands.len());
        let mut time = w.time;
        for command in commands {
            match *command {
                LogCommand::Submit { op, accepted_at } => {
                    let parsed = if op.len() > crate::store::limits::MAX_ENTRY_BYTES {
                        Err(OperationError::TooLarge(op.len()))
                    } else {
                        operation::parse(op)
                    };
                    let parsed = match parsed {
                        Ok(parsed) => parsed,
                        Err(refusal) => {
                            outcomes.push(Applied::Refused(refusal));
                            continue;
                        }
                    };
                    let effect = match w.state.check(&parsed, accepted_at) {
                        Ok(effect) => effect,
                        // The same operation proposed twice (a client retrying a write
                        // whose outcome it could not know) is already the object's
                        // latest leaf: the retry gets that receipt, not a refusal.
                        Err(_)
                            if let Some(current) = w.state.get(&parsed.operation.id)
                                && current.leaf_hash == parsed.leaf_hash() =>
                        {
                            outcomes.push(Applied::Accepted(Receipt {
                                leaf_index: current.leaf_index,
                                leaf_hash: current.leaf_hash,
                            }));
                            continue;
                        }
                        Err(refusal) => {
                            outcomes.push(Applied::Refused(refusal));
                            continue;
                        }
                    };
                    let index = first + leaves.len() as u64;
                    let leaf_hash = parsed.leaf_hash();
                    w.state.apply(effect.clone(), index, leaf_hash);
                    let from = stored_hash_count(w.frontier.size()).unwrap_or(0);
                    meta.extend(
                        w.frontier
                            .append(leaf_hash)
                            .into_iter()
                            .zip(from..)
                            .map(|(hash, i)| (hash_key(i), hash.as_bytes().to_vec())),
                    );
                    staged.push((index, effect));
                    leaves.push(op.to_vec());
                    time = time.max(accepted_at);
                    outcomes.push(Applied::Accepted(Receipt {
                        leaf_index: index,
                        leaf_hash,
                    }));
                }
                LogCommand::Tick { time: tick } => {
                    time = time.max(tick);
                    outcomes.push(Applied::Ticked);
                }
                LogCommand::Skip => outcomes.push(Applied::Ticked),
            }
        }
        meta.push((LOG_TIME_KEY.to_vec(), time.to_be_bytes().to_vec()));
        meta.extend(extra);
        self.store.append_batch_with_meta(&leaves, &meta)?;
        w.time = time;
        drop(w);
        if let Ok(mut pending) = self.pending.lock() {
            pending.extend(staged);
        }
        self.advance();
        if let Ok(mut served) = self.served.write()
            && served.log_time != Some(time)
        {
            served.log_time = Some(time);
            served.cache = None;
        }
        Ok(outcomes)
    }

    /// A value of the store's meta table (a consensus engine's bookkeeping).
    ///
    /// # Errors
    /// [`NodeError::Store`].
    pub fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(self.store.get_meta(key)?)
    }

    /// The current value of `id` (its latest leaf), from the served state.
    #[must_use]
    pub fn current(&self, id: &str) -> Option<Versioned> {
        self.served.read().ok()?.state.get(id).cloned()
    }

    /// Judges `op` against the served state at `now`, changing nothing: a leader's
    /// fast refusal before it proposes (the decision is made again at apply).
    ///
    /// # Errors
    /// The [`OperationError`] the operation would be refused with now.
    pub fn precheck(
        &self,
        op: &operation::SignedOperation,
        now: i64,
    ) -> Result<(), OperationError> {
        let served = self
            .served
            .read()
            .map_err(|_| OperationError::Rejected("state lock poisoned".into()))?;
        served.state.check(op, now).map(|_| ())
    }

    /// The checkpoint time of a replica's log (`None` on a single node).
    #[must_use]
    pub fn log_time(&self) -> Option<i64> {
        self.served.read().ok()?.log_time
    }

    /// Applies the durable prefix of staged effects to the served state, in index order.
    fn advance(&self) {
        let durable = self.store.len();
        let (Ok(mut pending), Ok(mut served)) = (self.pending.lock(), self.served.write()) else {
            return;
        };
        while served.frontier.size().get() < durable {
            let index = served.frontier.size().get();
            let Some(effect) = pending.remove(&index) else {
                break;
            };
            let Ok(Some(bytes)) = self.store.get(index) else {
                break;
            };
            let leaf = sigillum_credential::ledger::merkle::leaf_hash(&bytes);
            served.state.apply(effect, index, leaf);
            served.frontier.append(leaf);
            served.cache = None;
        }
    }

    /// The log's current (durable) size.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.served.read().map_or(0, |s| s.frontier.size().get())
    }

    /// The signed checkpoint for the current size, committing to the state and the time.
    ///
    /// # Errors
    /// [`NodeError::Checkpoint`] if it cannot be formed or signed.
    pub fn checkpoint(&self) -> Result<String, NodeError> {
        if self.cosigned.load(Ordering::Acquire) {
            return Ok(self.published()?.signed.note.clone());
        }
        Ok(self.signed()?.note.clone())
    }

    /// From now on, serve only checkpoints given to [`Node::publish`] (a replica
    /// whose consortium requires cosignatures).
    pub fn serve_only_published(&self) {
        self.cosigned.store(true, Ordering::Release);
    }

    fn published(&self) -> Result<Arc<Published>, NodeError> {
        self.published
            .read()
            .ok()
            .and_then(|p| p.clone())
            .ok_or_else(|| {
                NodeError::Checkpoint(
                    "no checkpoint has enough cosignatures yet; retry shortly".into(),
                )
            })
    }

    /// The current checkpoint (signed by this node alone) with a copy of the state
    /// it commits to: what a cosigning round collects cosignatures for.
    ///
    /// # Errors
    /// [`NodeError::Checkpoint`] if it cannot be formed or signed.
    pub fn pending(&self) -> Result<(Arc<Signed>, State), NodeError> {
        let (signed, mut states) = self.consistent_current(|state| vec![state.clone()])?;
        let state = states
            .pop()
            .ok_or_else(|| NodeError::Checkpoint("no state".into()))?;
        Ok((signed, state))
    }

    /// Serves `note` (the body of `signed` with its cosignatures) and `state` from
    /// now on, unless a newer checkpoint is already published.
    pub fn publish(&self, signed: &Signed, note: String, state: State) {
        let Ok(mut published) = self.published.write() else {
            return;
        };
        if published
            .as_ref()
            .is_some_and(|p| p.signed.size.get() > signed.size.get())
        {
            return;
        }
        *published = Some(Arc::new(Published {
            signed: Arc::new(Signed {
                note,
                snapshot: Arc::clone(&signed.snapshot),
                size: signed.size,
            }),
            state,
        }));
    }

    /// The published checkpoint's note, if any.
    #[must_use]
    pub fn published_note(&self) -> Option<String> {
        self.published().ok().map(|p| p.signed.note.clone())
    }

    /// The log's root at `size` (at most the current size), from the stored hashes.
    ///
    /// # Errors
    /// [`NodeError::Proof`] for a size beyond the log.
    pub fn root_at(&self, size: u64) -> Result<Hash, NodeError> {
        Ok(tree::root(
            TreeSize::new(size),
            &StoredHashes(self.store.as_ref()),
        )?)
    }

    /// The current signed checkpoint with its state snapshot (made once per write).
    ///
    /// # Errors
    /// [`NodeError::Checkpoint`] if it cannot be formed or signed.
    pub fn signed(&self) -> Result<Arc<Signed>, NodeError> {
        if let Some(cached) = self.served.read().ok().and_then(|s| s.cache.clone()) {
            return Ok(cached);
        }
        let mut served = self
            .served
            .write()
            .map_err(|_| NodeError::Checkpoint("state lock poisoned".into()))?;
        if let Some(cached) = served.cache.clone() {
            return Ok(cached);
        }
        let snapshot = served.state.snapshot();
        let commitment = snapshot.commitment();
        let body = Checkpoint::new(
            self.origin.clone(),
            served.frontier.size(),
            served.frontier.root(),
        )
        .and_then(|c| c.with_extension(state_line(&commitment.root, commitment.size)))
        .and_then(|c| {
            let time = served
                .log_time
                .map_or_else(|| self.clock.now(), Timestamp::from_unix);
            c.with_extension(time_line(time))
        })
        .map_err(|e| NodeError::Checkpoint(e.to_string()))?
        .to_body();
        let note =
            note::sign(&body, &[&self.signer]).map_err(|e| NodeError::Checkpoint(e.to_string()))?;
        let signed = Arc::new(Signed {
            note,
            snapshot: Arc::new(snapshot),
            size: served.frontier.size(),
        });
        served.cache = Some(Arc::clone(&signed));
        Ok(signed)
    }

    /// The current value of `id` with every proof a client needs (`None` if no such object).
    ///
    /// # Errors
    /// [`NodeError`] if storage or proof generation fails.
    pub fn read(&self, id: &str) -> Result<Option<ReadProof>, NodeError> {
        let (signed, versions) = self.consistent(|state| {
            state
                .get(id)
                .cloned()
                .into_iter()
                .map(|v| (id.to_owned(), v))
                .collect()
        })?;
        versions
            .first()
            .map(|(_, v)| self.proven(id, v, &signed))
            .transpose()
    }

    /// The signed checkpoint and values taken from the same state (retrying if a write
    /// lands in between), so every proof is against the checkpoint it is served with.
    fn consistent(
        &self,
        pick: impl Fn(&State) -> Picked,
    ) -> Result<(Arc<Signed>, Picked), NodeError> {
        if self.cosigned.load(Ordering::Acquire) {
            let published = self.published()?;
            let picked = pick(&published.state);
            return Ok((Arc::clone(&published.signed), picked));
        }
        self.consistent_current(pick)
    }

    fn consistent_current<T>(
        &self,
        pick: impl Fn(&State) -> Vec<T>,
    ) -> Result<(Arc<Signed>, Vec<T>), NodeError> {
        for _ in 0..16 {
            let signed = self.signed()?;
            let served = self
                .served
                .read()
                .map_err(|_| NodeError::Checkpoint("state lock poisoned".into()))?;
            if served
                .cache
                .as_ref()
                .is_some_and(|c| Arc::ptr_eq(c, &signed))
            {
                return Ok((signed, pick(&served.state)));
            }
        }
        Err(NodeError::Checkpoint(
            "the log is changing too fast to serve a consistent read; retry".into(),
        ))
    }

    /// Every object with its proofs against one checkpoint: the offline bundle.
    ///
    /// # Errors
    /// [`NodeError`] if storage or proof generation fails.
    pub fn bundle(&self) -> Result<Bundle, NodeError> {
        let (signed, versions) = self.consistent(|state| {
            state
                .objects()
                .map(|(id, v)| (id.clone(), v.clone()))
                .collect()
        })?;
        let mut objects = Vec::with_capacity(versions.len());
        for (id, version) in versions {
            let proof = self.proven(&id, &version, &signed)?;
            objects.push(BundleObject {
                id,
                proof: BundledProof::from(proof),
            });
        }
        Ok(Bundle {
            checkpoint: signed.note.clone(),
            objects,
        })
    }

    fn proven(
        &self,
        id: &str,
        version: &Versioned,
        signed: &Signed,
    ) -> Result<ReadProof, NodeError> {
        if version.leaf_index >= signed.size.get() {
            return Err(NodeError::Checkpoint(
                "the object changed after the checkpoint; retry".into(),
            ));
        }
        let entry = self.store.get(version.leaf_index)?.ok_or_else(|| {
            NodeError::Corrupt(format!("entry {} is missing", version.leaf_index))
        })?;
        let inclusion = tree::inclusion_proof(
            LeafIndex::new(version.leaf_index),
            signed.size,
            &StoredHashes(self.store.as_ref()),
        )?;
        let state = signed.snapshot.proof(id)?.ok_or_else(|| {
            NodeError::Checkpoint(format!("{id} is newer than the checkpoint; retry"))
        })?;
        let b64 = |h: &Hash| base64::engine::general_purpose::STANDARD.encode(h.as_bytes());
        Ok(ReadProof {
            object: version.value.clone(),
            entry: base64::engine::general_purpose::STANDARD.encode(entry),
            leaf_index: version.leaf_index,
            inclusion: inclusion.iter().map(b64).collect(),
            state: StateProofWire {
                position: state.position,
                size: state.size,
                proof: state.path.iter().map(b64).collect(),
            },
            checkpoint: signed.note.clone(),
        })
    }

    /// A consistency proof between two sizes of this log (RFC 9162 §2.1.4).
    ///
    /// # Errors
    /// [`NodeError::Proof`] for sizes the log cannot prove.
    pub fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, NodeError> {
        Ok(tree::consistency_proof(
            TreeSize::new(old),
            TreeSize::new(new),
            &StoredHashes(self.store.as_ref()),
        )?)
    }

    /// An inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3).
    ///
    /// # Errors
    /// [`NodeError::Proof`] for an index or size the log cannot prove (a size beyond
    /// the log has no stored hashes).
    pub fn inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, NodeError> {
        Ok(tree::inclusion_proof(
            LeafIndex::new(index),
            TreeSize::new(size),
            &StoredHashes(self.store.as_ref()),
        )?)
    }

    /// The log entries `start..end` (at most 1000).
    ///
    /// # Errors
    /// [`NodeError::Store`].
    pub fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, NodeError> {
        Ok(self.store.range(start, end.min(self.size()))?)
    }
}
