//! Tests for `merkle` (with `tree` generating the proofs): the RFC 6962
//! reference vectors and every transparency-dev inclusion/consistency probe.
// Tests may index and panic; the code under test may not.
#![allow(clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::*;
use crate::ledger::tree::{
    HashReadError, HashReader, MemoryHashStore, consistency_proof, inclusion_proof, root,
    stored_hash_index,
};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/vectors/ct-merkle/"
);

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length: {text}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_hash(text: &str) -> Hash {
    Hash::from_slice(&hex(text)).unwrap()
}

// ---------------------------------------------------------------------------
// rfc6962-reference-vectors.json (transparency-dev/merkle testonly/constants.go,
// cmd/proofgen, rfc6962_test.go — see SOURCES.md)

#[derive(Deserialize)]
struct Reference {
    leaf_inputs_hex: Vec<String>,
    leaf_hashes_hex: Vec<String>,
    node_hashes_by_level_hex: Vec<Vec<String>>,
    root_hashes_by_tree_size_hex: std::collections::BTreeMap<String, String>,
    inclusion_proofs: Vec<RefInclusion>,
    consistency_proofs: Vec<RefConsistency>,
    hasher_vectors: Vec<RefHasher>,
}

#[derive(Deserialize)]
struct RefInclusion {
    leaf_index_0based: u64,
    tree_size: u64,
    leaf_hash_hex: String,
    root_hex: String,
    proof_hex: Vec<String>,
}

#[derive(Deserialize)]
struct RefConsistency {
    size1: u64,
    size2: u64,
    root1_hex: String,
    root2_hex: String,
    proof_hex: Vec<String>,
}

#[derive(Deserialize)]
struct RefHasher {
    desc: String,
    hex: String,
    input_ascii: Option<String>,
    left_ascii: Option<String>,
    right_ascii: Option<String>,
}

fn reference() -> Reference {
    let text = std::fs::read_to_string(format!("{VECTORS}rfc6962-reference-vectors.json"))
        .expect("ct-merkle vectors present (see shared/vectors/ct-merkle/SOURCES.md)");
    serde_json::from_str(&text).unwrap()
}

fn reference_store(r: &Reference) -> MemoryHashStore {
    let mut store = MemoryHashStore::new();
    for input in &r.leaf_inputs_hex {
        store.append(&hex(input));
    }
    store
}

#[test]
fn rfc6962_hasher_vectors() {
    let r = reference();
    assert_eq!(r.hasher_vectors.len(), 4);
    for v in &r.hasher_vectors {
        let want = hex_hash(&v.hex);
        let got = match (&v.input_ascii, &v.left_ascii, &v.right_ascii) {
            (Some(input), None, None) => leaf_hash(input.as_bytes()),
            (None, Some(l), Some(r)) => hash_children(l.as_bytes(), r.as_bytes()),
            (None, None, None) if v.desc.contains("Empty Leaf") => leaf_hash(b""),
            (None, None, None) => empty_root(),
            _ => panic!("unexpected hasher vector shape: {}", v.desc),
        };
        assert_eq!(got, want, "{}", v.desc);
    }
}

#[test]
fn rfc6962_leaf_node_and_root_hashes() {
    let r = reference();
    let store = reference_store(&r);
    for (input, want) in r.leaf_inputs_hex.iter().zip(&r.leaf_hashes_hex) {
        assert_eq!(leaf_hash(&hex(input)), hex_hash(want));
    }
    // Every complete subtree hash sits where stored_hash_index says.
    for (level, hashes) in r.node_hashes_by_level_hex.iter().enumerate() {
        for (n, want) in hashes.iter().enumerate() {
            let index = stored_hash_index(level as u8, n as u64).unwrap();
            assert_eq!(
                store.read_hashes(&[index]).unwrap(),
                vec![hex_hash(want)],
                "level {level} n {n}"
            );
        }
    }
    assert_eq!(r.root_hashes_by_tree_size_hex.len(), 9);
    let mut growing = MemoryHashStore::new();
    for (size, want) in &r.root_hashes_by_tree_size_hex {
        let size: u64 = size.parse().unwrap();
        let want = hex_hash(want);
        assert_eq!(
            root(TreeSize::new(size), &store).unwrap(),
            want,
            "size {size}"
        );
        while growing.size().get() < size {
            growing.append(&hex(&r.leaf_inputs_hex[growing.size().get() as usize]));
        }
        assert_eq!(growing.root(), want, "frontier root at size {size}");
    }
}

#[test]
fn rfc6962_inclusion_proofs_generate_and_verify() {
    let r = reference();
    let store = reference_store(&r);
    assert_eq!(r.inclusion_proofs.len(), 5);
    for v in &r.inclusion_proofs {
        let (index, size) = (
            LeafIndex::new(v.leaf_index_0based),
            TreeSize::new(v.tree_size),
        );
        let want: Vec<Hash> = v.proof_hex.iter().map(|h| hex_hash(h)).collect();
        assert_eq!(inclusion_proof(index, size, &store).unwrap(), want);
        verify_inclusion(
            &hex_hash(&v.leaf_hash_hex),
            index,
            size,
            &want,
            &hex_hash(&v.root_hex),
        )
        .unwrap();
    }
}

#[test]
fn rfc6962_consistency_proofs_generate_and_verify() {
    let r = reference();
    let store = reference_store(&r);
    assert_eq!(r.consistency_proofs.len(), 5);
    for v in &r.consistency_proofs {
        let (old, new) = (TreeSize::new(v.size1), TreeSize::new(v.size2));
        let want: Vec<Hash> = v.proof_hex.iter().map(|h| hex_hash(h)).collect();
        assert_eq!(consistency_proof(old, new, &store).unwrap(), want);
        verify_consistency(
            old,
            new,
            &hex_hash(&v.root1_hex),
            &hex_hash(&v.root2_hex),
            &want,
        )
        .unwrap();
    }
}

