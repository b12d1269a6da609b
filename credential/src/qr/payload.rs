//! The compact QR text: `<PREFIX>` + Base45(zlib(payload)), or, for a presentation,
//! the `SG2P:` framing of [`super::presentation`].
//!
//! The same layering as the EU Digital COVID Certificate's `HC1:` (eHealth Network,
//! Digital Green Certificates Volume 3 v1.3 §2.2–2.3: prefix, Base45, zlib), with our
//! own short, versioned prefixes. Each prefix uses only QR alphanumeric characters (ISO/IEC
//! 18004:2015 §7.4.4), so the whole text stays in alphanumeric mode.
//!
//! Decoding refuses, in this order and before doing the next step's work: text longer
//! than any QR symbol holds, an unknown prefix, non-canonical Base45 (RFC 9285 §4.2),
//! a zlib stream that is corrupt, truncated or followed by other bytes (RFC 1950 §2.2),
//! and a payload that inflates past [`MAX_PAYLOAD_BYTES`] — inflation stops there.

use std::fmt;
use std::io::{self, Read as _, Write as _};

use flate2::Compression;
use flate2::bufread::ZlibDecoder;
use flate2::write::ZlibEncoder;

use super::{QrError, base45, presentation};

/// Largest payload, in bytes, that [`encode`] accepts and [`decode`] inflates to.
///
/// A 4,296-character text inflates to at most ~2.9 MB (deflate tops out near 1032:1);
/// the cap keeps a zlib bomb to this many bytes of memory.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Longest text any QR symbol can carry: version 40-L in alphanumeric mode holds
/// 4,296 characters (ISO/IEC 18004:2015 Table 7). Longer text is refused unread.
pub const MAX_TEXT_CHARS: usize = 4296;

/// The read limit that proves a payload too large: one byte past the cap.
const INFLATE_LIMIT: u64 = MAX_PAYLOAD_BYTES as u64 + 1;

/// What a QR payload holds, named by its prefix (version 1 of our format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadKind {
    /// `SG1P:` — a presentation: an SD-JWT+KB (RFC 9901 §4) or VC-JWT presentation string.
    Presentation,
    /// `SG1O:` — a credential offer: an `openid-credential-offer://` URI (OpenID4VCI 1.0 §4.1).
    CredentialOffer,
    /// `SG1R:` — a presentation request (OpenID4VP 1.0 §5).
    PresentationRequest,
    /// `SG1C:` — a credential (SD-JWT VC or VC-JWT).
    Credential,
}

impl PayloadKind {
    /// Every kind, in prefix order.
    pub const ALL: [Self; 4] = [
        Self::Presentation,
        Self::CredentialOffer,
        Self::PresentationRequest,
        Self::Credential,
    ];

    /// The prefix that names this kind: 5 QR alphanumeric characters, `SG` + format
    /// version `1` + kind letter + `:`.
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Presentation => "SG1P:",
            Self::CredentialOffer => "SG1O:",
            Self::PresentationRequest => "SG1R:",
            Self::Credential => "SG1C:",
        }
    }
}

impl fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Presentation => "presentation",
            Self::CredentialOffer => "credential offer",
            Self::PresentationRequest => "presentation request",
            Self::Credential => "credential",
        })
    }
}

/// Why a compressed stream — zlib (RFC 1950) for `SG1`, raw deflate (RFC 1951) for
/// `SG2P:` — was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InflateFault {
    /// Bad header, bad deflate data or bad Adler-32 checksum.
    #[error("corrupt compressed stream")]
    Corrupt,
    /// The stream stops before its end (RFC 1950 §2.2: the Adler-32 trailer is
    /// required; RFC 1951 §3.2.3: a block with BFINAL set ends the stream).
    #[error("truncated compressed stream")]
    Truncated,
    /// Bytes follow the end of a zlib stream; one payload has one encoding. (After a
    /// raw deflate stream, the `SG2P:` blob follows by design.)
    #[error("{bytes} bytes after the end of the zlib stream")]
    TrailingData {
        /// How many bytes follow.
        bytes: usize,
    },
}

