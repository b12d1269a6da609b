//! The registry's state: for every object id, its current value, latest leaf and
//! history, folded deterministically from the log (so any node replaying the same
//! log reaches the same state, and a consensus engine can replicate it).
//!
//! [`State::check`] decides whether an operation may be appended, without changing
//! anything; [`State::apply`] records its effect once the leaf is durable. The split
//! lets the storage layer write the leaf first and apply only what was acknowledged.

mod apply;
mod commitment;
mod genesis;

pub use apply::Effect;
pub use commitment::{StateCommitment, StateProof, StateSnapshot};
pub use genesis::{Genesis, GenesisError, NodeEntry, NodeRole};

use std::collections::BTreeMap;

use serde_json::Value;
use sigillum_credential::key::PublicKey;
use sigillum_credential::ledger::Hash;

/// Largest clock difference accepted between an operation's `time` and the node (seconds).
pub const MAX_TIME_SKEW: i64 = 300;

/// One object's current version.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    /// Leaf index of the operation that produced this version.
    pub leaf_index: u64,
    /// Its leaf hash (what the next operation's `prev` must name).
    pub leaf_hash: Hash,
    /// The current value.
    pub value: Value,
    /// Leaf indices of every version, oldest first.
    pub history: Vec<u64>,
}

/// The whole state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    objects: BTreeMap<String, Versioned>,
    governance: BTreeMap<String, PublicKey>,
    threshold: usize,
}

impl State {
    /// The state an empty log starts from: genesis governance keys, no objects.
    ///
    /// # Errors
    /// [`GenesisError`] when the genesis keys or threshold are unusable.
    pub fn from_genesis(genesis: &Genesis) -> Result<Self, GenesisError> {
        let (governance, threshold) = genesis.governance_keys()?;
        Ok(State {
            objects: BTreeMap::new(),
            governance,
            threshold,
        })
    }

    /// The current version of `id`.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Versioned> {
        self.objects.get(id)
    }

    /// Every object, by id.
    pub fn objects(&self) -> impl Iterator<Item = (&String, &Versioned)> {
        self.objects.iter()
    }

    /// Number of objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether there are no objects yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

#[cfg(test)]
mod tests;
