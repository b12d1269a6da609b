//! The QR payload codec: how a presentation, a credential offer, a presentation
//! request or a credential travels through a QR code at a border gate.
//!
//! The layering follows the EU Digital COVID Certificate's `HC1:` (eHealth Network,
//! *Technical Specifications for Digital Green Certificates*, Volume 3 "Interoperable
//! 2D Code" v1.3, §2.2 compression and §2.3 versioned prefix), with our own prefixes:
//!
//! ```text
//!  payload bytes        an SD-JWT+KB / VC-JWT presentation, an openid-credential-offer:// URI, …
//!       │  zlib, best compression (RFC 1950 / RFC 1951)
//!       ▼
//!  compressed bytes
//!       │  Base45 (RFC 9285 §4): output only uses the QR alphanumeric character set
//!       ▼
//!  "SG1P:" + Base45     a short, versioned, alphanumeric-safe prefix names the payload kind
//!       │  QR symbol, alphanumeric mode (ISO/IEC 18004:2015 §7.4.4), error correction M
//!       ▼
//!  SVG / PNG / terminal ── camera ── scan (rqrr) ── text ── decode ── payload bytes
//! ```
//!
//! A presentation that is an SD-JWT(+KB) or a compact JWS goes in a second framing,
//! `SG2P:` ([`presentation`]): its base64url segments decoded, the JSON deflated
//! against a [preset dictionary](dictionary) of our own scaffolding, the random bytes
//! stored beside it — about 40 % shorter. [`encode`] chooses it whenever it gives the
//! presentation back byte for byte; [`decode`] reads both, and `SG1` texts stay
//! readable for good.
//!
//! Base45 exists because QR alphanumeric mode stores 2 characters in 11 bits
//! (5.5 bits per character), so 2 bytes → 3 characters → 16.5 bits: about 3 %
//! overhead, against 33 % for base64 in byte mode (RFC 9285 §1).
//!
//! Every decoder here is bounded before it works: the text to 4,296 characters (the
//! largest alphanumeric QR symbol, version 40-L), the inflated payload to
//! [`MAX_PAYLOAD_BYTES`] (a zlib bomb stops there, nothing larger is allocated), an
//! image to [`MAX_IMAGE_BYTES`] and [`MAX_IMAGE_SIDE`] pixels before any pixel is
//! decoded, and the QR detector's work by a linear census of the image before it runs
//! (its cost otherwise explodes on crafted images; see [`scan`]).
//! Every failure is a [`QrError`] with a stable [`QrError::code`].
// Untrusted input never panics: no indexing or panics in this module's code (tests may).
#![cfg_attr(not(test), warn(clippy::indexing_slicing, clippy::panic))]

pub mod base45;
pub mod dictionary;
pub mod frame;
pub mod payload;
pub mod presentation;
mod primed;
pub mod render;
pub mod scan;

#[cfg(test)]
mod eu_dcc_vectors;
#[cfg(test)]
mod presentation_refusals;
#[cfg(test)]
mod presentation_vectors;

pub use base45::Base45Fault;
pub use frame::FrameFault;
pub use payload::{
    InflateFault, MAX_PAYLOAD_BYTES, MAX_TEXT_CHARS, PayloadKind, decode, decode_as, encode,
    known_prefix,
};
pub use presentation::{FrameSizes, frame_sizes};
pub use render::{
    EcLevel, MAX_MODULE_PX, QrRenderer, TerminalStyle, qr_version, render_png, render_svg,
    render_terminal,
};
pub use scan::{MAX_IMAGE_BYTES, MAX_IMAGE_SIDE, scan_image, scan_png};

