//! The Raft state machine: the ledger ([`Node`]) applying committed entries
//! (CONSORTIUM.md "Log entries", "Storage on sled").
//!
//! Apply is deterministic: an operation is judged at the `accepted_at` the leader
//! stamped into the entry, never at this node's clock, so every voter reaches the
//! same leaves, roots and checkpoint bodies. The last applied log id and the
//! membership are written in the same atomic batch as the leaves (meta keys
//! `sm/applied`, `sm/membership`), so after a crash they agree with the leaves by
//! construction and openraft re-applies exactly the entries after them.

// openraft's storage traits fix the error type (`StorageError`, about 224 bytes);
// the helpers here return what the trait methods must.
#![allow(clippy::result_large_err)]

use std::io::Cursor;
use std::sync::Arc;

use base64::Engine as _;
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    Entry, EntryPayload, ErrorSubject, ErrorVerb, LogId, OptionalSend, RaftSnapshotBuilder,
    SnapshotMeta, StorageError, StorageIOError, StoredMembership,
};
use serde::{Deserialize, Serialize};

use super::{Command, Outcome, Refusal, RegistryRaft};
use crate::node::{Applied, LogCommand, Node, NodeError};
use crate::store::MetaPair;

type SE = StorageError<u64>;
type Membership = StoredMembership<u64, openraft::BasicNode>;

const APPLIED: &[u8] = b"sm/applied";
const MEMBERSHIP: &[u8] = b"sm/membership";
const SNAPSHOT: &[u8] = b"sm/snapshot";

/// Most entries written in one ledger batch (the store's batch limits bound it too).
const APPLY_CHUNK: usize = 256;

/// What a snapshot holds: the signed checkpoint of the ledger at the snapshot point.
/// Leaves are append-only, so the leaves it covers are the sender's own (CONSORTIUM.md
/// "Snapshots: a manifest, not a copy").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerManifest {
    /// The checkpoint note at the snapshot point.
    pub checkpoint: String,
}

#[derive(Serialize, Deserialize)]
struct StoredSnapshot {
    meta: SnapshotMeta<u64, openraft::BasicNode>,
    manifest: LedgerManifest,
}

/// The state machine over one replica's ledger.
pub struct Machine {
    node: Arc<Node>,
    applied: Option<LogId<u64>>,
    membership: Membership,
}

fn read_error(e: &(impl std::error::Error + 'static)) -> SE {
    StorageIOError::new(ErrorSubject::StateMachine, ErrorVerb::Read, e).into()
}

fn write_error(e: &(impl std::error::Error + 'static)) -> SE {
    StorageIOError::new(ErrorSubject::StateMachine, ErrorVerb::Write, e).into()
}

fn stored<T: serde::de::DeserializeOwned>(node: &Node, key: &[u8]) -> Result<Option<T>, SE> {
    match node.meta(key).map_err(|e| read_error(&e))? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| read_error(&e)),
    }
}

fn json(value: &impl Serialize) -> Result<Vec<u8>, SE> {
    serde_json::to_vec(value).map_err(|e| write_error(&e))
}

impl Machine {
    /// The state machine over `node` (opened with [`Node::open_replica`]), resuming
    /// from what its ledger recorded.
    ///
    /// # Errors
    /// [`StorageError`] when the recorded applied point cannot be read.
    pub fn new(node: Arc<Node>) -> Result<Self, SE> {
        let applied = stored(&node, APPLIED)?.flatten();
        let membership = stored(&node, MEMBERSHIP)?.unwrap_or_default();
        Ok(Machine {
            node,
            applied,
            membership,
        })
    }

    fn outcome(applied: Applied) -> Outcome {
        match applied {
            Applied::Accepted(receipt) => Outcome::Accepted {
                leaf_index: receipt.leaf_index,
                leaf_hash: base64::engine::general_purpose::STANDARD
                    .encode(receipt.leaf_hash.as_bytes()),
            },
            Applied::Refused(e) => Outcome::Refused(Refusal::from(&e)),
            Applied::Ticked => Outcome::Ticked,
        }
    }

