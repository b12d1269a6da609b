//! Every refusal of a crafted or damaged `SG2P:` text, by its exact error: each
//! [`FrameFault`] at its offset, truncation, corruption, trailing bytes, oversize
//! lengths and decompression bombs.

use super::dictionary::DICTIONARY;
use super::frame::{self, B64, END, RAW, SD_HASH};
use super::presentation_vectors::{GOLDEN_PRESENTATION, GOLDEN_TEXT};
use super::*;

/// An `SG2P:` text of a hand-made structure and blob.
fn sg2p(structure: &[u8], blob: &[u8]) -> String {
    let mut body = primed::compress(&DICTIONARY, structure).unwrap();
    body.extend_from_slice(blob);
    format!("SG2P:{}", base45::encode(&body))
}

/// What [`decode`] returns.
type Decoded = Result<(PayloadKind, Vec<u8>), QrError>;

fn fault(offset: usize, fault: FrameFault) -> Decoded {
    Err(QrError::FrameInvalid { offset, fault })
}

#[test]
fn prefix_and_base45_faults_come_first() {
    assert_eq!(
        decode_as(PayloadKind::CredentialOffer, GOLDEN_TEXT),
        Err(QrError::KindMismatch {
            expected: PayloadKind::CredentialOffer,
            found: PayloadKind::Presentation,
        })
    );
    assert_eq!(known_prefix(GOLDEN_TEXT), Some(PayloadKind::Presentation));
    assert_eq!(
        known_prefix("SG1R:x"),
        Some(PayloadKind::PresentationRequest)
    );
    assert_eq!(known_prefix("eyJhbGciOi"), None);
    assert_eq!(
        decode("SG2P:GGW"),
        Err(QrError::Base45Invalid {
            offset: 0,
            fault: Base45Fault::TripleOverflow { value: 65_536 }
        })
    );
    assert_eq!(
        decode("SG2P:"),
        Err(QrError::DecompressionFailed {
            fault: InflateFault::Truncated
        })
    );
}

/// The golden text's bytes, the length of its deflate stream, and its structure.
fn golden_parts() -> (Vec<u8>, usize, Vec<u8>) {
    let body = base45::decode(&GOLDEN_TEXT[5..]).unwrap();
    let (structure, read) = primed::inflate(&DICTIONARY, &body, MAX_PAYLOAD_BYTES).unwrap();
    (body, read, structure)
}

fn with_body(body: &[u8]) -> String {
    format!("SG2P:{}", base45::encode(body))
}

#[test]
fn truncated_texts_are_refused() {
    let (body, deflated, structure) = golden_parts();
    // Two bytes short: the KB-JWT signature, last in the blob, is missing them.
    let at = structure.len() - 3;
    assert_eq!(structure[at..], [RAW, 64, END]);
    assert_eq!(
        decode(&with_body(&body[..body.len() - 2])),
        fault(
            at,
            FrameFault::BlobOverrun {
                len: 64,
                remaining: 62
            }
        )
    );
    // No blob at all: the first reference fails.
    assert!(matches!(
        decode(&with_body(&body[..deflated])),
        Err(QrError::FrameInvalid {
            fault: FrameFault::BlobOverrun { remaining: 0, .. },
            ..
        })
    ));
    // Cut inside the deflate stream.
    for len in [deflated - 1, deflated / 2, 1] {
        assert_eq!(
            decode(&with_body(&body[..len])),
            Err(QrError::DecompressionFailed {
                fault: InflateFault::Truncated
            }),
            "{len}"
        );
    }
}

#[test]
fn corrupted_texts_are_refused_or_fail_their_signatures() {
    let (body, deflated, _) = golden_parts();
    // Block type 3 is reserved (RFC 1951 §3.2.3).
    let mut bad = body.clone();
    bad[0] |= 0b110;
    assert_eq!(
        decode(&with_body(&bad)),
        Err(QrError::DecompressionFailed {
            fault: InflateFault::Corrupt
        })
    );
    // A blob byte flipped: there is no checksum, so the text decodes, with one bit of
    // an `_sd` digest changed. The issuer's signature no longer covers the payload (and
    // the recomputed `sd_hash` no longer matches the KB-JWT's signature): the
    // verifier refuses it.
    let mut flipped = body.clone();
    flipped[deflated + 70] ^= 1;
    let presentation = String::from_utf8(decode(&with_body(&flipped)).unwrap().1).unwrap();
    let parts = |p: &str| -> Vec<String> { p.split(['~', '.']).map(str::to_owned).collect() };
    let (got, want) = (parts(&presentation), parts(GOLDEN_PRESENTATION));
    let changed: Vec<usize> = (0..want.len()).filter(|&i| got[i] != want[i]).collect();
    // Issuer header, payload, signature, 2 Disclosures, KB header, payload, signature.
    assert_eq!((got.len(), changed), (8, vec![1, 6]));
}