/// Encodes a payload as QR text: for a presentation that is an SD-JWT(+KB) or a
/// compact JWS, `SG2P:` + its frame ([`super::presentation`]); for anything else,
/// `kind.prefix()` + Base45 (RFC 9285) of the zlib-compressed (RFC 1950, best
/// compression) bytes.
///
/// Every text this returns is at most [`MAX_TEXT_CHARS`] long and [`decode`]s back to
/// `(kind, payload)`.
///
/// # Errors
/// [`QrError::PayloadTooLarge`] over [`MAX_PAYLOAD_BYTES`]; [`QrError::TextTooLong`] when
/// the text would exceed [`MAX_TEXT_CHARS`] (no QR symbol could carry it).
pub fn encode(kind: PayloadKind, payload: &[u8]) -> Result<String, QrError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(QrError::PayloadTooLarge {
            at_least: payload.len(),
            max: MAX_PAYLOAD_BYTES,
        });
    }
    let framed = match kind {
        PayloadKind::Presentation => presentation::encode(payload)?,
        _ => None,
    };
    let (prefix, body) = match framed {
        Some(body) => (presentation::PREFIX, body),
        None => (kind.prefix(), base45::encode(&deflate(payload)?)),
    };
    let len = prefix.len() + body.len();
    if len > MAX_TEXT_CHARS {
        return Err(QrError::TextTooLong {
            len,
            max: MAX_TEXT_CHARS,
        });
    }
    Ok([prefix, &body].concat())
}

/// Decodes QR text into its kind and payload bytes, undoing [`encode`]: `SG1` texts
/// of every kind and `SG2P:` presentations.
///
/// # Errors
/// In the order checked: [`QrError::TextTooLong`], [`QrError::PrefixUnknown`],
/// [`QrError::Base45Invalid`], [`QrError::DecompressionFailed`],
/// [`QrError::PayloadTooLarge`], and for `SG2P:` [`QrError::FrameInvalid`].
pub fn decode(text: &str) -> Result<(PayloadKind, Vec<u8>), QrError> {
    let (kind, framing, body) = split_prefix(text)?;
    Ok((kind, framing.decode(body)?))
}

/// Decodes QR text that must hold `expected` — a verifier scanning for a
/// presentation refuses an offer before decompressing it.
///
/// # Errors
/// As [`decode`], plus [`QrError::KindMismatch`] (checked right after the prefix).
pub fn decode_as(expected: PayloadKind, text: &str) -> Result<Vec<u8>, QrError> {
    let (found, framing, body) = split_prefix(text)?;
    if found != expected {
        return Err(QrError::KindMismatch { expected, found });
    }
    framing.decode(body)
}

/// The kind named by the text's prefix, if it has one this version reads (`SG1P:`,
/// `SG2P:`, …): whether text is a QR payload at all, before decoding it.
#[must_use]
pub fn known_prefix(text: &str) -> Option<PayloadKind> {
    find_prefix(text).map(|(kind, _, _)| kind)
}

/// How the text after a prefix is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// `SG1?:` — Base45 of zlib.
    Zlib,
    /// `SG2P:` — Base45 of a primed deflate frame and its blob.
    Presentation,
}

impl Framing {
    fn decode(self, body: &str) -> Result<Vec<u8>, QrError> {
        match self {
            Self::Zlib => decode_body(body),
            Self::Presentation => presentation::decode(body),
        }
    }
}

/// Checks the length, then finds the prefix.
fn split_prefix(text: &str) -> Result<(PayloadKind, Framing, &str), QrError> {
    if text.len() > MAX_TEXT_CHARS {
        return Err(QrError::TextTooLong {
            len: text.len(),
            max: MAX_TEXT_CHARS,
        });
    }
    find_prefix(text).ok_or_else(|| QrError::PrefixUnknown {
        found: text.chars().take(5).collect(),
    })
}

fn find_prefix(text: &str) -> Option<(PayloadKind, Framing, &str)> {
    if let Some(body) = text.strip_prefix(presentation::PREFIX) {
        return Some((PayloadKind::Presentation, Framing::Presentation, body));
    }
    PayloadKind::ALL.into_iter().find_map(|kind| {
        text.strip_prefix(kind.prefix())
            .map(|body| (kind, Framing::Zlib, body))
    })
}

/// Base45 then zlib: the layers shared with the EU DCC's `HC1:` format.
pub(crate) fn decode_body(body: &str) -> Result<Vec<u8>, QrError> {
    inflate(&base45::decode(body)?)
}

fn deflate(payload: &[u8]) -> Result<Vec<u8>, QrError> {
    let mut encoder = ZlibEncoder::new(
        Vec::with_capacity(payload.len() / 2 + 64),
        Compression::best(),
    );
    encoder
        .write_all(payload)
        .map_err(|_| QrError::CompressionFailed)?;
    encoder.finish().map_err(|_| QrError::CompressionFailed)
}

