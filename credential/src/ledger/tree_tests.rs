//! Tests for `tree`: the stored-hash layout, generation edge cases, and an
//! exhaustive property test over every tree of 1..=64 leaves.
// Tests may index and panic; the code under test may not.
#![allow(clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::ledger::merkle::{split_point, verify_consistency, verify_inclusion};

/// RFC 9162 §2.1.1 `MTH`, straight from the recursive definition: the
/// reference the stored-hash implementation is checked against.
fn reference_mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&reference_mth(&leaves[..k]), &reference_mth(&leaves[k..]))
        }
    }
}

// ---------------------------------------------------------------------------
// Edge cases decided in the module notes.

#[test]
fn consistency_from_size_zero_is_rejected_even_with_empty_proof_and_empty_root() {
    let e = empty_root();
    let mut store = MemoryHashStore::new();
    store.append(b"a");
    let one = store.root();
    for (new, new_root) in [(0, e), (1, one)] {
        assert_eq!(
            verify_consistency(TreeSize::new(0), TreeSize::new(new), &e, &new_root, &[]),
            Err(ProofError::SizeInvalid {
                old: TreeSize::new(0),
                new: TreeSize::new(new)
            })
        );
    }
    assert_eq!(
        consistency_proof(TreeSize::new(0), TreeSize::new(1), &store),
        Err(ProofError::SizeInvalid {
            old: TreeSize::new(0),
            new: TreeSize::new(1)
        })
    );
}

#[test]
fn equal_sizes_need_empty_proof_and_equal_roots() {
    let mut store = MemoryHashStore::new();
    for i in 0..5u8 {
        store.append(&[i]);
    }
    let size = TreeSize::new(5);
    let r = store.root();
    assert_eq!(consistency_proof(size, size, &store).unwrap(), vec![]);
    verify_consistency(size, size, &r, &r, &[]).unwrap();
    assert_eq!(
        verify_consistency(size, size, &r, &r, &[r]),
        Err(ProofError::LengthInvalid {
            expected: 0,
            actual: 1
        })
    );
    let other = leaf_hash(b"other");
    assert_eq!(
        verify_consistency(size, size, &r, &other, &[]),
        Err(ProofError::RootMismatch {
            expected: other,
            computed: r
        })
    );
}

#[test]
fn old_size_above_new_size_is_rejected() {
    let h = empty_root();
    assert_eq!(
        verify_consistency(TreeSize::new(3), TreeSize::new(2), &h, &h, &[]).map_err(|e| e.code()),
        Err("proof_size_invalid")
    );
}

#[test]
fn inclusion_in_empty_tree_is_out_of_range() {
    let store = MemoryHashStore::new();
    let (index, size) = (LeafIndex::new(0), TreeSize::new(0));
    let err = ProofError::IndexOutOfRange { index, size };
    assert_eq!(inclusion_proof(index, size, &store), Err(err.clone()));
    assert_eq!(
        verify_inclusion(&empty_root(), index, size, &[], &empty_root()),
        Err(err)
    );
}

#[test]
fn empty_tree_root_is_sha256_of_nothing() {
    assert_eq!(
        empty_root().to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        root(TreeSize::new(0), &MemoryHashStore::new()).unwrap(),
        empty_root()
    );
    assert_eq!(MemoryHashStore::new().root(), empty_root());
}

#[test]
fn stored_hash_layout() {
    // Append order for 4 leaves: l0 l1 n(0,1) l2 l3 n(2,3) n(0..4).
    let want = [
        (0, 0, 0),
        (0, 1, 1),
        (1, 0, 2),
        (0, 2, 3),
        (0, 3, 4),
        (1, 1, 5),
        (2, 0, 6),
    ];
    for (level, n, index) in want {
        assert_eq!(stored_hash_index(level, n), Some(index), "({level}, {n})");
    }
    assert_eq!(stored_hash_count(TreeSize::new(4)), Some(7));
    assert_eq!(
        stored_hash_count(TreeSize::new(10_000_000)),
        Some(19_999_992)
    );
    assert_eq!(stored_hash_index(64, 0), None);
    assert_eq!(stored_hash_index(0, u64::MAX), None);
    assert_eq!(stored_hash_count(TreeSize::new(1 << 63)), None);
}

#[test]
fn proofs_beyond_the_store_are_unavailable() {
    let mut store = MemoryHashStore::new();
    for i in 0..4u8 {
        store.append(&[i]);
    }
    assert!(matches!(
        inclusion_proof(LeafIndex::new(0), TreeSize::new(5), &store),
        Err(ProofError::HashesUnavailable(HashReadError::Missing { .. }))
    ));
    assert_eq!(
        root(TreeSize::new(u64::MAX), &store),
        Err(ProofError::TreeTooLarge {
            size: TreeSize::new(u64::MAX)
        })
    );
}

// ---------------------------------------------------------------------------
// Property test: every size 1..=64, every index and every old size.

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut b = *h.as_bytes();
    b[bit / 8] ^= 1 << (bit % 8);
    Hash::from_bytes(b)
}