/// Why a QR payload could not be encoded, decoded, rendered or scanned.
///
/// Each variant carries its evidence; [`QrError::code`] gives the stable snake_case
/// code that APIs return (RFC 9457 problem details `code`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text is longer than any QR symbol can carry (ISO/IEC 18004:2015 Table 7),
    /// or than the symbol at the chosen error-correction level can carry.
    #[error("QR text of {len} characters is over the limit of {max}")]
    TextTooLong {
        /// Characters (bytes) given.
        len: usize,
        /// Characters allowed.
        max: usize,
    },
    /// The text does not start with a prefix this version understands (`SG1P:`,
    /// `SG2P:`, …).
    #[error("unknown QR payload prefix {found:?}")]
    PrefixUnknown {
        /// The first characters of the text (at most 5).
        found: String,
    },
    /// The prefix is known, but names another kind of payload than the one expected.
    #[error("expected a {expected} QR payload, found a {found}")]
    KindMismatch {
        /// The kind the caller asked for.
        expected: PayloadKind,
        /// The kind the prefix names.
        found: PayloadKind,
    },
    /// The text after the prefix is not canonical Base45 (RFC 9285 §4.2).
    #[error("invalid Base45 at offset {offset}: {fault}")]
    Base45Invalid {
        /// Byte offset of the fault within the Base45 text (after the prefix).
        offset: usize,
        /// What is wrong there.
        fault: Base45Fault,
    },
    /// The Base45-decoded bytes are not one complete zlib stream (RFC 1950, `SG1`),
    /// or do not start with one complete raw deflate stream (RFC 1951, `SG2P:`).
    #[error("decompression failed: {fault}")]
    DecompressionFailed {
        /// What is wrong with the stream.
        fault: InflateFault,
    },
    /// The payload is (or inflates to) more than [`MAX_PAYLOAD_BYTES`].
    #[error("QR payload of at least {at_least} bytes is over the limit of {max}")]
    PayloadTooLarge {
        /// Bytes seen before stopping (the payload is at least this long).
        at_least: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// The inflated `SG2P:` frame does not describe a presentation (see
    /// [`presentation`]): it ends early, overruns its blob, leaves bytes unused, …
    #[error("invalid SG2P frame at offset {offset}: {fault}")]
    FrameInvalid {
        /// Byte offset of the fault within the inflated structure.
        offset: usize,
        /// What is wrong there.
        fault: FrameFault,
    },
    /// Compression failed; writing to memory cannot, so this is a defect.
    #[error("compression failed")]
    CompressionFailed,
    /// The PNG module size is outside `1..=`[`MAX_MODULE_PX`].
    #[error("module size of {module_px} px is outside 1..={max}")]
    ModuleSizeInvalid {
        /// Pixels per module asked for.
        module_px: u32,
        /// Largest size allowed.
        max: u32,
    },
    /// The QR encoder or the PNG encoder refused; the reason is the library's.
    #[error("QR rendering failed: {reason}")]
    RenderFailed {
        /// A short description of the cause.
        reason: &'static str,
    },
    /// The image file is larger than [`MAX_IMAGE_BYTES`].
    #[error("image of {len} bytes is over the limit of {max}")]
    ImageBytesTooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// The image declares more pixels per side than [`MAX_IMAGE_SIDE`].
    #[error("image of {width}×{height} pixels is over the limit of {max} per side")]
    ImageDimensionsTooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Pixels allowed per side.
        max: u32,
    },
    /// The bytes are not a readable image in a supported format (PNG).
    #[error("unreadable image: {reason}")]
    ImageInvalid {
        /// A short description of the cause.
        reason: &'static str,
    },
    /// The image holds more than the QR detector may examine — finder patterns,
    /// 1:1:3:1:1 row hits, black runs or pixels to flood-fill — as its cost grows much
    /// faster than these (see [`scan`]).
    #[error("image has at least {at_least} {what}, over the limit of {max}")]
    ImageTooComplex {
        /// What was counted.
        what: &'static str,
        /// How many were counted before stopping.
        at_least: usize,
        /// How many are allowed.
        max: usize,
    },
    /// No QR symbol in the image could be read.
    #[error("no readable QR code in the image ({candidates} candidate symbols failed to decode)")]
    NotFound {
        /// Symbols located by their finder patterns that then failed to decode.
        candidates: usize,
    },
}

impl QrError {
    /// The stable, machine-readable code of this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::TextTooLong { .. } => "qr_text_too_long",
            Self::PrefixUnknown { .. } => "qr_prefix_unknown",
            Self::KindMismatch { .. } => "qr_payload_kind_mismatch",
            Self::Base45Invalid { .. } => "qr_base45_invalid",
            Self::DecompressionFailed { .. } => "qr_decompression_failed",
            Self::PayloadTooLarge { .. } => "qr_payload_too_large",
            Self::FrameInvalid { .. } => "qr_frame_invalid",
            Self::CompressionFailed => "qr_compression_failed",
            Self::ModuleSizeInvalid { .. } => "qr_module_size_invalid",
            Self::RenderFailed { .. } => "qr_render_failed",
            Self::ImageBytesTooLarge { .. } | Self::ImageDimensionsTooLarge { .. } => {
                "qr_image_too_large"
            }
            Self::ImageInvalid { .. } => "qr_image_invalid",
            Self::ImageTooComplex { .. } => "qr_image_too_complex",
            Self::NotFound { .. } => "qr_not_found",
        }
    }
}