    /// Applies one chunk of entries in one ledger batch.
    fn apply_chunk(&mut self, chunk: &[Entry<RegistryRaft>]) -> Result<Vec<Outcome>, SE> {
        let Some(last) = chunk.last() else {
            return Ok(Vec::new());
        };
        let mut membership = self.membership.clone();
        let commands: Vec<LogCommand<'_>> = chunk
            .iter()
            .map(|entry| match &entry.payload {
                EntryPayload::Normal(Command::Submit { op, accepted_at }) => LogCommand::Submit {
                    op,
                    accepted_at: *accepted_at,
                },
                EntryPayload::Normal(Command::Tick { time }) => LogCommand::Tick { time: *time },
                EntryPayload::Membership(m) => {
                    membership = StoredMembership::new(Some(entry.log_id), m.clone());
                    LogCommand::Skip
                }
                EntryPayload::Blank => LogCommand::Skip,
            })
            .collect();
        let extra: Vec<MetaPair> = vec![
            (APPLIED.to_vec(), json(&Some(last.log_id))?),
            (MEMBERSHIP.to_vec(), json(&membership)?),
        ];
        let outcomes = self
            .node
            .apply_replicated(&commands, extra)
            .map_err(|e: NodeError| write_error(&e))?;
        self.applied = Some(last.log_id);
        self.membership = membership;
        Ok(outcomes.into_iter().map(Self::outcome).collect())
    }
}

impl RaftStateMachine<RegistryRaft> for Machine {
    type SnapshotBuilder = Builder;

    async fn applied_state(&mut self) -> Result<(Option<LogId<u64>>, Membership), SE> {
        Ok((self.applied, self.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Outcome>, SE>
    where
        I: IntoIterator<Item = Entry<RegistryRaft>> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let entries: Vec<Entry<RegistryRaft>> = entries.into_iter().collect();
        let mut outcomes = Vec::with_capacity(entries.len());
        for chunk in entries.chunks(APPLY_CHUNK) {
            outcomes.extend(self.apply_chunk(chunk)?);
        }
        Ok(outcomes)
    }

    async fn get_snapshot_builder(&mut self) -> Builder {
        Builder {
            node: Arc::clone(&self.node),
            applied: self.applied,
            membership: self.membership.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, SE> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, openraft::BasicNode>,
        _snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), SE> {
        // Installing needs the leaves the manifest covers, fetched from the sender and
        // replayed (CONSORTIUM.md step 6). Until then logs are never purged
        // (`SnapshotPolicy::Never`), so a lagging node is always sent entries instead
        // and no leader sends a snapshot.
        Err(StorageIOError::new(
            ErrorSubject::Snapshot(Some(meta.signature())),
            ErrorVerb::Write,
            &std::io::Error::other(
                "installing a ledger snapshot is not supported yet; catch up from the log",
            ),
        )
        .into())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<RegistryRaft>>, SE> {
        let Some(stored) = stored::<StoredSnapshot>(&self.node, SNAPSHOT)? else {
            return Ok(None);
        };
        Ok(Some(Snapshot {
            meta: stored.meta,
            snapshot: Box::new(Cursor::new(json(&stored.manifest)?)),
        }))
    }
}

/// Builds a snapshot: the signed checkpoint at the applied point, with its Raft meta.
pub struct Builder {
    node: Arc<Node>,
    applied: Option<LogId<u64>>,
    membership: Membership,
}

impl RaftSnapshotBuilder<RegistryRaft> for Builder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<RegistryRaft>, SE> {
        let manifest = LedgerManifest {
            checkpoint: self.node.checkpoint().map_err(|e| read_error(&e))?,
        };
        let snapshot_id = match self.applied {
            Some(id) => format!("{}-{}-{}", id.leader_id.term, id.index, self.node.size()),
            None => format!("0-0-{}", self.node.size()),
        };
        let meta = SnapshotMeta {
            last_log_id: self.applied,
            last_membership: self.membership.clone(),
            snapshot_id,
        };
        let record = StoredSnapshot {
            meta: meta.clone(),
            manifest,
        };
        self.node
            .apply_replicated(&[], vec![(SNAPSHOT.to_vec(), json(&record)?)])
            .map_err(|e| write_error(&e))?;
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(json(&record.manifest)?)),
        })
    }
}
