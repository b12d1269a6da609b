//! Compression for both list formats, with inflation bounded by the caller.
//!
//! ZLIB (RFC 1950) for the IETF Token Status List (draft-20 §4.1 step 4), GZIP
//! (RFC 1952) for the W3C Bitstring Status List (REC §3.3, §3.4). Inflation reads
//! through `Read::take(max + 1)`: one byte past the cap proves the list too large
//! without decoding (or allocating) any further. Data after the end of the
//! compressed stream is refused, so one list has one accepted encoding length.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::bufread::{GzDecoder, ZlibDecoder};
use flate2::write::{GzEncoder, ZlibEncoder};

use super::StatusError;

/// Room for a GZIP header's optional fields (RFC 1952 §2.3.1) and wrappers when
/// bounding encoded text; generous, since it only bounds text we then decode.
const HEADER_SLACK: usize = 1024;

/// ZLIB-compresses at the best level (draft-20 §4.1 step 4 RECOMMENDS the highest).
pub(crate) fn zlib(bytes: &[u8]) -> Result<Vec<u8>, StatusError> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .map_err(|_| StatusError::CompressionFailed)?;
    encoder.finish().map_err(|_| StatusError::CompressionFailed)
}

/// GZIP-compresses at the best level (W3C REC §3.3 step 3).
pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>, StatusError> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .map_err(|_| StatusError::CompressionFailed)?;
    encoder.finish().map_err(|_| StatusError::CompressionFailed)
}

/// Inflates a ZLIB stream of at most `max` inflated bytes.
pub(crate) fn unzlib_bounded(data: &[u8], max: usize) -> Result<Vec<u8>, StatusError> {
    let mut decoder = ZlibDecoder::new(data);
    let out = read_bounded(&mut decoder, max, "lst is not a valid ZLIB stream")?;
    ensure_consumed(decoder.get_ref())?;
    Ok(out)
}

/// Inflates a single-member GZIP stream of at most `max` inflated bytes.
pub(crate) fn gunzip_bounded(data: &[u8], max: usize) -> Result<Vec<u8>, StatusError> {
    let mut decoder = GzDecoder::new(data);
    let out = read_bounded(&mut decoder, max, "encodedList is not a valid GZIP stream")?;
    ensure_consumed(decoder.get_ref())?;
    Ok(out)
}

/// The most base64url characters a compressed list of at most `max` inflated bytes
/// can take: DEFLATE's worst case (stored blocks, 5 bytes per 16 KiB and a few more;
/// the bound zlib's `deflateBound` uses) plus wrapper slack, as base64 text.
pub(crate) fn max_encoded_chars(max: usize) -> usize {
    let compressed = max
        .saturating_add(max >> 12)
        .saturating_add(max >> 14)
        .saturating_add(max >> 25)
        .saturating_add(HEADER_SLACK);
    compressed.div_ceil(3).saturating_mul(4)
}

/// Reads `reader` to its end, refusing more than `max` bytes. Memory is bounded
/// by the vector's growth policy: under twice `max + 1`.
fn read_bounded(
    reader: &mut impl Read,
    max: usize,
    malformed: &'static str,
) -> Result<Vec<u8>, StatusError> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    reader
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| StatusError::Malformed { reason: malformed })?;
    if out.len() > max {
        return Err(StatusError::DecompressedTooLarge { max });
    }
    Ok(out)
}

fn ensure_consumed(rest: &[u8]) -> Result<(), StatusError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(StatusError::Malformed {
            reason: "data after the end of the compressed stream",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let data = b"status list bytes \x00\x01\x02".repeat(100);
        assert_eq!(
            unzlib_bounded(&zlib(&data).unwrap(), data.len()).unwrap(),
            data
        );
        assert_eq!(
            gunzip_bounded(&gzip(&data).unwrap(), data.len()).unwrap(),
            data
        );
    }

    #[test]
    fn cap_is_exact() {
        let data = vec![0u8; 1000];
        assert_eq!(
            unzlib_bounded(&zlib(&data).unwrap(), 1000).unwrap().len(),
            1000
        );
        assert_eq!(
            unzlib_bounded(&zlib(&data).unwrap(), 999),
            Err(StatusError::DecompressedTooLarge { max: 999 })
        );
        assert_eq!(
            gunzip_bounded(&gzip(&data).unwrap(), 999),
            Err(StatusError::DecompressedTooLarge { max: 999 })
        );
    }

    #[test]
    fn refuses_truncated_corrupt_and_trailing_data() {
        let data = vec![7u8; 5000];
        let z = zlib(&data).unwrap();
        let g = gzip(&data).unwrap();
        for (label, bad) in [
            ("zlib truncated", unzlib_bounded(&z[..z.len() - 1], 10_000)),
            ("zlib empty", unzlib_bounded(&[], 10_000)),
            (
                "zlib trailing",
                unzlib_bounded(&[z.as_slice(), b"x"].concat(), 10_000),
            ),
            ("zlib as gzip", gunzip_bounded(&z, 10_000)),
            ("gzip truncated", gunzip_bounded(&g[..g.len() - 1], 10_000)),
            ("gzip empty", gunzip_bounded(&[], 10_000)),
            (
                "gzip trailing",
                gunzip_bounded(&[g.as_slice(), b"x"].concat(), 10_000),
            ),
            (
                "gzip two members",
                gunzip_bounded(&[g.as_slice(), g.as_slice()].concat(), 10_000),
            ),
        ] {
            assert_eq!(
                bad.map_err(|e| e.code()),
                Err("status_list_malformed"),
                "{label}"
            );
        }
        // A flipped byte in the ZLIB Adler-32 / GZIP CRC-32 trailer is caught.
        let mut z_bad = z.clone();
        *z_bad.last_mut().unwrap() ^= 1;
        assert!(matches!(
            unzlib_bounded(&z_bad, 10_000),
            Err(StatusError::Malformed { .. })
        ));
        let mut g_bad = g.clone();
        let crc_at = g_bad.len() - 8;
        g_bad[crc_at] ^= 1;
        assert!(matches!(
            gunzip_bounded(&g_bad, 10_000),
            Err(StatusError::Malformed { .. })
        ));
    }

    #[test]
    fn encoded_bound_covers_incompressible_data() {
        // Pseudo-random bytes do not compress: the bound must still admit them.
        let mut state = 0x1234_5678_u32;
        let data: Vec<u8> = (0..100_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect();
        let encoded_len = crate::b64::encode(gzip(&data).unwrap()).len();
        assert!(
            encoded_len <= max_encoded_chars(data.len()),
            "{encoded_len}"
        );
        let encoded_len = crate::b64::encode(zlib(&data).unwrap()).len();
        assert!(
            encoded_len <= max_encoded_chars(data.len()),
            "{encoded_len}"
        );
    }
}
