//! RFC 9162 §2.1 Merkle tree hashing and proof verification: pure functions,
//! what a verifier with no access to the log needs. Proof generation over
//! stored hashes is in [`super::tree`].
//!
//! Hashing (§2.1.1): a leaf hashes as `SHA-256(0x00 ‖ data)`, an interior node as
//! `SHA-256(0x01 ‖ left ‖ right)`, and the empty tree as `SHA-256("")`.
//!
//! Edge cases, decided here and tested:
//! - **Consistency from size 0 is rejected** ([`ProofError::SizeInvalid`]).
//!   RFC 9162 §2.1.4 defines proofs only for `0 < m ≤ n`; the empty tree commits
//!   to nothing, so a "proof" from it would prove nothing. A client with no
//!   earlier checkpoint has nothing to check and must say so itself rather than
//!   be told "consistent". This matches transparency-dev/merkle and Go's `tlog`.
//! - **Equal sizes** (`m = n > 0`) are consistent exactly when the proof is empty
//!   and the two roots are equal.
//! - A proof must be consumed exactly: one hash too many or too few is
//!   [`ProofError::LengthInvalid`], checked before any hashing.

use std::fmt;

use sha2::{Digest, Sha256};

use super::tree::HashReadError;

/// A SHA-256 tree hash (RFC 9162 §2.1.1): a leaf, node or root hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash([u8; 32]);

impl Hash {
    /// Length of a hash in bytes.
    pub const LEN: usize = 32;

    /// Wraps 32 bytes; every 32-byte string is a possible hash.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads a hash from a slice of exactly [`Hash::LEN`] bytes.
    ///
    /// # Errors
    /// [`ProofError::HashLengthInvalid`] if the slice is not 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ProofError> {
        <[u8; 32]>::try_from(bytes)
            .map(Self)
            .map_err(|_| ProofError::HashLengthInvalid { len: bytes.len() })
    }

    /// The 32 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, for logs and error messages.
    #[must_use]
    pub fn to_hex(&self) -> String {
        use fmt::Write as _;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The number of leaves in a tree (RFC 9162 §2.1: `n` in `D_n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TreeSize(u64);

impl TreeSize {
    /// Wraps a leaf count; every `u64` is a possible size.
    #[must_use]
    pub const fn new(size: u64) -> Self {
        Self(size)
    }

    /// The leaf count.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for TreeSize {
    fn from(size: u64) -> Self {
        Self(size)
    }
}

impl fmt::Display for TreeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The 0-based index of a leaf (RFC 9162 §2.1.3: `m` in `PATH(m, D_n)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeafIndex(u64);

impl LeafIndex {
    /// Wraps an index; whether it is in range depends on the tree it is used with.
    #[must_use]
    pub const fn new(index: u64) -> Self {
        Self(index)
    }

    /// The index.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for LeafIndex {
    fn from(index: u64) -> Self {
        Self(index)
    }
}

impl fmt::Display for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a proof could not be generated, or was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange {
        /// The index given.
        index: LeafIndex,
        /// The tree size given.
        size: TreeSize,
    },
    /// The sizes do not admit a consistency proof (`0 < old ≤ new` is required).
    #[error("no consistency proof exists from tree size {old} to {new}")]
    SizeInvalid {
        /// The earlier tree size.
        old: TreeSize,
        /// The later tree size.
        new: TreeSize,
    },
    /// The proof has the wrong number of hashes for its sizes.
    #[error("proof has {actual} hashes, {expected} expected")]
    LengthInvalid {
        /// Hashes a proof for these sizes has.
        expected: usize,
        /// Hashes given.
        actual: usize,
    },
    /// The proof does not lead to the root it was checked against.
    #[error("proof leads to root {computed}, not {expected}")]
    RootMismatch {
        /// The root the proof was checked against.
        expected: Hash,
        /// The root the proof leads to.
        computed: Hash,
    },
    /// A hash was not exactly 32 bytes.
    #[error("hash is {len} bytes, 32 expected")]
    HashLengthInvalid {
        /// Bytes given.
        len: usize,
    },
    /// The tree is too large for the storage layout (2^63 leaves or more).
    #[error("tree size {size} is too large for stored-hash indexing")]
    TreeTooLarge {
        /// The tree size asked for.
        size: TreeSize,
    },
    /// The hash store could not supply a hash the proof needs.
    #[error("stored hashes unavailable: {0}")]
    HashesUnavailable(#[from] HashReadError),
}

impl ProofError {
    /// Stable snake_case code for APIs and logs.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::IndexOutOfRange { .. } => "proof_index_out_of_range",
            Self::SizeInvalid { .. } => "proof_size_invalid",
            Self::LengthInvalid { .. } => "proof_length_invalid",
            Self::RootMismatch { .. } => "proof_root_mismatch",
            Self::HashLengthInvalid { .. } => "proof_hash_length_invalid",
            Self::TreeTooLarge { .. } => "proof_tree_too_large",
            Self::HashesUnavailable(_) => "proof_hashes_unavailable",
        }
    }
}

/// RFC 9162 §2.1.1: the hash of a leaf, `SHA-256(0x00 ‖ data)`.
#[must_use]
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    Hash(h.finalize().into())
}

