//! The binary frame of an `SG2P:` presentation: the presentation's base64url
//! segments decoded back to bytes, split into a *structure* that deflate compresses
//! well and a *blob* of random bytes that nothing compresses.
//!
//! A presentation is an SD-JWT (`<issuer-JWT>~<D1>~…~<Dn>~`), an SD-JWT+KB (the same
//! followed by a KB-JWT; RFC 9901 §4) or one compact JWS (a VC-JWT, RFC 7515 §7.1).
//! Every JWS part and every Disclosure is base64url (RFC 7515 §2), which hides the
//! JSON's repetitions from deflate; decoded, the JSON is mostly our own scaffolding
//! and compresses against the [preset dictionary](super::dictionary). What stays
//! is entropy — signatures, digests, salts, keys, nonces — and deflate's Huffman
//! codes only add to its size, so those bytes move to the blob, stored as they are:
//!
//! ```text
//! structure  = form segments
//! form       = 0x00 JWS: 3 segments            (header, payload, signature)
//!            | 0x01 SD-JWT: 3 segments, varint n, n segments           (`…~Dn~`)
//!            | 0x02 SD-JWT+KB: as 0x01, then the KB-JWT's 3 segments
//! segment    = *( literal | 0xFF varint n | 0xFD varint n | 0xFC ) 0xFE
//!   literal      a byte 0x00–0xF4, copied (UTF-8 never uses 0xF5–0xFF, RFC 3629 §1)
//!   0xFF n       the next n blob bytes, written as unpadded base64url (a digest, a salt)
//!   0xFD n       the next n blob bytes, copied (a signature)
//!   0xFC         the KB-JWT's `sd_hash` (RFC 9901 §4.3.1), recomputed from the text so far
//!   0xFE         end of the segment, which is then base64url-encoded into the text
//!   0xF5–0xFB    reserved, refused
//! varint     = unsigned LEB128, 1–3 bytes, shortest form only
//! ```
//!
//! Segments are joined with `.` inside a JWS and `~` between the SD-JWT's parts. The
//! frame is only made when it reproduces the text byte for byte (every segment is
//! canonical base64url, [`crate::b64`]); the reader refuses every byte it cannot
//! account for, bounds every count and length by what remains, and stops at
//! [`MAX_PAYLOAD_BYTES`] of output.

use super::{MAX_PAYLOAD_BYTES, QrError};
use crate::b64;
use crate::sd_jwt::{MAX_DISCLOSURES, sd_hash};

/// Ends a segment.
pub(crate) const END: u8 = 0xFE;
/// Introduces blob bytes written as base64url.
pub(crate) const B64: u8 = 0xFF;
/// Introduces blob bytes copied as they are.
pub(crate) const RAW: u8 = 0xFD;
/// Stands for the KB-JWT's `sd_hash`.
pub(crate) const SD_HASH: u8 = 0xFC;
/// The lowest byte that is not a literal.
const FIRST_CONTROL: u8 = 0xF5;
/// Longest varint: 3 bytes hold 21 bits, more than any length under the payload cap.
const MAX_VARINT_BYTES: usize = 3;
/// Shortest quoted base64url value the writer moves to the blob (a 16-byte salt is 22
/// characters); shorter ones are mostly words, which the dictionary knows.
const MIN_CONCEALED_CHARS: usize = 16;

/// Why the structure of an `SG2P:` frame was refused (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameFault {
    /// The first byte names no form (0 JWS, 1 SD-JWT, 2 SD-JWT+KB).
    #[error("unknown form {byte:#04x}")]
    FormUnknown {
        /// The byte found.
        byte: u8,
    },
    /// The structure ends inside a segment, a varint or before the last segment.
    #[error("the structure ends early")]
    Truncated,
    /// A byte in 0xF5–0xFB, which no version of the frame uses.
    #[error("reserved byte {byte:#04x}")]
    ReservedByte {
        /// The byte found.
        byte: u8,
    },
    /// A varint is longer than 3 bytes or not in its shortest form.
    #[error("malformed varint")]
    VarintInvalid,
    /// More Disclosures than an SD-JWT may carry ([`MAX_DISCLOSURES`]).
    #[error("{count} disclosures, over the limit of {max}")]
    TooManyDisclosures {
        /// The count declared.
        count: usize,
        /// The count allowed.
        max: usize,
    },
    /// A reference asks for more blob bytes than remain.
    #[error("a reference to {len} bytes, but only {remaining} remain")]
    BlobOverrun {
        /// Bytes asked for.
        len: usize,
        /// Bytes left in the blob.
        remaining: usize,
    },
    /// `sd_hash` stands outside a KB-JWT, where it means nothing.
    #[error("sd_hash outside a KB-JWT")]
    SdHashMisplaced,
    /// Structure bytes follow the last segment.
    #[error("{bytes} bytes after the last segment")]
    TrailingStructure {
        /// How many.
        bytes: usize,
    },
    /// Blob bytes that no reference used.
    #[error("{bytes} blob bytes left unused")]
    TrailingBlob {
        /// How many.
        bytes: usize,
    },
}