/// Bit positions flipped in each proof hash: one in every 4-byte word, first and last bit included.
const BITS: [usize; 8] = [0, 37, 74, 111, 148, 185, 222, 255];

#[test]
fn every_small_tree_proves_and_rejects_mutations() {
    const MAX: u64 = 64;
    let mut store = MemoryHashStore::new();
    let mut leaves = Vec::new();
    for i in 0..MAX {
        leaves.push(leaf_hash(format!("leaf {i}").as_bytes()));
        store.append_leaf_hash(leaves[i as usize]);
    }
    let roots: Vec<Hash> = (0..=MAX as usize)
        .map(|n| reference_mth(&leaves[..n]))
        .collect();
    let mut checked = (0usize, 0usize);

    for n in 1..=MAX {
        let size = TreeSize::new(n);
        let root_n = roots[n as usize];
        assert_eq!(root(size, &store).unwrap(), root_n, "root {n}");

        for i in 0..n {
            let index = LeafIndex::new(i);
            let leaf = leaves[i as usize];
            let proof = inclusion_proof(index, size, &store).unwrap();
            verify_inclusion(&leaf, index, size, &proof, &root_n).unwrap();
            checked.0 += 1;

            for j in 0..proof.len() {
                for bit in BITS {
                    let mut bad = proof.clone();
                    bad[j] = flip(&bad[j], bit);
                    let e = verify_inclusion(&leaf, index, size, &bad, &root_n).unwrap_err();
                    assert_eq!(
                        e.code(),
                        "proof_root_mismatch",
                        "n={n} i={i} j={j} bit={bit}"
                    );
                }
            }
            if let Some((_, shorter)) = proof.split_last() {
                let e = verify_inclusion(&leaf, index, size, shorter, &root_n).unwrap_err();
                assert_eq!(e.code(), "proof_length_invalid");
            }
            let mut longer = proof.clone();
            longer.push(leaf);
            let e = verify_inclusion(&leaf, index, size, &longer, &root_n).unwrap_err();
            assert_eq!(e.code(), "proof_length_invalid");
            for bit in BITS {
                assert!(verify_inclusion(&flip(&leaf, bit), index, size, &proof, &root_n).is_err());
                assert!(verify_inclusion(&leaf, index, size, &proof, &flip(&root_n, bit)).is_err());
            }
            if i + 1 < n {
                let moved = LeafIndex::new(i + 1);
                assert!(verify_inclusion(&leaf, moved, size, &proof, &root_n).is_err());
            }
        }

        for m in 1..=n {
            let old = TreeSize::new(m);
            let root_m = roots[m as usize];
            let proof = consistency_proof(old, size, &store).unwrap();
            verify_consistency(old, size, &root_m, &root_n, &proof).unwrap();
            checked.1 += 1;

            for j in 0..proof.len() {
                for bit in BITS {
                    let mut bad = proof.clone();
                    bad[j] = flip(&bad[j], bit);
                    let e = verify_consistency(old, size, &root_m, &root_n, &bad).unwrap_err();
                    assert_eq!(
                        e.code(),
                        "proof_root_mismatch",
                        "m={m} n={n} j={j} bit={bit}"
                    );
                }
            }
            if let Some((_, shorter)) = proof.split_last() {
                let e = verify_consistency(old, size, &root_m, &root_n, shorter).unwrap_err();
                assert_eq!(e.code(), "proof_length_invalid");
            }
            let mut longer = proof.clone();
            longer.push(root_m);
            let e = verify_consistency(old, size, &root_m, &root_n, &longer).unwrap_err();
            assert_eq!(e.code(), "proof_length_invalid");
            for bit in BITS {
                let e = verify_consistency(old, size, &flip(&root_m, bit), &root_n, &proof);
                assert_eq!(e.unwrap_err().code(), "proof_root_mismatch");
                let e = verify_consistency(old, size, &root_m, &flip(&root_n, bit), &proof);
                assert_eq!(e.unwrap_err().code(), "proof_root_mismatch");
            }
        }
    }
    assert_eq!(checked, (2080, 2080));
}

#[test]
fn a_frontier_reloaded_from_stored_hashes_continues_the_same_tree() {
    let mut store = MemoryHashStore::new();
    for size in 0..70u64 {
        let reloaded = Frontier::load(TreeSize::new(size), &store).unwrap();
        assert_eq!(reloaded.root(), store.root(), "size {size}");
        let mut a = reloaded.clone();
        let mut b = MemoryHashStore::new();
        for i in 0..size {
            b.append(&i.to_be_bytes());
        }
        let leaf = leaf_hash(&size.to_be_bytes());
        let stored = a.append(leaf);
        b.append_leaf_hash(leaf);
        assert_eq!(a.root(), b.root());
        let from = stored_hash_count(TreeSize::new(size)).unwrap();
        let expect = b
            .read_hashes(&(from..from + stored.len() as u64).collect::<Vec<_>>())
            .unwrap();
        assert_eq!(stored, expect, "size {size}");
        store.append(&size.to_be_bytes());
    }
}