/// Helpers shared by this module's tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// A deterministic, presentation-like string of `len` bytes: a JWT header, then
    /// pseudo-random base64url with `.` and `~` separators, as in an SD-JWT+KB.
    pub(crate) fn presentation_like(len: usize, seed: u64) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut out = String::from("eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.");
        while out.len() < len {
            // xorshift64: reproducible without a `rand` dependency.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let c = match state % 97 {
                0 => '~',
                1 => '.',
                n => char::from(ALPHABET[(n % 64) as usize]),
            };
            out.push(c);
        }
        out.truncate(len);
        out
    }

    /// Decodes a QR symbol given module by module (`dark(x, y)`), drawn 4 px per
    /// module, with rqrr; panics if none is found.
    pub(crate) fn read_modules(
        width: usize,
        height: usize,
        dark: impl Fn(usize, usize) -> bool,
    ) -> String {
        let mut image = rqrr::PreparedImage::prepare_from_bitmap(width * 4, height * 4, |x, y| {
            dark(x / 4, y / 4)
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "expected exactly one QR symbol");
        grids[0].decode().unwrap().1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_snake_case() {
        let cases = [
            (
                QrError::TextTooLong {
                    len: 5000,
                    max: 4296,
                },
                "qr_text_too_long",
            ),
            (
                QrError::PrefixUnknown {
                    found: "HC1:".into(),
                },
                "qr_prefix_unknown",
            ),
            (
                QrError::KindMismatch {
                    expected: PayloadKind::Presentation,
                    found: PayloadKind::CredentialOffer,
                },
                "qr_payload_kind_mismatch",
            ),
            (
                QrError::Base45Invalid {
                    offset: 0,
                    fault: Base45Fault::DanglingCharacter,
                },
                "qr_base45_invalid",
            ),
            (
                QrError::DecompressionFailed {
                    fault: InflateFault::Truncated,
                },
                "qr_decompression_failed",
            ),
            (
                QrError::PayloadTooLarge {
                    at_least: 65537,
                    max: 65536,
                },
                "qr_payload_too_large",
            ),
            (
                QrError::FrameInvalid {
                    offset: 0,
                    fault: FrameFault::Truncated,
                },
                "qr_frame_invalid",
            ),
            (QrError::CompressionFailed, "qr_compression_failed"),
            (
                QrError::ModuleSizeInvalid {
                    module_px: 0,
                    max: 20,
                },
                "qr_module_size_invalid",
            ),
            (QrError::RenderFailed { reason: "x" }, "qr_render_failed"),
            (
                QrError::ImageBytesTooLarge { len: 9, max: 8 },
                "qr_image_too_large",
            ),
            (
                QrError::ImageDimensionsTooLarge {
                    width: 5000,
                    height: 1,
                    max: 4096,
                },
                "qr_image_too_large",
            ),
            (QrError::ImageInvalid { reason: "x" }, "qr_image_invalid"),
            (
                QrError::ImageTooComplex {
                    what: "finder patterns",
                    at_least: 41,
                    max: 40,
                },
                "qr_image_too_complex",
            ),
            (QrError::NotFound { candidates: 0 }, "qr_not_found"),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code, "{err}");
        }
    }

    #[test]
    fn messages_carry_the_evidence() {
        let err = QrError::TextTooLong {
            len: 5000,
            max: 4296,
        };
        assert_eq!(
            err.to_string(),
            "QR text of 5000 characters is over the limit of 4296"
        );
        let err = QrError::Base45Invalid {
            offset: 3,
            fault: Base45Fault::TripleOverflow { value: 65_536 },
        };
        assert_eq!(
            err.to_string(),
            "invalid Base45 at offset 3: character triple has value 65536, over 65535"
        );
        let err = QrError::FrameInvalid {
            offset: 7,
            fault: FrameFault::BlobOverrun {
                len: 64,
                remaining: 10,
            },
        };
        assert_eq!(
            err.to_string(),
            "invalid SG2P frame at offset 7: a reference to 64 bytes, but only 10 remain"
        );
    }
}
