//! Raw deflate (RFC 1951) primed with a preset dictionary.
//!
//! zlib's FDICT (RFC 1950 §2.2) names a dictionary by its Adler-32 and both sides load
//! it into the window before the stream; the pure-Rust backend of `flate2` cannot, so
//! this does the same with `miniz_oxide` directly, and without the zlib wrapper (the
//! dictionary is fixed by the prefix, so its checksum would say nothing):
//!
//! - compressing, the dictionary goes through the compressor first and is ended with
//!   a sync flush (an empty stored block, RFC 1951 §3.2.4), which leaves the output on
//!   a byte boundary with the dictionary still in the window; everything written so
//!   far is dropped, and the data that follows starts a fresh block whose matches may
//!   reach back into the dictionary;
//! - inflating, the output buffer starts with the dictionary and decoding starts right
//!   after it, so those matches resolve, and the buffer ends one byte past the cap: a
//!   deflate bomb stops there.

use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress_to_output, create_comp_flags_from_zip_params,
};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use super::{InflateFault, QrError};

/// miniz's level 10 ("uber"): the most match probes; the inputs are a few KB.
const LEVEL: i32 = 10;
/// Negative window bits: raw deflate, a 2^15-byte window (RFC 1951 §2).
const RAW_DEFLATE_WINDOW: i32 = -15;

/// Compresses `data` as one raw deflate stream whose back-references may reach into
/// `dictionary` (at most 32 KiB).
///
/// # Errors
/// [`QrError::CompressionFailed`] if the compressor refuses, which writing to memory
/// cannot cause: a defect.
pub(crate) fn compress(dictionary: &[u8], data: &[u8]) -> Result<Vec<u8>, QrError> {
    let flags = create_comp_flags_from_zip_params(LEVEL, RAW_DEFLATE_WINDOW, 0);
    // Boxed: the compressor's state is tens of KB.
    let mut compressor = Box::new(CompressorOxide::new(flags));
    let mut out = Vec::with_capacity(dictionary.len() / 2 + data.len());
    let (status, read) =
        compress_to_output(&mut compressor, dictionary, TDEFLFlush::Sync, |chunk| {
            out.extend_from_slice(chunk);
            true
        });
    if status != TDEFLStatus::Okay || read != dictionary.len() {
        return Err(QrError::CompressionFailed);
    }
    let primed = out.len();
    let (status, read) = compress_to_output(&mut compressor, data, TDEFLFlush::Finish, |chunk| {
        out.extend_from_slice(chunk);
        true
    });
    if status != TDEFLStatus::Done || read != data.len() {
        return Err(QrError::CompressionFailed);
    }
    Ok(out.split_off(primed))
}

/// Inflates the raw deflate stream at the start of `input`, primed with
/// `dictionary`, to at most `max` bytes. Returns the data and how many bytes of
/// `input` the stream took (what follows is the caller's).
///
/// # Errors
/// [`QrError::DecompressionFailed`] ([`InflateFault::Truncated`] when the input ends
/// before the final block does, [`InflateFault::Corrupt`] for anything else
/// invalid, such as a distance reaching before the dictionary);
/// [`QrError::PayloadTooLarge`] when the data would pass `max` (inflation stops one
/// byte past it).
pub(crate) fn inflate(
    dictionary: &[u8],
    input: &[u8],
    max: usize,
) -> Result<(Vec<u8>, usize), QrError> {
    let mut out = Vec::with_capacity(dictionary.len() + max + 1);
    out.extend_from_slice(dictionary);
    out.resize(dictionary.len() + max + 1, 0);
    let mut decompressor = Box::new(DecompressorOxide::new());
    // No zlib header, no more input to come, and a flat buffer: a distance may reach
    // back to the buffer's start — the dictionary — and no further.
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, read, written) =
        decompress(&mut decompressor, input, &mut out, dictionary.len(), flags);
    let too_large = || QrError::PayloadTooLarge {
        at_least: written,
        max,
    };
    match status {
        TINFLStatus::Done if written <= max => {
            out.truncate(dictionary.len() + written);
            Ok((out.split_off(dictionary.len()), read))
        }
        TINFLStatus::Done | TINFLStatus::HasMoreOutput => Err(too_large()),
        TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
            Err(QrError::DecompressionFailed {
                fault: InflateFault::Truncated,
            })
        }
        _ => Err(QrError::DecompressionFailed {
            fault: InflateFault::Corrupt,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DICT: &[u8] = br#"{"typ":"dc+sd-jwt","alg":"ES256"}"#;

    #[test]
    fn round_trips_and_uses_the_dictionary() {
        let data = br#"{"typ":"dc+sd-jwt","alg":"ES256"} and more"#;
        let primed = compress(DICT, data).unwrap();
        let plain = compress(b"", data).unwrap();
        assert!(primed.len() + 20 < plain.len(), "{primed:?} vs {plain:?}");
        assert_eq!(
            inflate(DICT, &primed, 1000).unwrap(),
            (data.to_vec(), primed.len())
        );
        assert_eq!(
            inflate(b"", &plain, 1000).unwrap(),
            (data.to_vec(), plain.len())
        );
        // Another dictionary gives other bytes, not the data.
        let other = br#"{"typ":"kb+jwt","alg":"EdDSA"}XXXXX"#;
        assert_ne!(
            inflate(other, &primed, 1000).map(|r| r.0),
            Ok(data.to_vec())
        );
    }

    #[test]
    fn reports_exactly_the_bytes_the_stream_took() {
        let primed = compress(DICT, b"hello hello hello").unwrap();
        let mut input = primed.clone();
        input.extend_from_slice(&[0xAB; 70]);
        assert_eq!(
            inflate(DICT, &input, 100).unwrap(),
            (b"hello hello hello".to_vec(), primed.len())
        );
        assert_eq!(
            compress(DICT, b"").map(|c| inflate(DICT, &c, 0)),
            Ok(Ok((vec![], 2)))
        );
    }

    #[test]
    fn truncated_corrupt_and_oversize_streams_are_refused() {
        let primed = compress(DICT, b"hello hello hello").unwrap();
        let truncated = Err(QrError::DecompressionFailed {
            fault: InflateFault::Truncated,
        });
        assert_eq!(inflate(DICT, &primed[..primed.len() - 1], 100), truncated);
        assert_eq!(inflate(DICT, b"", 100), truncated);
        // Block type 3 is reserved (RFC 1951 §3.2.3).
        assert_eq!(
            inflate(DICT, &[0b111], 100),
            Err(QrError::DecompressionFailed {
                fault: InflateFault::Corrupt
            })
        );
        // A distance of 1 with nothing before it: a fixed-Huffman block, length 3
        // (code 257), distance code 0, from an empty dictionary.
        assert_eq!(
            inflate(b"", &[0x03, 0x02, 0x00], 100),
            Err(QrError::DecompressionFailed {
                fault: InflateFault::Corrupt
            })
        );
        assert_eq!(
            inflate(DICT, &primed, 16),
            Err(QrError::PayloadTooLarge {
                at_least: 17,
                max: 16
            })
        );
        assert_eq!(inflate(DICT, &primed, 17).unwrap().0, b"hello hello hello");
    }
}
