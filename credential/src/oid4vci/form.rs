//! `application/x-www-form-urlencoded` (the WHATWG URL Standard §5, as used by
//! RFC 6749 Appendix B) for Token Requests (§6.1) and Credential Offer links (§4.1.2).
//!
//! Decoding is strict where lenient decoders guess: a `%` not followed by two hex
//! digits and bytes that are not UTF-8 are refused rather than passed through or
//! replaced, and a parameter given twice is refused (RFC 6749 §3.2: "Request and
//! response parameters MUST NOT be included more than once").

/// Why a form-encoded text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// A `%` is not followed by two hexadecimal digits.
    #[error("malformed percent-encoding in parameter \"{name}\"")]
    BadEscape {
        /// The parameter (as far as it could be decoded).
        name: String,
    },
    /// The decoded bytes are not UTF-8.
    #[error("parameter \"{name}\" is not UTF-8 after percent-decoding")]
    NotUtf8 {
        /// The parameter (as far as it could be decoded).
        name: String,
    },
    /// A parameter appears more than once (RFC 6749 §3.2).
    #[error("parameter \"{name}\" appears more than once")]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },
    /// More parameters than any message of ours has.
    #[error("more than {max} parameters")]
    TooManyParameters {
        /// Parameters allowed.
        max: usize,
    },
}

impl FormError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            FormError::BadEscape { .. } | FormError::NotUtf8 { .. } => "form_encoding_invalid",
            FormError::DuplicateParameter { .. } => "form_duplicate_parameter",
            FormError::TooManyParameters { .. } => "form_too_many_parameters",
        }
    }
}

/// Splits and decodes `name=value&…` pairs, refusing repeats. Empty segments
/// (`a=1&&b=2`) are skipped and a segment without `=` has an empty value, as in
/// the WHATWG parser. The caller caps `text`'s length.
pub(crate) fn parse(text: &str, max_params: usize) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for segment in text.split('&').filter(|s| !s.is_empty()) {
        if pairs.len() == max_params {
            return Err(FormError::TooManyParameters { max: max_params });
        }
        let (raw_name, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
        let name = decode(raw_name).map_err(|e| e.for_name(raw_name))?;
        let value = decode(raw_value).map_err(|e| e.for_name(&name))?;
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(FormError::DuplicateParameter { name });
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Encodes pairs as a form body; every byte outside RFC 3986 `unreserved` is escaped.
pub(crate) fn serialize(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but `ALPHA / DIGIT / "-" / "." / "_" / "~"` (RFC 3986 §2.3),
/// which is safe both in a form body and in a URI query.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

enum DecodeError {
    BadEscape,
    NotUtf8,
}

impl DecodeError {
    fn for_name(self, name: &str) -> FormError {
        let name = super::error::clip(name);
        match self {
            DecodeError::BadEscape => FormError::BadEscape { name },
            DecodeError::NotUtf8 => FormError::NotUtf8 { name },
        }
    }
}

/// `+` is a space; `%XX` is the byte XX; every other byte stands for itself.
fn decode(text: &str) -> Result<String, DecodeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        match byte {
            b'+' => out.push(b' '),
            b'%' => match (bytes.next().and_then(hex), bytes.next().and_then(hex)) {
                (Some(high), Some(low)) => out.push(high << 4 | low),
                _ => return Err(DecodeError::BadEscape),
            },
            other => out.push(other),
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::NotUtf8)
}

fn hex(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_reserved_and_non_ascii_text() {
        let body = serialize(&[("pre-authorized_code", "a b+c&d=é"), ("x", "")]);
        assert_eq!(body, "pre-authorized_code=a%20b%2Bc%26d%3D%C3%A9&x=");
        assert_eq!(
            parse(&body, 8).unwrap(),
            vec![
                ("pre-authorized_code".to_owned(), "a b+c&d=é".to_owned()),
                ("x".to_owned(), String::new())
            ]
        );
        assert_eq!(
            parse("a=1+2&&b", 8).unwrap(),
            vec![("a".into(), "1 2".into()), ("b".into(), String::new())]
        );
    }

    #[test]
    fn refuses_repeats_bad_escapes_and_non_utf8() {
        assert_eq!(
            parse("tx_code=1&tx_code=2", 8),
            Err(FormError::DuplicateParameter {
                name: "tx_code".into()
            })
        );
        // The same name spelled with an escape is the same name.
        assert_eq!(
            parse("a=1&%61=2", 8),
            Err(FormError::DuplicateParameter { name: "a".into() })
        );
        assert_eq!(
            parse("code=%zz", 8),
            Err(FormError::BadEscape {
                name: "code".into()
            })
        );
        assert_eq!(
            parse("code=%4", 8),
            Err(FormError::BadEscape {
                name: "code".into()
            })
        );
        assert_eq!(
            parse("code=%FF", 8),
            Err(FormError::NotUtf8 {
                name: "code".into()
            })
        );
        assert_eq!(
            parse("a&b&c", 2),
            Err(FormError::TooManyParameters { max: 2 })
        );
    }
}