/// RFC 9162 §2.1.1: the hash of an interior node, `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    hash_children(&left.0, &right.0)
}

/// `SHA-256(0x01 ‖ left ‖ right)` over raw bytes; [`node_hash`] is this on two
/// hashes (the RFC 6962 test vectors also hash children of other lengths).
fn hash_children(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    Hash(h.finalize().into())
}

/// RFC 9162 §2.1.1: the root of the empty tree, `SHA-256("")`.
#[must_use]
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// RFC 9162 §2.1.3.2: checks that `leaf` is at `index` in the tree of `size`
/// leaves whose root is `root`.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] unless `index < size`;
/// [`ProofError::LengthInvalid`] if the proof is longer or shorter than a
/// proof for this index and size; [`ProofError::RootMismatch`] if it leads
/// elsewhere.
pub fn verify_inclusion(
    leaf: &Hash,
    index: LeafIndex,
    size: TreeSize,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index.0 >= size.0 {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut expected = 0usize;
    walk_inclusion(index.0, size.0, |_, _| expected += 1);
    let too_short_or_long = ProofError::LengthInvalid {
        expected,
        actual: proof.len(),
    };
    if proof.len() != expected {
        return Err(too_short_or_long);
    }
    // §2.1.3.2 steps 2–5, as written.
    let (mut fn_, mut sn) = (index.0, size.0 - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(too_short_or_long);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(too_short_or_long);
    }
    if r != *root {
        return Err(ProofError::RootMismatch {
            expected: *root,
            computed: r,
        });
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: checks that the tree of `old_size` leaves with root
/// `old_root` is a prefix of the tree of `new_size` leaves with root `new_root`.
///
/// Size 0 is rejected and equal sizes need an empty proof and equal roots; see
/// the module notes.
///
/// # Errors
/// [`ProofError::SizeInvalid`] unless `0 < old_size ≤ new_size`;
/// [`ProofError::LengthInvalid`] if the proof is longer or shorter than a proof
/// for these sizes; [`ProofError::RootMismatch`] if it leads to a different old
/// root (checked first) or new root.
pub fn verify_consistency(
    old_size: TreeSize,
    new_size: TreeSize,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    let (m, n) = (old_size.0, new_size.0);
    if m == 0 || m > n {
        return Err(ProofError::SizeInvalid {
            old: old_size,
            new: new_size,
        });
    }
    let mut expected = 0usize;
    walk_consistency(m, n, |_, _| expected += 1);
    let too_short_or_long = ProofError::LengthInvalid {
        expected,
        actual: proof.len(),
    };
    if proof.len() != expected {
        return Err(too_short_or_long);
    }
    if m == n {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch {
                expected: *new_root,
                computed: *old_root,
            })
        };
    }
    // §2.1.4.2 step 2: a power-of-two old tree is itself a complete subtree,
    // so its root starts the path instead of the proof's first hash.
    let (seed, rest) = if m.is_power_of_two() {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(too_short_or_long),
        }
    };
    // Steps 3–4.
    let (mut fn_, mut sn) = (m - 1, n - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Steps 5–6.
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if sn == 0 {
            return Err(too_short_or_long);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(too_short_or_long);
    }
    if fr != *old_root {
        return Err(ProofError::RootMismatch {
            expected: *old_root,
            computed: fr,
        });
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch {
            expected: *new_root,
            computed: sr,
        });
    }
    Ok(())
}

/// The largest power of two strictly below `n` (`k` in RFC 9162 §2.1.1); `n ≥ 2`.
pub(super) const fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Walks RFC 9162 §2.1.3.1 `PATH(m, D_n)` from the root down, calling `emit` with
/// the leaf range `[lo, hi)` of each sibling subtree (top first; the proof lists
/// them bottom first). Requires `m < n`.
pub(super) fn walk_inclusion(m: u64, n: u64, mut emit: impl FnMut(u64, u64)) {
    let (mut lo, mut hi, mut m) = (0u64, n, m);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if m < k {
            emit(lo + k, hi);
            hi = lo + k;
        } else {
            emit(lo, lo + k);
            lo += k;
            m -= k;
        }
    }
}

/// Walks RFC 9162 §2.1.4.1 `SUBPROOF(m, D_n, true)` from the root down, calling
/// `emit` with the leaf range of each subtree hash it contributes (top first).
/// Requires `0 < m ≤ n`.
pub(super) fn walk_consistency(m: u64, n: u64, mut emit: impl FnMut(u64, u64)) {
    let (mut lo, mut hi, mut m, mut whole_old_tree) = (0u64, n, m, true);
    loop {
        if m == hi - lo {
            // SUBPROOF(m, D[m], b): the old tree's own root is only omitted
            // while it is the whole old tree (the verifier has it already).
            if !whole_old_tree {
                emit(lo, hi);
            }
            return;
        }
        let k = split_point(hi - lo);
        if m <= k {
            emit(lo + k, hi);
            hi = lo + k;
        } else {
            emit(lo, lo + k);
            lo += k;
            m -= k;
            whole_old_tree = false;
        }
    }
}

#[cfg(test)]
#[path = "merkle_tests.rs"]
mod tests;
