//! The ledger's wire formats and proofs, pure and free of I/O.
//!
//! ```text
//!  leaves ──► merkle (RFC 9162 §2.1) ──► root ──► checkpoint (c2sp.org/tlog-checkpoint)
//!                 │                                   │ body of
//!                 ▼                                   ▼
//!        inclusion / consistency           note (c2sp.org/signed-note): log signature 0x01
//!        proofs over a HashReader           + cosignature (c2sp.org/tlog-cosignature): 0x04
//!                                                     │
//!                                                     ▼
//!                                        witness: Policy, k-of-n ⇒ VerifiedCheckpoint
//! ```
//!
//! Versions implemented (pinned):
//! - RFC 9162 §2.1 (Merkle tree hashing, inclusion and consistency proofs; the
//!   hashing is the same as RFC 6962's).
//! - c2sp.org/signed-note v1.0.0 (Ed25519 signatures, type 0x01; verifier and
//!   signer key text as Go's `golang.org/x/mod/sumdb/note`).
//! - c2sp.org/tlog-checkpoint v1.0.0.
//! - c2sp.org/tlog-cosignature v1.0.0 / `cosignature/v1` (Ed25519 cosignatures,
//!   type 0x04, signing the whole checkpoint body including extension lines).
//!
//! Nothing here does I/O: proofs are generated through the narrow
//! [`tree::HashReader`] trait, so the registry's sled store and the in-memory
//! [`tree::MemoryHashStore`] share one implementation of the math, and a
//! verifier needs only the pure functions of [`merkle`].
//!
//! Every decoder is bounded before it works (a note or checkpoint to 1 MiB and
//! 100 signature lines, key names to 256 bytes, proofs to the length their
//! sizes imply) and fails with an error that has a stable `code()`.
// Untrusted input never panics: no indexing or panics in this module's code (tests may).
#![cfg_attr(not(test), warn(clippy::indexing_slicing, clippy::panic))]

pub mod bundle;
pub mod checkpoint;
pub mod client;
pub mod cosignature;
pub mod did_history;
pub mod keys;
pub mod merkle;
pub mod note;
pub mod operation;
pub mod operation_body;
pub mod read;
pub mod tracker;
pub mod tree;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointFormatError};
pub use cosignature::{CosignatureError, CosignerKey};
pub use keys::{KeyId, KeyName, KeyType, SignerKey, VerifierKey};
pub use merkle::{Hash, LeafIndex, ProofError, TreeSize};
pub use note::{NoteError, NoteSignature, NoteSigner, SignedNote, VerifiedNote, VerifiedSignature};
pub use tree::{Frontier, HashReadError, HashReader, MemoryHashStore};
pub use witness::{CheckpointError, Policy, PolicyError, VerifiedCheckpoint, verify_checkpoint};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard base64 (RFC 4648 §4) with padding, as the C2SP texts use it
/// throughout. Decoding is canonical: padding required, non-zero trailing bits
/// refused, so each byte string has exactly one accepted encoding.
const STD_STRICT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

/// Encodes as standard padded base64 (RFC 4648 §4).
fn std_b64_encode(bytes: impl AsRef<[u8]>) -> String {
    STD_STRICT.encode(bytes)
}

/// Decodes canonical standard padded base64 (RFC 4648 §4); `None` if it is not.
fn std_b64_decode(text: &str) -> Option<Vec<u8>> {
    STD_STRICT.decode(text).ok()
}

/// Decodes canonical standard padded base64 into a fixed-size buffer, for
/// secrets that should not be left behind in a reallocated heap buffer.
/// Returns the number of bytes written.
fn std_b64_decode_into(text: &str, out: &mut [u8]) -> Option<usize> {
    STD_STRICT.decode_slice(text, out).ok()
}

/// Overwrites a buffer that held secret bytes. Best effort: without `unsafe`
/// volatile writes, `black_box` is what keeps the compiler from dropping the
/// stores as dead.
fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(&buf);
}