/// Inflates exactly one zlib stream (RFC 1950), reading at most one byte past
/// [`MAX_PAYLOAD_BYTES`], so a bomb costs no more memory than the cap.
pub(crate) fn inflate(compressed: &[u8]) -> Result<Vec<u8>, QrError> {
    let mut decoder = ZlibDecoder::new(compressed);
    let mut out = Vec::new();
    decoder
        .by_ref()
        .take(INFLATE_LIMIT)
        .read_to_end(&mut out)
        .map_err(|err| QrError::DecompressionFailed {
            fault: match err.kind() {
                io::ErrorKind::UnexpectedEof => InflateFault::Truncated,
                _ => InflateFault::Corrupt,
            },
        })?;
    if out.len() > MAX_PAYLOAD_BYTES {
        return Err(QrError::PayloadTooLarge {
            at_least: out.len(),
            max: MAX_PAYLOAD_BYTES,
        });
    }
    // The bufread decoder consumes exactly the stream, Adler-32 trailer included.
    let trailing = decoder.get_ref().len();
    if trailing != 0 {
        return Err(QrError::DecompressionFailed {
            fault: InflateFault::TrailingData { bytes: trailing },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::Base45Fault;
    use crate::qr::test_support::presentation_like;

    /// zlib("hello", level 9) = 78da cb48cdc9c90700 062c0215, Base45-encoded (made
    /// with Python's zlib, so this checks decoding against another implementation).
    const HELLO: &str = "SG1P:NCFKVPV0QSIP600GP5L0";

    fn raw_text(prefix: &str, payload: &[u8]) -> String {
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
        enc.write_all(payload).unwrap();
        format!("{prefix}{}", base45::encode(&enc.finish().unwrap()))
    }

    #[test]
    fn decodes_a_text_made_by_another_implementation() {
        assert_eq!(
            decode(HELLO).unwrap(),
            (PayloadKind::Presentation, b"hello".to_vec())
        );
    }

    #[test]
    fn round_trips_every_kind() {
        let presentation = presentation_like(1000, 7);
        let payloads: [&[u8]; 4] = [b"", b"x", presentation.as_bytes(), &[0u8; 300]];
        for kind in PayloadKind::ALL {
            for payload in payloads {
                let text = encode(kind, payload).unwrap();
                assert!(text.starts_with(kind.prefix()));
                assert!(base45::is_alphanumeric_set(&text), "{text}");
                assert_eq!(decode(&text).unwrap(), (kind, payload.to_vec()));
                assert_eq!(decode_as(kind, &text).unwrap(), payload);
            }
        }
    }

    #[test]
    fn prefixes_are_distinct_alphanumeric_and_versioned() {
        for kind in PayloadKind::ALL {
            assert!(base45::is_alphanumeric_set(kind.prefix()));
            assert_eq!(kind.prefix().len(), 5);
            assert!(kind.prefix().starts_with("SG1"));
        }
        let offer = encode(
            PayloadKind::CredentialOffer,
            b"openid-credential-offer://?x",
        )
        .unwrap();
        assert!(offer.starts_with("SG1O:"));
    }

    #[test]
    fn unknown_or_absent_prefix_is_refused() {
        let unknown = |found: &str| {
            Err(QrError::PrefixUnknown {
                found: found.into(),
            })
        };
        assert_eq!(decode("HC1:NCFKVPV0QSIP600GP5L0"), unknown("HC1:N"));
        assert_eq!(decode("SG2C:NCFKVPV0QSIP600GP5L0"), unknown("SG2C:"));
        assert_eq!(decode("SG3P:NCFKVPV0QSIP600GP5L0"), unknown("SG3P:"));
        assert_eq!(decode("sg1p:NCFKVPV0QSIP600GP5L0"), unknown("sg1p:"));
        assert_eq!(decode("NCFKVPV0QSIP600GP5L0"), unknown("NCFKV"));
        assert_eq!(decode("SG1P"), unknown("SG1P"));
        assert_eq!(decode(""), unknown(""));
        assert_eq!(decode("ééééééé"), unknown("ééééé"));
    }

    #[test]
    fn wrong_kind_is_refused_before_decompressing() {
        assert_eq!(
            decode_as(PayloadKind::CredentialOffer, HELLO),
            Err(QrError::KindMismatch {
                expected: PayloadKind::CredentialOffer,
                found: PayloadKind::Presentation,
            })
        );
        // Not even valid Base45: the kind is still what is reported.
        assert_eq!(
            decode_as(PayloadKind::Credential, "SG1R:garbage"),
            Err(QrError::KindMismatch {
                expected: PayloadKind::Credential,
                found: PayloadKind::PresentationRequest,
            })
        );
    }

    #[test]
    fn garbage_after_prefix_is_bad_base45() {
        assert_eq!(
            decode("SG1P:eyJhbGciOiJFUzI1NiJ9"),
            Err(QrError::Base45Invalid {
                offset: 0,
                fault: Base45Fault::BadCharacter { byte: b'e' }
            })
        );
        assert_eq!(
            decode("SG1C:GGW"),
            Err(QrError::Base45Invalid {
                offset: 0,
                fault: Base45Fault::TripleOverflow { value: 65_536 }
            })
        );
    }

    #[test]
    fn truncated_text_is_refused() {
        // 20 → 19 characters: a dangling Base45 character.
        assert_eq!(
            decode(&HELLO[..HELLO.len() - 1]),
            Err(QrError::Base45Invalid {
                offset: 18,
                fault: Base45Fault::DanglingCharacter
            })
        );
        // 20 → 18 characters: valid Base45 of a zlib stream missing its last checksum byte.
        let truncated = Err(QrError::DecompressionFailed {
            fault: InflateFault::Truncated,
        });
        assert_eq!(decode(&HELLO[..HELLO.len() - 2]), truncated);
        // Only the prefix left: no zlib header at all.
        assert_eq!(decode("SG1P:"), truncated);
    }

    #[test]
    fn corrupt_checksum_trailing_bytes_and_uncompressed_data_are_refused() {
        // Last byte of the Adler-32 flipped.
        assert_eq!(
            decode("SG1P:NCFKVPV0QSIP600GP5K0"),
            Err(QrError::DecompressionFailed {
                fault: InflateFault::Corrupt
            })
        );
        // One zero byte after the stream.
        assert_eq!(
            decode("SG1P:NCFKVPV0QSIP600GP5LT2"),
            Err(QrError::DecompressionFailed {
                fault: InflateFault::TrailingData { bytes: 1 }
            })
        );
        // Base45("hello") with no zlib layer (like EU DCC case Z2).
        assert_eq!(
            decode("SG1P:+8D VDL2"),
            Err(QrError::DecompressionFailed {
                fault: InflateFault::Corrupt
            })
        );
    }

    #[test]
    fn oversize_text_is_refused_before_decoding() {
        let text = format!("SG1P:{}", "#".repeat(MAX_TEXT_CHARS - 4));
        assert_eq!(
            decode(&text),
            Err(QrError::TextTooLong {
                len: 4297,
                max: 4296
            })
        );
        assert_eq!(
            decode_as(PayloadKind::Credential, &text),
            Err(QrError::TextTooLong {
                len: 4297,
                max: 4296
            })
        );
        // At exactly the limit the length passes and the Base45 check runs.
        assert_eq!(
            decode(&text[..MAX_TEXT_CHARS]),
            Err(QrError::Base45Invalid {
                offset: 0,
                fault: Base45Fault::BadCharacter { byte: b'#' }
            })
        );
    }

    #[test]
    fn encode_refuses_what_decode_would() {
        let big = vec![0u8; MAX_PAYLOAD_BYTES + 1];
        assert_eq!(
            encode(PayloadKind::Credential, &big),
            Err(QrError::PayloadTooLarge {
                at_least: 65_537,
                max: 65_536
            })
        );
        // 4 KB of base64url-like text compresses to ~3 KB: over 4,296 Base45 characters.
        let incompressible = presentation_like(4000, 1);
        assert!(matches!(
            encode(PayloadKind::Presentation, incompressible.as_bytes()),
            Err(QrError::TextTooLong { len, max: 4296 }) if len > 4296
        ));
    }

    #[test]
    fn exactly_max_payload_round_trips() {
        let max = vec![b'A'; MAX_PAYLOAD_BYTES];
        let text = encode(PayloadKind::Credential, &max).unwrap();
        assert_eq!(decode(&text).unwrap().1, max);
    }

    #[test]
    fn zlib_bomb_is_refused_at_the_cap() {
        // 10 MiB of zeros: ~10 KB compressed, refused after reading 64 KiB + 1.
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&vec![0u8; 10 << 20]).unwrap();
        let bomb = enc.finish().unwrap();
        assert_eq!(
            inflate(&bomb),
            Err(QrError::PayloadTooLarge {
                at_least: 65_537,
                max: 65_536
            })
        );
        // The biggest bomb that fits in a QR text: 2 MiB of zeros in ~3,000 characters.
        let text = raw_text("SG1P:", &vec![0u8; 2 << 20]);
        assert!(text.len() <= MAX_TEXT_CHARS, "{}", text.len());
        assert_eq!(
            decode(&text),
            Err(QrError::PayloadTooLarge {
                at_least: 65_537,
                max: 65_536
            })
        );
        // One byte over the cap is refused too.
        let text = raw_text("SG1P:", &vec![b'A'; MAX_PAYLOAD_BYTES + 1]);
        assert_eq!(
            decode(&text),
            Err(QrError::PayloadTooLarge {
                at_least: 65_537,
                max: 65_536
            })
        );
    }
}
