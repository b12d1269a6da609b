//! The state commitment (specs/registry/DESIGN.md "Log and state"): an RFC 9162 tree
//! over the objects sorted by id, each entry `id ‖ 0x0A ‖ leaf index (u64 BE) ‖
//! SHA-256(value JSON)`. Its root goes into the checkpoint's `state` extension line, so
//! a read proves that a value is the *current* one, not merely one that was logged.

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

impl State {
    fn state_tree(&self) -> MemoryHashStore {
        let mut store = MemoryHashStore::new();
        for (id, v) in &self.objects {
            store.append(&entry_bytes(id, v));
        }
        store
    }

    /// The current commitment.
    #[must_use]
    pub fn commitment(&self) -> StateCommitment {
        let store = self.state_tree();
        StateCommitment {
            root: store.root(),
            size: self.objects.len() as u64,
        }
    }

    /// The inclusion proof of `id`'s entry, if it exists.
    ///
    /// # Errors
    /// [`ProofError`] only if the tree cannot produce the proof (not expected).
    pub fn proof(&self, id: &str) -> Result<Option<StateProof>, ProofError> {
        let Some(position) = self.objects.keys().position(|k| k == id) else {
            return Ok(None);
        };
        let store = self.state_tree();
        let size = self.objects.len() as u64;
        let path =
            tree::inclusion_proof(LeafIndex::new(position as u64), TreeSize::new(size), &store)?;
        Ok(Some(StateProof {
            position: position as u64,
            size,
            path,
        }))
    }
}
