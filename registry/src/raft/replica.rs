//! A running voter: the ledger, its Raft log and state machine, the network, and the
//! write path (CONSORTIUM.md "Writes through any node").
//!
//! A write reaching the leader is pre-checked against the applied state (a fast
//! refusal that decides nothing), stamped with the leader's clock and proposed; the
//! answer comes from the leader's own apply once a majority holds the entry durably
//! (Raft §5.3–5.4), so **an acknowledged write is a committed entry** and no single
//! crash can lose it. A write reaching a follower names the leader to forward to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use openraft::{BasicNode, Raft, ServerState};
use serde_json::{Value, json};
use sigillum_credential::ledger::operation::{self, OperationError};
use sigillum_credential::ledger::{CosignerKey, SignerKey, VerifierKey};
use sigillum_credential::time::Clock;

use super::collect::Progress;
use super::cosign::Cosigner;
use super::log_store::RaftLog;
use super::machine::Machine;
use super::network::Network;
use super::{Command, Outcome, RegistryRaft, raft_config};
use crate::node::{Node, NodeError, Receipt};
use crate::state::{Genesis, MAX_TIME_SKEW, NodeRole};
use crate::store::{Durability, SledConfig, SledStore};

/// How long a write waits for its entry to commit before the answer is "unknown".
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// An idle leader proposes a tick this often, so checkpoint times stay honest.
pub const TICK_INTERVAL_SECS: i64 = 60;

/// What a replica is started with.
pub struct ReplicaConfig {
    /// This node's Raft id (its genesis `id`).
    pub id: u64,
    /// The data directory: `raft/` (the Raft log) and `ledger/` (leaves and hashes).
    pub data: PathBuf,
    /// The consortium's genesis.
    pub genesis: Genesis,
    /// This node's note key (signs its checkpoints and its RPCs).
    pub signer: SignerKey,
    /// Bootstrap addresses of the voters (`id` → base URL), used with `init`.
    pub peers: BTreeMap<u64, String>,
    /// Form the cluster from `peers` if this node has no Raft state yet.
    pub init: bool,
    /// The clock that stamps accepted operations.
    pub clock: Arc<dyn Clock>,
    /// Accept the fault-injection endpoints (tests only).
    pub faults: bool,
    /// This voter's cosignature key, if genesis gives it one.
    pub cosigner: Option<CosignerKey>,
}

/// Why a replica could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicaError {
    /// The ledger could not be opened.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The genesis does not describe this node or its voters.
    #[error("genesis: {0}")]
    Genesis(String),
    /// openraft refused to start or to initialize.
    #[error("raft: {0}")]
    Raft(String),
}

/// What became of a write.
#[derive(Debug)]
pub enum Written {
    /// Committed and applied as a new leaf.
    Created(Receipt),
    /// The very same operation is already the object's latest leaf (a retry).
    Existing(Receipt),
    /// Refused, before or at apply.
    Refused(super::Refusal),
    /// This node is not the leader; the leader is at this base URL.
    Forward(String),
    /// No leader is known (an election is running).
    NoLeader,
    /// The outcome is unknown (a timeout or a leader change mid-write); resubmitting
    /// the same bytes is safe.
    Unknown(String),
}

/// A running voter.
pub struct Replica {
    id: u64,
    raft: Raft<RegistryRaft>,
    node: Arc<Node>,
    voters: BTreeMap<u64, VerifierKey>,
    clock: Arc<dyn Clock>,
    isolated: Arc<RwLock<BTreeSet<u64>>>,
    faults: bool,
    cosigner: Option<Arc<Cosigner>>,
    progress: RwLock<Progress>,
}

/// The voters genesis names, by Raft id, with their note keys.
///
/// # Errors
/// A sentence when an id repeats or a key does not parse.
pub fn voters(genesis: &Genesis) -> Result<BTreeMap<u64, VerifierKey>, String> {
    let mut out = BTreeMap::new();
    for n in genesis.nodes.iter().filter(|n| n.role == NodeRole::Voter) {
        let key = VerifierKey::parse(&n.vkey).map_err(|e| format!("node {}: {e}", n.name))?;
        if out.insert(n.id, key).is_some() {
            return Err(format!("node id {} appears twice", n.id));
        }
    }
    Ok(out)
}

