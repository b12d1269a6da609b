//! Base64url without padding, as JOSE uses it (RFC 7515 §2, "Base64url Encoding").
//!
//! Decoding is strict: padding, characters outside the URL-safe alphabet and
//! non-zero trailing bits are all rejected, so every byte string has exactly one
//! accepted encoding. A JWS whose segments could be re-encoded differently would
//! let an attacker produce a second, distinct token for the same signature.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The one engine: URL-safe alphabet, no padding written, padding refused,
/// trailing bits must be zero (canonical).
const URL_SAFE_STRICT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Why a base64url string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum B64Error {
    /// Not canonical unpadded base64url (bad character, padding, or non-zero trailing bits).
    #[error("not canonical unpadded base64url")]
    NotCanonical,
    /// The encoded text is longer than this field allows.
    #[error("base64url field is {len} characters, over the limit of {max}")]
    TooLong {
        /// Characters given.
        len: usize,
        /// Characters allowed.
        max: usize,
    },
}

/// Encodes bytes as unpadded base64url (RFC 7515 §2).
#[must_use]
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_STRICT.encode(bytes)
}

/// Decodes canonical unpadded base64url (RFC 7515 §2).
///
/// # Errors
/// [`B64Error::NotCanonical`] for padding, foreign characters or non-zero trailing bits.
pub fn decode(text: &str) -> Result<Vec<u8>, B64Error> {
    URL_SAFE_STRICT
        .decode(text)
        .map_err(|_| B64Error::NotCanonical)
}

/// Decodes like [`decode`], refusing text longer than `max_chars` before allocating.
///
/// # Errors
/// [`B64Error::TooLong`] over the limit, else as [`decode`].
pub fn decode_capped(text: &str, max_chars: usize) -> Result<Vec<u8>, B64Error> {
    if text.len() > max_chars {
        return Err(B64Error::TooLong {
            len: text.len(),
            max: max_chars,
        });
    }
    decode(text)
}

/// Decodes a base64url string into exactly `N` bytes (a key coordinate, a hash).
///
/// # Errors
/// [`B64Error::NotCanonical`] when the text is not canonical or not exactly `N` bytes long.
pub fn decode_array<const N: usize>(text: &str) -> Result<[u8; N], B64Error> {
    let bytes = decode_capped(text, N.div_ceil(3) * 4)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| B64Error::NotCanonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_unpadded() {
        assert_eq!(
            encode(b"Example of Ed25519 signing"),
            "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
        );
        assert_eq!(
            decode("RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc").unwrap(),
            b"Example of Ed25519 signing"
        );
    }

    #[test]
    fn refuses_padding_standard_alphabet_and_trailing_bits() {
        assert_eq!(decode("YQ=="), Err(B64Error::NotCanonical));
        assert_eq!(decode("a+b/"), Err(B64Error::NotCanonical));
        // "YQ" is canonical for "a"; "YR" decodes to the same byte with a non-zero trailing bit.
        assert_eq!(decode("YQ").unwrap(), b"a");
        assert_eq!(decode("YR"), Err(B64Error::NotCanonical));
        assert_eq!(decode("Y"), Err(B64Error::NotCanonical));
    }

    #[test]
    fn caps_length_before_decoding() {
        assert_eq!(
            decode_capped("YWJj", 3),
            Err(B64Error::TooLong { len: 4, max: 3 })
        );
        assert_eq!(decode_array::<3>("YWJj").unwrap(), *b"abc");
        assert_eq!(decode_array::<2>("YWJj"), Err(B64Error::NotCanonical));
    }
}
