//! `SG2P:` — the second framing of a presentation QR text, about 40 % shorter than
//! `SG1P:` for an SD-JWT+KB.
//!
//! ```text
//!  "SG2P:" + Base45( deflate_raw(structure, primed with DICTIONARY) ‖ blob )
//! ```
//!
//! - [`super::frame`] splits the presentation into its base64url segments,
//!   decoded: a *structure* (the JSON scaffolding and short values, with references
//!   in place of random bytes) and a *blob* (signatures, digests, salts, keys, in
//!   reference order);
//! - the structure is compressed as raw deflate (RFC 1951) primed with the
//!   [preset dictionary](super::dictionary) of our JSON (`primed.rs`: a sync flush
//!   after the dictionary, RFC 1951 §3.2.4, then a fresh block);
//! - the blob follows the deflate stream unchanged: the stream ends itself (its final
//!   block, RFC 1951 §3.2.3), and what comes after it is the blob, every byte of
//!   which the structure must reference;
//! - Base45 (RFC 9285) keeps the text in the QR alphanumeric set, as for `SG1P:`.
//!   QR byte mode would carry the binary in 8 bits a byte instead of 8.25 (3 % less:
//!   version 24 instead of 25 for a border passport, `examples/qr_versions.rs`), but
//!   our scanner and most phone readers hand a byte-mode payload back as text, which
//!   raw binary does not survive (ISO/IEC 18004 §7.4.5 leaves its character set to
//!   the application), so it is not used.
//!
//! There is no checksum: the symbol's Reed–Solomon code (ISO/IEC 18004 §7.5) corrects
//! or refuses a damaged read, the frame refuses any byte it cannot account for, and a
//! change that still gets through alters a signed value, which the presentation's
//! signatures and digests then refuse. The dictionary is part of the format: changing
//! it means a new prefix (see [`super::dictionary`]).
//!
//! [`super::encode`] makes an `SG2P:` text only when decoding it gives the
//! presentation back byte for byte (canonical base64url everywhere); otherwise the
//! caller keeps `SG1P:`.

use super::dictionary::DICTIONARY;
use super::{MAX_PAYLOAD_BYTES, QrError, base45, frame, primed};

/// The prefix of a presentation in this framing: `SG` + format version `2` + `P` + `:`.
pub const PREFIX: &str = "SG2P:";

/// Where the bytes of an `SG2P:` text go, for size reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameSizes {
    /// The structure before compression.
    pub structure: usize,
    /// The structure as primed raw deflate.
    pub deflated: usize,
    /// The blob (stored).
    pub blob: usize,
    /// The whole text, prefix included: 5 + ⌈1.5 × (deflated + blob)⌉ characters.
    pub text: usize,
}

/// The Base45 body (no prefix) of a presentation in this framing, or `None` when the
/// framing cannot carry it losslessly.
///
/// # Errors
/// [`QrError::CompressionFailed`], a defect.
pub(crate) fn encode(payload: &[u8]) -> Result<Option<String>, QrError> {
    Ok(encode_sized(payload)?.map(|(body, _)| body))
}

/// [`encode`], with where the bytes went.
///
/// # Errors
/// As [`encode`].
pub(crate) fn encode_sized(payload: &[u8]) -> Result<Option<(String, FrameSizes)>, QrError> {
    let Some(frame) = frame::split(payload) else {
        return Ok(None);
    };
    let deflated = primed::compress(&DICTIONARY, &frame.structure)?;
    let mut bytes = deflated.clone();
    bytes.extend_from_slice(&frame.blob);
    let body = base45::encode(&bytes);
    // Lossless or not at all: the whole way back must give the same bytes.
    if decode(&body).as_deref() != Ok(payload) {
        return Ok(None);
    }
    let sizes = FrameSizes {
        structure: frame.structure.len(),
        deflated: deflated.len(),
        blob: frame.blob.len(),
        text: PREFIX.len() + body.len(),
    };
    Ok(Some((body, sizes)))
}

/// Decodes an `SG2P:` body (the text after the prefix) to the presentation's bytes.
///
/// # Errors
/// In the order checked: [`QrError::Base45Invalid`], [`QrError::DecompressionFailed`]
/// or [`QrError::PayloadTooLarge`] for the structure, then [`QrError::FrameInvalid`]
/// or [`QrError::PayloadTooLarge`] for the rebuilt text.
pub(crate) fn decode(body: &str) -> Result<Vec<u8>, QrError> {
    let bytes = base45::decode(body)?;
    let (structure, read) = primed::inflate(&DICTIONARY, &bytes, MAX_PAYLOAD_BYTES)?;
    let blob = bytes.get(read..).unwrap_or_default();
    Ok(frame::join(&structure, blob)?.into_bytes())
}

/// How an `SG2P:` text of this presentation would spend its bytes, or `None` when the
/// presentation is not one this framing carries (it would go as `SG1P:`).
///
/// # Errors
/// [`QrError::PayloadTooLarge`] over [`MAX_PAYLOAD_BYTES`];
/// [`QrError::CompressionFailed`], a defect.
pub fn frame_sizes(payload: &[u8]) -> Result<Option<FrameSizes>, QrError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(QrError::PayloadTooLarge {
            at_least: payload.len(),
            max: MAX_PAYLOAD_BYTES,
        });
    }
    Ok(encode_sized(payload)?.map(|(_, sizes)| sizes))
}