impl Replica {
    /// Opens the ledger and the Raft log under `config.data` and starts Raft; with
    /// `init`, forms the cluster of `config.peers` unless this node already has state.
    ///
    /// # Errors
    /// [`ReplicaError`] when the data cannot be opened or Raft cannot start.
    pub async fn start(config: ReplicaConfig) -> Result<Arc<Self>, ReplicaError> {
        let voters = voters(&config.genesis).map_err(ReplicaError::Genesis)?;
        let own = voters
            .get(&config.id)
            .ok_or_else(|| ReplicaError::Genesis(format!("no voter with id {}", config.id)))?;
        if *own != config.signer.verifier_key() {
            return Err(ReplicaError::Genesis(format!(
                "the node key is not the key genesis names for node {}",
                config.id
            )));
        }
        // The signer is used twice (checkpoints, RPCs) and is not Clone by design.
        let rpc_signer = SignerKey::parse_private(&config.signer.expose_private_key_text())
            .map_err(|e| ReplicaError::Genesis(e.to_string()))?;
        // The ledger is derived from the Raft log, which is durable on a majority
        // before anything is applied: a crash that loses the last ledger batches (each
        // atomic, with its `sm/applied`) is repaired by re-applying them from the log.
        // So the ledger is flushed but not fdatasynced (CONSORTIUM.md "Risks").
        let ledger_config = SledConfig {
            durability: Durability::Process,
            ..SledConfig::default()
        };
        let ledger = SledStore::open_with(config.data.join("ledger"), &ledger_config)
            .map_err(|e| ReplicaError::Node(NodeError::Store(e)))?;
        let node = Arc::new(Node::open_replica(
            Arc::new(ledger),
            &config.genesis,
            config.signer,
            Arc::clone(&config.clock),
        )?);
        let cosigner = match config.cosigner {
            None => None,
            Some(key) => {
                let named = config.genesis.nodes.iter().find(|n| n.id == config.id);
                if named.map(|n| n.cosigner.as_str()) != Some(&key.verifier_key().to_string()) {
                    return Err(ReplicaError::Genesis(format!(
                        "the cosigner key is not the one genesis names for node {}",
                        config.id
                    )));
                }
                Some(Arc::new(
                    Cosigner::open(
                        &config.data.join("cosign"),
                        key,
                        config.genesis.origin.clone(),
                        voters.values().cloned().collect(),
                        Some(Arc::clone(&node)),
                        Arc::clone(&config.clock),
                    )
                    .map_err(|e| ReplicaError::Node(NodeError::Store(e)))?,
                ))
            }
        };
        let policy = config.genesis.policy().map_err(ReplicaError::Genesis)?;
        let cosigning = config.genesis.cosign_threshold > 0;
        if cosigning {
            node.serve_only_published();
        }
        let log = RaftLog::open(&config.data.join("raft"))
            .map_err(|e| ReplicaError::Node(NodeError::Store(e)))?;
        let machine =
            Machine::new(Arc::clone(&node)).map_err(|e| ReplicaError::Raft(e.to_string()))?;
        let isolated = Arc::new(RwLock::new(BTreeSet::new()));
        let network = Network::new(config.id, rpc_signer, Arc::clone(&isolated));
        let raft_config = raft_config().map_err(|e| ReplicaError::Raft(e.to_string()))?;
        let raft = Raft::new(config.id, Arc::new(raft_config), network, log, machine)
            .await
            .map_err(|e| ReplicaError::Raft(e.to_string()))?;
        if config.init {
            let initialized = raft
                .is_initialized()
                .await
                .map_err(|e| ReplicaError::Raft(e.to_string()))?;
            if !initialized {
                let members: BTreeMap<u64, BasicNode> = config
                    .peers
                    .iter()
                    .map(|(id, url)| (*id, BasicNode::new(url)))
                    .collect();
                raft.initialize(members)
                    .await
                    .map_err(|e| ReplicaError::Raft(e.to_string()))?;
            }
        }
        let replica = Arc::new(Replica {
            id: config.id,
            raft,
            node,
            voters,
            clock: config.clock,
            isolated,
            faults: config.faults,
            cosigner,
            progress: RwLock::new(Progress::default()),
        });
        tokio::spawn(ticker(Arc::downgrade(&replica)));
        if cosigning {
            tokio::spawn(super::collect::run(
                Arc::downgrade(&replica),
                config.genesis,
                policy,
            ));
        }
        Ok(replica)
    }

