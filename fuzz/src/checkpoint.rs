//! Checkpoints and proofs: C2SP `signed-note` notes and their key lines,
//! `tlog-checkpoint` bodies with Sigillum's extension lines, `tlog-cosignature`
//! k-of-n policies, RFC 9162 §2.1.3 inclusion and §2.1.4 consistency proofs,
//! offline bundles and registry read proofs.
//!
//! First byte: `N` a signed note, raw; `C` a checkpoint body, signed by the log and
//! one cosigner the policy trusts; `P` a proof against a real tree (see [`proof`]);
//! `B` an offline bundle; `R` a read proof as JSON; `K` a key line. Anything else:
//! a note, raw.

use std::sync::OnceLock;

use sigillum_credential::ledger::bundle::{Bundle, verify_bundle};
use sigillum_credential::ledger::cosignature::CosignerKey;
use sigillum_credential::ledger::merkle::{self, Hash, LeafIndex, TreeSize};
use sigillum_credential::ledger::read::{self, ReadProof};
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::ledger::tree::{self, MemoryHashStore};
use sigillum_credential::ledger::{
    Checkpoint, KeyName, NoteSigner, Policy, SignedNote, SignerKey, VerifierKey, note,
    verify_checkpoint,
};

use crate::forge;

/// The log's origin line.
pub const ORIGIN: &str = "fuzz.sigillum.test/registry";
/// Leaves in the tree proofs are checked against.
pub const LEAVES: u64 = 64;

struct Keys {
    log: SignerKey,
    cosigner: CosignerKey,
    policy: Policy,
}

fn keys() -> Option<&'static Keys> {
    static KEYS: OnceLock<Option<Keys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let log = SignerKey::from_signing_key(
            KeyName::new(ORIGIN).ok()?,
            ed25519_dalek::SigningKey::from_bytes(&[4; 32]),
        );
        let cosigner = CosignerKey::from_signing_key(
            KeyName::new("bank.example/witness").ok()?,
            ed25519_dalek::SigningKey::from_bytes(&[5; 32]),
        );
        let policy =
            Policy::new(ORIGIN, log.verifier_key(), vec![cosigner.verifier_key()], 1).ok()?;
        Some(Keys {
            log,
            cosigner,
            policy,
        })
    })
    .as_ref()
}

/// The tree every proof is checked against: [`LEAVES`] leaves `leaf 0`, `leaf 1`, …
pub fn tree() -> &'static MemoryHashStore {
    static TREE: OnceLock<MemoryHashStore> = OnceLock::new();
    TREE.get_or_init(|| {
        let mut t = MemoryHashStore::new();
        for i in 0..LEAVES {
            t.append(format!("leaf {i}").as_bytes());
        }
        t
    })
}

/// `body` as a note signed by the log and cosigned by the witness the policy trusts.
pub fn signed_note(body: &str) -> Option<String> {
    let keys = keys()?;
    let signers: [&dyn NoteSigner; 2] = [&keys.log, &keys.cosigner.at(forge::NOW as u64)];
    note::sign(body, &signers).ok()
}

/// The log's verifier key line (C2SP signed-note).
pub fn log_verifier_key() -> Option<String> {
    Some(keys()?.log.verifier_key().to_string())
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some(keys) = keys() else {
        return;
    };
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    match mode {
        b'C' => {
            if let Some(signed) = std::str::from_utf8(rest).ok().and_then(signed_note) {
                checkpoint_note(signed.as_bytes(), keys);
            }
        }
        b'P' => proof(rest),
        b'B' => {
            let _ = Bundle::decode(rest);
            let _ = verify_bundle(rest, &keys.policy);
        }
        b'R' => {
            if let Ok(read) = serde_json::from_slice::<ReadProof>(rest) {
                let _ = read::verify_read("did:sigillum:fuzz", &read, &keys.policy);
            }
        }
        b'K' => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = VerifierKey::parse(text);
                let _ = SignerKey::parse_private(text);
                let _ = CosignerKey::parse_private(text);
            }
        }
        b'N' => checkpoint_note(rest, keys),
        _ => checkpoint_note(data, keys),
    }
}

fn checkpoint_note(bytes: &[u8], keys: &Keys) {
    if let Ok(parsed) = SignedNote::parse(bytes) {
        let _ = parsed.open(&[keys.log.verifier_key()]);
        let _ = Checkpoint::parse(parsed.unverified_text());
    }
    if let Ok(verified) = verify_checkpoint(bytes, &keys.policy) {
        let checkpoint = verified.checkpoint();
        let _ = read::parse_state_line(checkpoint.extensions());
        let _ = read::parse_time_line(checkpoint.extensions());
        let mut tracker = CheckpointTracker::new();
        let _ = tracker.advance(checkpoint, &[]);
        let _ = tracker.advance(checkpoint, &[]);
    }
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    if let Some(slice) = bytes.get(at..at + 8) {
        word.copy_from_slice(slice);
    }
    u64::from_le_bytes(word)
}

/// A proof: byte 0 picks inclusion (even) or consistency (odd); then two
/// little-endian u64 (leaf index and tree size, or old and new size); then the
/// proof's hashes, 32 bytes each. Sizes up to [`LEAVES`] are checked against the
/// real tree's roots, and a proof that verifies must be the one the tree itself
/// produces: two different proofs of one statement would mean a hash collision,
/// or a verifier that accepts what it should not.
pub fn proof(rest: &[u8]) {
    let Some((&kind, rest)) = rest.split_first() else {
        return;
    };
    let (a, b) = (u64_at(rest, 0), u64_at(rest, 8));
    let proof: Vec<Hash> = rest
        .get(16..)
        .unwrap_or_default()
        .chunks_exact(32)
        .take(128)
        .filter_map(|c| Hash::from_slice(c).ok())
        .collect();
    let t = tree();
    let root_at = |size: u64| {
        let real = (size <= LEAVES)
            .then(|| tree::root(TreeSize::new(size), t).ok())
            .flatten();
        real.unwrap_or_else(|| Hash::from_bytes([0x5a; 32]))
    };
    if kind % 2 == 0 {
        let leaf = merkle::leaf_hash(format!("leaf {a}").as_bytes());
        let verdict = merkle::verify_inclusion(
            &leaf,
            LeafIndex::new(a),
            TreeSize::new(b),
            &proof,
            &root_at(b),
        );
        if verdict.is_ok() && b <= LEAVES {
            let real = tree::inclusion_proof(LeafIndex::new(a), TreeSize::new(b), t);
            assert_eq!(
                real.as_ref().ok(),
                Some(&proof),
                "a forged inclusion proof verified"
            );
        }
    } else {
        let verdict = merkle::verify_consistency(
            TreeSize::new(a),
            TreeSize::new(b),
            &root_at(a),
            &root_at(b),
            &proof,
        );
        if verdict.is_ok() && b <= LEAVES {
            let real = tree::consistency_proof(TreeSize::new(a), TreeSize::new(b), t);
            assert_eq!(
                real.as_ref().ok(),
                Some(&proof),
                "a forged consistency proof verified"
            );
        }
    }
}
