//! The deterministic workload shared by the crash child (`src/bin/crash_child.rs`) and the
//! crash test (`tests/crash.rs`): what entry `i` holds, and the derived data kept in meta.
//!
//! Meta per entry `i`: `leaf/<i>` = SHA-256(entry). Meta per batch (last write wins):
//! `chain_head` = len ‖ chain, where chain₀ = 0³² and chainᵢ₊₁ = SHA-256(chainᵢ ‖ leafᵢ).
//! A crash that split entries from their meta breaks one of these.

use sha2::{Digest, Sha256};

/// Meta key of the running hash chain over all entries.
pub const CHAIN_HEAD_KEY: &[u8] = b"chain_head";

/// Every this many indexes, the entry is large enough to become a sled blob file.
const LARGE_EVERY: u64 = 1000;
const LARGE_LEN: usize = 150 * 1024;

/// The entry stored at `index`: SHA-256 of the index, then padding that depends on it.
pub fn entry_for(index: u64) -> Vec<u8> {
    let mut entry = Sha256::digest(index.to_be_bytes()).to_vec();
    let fill = index.to_le_bytes().first().copied().unwrap_or(0);
    let pad = if index % LARGE_EVERY == LARGE_EVERY - 1 {
        LARGE_LEN
    } else {
        usize::try_from(index % 200).unwrap_or(0) + 16
    };
    entry.resize(entry.len() + pad, fill);
    entry
}

/// Meta key holding the leaf hash of entry `index`.
pub fn leaf_key(index: u64) -> Vec<u8> {
    [&b"leaf/"[..], &index.to_be_bytes()].concat()
}

/// SHA-256 of an entry.
pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    Sha256::digest(entry).into()
}

/// The chain value after appending `entry`.
pub fn chain_next(chain: &[u8; 32], entry: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(chain);
    hasher.update(leaf_hash(entry));
    hasher.finalize().into()
}

/// `len ‖ chain` as stored under [`CHAIN_HEAD_KEY`].
pub fn encode_head(len: u64, chain: &[u8; 32]) -> Vec<u8> {
    [&len.to_be_bytes()[..], chain].concat()
}

/// Parses a stored chain head; `None` if malformed.
pub fn decode_head(bytes: &[u8]) -> Option<(u64, [u8; 32])> {
    let (len, chain) = bytes.split_at_checked(8)?;
    Some((
        u64::from_be_bytes(len.try_into().ok()?),
        chain.try_into().ok()?,
    ))
}
