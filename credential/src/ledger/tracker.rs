//! A client's memory of the log (specs/registry/DESIGN.md "Reads"): the newest
//! checkpoint it has verified. A new checkpoint is accepted only if it extends that
//! one (RFC 9162 §2.1.4 consistency proof), so a node cannot roll the client back to
//! an older state or show it a different history of the same size (a split view).

use super::checkpoint::Checkpoint;
use super::merkle::{Hash, ProofError, TreeSize, verify_consistency};

/// Why a newer checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrackerError {
    /// The checkpoint is older than one already seen.
    #[error("checkpoint of size {offered} is older than the size {seen} already seen (rollback)")]
    Rollback {
        /// The size offered.
        offered: u64,
        /// The size already verified.
        seen: u64,
    },
    /// Same size, different root: two histories exist.
    #[error(
        "two different roots for tree size {size}: the log shows different histories (split view)"
    )]
    SplitView {
        /// The size.
        size: u64,
    },
    /// The consistency proof does not connect the two checkpoints.
    #[error("checkpoint does not extend the last one seen: {0}")]
    Inconsistent(ProofError),
}

impl TrackerError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            TrackerError::Rollback { .. } => "checkpoint_rollback",
            TrackerError::SplitView { .. } => "checkpoint_split_view",
            TrackerError::Inconsistent(_) => "checkpoint_inconsistent",
        }
    }
}

/// The newest verified checkpoint a client has seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointTracker {
    latest: Option<(TreeSize, Hash)>,
}

impl CheckpointTracker {
    /// A client that has seen nothing yet (it trusts the first verified checkpoint).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A client that remembers `size` and `root` (e.g. from a pinned bundle).
    #[must_use]
    pub fn starting_at(size: TreeSize, root: Hash) -> Self {
        Self {
            latest: Some((size, root)),
        }
    }

    /// The newest size and root seen.
    #[must_use]
    pub fn latest(&self) -> Option<(TreeSize, Hash)> {
        self.latest
    }

    /// The size a consistency proof must start from to advance to `checkpoint`, if any.
    #[must_use]
    pub fn proof_needed_from(&self, checkpoint: &Checkpoint) -> Option<TreeSize> {
        self.latest
            .map(|(size, _)| size)
            .filter(|s| s.get() > 0 && s.get() < checkpoint.size().get())
    }

    /// Accepts an already signature-verified `checkpoint` if it extends the latest one;
    /// `proof` is the consistency proof from the latest size (ignored when none is needed).
    ///
    /// # Errors
    /// [`TrackerError`] for a rollback, a split view or a proof that does not connect.
    pub fn advance(&mut self, checkpoint: &Checkpoint, proof: &[Hash]) -> Result<(), TrackerError> {
        let (size, root) = (checkpoint.size(), *checkpoint.root());
        match self.latest {
            None => {}
            Some((seen, _)) if size.get() < seen.get() => {
                return Err(TrackerError::Rollback {
                    offered: size.get(),
                    seen: seen.get(),
                });
            }
            Some((seen, seen_root)) if size.get() == seen.get() && root != seen_root => {
                return Err(TrackerError::SplitView { size: size.get() });
            }
            Some((seen, _)) if size.get() == seen.get() => {}
            // Growing from the empty tree needs no proof (every tree extends it).
            Some((seen, _)) if seen.get() == 0 => {}
            Some((seen, seen_root)) => {
                verify_consistency(seen, size, &seen_root, &root, proof)
                    .map_err(TrackerError::Inconsistent)?;
            }
        }
        self.latest = Some((size, root));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::MemoryHashStore;
    use crate::ledger::tree::consistency_proof;

    fn cp(store: &MemoryHashStore) -> Checkpoint {
        Checkpoint::new("log.test/1", store.size(), store.root()).unwrap()
    }

    #[test]
    fn advances_only_forward_along_one_history() {
        let mut log = MemoryHashStore::new();
        for i in 0..5u8 {
            log.append(&[i]);
        }
        let five = cp(&log);
        let mut tracker = CheckpointTracker::new();
        tracker.advance(&five, &[]).unwrap();
        let mut longer = log.clone();
        for i in 5..9u8 {
            longer.append(&[i]);
        }
        let nine = cp(&longer);
        assert_eq!(tracker.proof_needed_from(&nine), Some(TreeSize::new(5)));
        let proof = consistency_proof(TreeSize::new(5), TreeSize::new(9), &longer).unwrap();
        // A wrong or missing proof does not advance; the right one does.
        assert_eq!(
            tracker.advance(&nine, &[]).unwrap_err().code(),
            "checkpoint_inconsistent"
        );
        tracker.advance(&nine, &proof).unwrap();
        assert_eq!(tracker.latest(), Some((TreeSize::new(9), longer.root())));
        // Going back to 5 is a rollback; the same size again is fine.
        assert_eq!(
            tracker.advance(&five, &[]).unwrap_err().code(),
            "checkpoint_rollback"
        );
        tracker.advance(&nine, &[]).unwrap();
        // A different history of size 9: split view.
        let mut fork = log.clone();
        for i in 50..54u8 {
            fork.append(&[i]);
        }
        assert_eq!(
            tracker.advance(&cp(&fork), &[]).unwrap_err().code(),
            "checkpoint_split_view"
        );
        // A forked, longer tree cannot prove consistency with what was seen.
        fork.append(&[99]);
        let bogus = consistency_proof(TreeSize::new(9), TreeSize::new(10), &fork).unwrap();
        assert_eq!(
            tracker.advance(&cp(&fork), &bogus).unwrap_err().code(),
            "checkpoint_inconsistent"
        );
    }
}