// ---------------------------------------------------------------------------
// transparency-dev/merkle testdata/{inclusion,consistency}/**

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionProbe {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyProbe {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
}

/// Decodes a probe's base64 value into a [`Hash`].
///
/// Values that are not 32 bytes cannot be a `Hash` at all: `Hash::from_slice`
/// refuses them, which is how this API rejects the "empty root", "WrongRoot",
/// "garbage" probes. The one exception is the `additional/` probes' explicit
/// placeholders ("don't care 1", "don't care 2"), whose value the vector says
/// does not matter: they become distinct 32-byte hashes (equal placeholders
/// stay equal), so the probe tests the rule it was written for.
fn probe_hash(b64: &str) -> Result<Hash, ProofError> {
    let bytes = STANDARD.decode(b64).unwrap();
    if bytes.starts_with(b"don't care") {
        return Ok(Hash::from_bytes(Sha256::digest(&bytes).into()));
    }
    Hash::from_slice(&bytes)
}

fn probe_proof(proof: &Option<Vec<String>>) -> Result<Vec<Hash>, ProofError> {
    proof
        .iter()
        .flatten()
        .map(|h| probe_hash(h))
        .collect::<Result<_, _>>()
}

#[derive(Default, Debug)]
struct Tally {
    files: usize,
    accepted: usize,
    rejected_hash_length: usize,
    rejected_by_verifier: usize,
}

impl Tally {
    fn record(&mut self, path: &Path, desc: &str, want_err: bool, got: Result<(), ProofError>) {
        self.files += 1;
        match &got {
            Ok(()) => self.accepted += 1,
            Err(ProofError::HashLengthInvalid { .. }) => self.rejected_hash_length += 1,
            Err(_) => self.rejected_by_verifier += 1,
        }
        assert_eq!(
            got.is_err(),
            want_err,
            "{} ({desc}): got {got:?}",
            path.display()
        );
    }
}

#[test]
fn transparency_dev_inclusion_probes() {
    let mut files = Vec::new();
    json_files(
        Path::new(&format!("{VECTORS}transparency-dev-testdata/inclusion")),
        &mut files,
    );
    let mut tally = Tally::default();
    for path in &files {
        let p: InclusionProbe =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let got = (|| {
            let leaf = probe_hash(&p.leaf_hash)?;
            let root = probe_hash(&p.root)?;
            let proof = probe_proof(&p.proof)?;
            verify_inclusion(
                &leaf,
                LeafIndex::new(p.leaf_idx),
                TreeSize::new(p.tree_size),
                &proof,
                &root,
            )
        })();
        tally.record(path, &p.desc, p.want_err, got);
    }
    assert_eq!(tally.files, 98, "{tally:?}");
    assert_eq!(tally.accepted, 6, "{tally:?}"); // 5 happy paths + single-entry match
    assert_eq!(tally.rejected_hash_length, 26, "{tally:?}");
    assert_eq!(tally.rejected_by_verifier, 66, "{tally:?}");
}

#[test]
fn transparency_dev_consistency_probes() {
    let mut files = Vec::new();
    json_files(
        Path::new(&format!("{VECTORS}transparency-dev-testdata/consistency")),
        &mut files,
    );
    let mut tally = Tally::default();
    for path in &files {
        let p: ConsistencyProbe =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let got = (|| {
            let root1 = probe_hash(&p.root1)?;
            let root2 = probe_hash(&p.root2)?;
            let proof = probe_proof(&p.proof)?;
            verify_consistency(
                TreeSize::new(p.size1),
                TreeSize::new(p.size2),
                &root1,
                &root2,
                &proof,
            )
        })();
        tally.record(path, &p.desc, p.want_err, got);
    }
    assert_eq!(tally.files, 98, "{tally:?}");
    // 5 happy paths + "sizes are equal (one) and proof is empty".
    assert_eq!(tally.accepted, 6, "{tally:?}");
    assert_eq!(tally.rejected_hash_length, 16, "{tally:?}");
    assert_eq!(tally.rejected_by_verifier, 76, "{tally:?}");
}

#[test]
fn hash_from_slice_requires_32_bytes() {
    assert_eq!(
        Hash::from_slice(&[0; 31]),
        Err(ProofError::HashLengthInvalid { len: 31 })
    );
    assert_eq!(
        Hash::from_slice(&[7; 32]).unwrap(),
        Hash::from_bytes([7; 32])
    );
}

#[test]
fn error_codes_are_stable() {
    let h = empty_root();
    let cases = [
        (
            ProofError::IndexOutOfRange {
                index: LeafIndex::new(1),
                size: TreeSize::new(1),
            },
            "proof_index_out_of_range",
        ),
        (
            ProofError::SizeInvalid {
                old: TreeSize::new(0),
                new: TreeSize::new(1),
            },
            "proof_size_invalid",
        ),
        (
            ProofError::LengthInvalid {
                expected: 1,
                actual: 2,
            },
            "proof_length_invalid",
        ),
        (
            ProofError::RootMismatch {
                expected: h,
                computed: h,
            },
            "proof_root_mismatch",
        ),
        (
            ProofError::HashLengthInvalid { len: 0 },
            "proof_hash_length_invalid",
        ),
        (
            ProofError::TreeTooLarge {
                size: TreeSize::new(0),
            },
            "proof_tree_too_large",
        ),
        (
            ProofError::HashesUnavailable(HashReadError::Missing { index: 0 }),
            "proof_hashes_unavailable",
        ),
    ];
    for (e, code) in cases {
        assert_eq!(e.code(), code);
    }
}
