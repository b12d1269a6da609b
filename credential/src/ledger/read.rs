//! Verifying a registry read without trusting the node that answered
//! (specs/registry/DESIGN.md "Reads"): the checkpoint carries k of n consortium
//! signatures; the operation is a leaf of the log at that checkpoint (RFC 9162
//! §2.1.3.2); and the object's current value is an entry of the state tree whose root
//! the checkpoint commits to in its `state` extension line — so the value is proven
//! *current*, not merely logged.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::merkle::{Hash, LeafIndex, ProofError, TreeSize, leaf_hash, verify_inclusion};
use super::operation::{self, Operation, OperationError};
use super::witness::{CheckpointError, Policy, VerifiedCheckpoint, verify_checkpoint};

/// The bytes of one state-tree entry: `id ‖ 0x0A ‖ leaf index (u64 BE) ‖ SHA-256(value JSON)`.
#[must_use]
pub fn state_entry_bytes(id: &str, leaf_index: u64, value: &Value) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(id.len() + 41);
    bytes.extend_from_slice(id.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&leaf_index.to_be_bytes());
    bytes.extend_from_slice(&Sha256::digest(value.to_string().as_bytes()));
    bytes
}

/// The checkpoint extension line committing to the state: `state <base64 root> <entries>`.
#[must_use]
pub fn state_line(root: &Hash, entries: u64) -> String {
    format!(
        "state {} {entries}",
        base64::engine::general_purpose::STANDARD.encode(root.as_bytes())
    )
}

/// The checkpoint extension line with the signing time: `time <unix seconds>`
/// (how old an offline bundle is).
#[must_use]
pub fn time_line(time: crate::time::Timestamp) -> String {
    format!("time {}", time.unix())
}

/// Reads the `time` extension line of a checkpoint, if it has one.
#[must_use]
pub fn parse_time_line(extensions: &[String]) -> Option<crate::time::Timestamp> {
    extensions
        .iter()
        .find_map(|l| l.strip_prefix("time "))
        .and_then(|t| t.parse().ok())
        .map(crate::time::Timestamp::from_unix)
}

/// Reads the `state` extension line of a checkpoint.
///
/// # Errors
/// [`ReadError::StateLineMissing`] when there is none or it is malformed.
pub fn parse_state_line(extensions: &[String]) -> Result<(Hash, u64), ReadError> {
    let line = extensions
        .iter()
        .find_map(|l| l.strip_prefix("state "))
        .ok_or(ReadError::StateLineMissing)?;
    let (root, entries) = line.split_once(' ').ok_or(ReadError::StateLineMissing)?;
    let root = base64::engine::general_purpose::STANDARD
        .decode(root)
        .map_err(|_| ReadError::StateLineMissing)?;
    let root = Hash::from_slice(&root).map_err(|_| ReadError::StateLineMissing)?;
    let entries = entries.parse().map_err(|_| ReadError::StateLineMissing)?;
    Ok((root, entries))
}

/// The state-tree part of a read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateProofWire {
    /// The entry's position in the sorted state.
    pub position: u64,
    /// The state tree's size.
    pub size: u64,
    /// Inclusion path, standard base64 hashes.
    pub proof: Vec<String>,
}

/// A registry read as served: the value and every proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadProof {
    /// The object's current value.
    pub object: Value,
    /// The operation that produced it: the log leaf, standard base64.
    pub entry: String,
    /// Its index in the log.
    pub leaf_index: u64,
    /// Inclusion path in the log tree at the checkpoint's size.
    pub inclusion: Vec<String>,
    /// Inclusion in the state tree.
    pub state: StateProofWire,
    /// The signed checkpoint note.
    pub checkpoint: String,
}

/// Why a read did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The checkpoint does not carry enough valid signatures (or is malformed).
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint has no `state` line.
    #[error("the checkpoint does not commit to the state (no valid \"state\" line)")]
    StateLineMissing,
    /// A proof does not verify.
    #[error("{which} proof: {error}")]
    Proof {
        /// `inclusion` or `state`.
        which: &'static str,
        /// The failure.
        error: ProofError,
    },
    /// The logged operation does not parse, or is about another object.
    #[error("the logged operation does not match the object: {0}")]
    EntryMismatch(String),
    /// A hash or the entry is not valid base64.
    #[error("malformed read: {0}")]
    Malformed(&'static str),
    /// The state proof's size is not the checkpoint's state size.
    #[error("state proof is for {found} entries, the checkpoint commits to {expected}")]
    StateSizeMismatch {
        /// What the checkpoint says.
        expected: u64,
        /// What the proof says.
        found: u64,
    },
}