/// The three presentation shapes a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Jws = 0,
    SdJwt = 1,
    SdJwtKb = 2,
}

/// A presentation as a structure (to deflate) and a blob (to store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Scaffolding, short values and references, in the grammar of the module docs.
    pub(crate) structure: Vec<u8>,
    /// High-entropy bytes in the order the structure references them.
    pub(crate) blob: Vec<u8>,
}

/// Frames a presentation, or `None` when it is not an SD-JWT, SD-JWT+KB or compact
/// JWS of canonical base64url segments (the caller then uses the plain framing).
/// The caller still checks that [`join`] gives the text back.
pub(crate) fn split(presentation: &[u8]) -> Option<Frame> {
    let text = std::str::from_utf8(presentation).ok()?;
    let mut w = Writer::default();
    let parts: Vec<&str> = text.split('~').collect();
    match parts.as_slice() {
        [jws] => {
            w.structure.push(Form::Jws as u8);
            w.jws(jws, None)?;
        }
        [issuer, disclosures @ .., last] => {
            let form = if last.is_empty() {
                Form::SdJwt
            } else {
                Form::SdJwtKb
            };
            if disclosures.len() > MAX_DISCLOSURES {
                return None;
            }
            w.structure.push(form as u8);
            w.jws(issuer, None)?;
            w.varint(disclosures.len());
            for disclosure in disclosures {
                w.text(disclosure, None)?;
            }
            if form == Form::SdJwtKb {
                let sd_jwt = text.strip_suffix(last)?;
                w.jws(last, Some(&sd_hash(sd_jwt)))?;
            }
        }
        [] => return None,
    }
    Some(Frame {
        structure: w.structure,
        blob: w.blob,
    })
}

#[derive(Default)]
struct Writer {
    structure: Vec<u8>,
    blob: Vec<u8>,
}

impl Writer {
    /// A compact JWS: header and payload as text, the signature to the blob.
    fn jws(&mut self, jws: &str, sd_hash: Option<&str>) -> Option<()> {
        let mut parts = jws.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        self.text(header, sd_hash)?;
        self.text(payload, sd_hash)?;
        self.raw(&b64::decode(signature).ok()?);
        Some(())
    }

    /// A base64url segment whose bytes are UTF-8 (JSON): literals, with quoted
    /// random-looking base64url values moved to the blob; other bytes go raw.
    fn text(&mut self, segment: &str, sd_hash: Option<&str>) -> Option<()> {
        let bytes = b64::decode(segment).ok()?;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            self.raw(&bytes);
            return Some(());
        };
        let mut rest = text;
        while let Some((before, after)) = rest.split_once('"') {
            self.structure.extend_from_slice(before.as_bytes());
            self.structure.push(b'"');
            rest = after;
            let end = after
                .find(|c: char| !is_base64url(c))
                .unwrap_or(after.len());
            let Some((run, tail)) = after.split_at_checked(end) else {
                continue;
            };
            if !tail.starts_with('"') || run.len() < MIN_CONCEALED_CHARS {
                continue;
            }
            if sd_hash == Some(run) {
                self.structure.push(SD_HASH);
                rest = tail;
            } else if looks_random(run)
                && let Ok(raw) = b64::decode(run)
            {
                self.structure.push(B64);
                self.varint(raw.len());
                self.blob.extend_from_slice(&raw);
                rest = tail;
            }
        }
        self.structure.extend_from_slice(rest.as_bytes());
        self.structure.push(END);
        Some(())
    }

    /// Bytes that are not text: all to the blob.
    fn raw(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.structure.push(RAW);
            self.varint(bytes.len());
            self.blob.extend_from_slice(bytes);
        }
        self.structure.push(END);
    }

    fn varint(&mut self, mut n: usize) {
        while n >= 0x80 {
            self.structure.push((n & 0x7F) as u8 | 0x80);
            n >>= 7;
        }
        self.structure.push(n as u8);
    }
}

const fn is_base64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Random base64url almost always mixes upper and lower case, and a 22-character
/// salt or longer digest has a digit, `-` or `_` in 99 % of cases; claim names and
/// words (`authorised_signatory`, `VerifiableCredential`) do not, and compress better
/// as text. A value misjudged only costs a few bytes, never correctness.
fn looks_random(run: &str) -> bool {
    run.contains(|c: char| c.is_ascii_uppercase())
        && run.contains(|c: char| c.is_ascii_lowercase())
        && (run.len() >= 22 || run.contains(|c: char| !c.is_ascii_alphabetic()))
}

