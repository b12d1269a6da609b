//! Base45, RFC 9285: bytes as text in the QR alphanumeric character set.
//!
//! Two bytes `[a, b]` make `n = a·256 + b`, written as three characters `c d e` with
//! `n = c + d·45 + e·45²`; a last odd byte makes two characters (RFC 9285 §4).
//! Decoding is strict (§4.2): a character outside the 45-character alphabet, a
//! trailing group of one character, and a triple over 65535 or a pair over 255 are
//! all refused, so every byte string has exactly one accepted encoding.

use super::QrError;

/// Why a Base45 text was refused (RFC 9285 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base45Fault {
    /// A byte outside the 45-character alphabet of RFC 9285 §4 Table 1.
    #[error("byte 0x{byte:02x} is not in the Base45 alphabet")]
    BadCharacter {
        /// The offending byte (a non-ASCII character shows its first UTF-8 byte).
        byte: u8,
    },
    /// The text ends with a group of a single character, which encodes nothing.
    #[error("dangling single character at the end")]
    DanglingCharacter,
    /// Three characters whose value exceeds 65535 (two bytes).
    #[error("character triple has value {value}, over 65535")]
    TripleOverflow {
        /// The decoded value.
        value: u32,
    },
    /// Two final characters whose value exceeds 255 (one byte).
    #[error("final character pair has value {value}, over 255")]
    PairOverflow {
        /// The decoded value.
        value: u32,
    },
}

/// Encodes bytes as Base45 (RFC 9285 §4).
///
/// The output holds only `0-9 A-Z space $%*+-./:`, the QR alphanumeric set
/// (ISO/IEC 18004:2015 §7.4.4), and is `3·⌊n/2⌋ + 2·(n mod 2)` characters long.
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() / 2 * 3 + bytes.len() % 2 * 2);
    for chunk in bytes.chunks(2) {
        match *chunk {
            [a, b] => {
                let n = u16::from_be_bytes([a, b]);
                out.push(symbol(n % 45));
                out.push(symbol(n / 45 % 45));
                out.push(symbol(n / (45 * 45)));
            }
            [a] => {
                let n = u16::from(a);
                out.push(symbol(n % 45));
                out.push(symbol(n / 45));
            }
            _ => {}
        }
    }
    out
}

