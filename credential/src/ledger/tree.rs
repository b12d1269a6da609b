//! The Merkle tree as stored, and proof generation from it (RFC 9162 §2.1.1,
//! §2.1.3.1, §2.1.4.1).
//!
//! Proofs are generated from the hashes of *complete* subtrees, which never
//! change once written. A log of `n` leaves stores `2n − popcount(n)` of them,
//! in append order: each leaf's hash, followed by the hash of every subtree that
//! leaf completes (the layout of Go's `golang.org/x/mod/sumdb/tlog`).
//! [`stored_hash_index`] maps `(level, n)` — the `n`-th subtree of `2^level`
//! leaves — to its position. Any tree hash is then the right fold of at most 64
//! stored hashes, so a proof at ten million leaves costs a few hundred reads and
//! no rehashing of the tree.
//!
//! Consistency proofs from size 0 are refused here as in verification (see
//! [`super::merkle`]).

use super::merkle::{
    Hash, LeafIndex, ProofError, TreeSize, empty_root, leaf_hash, node_hash, walk_consistency,
    walk_inclusion,
};

/// Why a hash store could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashReadError {
    /// The store holds no hash at this index (the tree is smaller than asked).
    #[error("stored hash {index} is not available")]
    Missing {
        /// The storage index asked for.
        index: u64,
    },
    /// The storage backend failed.
    #[error("hash storage failed: {reason}")]
    Backend {
        /// What the backend reported.
        reason: String,
    },
}

/// How many hashes a store holds for a tree of `size` leaves: `2·size − popcount(size)`.
/// `None` past 2^63 leaves.
#[must_use]
pub fn stored_hash_count(size: TreeSize) -> Option<u64> {
    let n = size.get();
    n.checked_mul(2)?.checked_sub(u64::from(n.count_ones()))
}

/// Where the hash of the `n`-th complete subtree of `2^level` leaves (covering
/// leaves `[n·2^level, (n+1)·2^level)`) is stored. `None` if out of `u64` range.
///
/// That subtree is completed by its last leaf, `(n+1)·2^level − 1`: the store
/// writes that leaf's hash right after the hashes of all earlier leaves, then
/// the subtrees it completes, level by level — so this one `level` places later.
#[must_use]
pub fn stored_hash_index(level: u8, n: u64) -> Option<u64> {
    let width = 1u64.checked_shl(u32::from(level))?;
    let end = n.checked_add(1)?.checked_mul(width)?;
    stored_hash_count(TreeSize::new(end - 1))?.checked_add(u64::from(level))
}

/// Read access to stored subtree hashes, by [`stored_hash_index`].
///
/// The registry implements it over sled, tests over [`MemoryHashStore`]; the
/// proof functions here never need anything else.
pub trait HashReader {
    /// Returns the hashes stored at `indexes`, in the same order.
    ///
    /// # Errors
    /// [`HashReadError::Missing`] for an index the store does not hold,
    /// [`HashReadError::Backend`] if the storage fails.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, HashReadError>;
}

/// The roots of the complete subtrees along the right edge of a tree (one per set
/// bit of its size, largest first): all that appending needs. A persistent store
/// keeps the hashes [`Frontier::append`] returns and rebuilds the frontier with
/// [`Frontier::load`] when it restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    stack: Vec<Hash>,
    size: u64,
}

impl Frontier {
    /// The frontier of an empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the frontier of a tree of `size` leaves from its stored hashes.
    ///
    /// # Errors
    /// [`ProofError::HashesUnavailable`] if a needed hash is not stored,
    /// [`ProofError::TreeTooLarge`] at 2^63 leaves or more.
    pub fn load<R: HashReader + ?Sized>(size: TreeSize, reader: &R) -> Result<Self, ProofError> {
        let n = size.get();
        let mut indexes = Vec::new();
        let mut start = 0u64;
        for level in (0..64u8).rev() {
            if n >> level & 1 == 1 {
                indexes.push(
                    stored_hash_index(level, start >> level)
                        .ok_or(ProofError::TreeTooLarge { size })?,
                );
                start += 1 << level;
            }
        }
        let stack = reader.read_hashes(&indexes)?;
        Ok(Self { stack, size: n })
    }

    /// Appends a leaf hash; returns the hashes to store, in order, starting at
    /// stored index [`stored_hash_count`] of the old size (the leaf, then each
    /// subtree it completes).
    pub fn append(&mut self, leaf: Hash) -> Vec<Hash> {
        let mut stored = vec![leaf];
        let mut node = leaf;
        // Each trailing 1 bit of the index is a left sibling waiting on the frontier.
        let mut n = self.size;
        while n & 1 == 1 {
            let Some(left) = self.stack.pop() else {
                break;
            };
            node = node_hash(&left, &node);
            stored.push(node);
            n >>= 1;
        }
        self.stack.push(node);
        self.size = self.size.saturating_add(1);
        stored
    }

    /// The number of leaves.
    #[must_use]
    pub const fn size(&self) -> TreeSize {
        TreeSize::new(self.size)
    }

    /// The root of the tree (RFC 9162 §2.1.1), from the frontier alone.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.stack
            .iter()
            .rev()
            .copied()
            .reduce(|right, left| node_hash(&left, &right))
            .unwrap_or_else(empty_root)
    }
}

/// An in-memory append-only hash store in the [`stored_hash_index`] layout.
///
/// Memory is `32 · (2n − popcount(n))` bytes for `n` leaves (≈ 640 MB at ten
/// million), so it is for tests, benchmarks and small logs.
#[derive(Debug, Clone, Default)]
pub struct MemoryHashStore {
    hashes: Vec<Hash>,
    frontier: Frontier,
}