impl ReadError {
    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::Checkpoint(CheckpointError::TooFewCosignatures { .. }) => {
                "checkpoint_cosignatures_insufficient"
            }
            ReadError::Checkpoint(_) => "checkpoint_invalid",
            ReadError::StateLineMissing => "checkpoint_state_missing",
            ReadError::Proof { which: "state", .. } => "state_proof_invalid",
            ReadError::Proof { .. } => "inclusion_proof_invalid",
            ReadError::EntryMismatch(_) => "entry_mismatch",
            ReadError::Malformed(_) => "read_malformed",
            ReadError::StateSizeMismatch { .. } => "state_proof_invalid",
        }
    }
}

/// Most hashes in one proof: a tree of up to 2^64 leaves needs at most 64 (RFC 9162
/// §2.1.3.1).
const MAX_PROOF_HASHES: usize = 64;

/// A proof's hashes; a longer proof than [`MAX_PROOF_HASHES`] is refused before any
/// is decoded, not cut short.
fn hashes(items: &[String], which: &'static str) -> Result<Vec<Hash>, ReadError> {
    if items.len() > MAX_PROOF_HASHES {
        return Err(ReadError::Malformed("a proof of more than 64 hashes"));
    }
    items
        .iter()
        .map(|h| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(h)
                .map_err(|_| ReadError::Malformed("hash is not base64"))?;
            Hash::from_slice(&bytes).map_err(|error| ReadError::Proof { which, error })
        })
        .collect()
}

/// A read that verified: the object, the operation that produced it, the checkpoint.
#[derive(Debug, Clone)]
pub struct VerifiedRead {
    /// The object's current value.
    pub object: Value,
    /// The operation that produced it.
    pub operation: Operation,
    /// Its leaf index.
    pub leaf_index: u64,
    /// The checkpoint it was proven against.
    pub checkpoint: VerifiedCheckpoint,
}

/// Verifies a read of object `id` under the consortium `policy`.
///
/// # Errors
/// The [`ReadError`] for the first check that fails.
pub fn verify_read(id: &str, read: &ReadProof, policy: &Policy) -> Result<VerifiedRead, ReadError> {
    let checkpoint = verify_checkpoint(read.checkpoint.as_bytes(), policy)?;
    let (object, operation) = verify_against(
        id,
        &read.object,
        &read.entry,
        read.leaf_index,
        &read.inclusion,
        &read.state,
        &checkpoint,
    )?;
    Ok(VerifiedRead {
        object,
        operation,
        leaf_index: read.leaf_index,
        checkpoint,
    })
}

/// Verifies one object's proofs against a checkpoint already verified under the policy
/// (the shared step of [`verify_read`] and offline bundles).
///
/// # Errors
/// The [`ReadError`] for the first check that fails.
pub fn verify_against(
    id: &str,
    object: &Value,
    entry_b64: &str,
    leaf_index: u64,
    inclusion: &[String],
    state: &StateProofWire,
    checkpoint: &VerifiedCheckpoint,
) -> Result<(Value, Operation), ReadError> {
    let (state_root, state_size) = parse_state_line(checkpoint.checkpoint().extensions())?;
    let entry = base64::engine::general_purpose::STANDARD
        .decode(entry_b64)
        .map_err(|_| ReadError::Malformed("entry is not base64"))?;
    let log = checkpoint.checkpoint();
    verify_inclusion(
        &leaf_hash(&entry),
        LeafIndex::new(leaf_index),
        log.size(),
        &hashes(inclusion, "inclusion")?,
        log.root(),
    )
    .map_err(|error| ReadError::Proof {
        which: "inclusion",
        error,
    })?;
    let op = operation::parse(&entry)
        .map_err(|e: OperationError| ReadError::EntryMismatch(e.to_string()))?;
    if op.operation.id != id {
        return Err(ReadError::EntryMismatch(format!(
            "the entry is about {}, not {id}",
            op.operation.id
        )));
    }
    if state.size != state_size {
        return Err(ReadError::StateSizeMismatch {
            expected: state_size,
            found: state.size,
        });
    }
    let state_leaf = leaf_hash(&state_entry_bytes(id, leaf_index, object));
    verify_inclusion(
        &state_leaf,
        LeafIndex::new(state.position),
        TreeSize::new(state_size),
        &hashes(&state.proof, "state")?,
        &state_root,
    )
    .map_err(|error| ReadError::Proof {
        which: "state",
        error,
    })?;
    Ok((object.clone(), op.operation))
}