/// Decodes strict Base45 (RFC 9285 §4.2).
///
/// The output is at most two thirds of the input length; callers bound the input.
///
/// # Errors
/// [`QrError::Base45Invalid`] with the byte offset and the [`Base45Fault`]: a
/// character outside the alphabet, a dangling single character, or a triple/pair
/// whose value overflows ("a decoder MUST reject", §4.2).
pub fn decode(text: &str) -> Result<Vec<u8>, QrError> {
    let input = text.as_bytes();
    let mut out = Vec::with_capacity(input.len() / 3 * 2 + usize::from(input.len() % 3 == 2));
    for (group, chunk) in input.chunks(3).enumerate() {
        let start = group * 3;
        let digit = |i: usize, byte: u8| {
            value(byte).ok_or(QrError::Base45Invalid {
                offset: start + i,
                fault: Base45Fault::BadCharacter { byte },
            })
        };
        match *chunk {
            [c, d, e] => {
                let n = digit(0, c)? + digit(1, d)? * 45 + digit(2, e)? * 45 * 45;
                let pair = u16::try_from(n).map_err(|_| QrError::Base45Invalid {
                    offset: start,
                    fault: Base45Fault::TripleOverflow { value: n },
                })?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            [c, d] => {
                let n = digit(0, c)? + digit(1, d)? * 45;
                let byte = u8::try_from(n).map_err(|_| QrError::Base45Invalid {
                    offset: start,
                    fault: Base45Fault::PairOverflow { value: n },
                })?;
                out.push(byte);
            }
            [c] => {
                // Report a bad character before the dangling group, as it is the first fault.
                digit(0, c)?;
                return Err(QrError::Base45Invalid {
                    offset: start,
                    fault: Base45Fault::DanglingCharacter,
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Whether every byte of `text` is in the Base45 alphabet, which is exactly the QR
/// alphanumeric character set (RFC 9285 §4 Table 1 = ISO/IEC 18004:2015 Table 5).
#[must_use]
pub fn is_alphanumeric_set(text: &str) -> bool {
    text.bytes().all(|b| value(b).is_some())
}

/// RFC 9285 §4 Table 1, value → character; `v` is always below 45 here.
fn symbol(v: u16) -> char {
    let byte = match v {
        0..=9 => b'0' + v as u8,
        10..=35 => b'A' + (v as u8 - 10),
        36 => b' ',
        37 => b'$',
        38 => b'%',
        39 => b'*',
        40 => b'+',
        41 => b'-',
        42 => b'.',
        43 => b'/',
        _ => b':',
    };
    char::from(byte)
}

/// RFC 9285 §4 Table 1, character → value.
fn value(byte: u8) -> Option<u32> {
    let v = match byte {
        b'0'..=b'9' => byte - b'0',
        b'A'..=b'Z' => byte - b'A' + 10,
        b' ' => 36,
        b'$' => 37,
        b'%' => 38,
        b'*' => 39,
        b'+' => 40,
        b'-' => 41,
        b'.' => 42,
        b'/' => 43,
        b':' => 44,
        _ => return None,
    };
    Some(u32::from(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(offset: usize, fault: Base45Fault) -> Result<Vec<u8>, QrError> {
        Err(QrError::Base45Invalid { offset, fault })
    }

    /// RFC 9285 §4.3 (encoding) and §4.4 (decoding) examples.
    #[test]
    fn rfc9285_examples() {
        let examples: [(&[u8], &str); 4] = [
            (b"AB", "BB8"),
            (b"Hello!!", "%69 VD92EX0"),
            (b"base-45", "UJCLQE7W581"),
            (b"ietf!", "QED8WEX0"),
        ];
        for (bytes, text) in examples {
            assert_eq!(encode(bytes), text);
            assert_eq!(decode(text).unwrap(), bytes);
        }
    }

    /// RFC 9285 §4.2: "GGW" is 65535 + 1 = 65536 and MUST be rejected.
    #[test]
    fn rfc9285_invalid_ggw_overflows() {
        assert_eq!(
            decode("GGW"),
            fault(0, Base45Fault::TripleOverflow { value: 65_536 })
        );
        // The largest valid triple, FGW = 65535, decodes to 0xFFFF.
        assert_eq!(decode("FGW").unwrap(), [0xFF, 0xFF]);
        assert_eq!(encode(&[0xFF, 0xFF]), "FGW");
    }

    #[test]
    fn pair_over_255_is_rejected() {
        // "U5" = 30 + 5·45 = 255 is the largest valid pair; "V5" = 256.
        assert_eq!(decode("U5").unwrap(), [0xFF]);
        assert_eq!(
            decode("BB8V5"),
            fault(3, Base45Fault::PairOverflow { value: 256 })
        );
        assert_eq!(
            decode("::"),
            fault(
                0,
                Base45Fault::PairOverflow {
                    value: 44 + 44 * 45
                }
            )
        );
    }

    #[test]
    fn foreign_characters_are_rejected_with_offset() {
        assert_eq!(
            decode("BB8bb8"),
            fault(3, Base45Fault::BadCharacter { byte: b'b' })
        );
        assert_eq!(
            decode("BB="),
            fault(2, Base45Fault::BadCharacter { byte: b'=' })
        );
        assert_eq!(
            decode("BBé"),
            fault(2, Base45Fault::BadCharacter { byte: 0xC3 })
        );
        assert_eq!(
            decode("BB8\n"),
            fault(3, Base45Fault::BadCharacter { byte: b'\n' })
        );
    }

    #[test]
    fn dangling_single_character_is_rejected() {
        assert_eq!(decode("BB8B"), fault(3, Base45Fault::DanglingCharacter));
        assert_eq!(decode("0"), fault(0, Base45Fault::DanglingCharacter));
        assert_eq!(
            decode("BB8#"),
            fault(3, Base45Fault::BadCharacter { byte: b'#' })
        );
    }

    #[test]
    fn empty_round_trips() {
        assert_eq!(encode(b""), "");
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn every_byte_pair_round_trips_and_stays_alphanumeric() {
        let all: Vec<u8> = (0..=255u8)
            .flat_map(|a| (0..=255u8).flat_map(move |b| [a, b]))
            .collect();
        let text = encode(&all);
        assert_eq!(text.len(), all.len() / 2 * 3);
        assert!(is_alphanumeric_set(&text));
        assert_eq!(decode(&text).unwrap(), all);
        for odd in 0..=255u8 {
            assert_eq!(decode(&encode(&[odd])).unwrap(), [odd]);
        }
    }

    #[test]
    fn alphabet_is_exactly_the_qr_alphanumeric_set() {
        let set: String = (0..=255u8)
            .filter(|b| value(*b).is_some())
            .map(char::from)
            .collect();
        assert_eq!(set, " $%*+-./0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        assert!(!is_alphanumeric_set("sg1p:"));
    }
}