impl MemoryHashStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of leaves appended.
    #[must_use]
    pub const fn size(&self) -> TreeSize {
        self.frontier.size()
    }

    /// Appends a leaf's data (hashing it with [`leaf_hash`]) and returns its index.
    pub fn append(&mut self, data: &[u8]) -> LeafIndex {
        self.append_leaf_hash(leaf_hash(data))
    }

    /// Appends an already-hashed leaf and returns its index.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> LeafIndex {
        let index = self.frontier.size().get();
        let stored = self.frontier.append(leaf);
        self.hashes.extend(stored);
        LeafIndex::new(index)
    }

    /// The root of the current tree (RFC 9162 §2.1.1), from the frontier alone.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }
}

impl HashReader for MemoryHashStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, HashReadError> {
        indexes
            .iter()
            .map(|&index| {
                usize::try_from(index)
                    .ok()
                    .and_then(|i| self.hashes.get(i))
                    .copied()
                    .ok_or(HashReadError::Missing { index })
            })
            .collect()
    }
}

/// RFC 9162 §2.1.1: `MTH(D_n)`, the root of the first `size` leaves.
///
/// # Errors
/// [`ProofError::HashesUnavailable`] if the store lacks a needed hash (for
/// example because it holds fewer than `size` leaves), or
/// [`ProofError::TreeTooLarge`] at 2^63 leaves or more.
pub fn root<R: HashReader + ?Sized>(size: TreeSize, reader: &R) -> Result<Hash, ProofError> {
    if size.get() == 0 {
        return Ok(empty_root());
    }
    let hashes = range_hashes(&[(0, size.get())], size, reader)?;
    // range_hashes returns one hash per range.
    hashes
        .first()
        .copied()
        .ok_or(ProofError::HashesUnavailable(HashReadError::Backend {
            reason: "no hash for the root range".to_owned(),
        }))
}

/// RFC 9162 §2.1.3.1: the inclusion proof `PATH(index, D_size)`, leaf level first.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] unless `index < size`; otherwise as [`root`].
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: LeafIndex,
    size: TreeSize,
    reader: &R,
) -> Result<Vec<Hash>, ProofError> {
    if index.get() >= size.get() {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut ranges = Vec::new();
    walk_inclusion(index.get(), size.get(), |lo, hi| ranges.push((lo, hi)));
    ranges.reverse();
    range_hashes(&ranges, size, reader)
}

/// RFC 9162 §2.1.4.1: the consistency proof `PROOF(old, D_new)`.
///
/// Equal sizes give the empty proof.
///
/// # Errors
/// [`ProofError::SizeInvalid`] unless `0 < old ≤ new` (see the module notes on
/// size 0); otherwise as [`root`].
pub fn consistency_proof<R: HashReader + ?Sized>(
    old: TreeSize,
    new: TreeSize,
    reader: &R,
) -> Result<Vec<Hash>, ProofError> {
    if old.get() == 0 || old.get() > new.get() {
        return Err(ProofError::SizeInvalid { old, new });
    }
    let mut ranges = Vec::new();
    walk_consistency(old.get(), new.get(), |lo, hi| ranges.push((lo, hi)));
    ranges.reverse();
    range_hashes(&ranges, new, reader)
}

/// Appends the storage indexes of the complete subtrees that make up `[lo, hi)`,
/// largest (leftmost) first, and returns how many there are.
fn push_subtree_indexes(
    mut lo: u64,
    hi: u64,
    size: TreeSize,
    out: &mut Vec<u64>,
) -> Result<usize, ProofError> {
    let mut count = 0;
    while lo < hi {
        let span_level = 63 - (hi - lo).leading_zeros();
        let level = if lo == 0 {
            span_level
        } else {
            lo.trailing_zeros().min(span_level)
        };
        let level_u8 = u8::try_from(level).map_err(|_| ProofError::TreeTooLarge { size })?;
        let index =
            stored_hash_index(level_u8, lo >> level).ok_or(ProofError::TreeTooLarge { size })?;
        out.push(index);
        count += 1;
        lo += 1 << level;
    }
    Ok(count)
}

/// The RFC 9162 `MTH` of each range, in one batched read.
///
/// Every range the proofs use starts at a multiple of a power of two at least
/// its length, so its complete subtrees come out in decreasing size and `MTH`
/// is their right fold.
fn range_hashes<R: HashReader + ?Sized>(
    ranges: &[(u64, u64)],
    size: TreeSize,
    reader: &R,
) -> Result<Vec<Hash>, ProofError> {
    let mut indexes = Vec::new();
    let mut counts = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges {
        counts.push(push_subtree_indexes(lo, hi, size, &mut indexes)?);
    }
    let hashes = reader.read_hashes(&indexes)?;
    let short_read = || {
        ProofError::HashesUnavailable(HashReadError::Backend {
            reason: format!(
                "store returned {} hashes for {} indexes",
                hashes.len(),
                indexes.len()
            ),
        })
    };
    if hashes.len() != indexes.len() {
        return Err(short_read());
    }
    let mut rest = hashes.as_slice();
    let mut out = Vec::with_capacity(ranges.len());
    for count in counts {
        let (mine, tail) = rest.split_at_checked(count).ok_or_else(short_read)?;
        rest = tail;
        let folded = mine
            .iter()
            .rev()
            .copied()
            .reduce(|right, left| node_hash(&left, &right))
            .ok_or_else(short_read)?;
        out.push(folded);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