#[test]
fn trailing_bytes_are_refused() {
    let (mut body, _, structure) = golden_parts();
    body.extend_from_slice(&[0, 0]);
    assert_eq!(
        decode(&with_body(&body)),
        fault(structure.len(), FrameFault::TrailingBlob { bytes: 2 })
    );
    let mut longer = structure.clone();
    longer.push(b'x');
    let (_, blob) = {
        let frame = frame::split(GOLDEN_PRESENTATION.as_bytes()).unwrap();
        (frame.structure, frame.blob)
    };
    assert_eq!(
        decode(&sg2p(&longer, &blob)),
        fault(structure.len(), FrameFault::TrailingStructure { bytes: 1 })
    );
}

#[test]
fn crafted_frames_are_refused_at_the_faulting_byte() {
    let jws = [END, END, END];
    let cases: Vec<(Vec<u8>, Vec<u8>, Decoded)> = vec![
        (
            vec![7],
            vec![],
            fault(0, FrameFault::FormUnknown { byte: 7 }),
        ),
        (vec![], vec![], fault(0, FrameFault::Truncated)),
        (vec![2, END, END], vec![], fault(3, FrameFault::Truncated)),
        (
            [&[1][..], &jws].concat(),
            vec![],
            fault(4, FrameFault::Truncated),
        ),
        (
            vec![0, b'{', 0xF5],
            vec![],
            fault(2, FrameFault::ReservedByte { byte: 0xF5 }),
        ),
        (
            vec![0, 0xFB],
            vec![],
            fault(1, FrameFault::ReservedByte { byte: 0xFB }),
        ),
        // Overlong (0x80 0x00 is 0 in two bytes) and over three bytes.
        (
            vec![0, RAW, 0x80, 0x00, END],
            vec![],
            fault(2, FrameFault::VarintInvalid),
        ),
        (
            vec![0, B64, 0x80, 0x80, 0x80, 0x01],
            vec![],
            fault(2, FrameFault::VarintInvalid),
        ),
        (vec![0, RAW, 0x81], vec![], fault(3, FrameFault::Truncated)),
        (
            [&[1][..], &jws, &[0x81, 0x08]].concat(),
            vec![],
            fault(
                4,
                FrameFault::TooManyDisclosures {
                    count: 1025,
                    max: 1024,
                },
            ),
        ),
        // Oversize lengths: refused against what remains, nothing allocated for them.
        (
            vec![0, RAW, 64, END],
            vec![1; 10],
            fault(
                1,
                FrameFault::BlobOverrun {
                    len: 64,
                    remaining: 10,
                },
            ),
        ),
        (
            vec![0, B64, 0xFF, 0xFF, 0x7F, END],
            vec![],
            fault(
                1,
                FrameFault::BlobOverrun {
                    len: 2_097_151,
                    remaining: 0,
                },
            ),
        ),
        (
            vec![0, SD_HASH, END],
            vec![],
            fault(1, FrameFault::SdHashMisplaced),
        ),
        // sd_hash in the issuer's JWT of an SD-JWT+KB is misplaced too.
        (
            [&[2, SD_HASH][..], &jws].concat(),
            vec![],
            fault(1, FrameFault::SdHashMisplaced),
        ),
        (
            [&[0][..], &jws, &[END]].concat(),
            vec![],
            fault(4, FrameFault::TrailingStructure { bytes: 1 }),
        ),
        (
            [&[0][..], &jws].concat(),
            vec![9],
            fault(4, FrameFault::TrailingBlob { bytes: 1 }),
        ),
        // The smallest valid frames.
        (
            [&[0][..], &jws].concat(),
            vec![],
            Ok((PayloadKind::Presentation, b"..".to_vec())),
        ),
        (
            [&[2][..], &jws, &[0], &jws].concat(),
            vec![],
            Ok((PayloadKind::Presentation, b"..~..".to_vec())),
        ),
        (
            vec![0, b'{', b'}', END, RAW, 2, END, B64, 3, END],
            vec![0xFB, 0xFF, 0, 1, 2],
            Ok((PayloadKind::Presentation, b"e30.-_8.QUFFQw".to_vec())),
        ),
    ];
    for (structure, blob, expected) in cases {
        assert_eq!(
            decode(&sg2p(&structure, &blob)),
            expected,
            "{structure:02x?}"
        );
    }
}

#[test]
fn bombs_are_refused_at_the_cap() {
    let too_large = |at_least| {
        Err(QrError::PayloadTooLarge {
            at_least,
            max: MAX_PAYLOAD_BYTES,
        })
    };
    // 1 MiB of structure in about 1,500 characters: inflation stops one byte past the cap.
    let text = sg2p(&vec![b'A'; 1 << 20], &[]);
    assert!(text.len() < MAX_TEXT_CHARS, "{}", text.len());
    assert_eq!(decode(&text), too_large(MAX_PAYLOAD_BYTES + 1));
    // A small structure that asks for sd_hash (43 characters) over and over.
    let mut kb = [&[2][..], &[END, END, END], &[0]].concat();
    kb.extend(std::iter::repeat_n(SD_HASH, 2000));
    assert_eq!(decode(&sg2p(&kb, &[])), too_large(1525 * 43));
    // Literals under the structure cap whose base64url is over the text cap.
    let mut header = vec![0];
    header.extend(std::iter::repeat_n(b'A', 49_200));
    header.push(END);
    assert_eq!(decode(&sg2p(&header, &[])), too_large(65_600));
}