    /// The ledger this replica applies to (reads are served from it).
    #[must_use]
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// This node's Raft id.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// This voter's cosigner, if it has a key.
    #[must_use]
    pub fn cosigner(&self) -> Option<Arc<Cosigner>> {
        self.cosigner.clone()
    }

    pub(super) fn set_progress(&self, progress: Progress) {
        if let Ok(mut p) = self.progress.write() {
            *p = progress;
        }
    }

    /// The address of voter `id` in the Raft membership.
    #[must_use]
    pub fn peer_url(&self, id: u64) -> Option<String> {
        self.raft
            .metrics()
            .borrow()
            .membership_config
            .membership()
            .get_node(&id)
            .map(|n| n.addr.clone())
    }

    /// The voters' note keys, by id (to check RPC envelopes).
    #[must_use]
    pub fn voter_keys(&self) -> &BTreeMap<u64, VerifierKey> {
        &self.voters
    }

    /// The Raft handle (RPC handlers call into it).
    #[must_use]
    pub fn raft(&self) -> &Raft<RegistryRaft> {
        &self.raft
    }

    /// The current time by this node's clock (Unix seconds).
    #[must_use]
    pub fn now(&self) -> i64 {
        self.clock.now().unix()
    }

    /// Writes one operation (the JWS JSON bytes a client sent).
    pub async fn write(&self, bytes: Vec<u8>) -> Written {
        let now = self.now();
        let op = match operation::parse(&bytes) {
            Ok(op) => op,
            Err(e) => return refused(e),
        };
        // Leadership first: a follower's state may lag, so it judges nothing.
        let metrics = self.raft.metrics().borrow().clone();
        if metrics.current_leader != Some(self.id) {
            return self.forward_target(metrics.current_leader);
        }
        if let Some(current) = self.node.current(&op.operation.id)
            && current.leaf_hash == op.leaf_hash()
        {
            return Written::Existing(Receipt {
                leaf_index: current.leaf_index,
                leaf_hash: current.leaf_hash,
            });
        }
        if op.operation.time.abs_diff(now) > MAX_TIME_SKEW.unsigned_abs() {
            return refused(OperationError::TimeSkew {
                time: op.operation.time,
                now,
                max_skew: MAX_TIME_SKEW,
            });
        }
        if let Err(e) = self.node.precheck(&op, now) {
            return refused(e);
        }
        let command = Command::Submit {
            op: bytes,
            accepted_at: now,
        };
        match tokio::time::timeout(WRITE_TIMEOUT, self.raft.client_write(command)).await {
            Err(_) => Written::Unknown(format!(
                "the write did not commit within {} s",
                WRITE_TIMEOUT.as_secs()
            )),
            Ok(Ok(response)) => match response.data {
                Outcome::Accepted {
                    leaf_index,
                    leaf_hash,
                } => match decode_hash(&leaf_hash) {
                    Some(leaf_hash) => Written::Created(Receipt {
                        leaf_index,
                        leaf_hash,
                    }),
                    None => Written::Unknown("the leaf hash could not be read back".into()),
                },
                Outcome::Refused(refusal) => Written::Refused(refusal),
                Outcome::Ticked => Written::Unknown("the entry applied as a tick".into()),
            },
            Ok(Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f)))) => {
                self.forward_target(f.leader_id)
            }
            Ok(Err(e)) => Written::Unknown(e.to_string()),
        }
    }

    fn forward_target(&self, leader: Option<u64>) -> Written {
        let metrics = self.raft.metrics().borrow().clone();
        let url = leader.and_then(|id| {
            metrics
                .membership_config
                .membership()
                .get_node(&id)
                .map(|n| n.addr.clone())
        });
        match (url, leader) {
            // An isolated node cannot reach the leader by any path.
            (Some(_), Some(id)) if self.is_isolated_from(id) => Written::NoLeader,
            (Some(url), Some(id)) if id != self.id => Written::Forward(url),
            _ => Written::NoLeader,
        }
    }

    /// `GET /v1/status`: Raft's view and the ledger's (CONSORTIUM.md "Operations").
    #[must_use]
    pub fn status(&self) -> Value {
        let m = self.raft.metrics().borrow().clone();
        let membership = m.membership_config.membership();
        let state = match m.state {
            ServerState::Leader => "Leader",
            ServerState::Follower => "Follower",
            ServerState::Candidate => "Candidate",
            ServerState::Learner => "Learner",
            ServerState::Shutdown => "Shutdown",
        };
        let checkpoint = self.node.checkpoint().ok();
        let progress = self.progress.read().map(|p| p.clone()).unwrap_or_default();
        json!({
            "node_id": self.id,
            "state": state,
            "current_term": m.current_term,
            "leader": m.current_leader,
            "last_log_index": m.last_log_index,
            "last_applied": m.last_applied.map(|l| l.index),
            "leaves": self.node.size(),
            "log_time": self.node.log_time(),
            "checkpoint": checkpoint,
            "pending": progress.pending,
            "cosignatures": progress.cosignatures,
            "cosigned": self.cosigner.as_ref().and_then(|c| c.last()).map(|(size, root)| json!({"size": size, "root": root})),
            "voters": membership.voter_ids().collect::<Vec<_>>(),
            "learners": membership.learner_ids().collect::<Vec<_>>(),
            "snapshot": m.snapshot.map(|l| l.index),
            "purged": m.purged.map(|l| l.index),
            "isolated_from": self.isolated.read().map(|s| s.iter().copied().collect::<Vec<_>>()).unwrap_or_default(),
        })
    }

    /// Whether the fault-injection endpoints are on.
    #[must_use]
    pub fn faults(&self) -> bool {
        self.faults
    }

    /// Cuts this node off from `peers` (both directions: its RPCs to them fail and
    /// theirs are refused) until [`Replica::heal`]. Tests only.
    pub fn isolate(&self, peers: &[u64]) {
        if let Ok(mut set) = self.isolated.write() {
            set.extend(peers);
        }
    }

    /// Ends every isolation.
    pub fn heal(&self) {
        if let Ok(mut set) = self.isolated.write() {
            set.clear();
        }
    }

    /// Whether traffic from `peer` is currently cut off.
    #[must_use]
    pub fn is_isolated_from(&self, peer: u64) -> bool {
        self.isolated.read().is_ok_and(|s| s.contains(&peer))
    }

    /// Stops Raft.
    pub async fn shutdown(&self) {
        let _ = self.raft.shutdown().await;
    }
}

fn refused(e: OperationError) -> Written {
    Written::Refused(super::Refusal::from(&e))
}

fn decode_hash(text: &str) -> Option<sigillum_credential::ledger::Hash> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    sigillum_credential::ledger::Hash::from_slice(&bytes).ok()
}

/// While this node leads, proposes a tick when the log time is
/// [`TICK_INTERVAL_SECS`] behind the clock (CONSORTIUM.md "Checkpoint body").
async fn ticker(replica: std::sync::Weak<Replica>) {
    let mut interval = tokio::time::interval(Duration::from_secs(5));
    loop {
        interval.tick().await;
        let Some(replica) = replica.upgrade() else {
            return;
        };
        let leading = replica.raft.metrics().borrow().current_leader == Some(replica.id);
        let now = replica.now();
        if leading
            && replica
                .node
                .log_time()
                .is_some_and(|t| now - t >= TICK_INTERVAL_SECS)
        {
            let _ = tokio::time::timeout(
                WRITE_TIMEOUT,
                replica.raft.client_write(Command::Tick { time: now }),
            )
            .await;
        }
    }
}