/// Rebuilds the presentation text from a frame's structure and blob.
///
/// # Errors
/// [`QrError::FrameInvalid`] with the [`FrameFault`] and its offset in the
/// structure; [`QrError::PayloadTooLarge`] once the text would pass
/// [`MAX_PAYLOAD_BYTES`].
pub(crate) fn join(structure: &[u8], blob: &[u8]) -> Result<String, QrError> {
    let mut r = Reader {
        structure,
        at: 0,
        blob,
        blob_at: 0,
        out: String::new(),
    };
    let form = match r.byte()? {
        0 => Form::Jws,
        1 => Form::SdJwt,
        2 => Form::SdJwtKb,
        byte => return Err(r.fault(0, FrameFault::FormUnknown { byte })),
    };
    r.jws(None)?;
    if form != Form::Jws {
        let at = r.at;
        let count = r.varint()?;
        if count > MAX_DISCLOSURES {
            return Err(r.fault(
                at,
                FrameFault::TooManyDisclosures {
                    count,
                    max: MAX_DISCLOSURES,
                },
            ));
        }
        for _ in 0..count {
            r.push("~")?;
            r.segment(None)?;
        }
        r.push("~")?;
        if form == Form::SdJwtKb {
            let hash = sd_hash(&r.out);
            r.jws(Some(&hash))?;
        }
    }
    if r.at != structure.len() {
        let bytes = structure.len() - r.at;
        return Err(r.fault(r.at, FrameFault::TrailingStructure { bytes }));
    }
    if r.blob_at != blob.len() {
        let bytes = blob.len() - r.blob_at;
        return Err(r.fault(r.at, FrameFault::TrailingBlob { bytes }));
    }
    Ok(r.out)
}

struct Reader<'a> {
    structure: &'a [u8],
    at: usize,
    blob: &'a [u8],
    blob_at: usize,
    out: String,
}

impl Reader<'_> {
    const fn fault(&self, offset: usize, fault: FrameFault) -> QrError {
        QrError::FrameInvalid { offset, fault }
    }

    fn byte(&mut self) -> Result<u8, QrError> {
        let byte = self
            .structure
            .get(self.at)
            .copied()
            .ok_or_else(|| self.fault(self.at, FrameFault::Truncated))?;
        self.at += 1;
        Ok(byte)
    }

    /// Unsigned LEB128, shortest form, at most [`MAX_VARINT_BYTES`].
    fn varint(&mut self) -> Result<usize, QrError> {
        let start = self.at;
        let mut value = 0usize;
        for i in 0..MAX_VARINT_BYTES {
            let byte = self.byte()?;
            value |= usize::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                // A last byte of zero after the first means a longer form than needed.
                if byte == 0 && i > 0 {
                    break;
                }
                return Ok(value);
            }
        }
        Err(self.fault(start, FrameFault::VarintInvalid))
    }

    fn blob(&mut self, len: usize, at: usize) -> Result<&[u8], QrError> {
        let remaining = self.blob.len() - self.blob_at;
        let Some(bytes) = self
            .blob
            .get(self.blob_at..self.blob_at.saturating_add(len))
        else {
            return Err(self.fault(at, FrameFault::BlobOverrun { len, remaining }));
        };
        self.blob_at += len;
        Ok(bytes)
    }

    fn push(&mut self, text: &str) -> Result<(), QrError> {
        let len = self.out.len() + text.len();
        if len > MAX_PAYLOAD_BYTES {
            return Err(QrError::PayloadTooLarge {
                at_least: len,
                max: MAX_PAYLOAD_BYTES,
            });
        }
        self.out.push_str(text);
        Ok(())
    }

    fn jws(&mut self, sd_hash: Option<&str>) -> Result<(), QrError> {
        self.segment(sd_hash)?;
        self.push(".")?;
        self.segment(sd_hash)?;
        self.push(".")?;
        self.segment(None)
    }

    /// One segment, appended to the text as base64url.
    fn segment(&mut self, sd_hash: Option<&str>) -> Result<(), QrError> {
        let mut bytes = Vec::new();
        loop {
            let at = self.at;
            match self.byte()? {
                END => break,
                B64 => {
                    let len = self.varint()?;
                    let encoded = b64::encode(self.blob(len, at)?);
                    bytes.extend_from_slice(encoded.as_bytes());
                }
                RAW => {
                    let len = self.varint()?;
                    let raw = self.blob(len, at)?;
                    bytes.extend_from_slice(raw);
                }
                SD_HASH => match sd_hash {
                    Some(hash) => bytes.extend_from_slice(hash.as_bytes()),
                    None => return Err(self.fault(at, FrameFault::SdHashMisplaced)),
                },
                byte if byte >= FIRST_CONTROL => {
                    return Err(self.fault(at, FrameFault::ReservedByte { byte }));
                }
                literal => bytes.push(literal),
            }
            // Base64url only grows it: past the cap, the text would be too.
            if bytes.len() > MAX_PAYLOAD_BYTES {
                return Err(QrError::PayloadTooLarge {
                    at_least: bytes.len(),
                    max: MAX_PAYLOAD_BYTES,
                });
            }
        }
        self.push(&b64::encode(bytes))
    }
}
