//! The state commitment (specs/registry/DESIGN.md "Log and state"): an RFC 9162 tree
//! over the objects sorted by id, each entry `id ‖ 0x0A ‖ leaf index (u64 BE) ‖
//! SHA-256(value JSON)`. Its root goes into the checkpoint's `state` extension line, so
//! a read proves that a value is the *current* one, not merely one that was logged.

use std::collections::HashMap;

use sigillum_credential::ledger::read::state_entry_bytes;
use sigillum_credential::ledger::{Hash, LeafIndex, MemoryHashStore, ProofError, TreeSize, tree};

use super::{State, Versioned};

/// The commitment: root and number of entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCommitment {
    /// RFC 9162 root of the state tree.
    pub root: Hash,
    /// Number of entries (objects).
    pub size: u64,
}

/// Proof that one object's entry is in the state tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateProof {
    /// The entry's position (rank of its id).
    pub position: u64,
    /// The state tree's size.
    pub size: u64,
    /// The inclusion path.
    pub path: Vec<Hash>,
}

/// The bytes of one state entry (the format is shared with clients: `credential::ledger::read`).
#[must_use]
pub fn entry_bytes(id: &str, version: &Versioned) -> Vec<u8> {
    state_entry_bytes(id, version.leaf_index, &version.value)
}

/// The state tree built once for a checkpoint: its commitment and a proof for any id
/// without rebuilding (reads and bundles between two writes share one snapshot).
#[derive(Debug, Clone)]
pub struct StateSnapshot {
    tree: MemoryHashStore,
    positions: HashMap<String, u64>,
    commitment: StateCommitment,
}

impl StateSnapshot {
    /// The commitment (root and size).
    #[must_use]
    pub fn commitment(&self) -> StateCommitment {
        self.commitment
    }

    /// The inclusion proof of `id`'s entry, if it exists.
    ///
    /// # Errors
    /// [`ProofError`] only if the tree cannot produce the proof (not expected).
    pub fn proof(&self, id: &str) -> Result<Option<StateProof>, ProofError> {
        let Some(&position) = self.positions.get(id) else {
            return Ok(None);
        };
        let size = self.commitment.size;
        let path =
            tree::inclusion_proof(LeafIndex::new(position), TreeSize::new(size), &self.tree)?;
        Ok(Some(StateProof {
            position,
            size,
            path,
        }))
    }
}

impl State {
    /// Builds the state tree once (O(objects)).
    #[must_use]
    pub fn snapshot(&self) -> StateSnapshot {
        let mut tree = MemoryHashStore::new();
        let mut positions = HashMap::with_capacity(self.objects.len());
        for (id, v) in &self.objects {
            let index = tree.append(&entry_bytes(id, v));
            positions.insert(id.clone(), index.get());
        }
        let commitment = StateCommitment {
            root: tree.root(),
            size: self.objects.len() as u64,
        };
        StateSnapshot {
            tree,
            positions,
            commitment,
        }
    }

    /// The current commitment.
    #[must_use]
    pub fn commitment(&self) -> StateCommitment {
        self.snapshot().commitment
    }

    /// The inclusion proof of `id`'s entry, if it exists (builds a snapshot; use
    /// [`State::snapshot`] to prove many).
    ///
    /// # Errors
    /// [`ProofError`] only if the tree cannot produce the proof (not expected).
    pub fn proof(&self, id: &str) -> Result<Option<StateProof>, ProofError> {
        self.snapshot().proof(id)
    }
}
