//! The replicated registry (issue #9, specs/registry/CONSORTIUM.md): the log of
//! operations replicated with openraft 0.9 across the consortium's voters.
//!
//! ```text
//!  POST /v1/operations ─▶ Replica::write (leader: pre-check, client_write; follower: forward)
//!     Raft log (sled, <data>/raft) ──commit──▶ Machine::apply ─▶ Node::apply_replicated
//!                                                         (leaves, hashes, log time: <data>/ledger)
//! ```
//!
//! Every openraft type stays inside this module (its API changes between releases).
//! Modules: [`log_store`] (the Raft log and vote on sled), [`machine`] (the state
//! machine over the ledger), [`network`] (node-to-node RPCs over HTTP, each signed by
//! the sending node's key), [`replica`] (a running voter: writes, forwarding, status),
//! [`routes`] (the RPC and status endpoints).

mod collect;
pub mod cosign;
pub mod log_store;
pub mod machine;
pub mod network;
pub mod replica;
pub mod routes;

use std::io::Cursor;

use serde::{Deserialize, Serialize};

pub use replica::{Replica, ReplicaConfig, ReplicaError, Written};

openraft::declare_raft_types!(
    /// The registry's Raft type configuration.
    pub RegistryRaft:
        D = Command,
        R = Outcome,
        NodeId = u64,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<RegistryRaft>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// One application entry of the replicated log (CONSORTIUM.md "Log entries").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// An operation: the JWS JSON bytes exactly as the client sent them (base64), and
    /// the leader's clock when it accepted them, at which every node judges it.
    Submit {
        /// The operation bytes.
        #[serde(with = "b64")]
        op: Vec<u8>,
        /// Unix seconds.
        accepted_at: i64,
    },
    /// Moves the checkpoint time forward on an idle log (no leaf).
    Tick {
        /// Unix seconds.
        time: i64,
    },
}

/// What applying one entry did, as the leader answers the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The operation became a leaf.
    Accepted {
        /// Its leaf index.
        leaf_index: u64,
        /// Its leaf hash (standard base64).
        leaf_hash: String,
    },
    /// The operation was refused at apply time; no leaf was written.
    Refused(Refusal),
    /// A tick, a blank or a membership entry.
    Ticked,
}

/// A refused operation's problem, as [`OperationError`] gives it.
///
/// [`OperationError`]: sigillum_credential::ledger::operation::OperationError
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The HTTP status it is answered with.
    pub status: u16,
    /// The stable code.
    pub code: String,
    /// The sentence for a person.
    pub detail: String,
}

impl From<&sigillum_credential::ledger::operation::OperationError> for Refusal {
    fn from(e: &sigillum_credential::ledger::operation::OperationError) -> Self {
        Refusal {
            status: crate::http::problem::refusal_status(e).as_u16(),
            code: e.code().to_owned(),
            detail: e.to_string(),
        }
    }
}

/// Reads at most `cap` bytes of an HTTP answer from another node: a peer's or
/// witness's answer is never trusted to be small.
///
/// # Errors
/// A sentence when the answer is cut off or longer than `cap`.
pub async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if out.len() + chunk.len() > cap {
            return Err(format!("the answer is longer than {cap} bytes"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Serde of bytes as one standard-base64 string (not an array of numbers).
mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// Raft timing for nodes on one network (CONSORTIUM.md "openraft"): heartbeats every
/// 100 ms, elections after 300–600 ms of silence. Snapshots are never built
/// automatically yet (the leaf transfer they need is step 6), so logs are kept whole
/// and a lagging node catches up by replication.
///
/// # Errors
/// openraft's reason, should the values not validate.
pub fn raft_config() -> Result<openraft::Config, String> {
    openraft::Config {
        cluster_name: "sigillum-registry".into(),
        heartbeat_interval: 100,
        election_timeout_min: 300,
        election_timeout_max: 600,
        max_payload_entries: 64,
        snapshot_policy: openraft::SnapshotPolicy::Never,
        ..Default::default()
    }
    .validate()
    .map_err(|e| e.to_string())
}
