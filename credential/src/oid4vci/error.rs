//! What every OpenID4VCI message shares when it is refused or answered with an error:
//! the JSON-level refusal ([`MessageError`]) and the OAuth-style error body
//! ([`ErrorResponse`], RFC 6749 §5.2 and OpenID4VCI 1.0 §6.3, §8.3.1.2).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::json::{self, JsonError};

/// Longest piece of untrusted text quoted back in an error message.
const EVIDENCE_CHARS: usize = 128;
/// Longest `error_description` we write or accept.
pub const MAX_ERROR_DESCRIPTION_CHARS: usize = 512;
/// Largest error response body accepted.
const MAX_ERROR_RESPONSE_LEN: usize = 8 * 1024;

/// Why a JSON message was refused before any OpenID4VCI rule was applied: it was too
/// large, not strict JSON (duplicate members are refused, RFC 8259 §4 read strictly),
/// or a member had the wrong type or was missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Larger than this message may be.
    #[error("{message} of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Which message.
        message: &'static str,
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Not strict JSON (malformed, or a member name repeated).
    #[error("{message} is not acceptable JSON: {error}")]
    Json {
        /// Which message.
        message: &'static str,
        /// The strict parser's finding.
        error: JsonError,
    },
    /// Well-formed JSON, but a member is missing or of the wrong type.
    #[error("{message} is malformed: {reason}")]
    Shape {
        /// Which message.
        message: &'static str,
        /// What the decoder found.
        reason: String,
    },
}

impl MessageError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            MessageError::TooLarge { .. } => "input_too_large",
            MessageError::Json {
                error: JsonError::DuplicateKey(_),
                ..
            } => "json_duplicate_member",
            MessageError::Json { .. } => "json_malformed",
            MessageError::Shape { .. } => "message_malformed",
        }
    }
}

/// Parses `text` (at most `max` bytes) as strict JSON into `T`. Unknown members are
/// ignored, as every OpenID4VCI message requires ("MUST ignore any unrecognized
/// parameters", §4.1.1, §6.1, §8.2, §12.2.4).
pub(crate) fn parse_json<T: DeserializeOwned>(
    text: &str,
    max: usize,
    message: &'static str,
) -> Result<T, MessageError> {
    let value = parse_value(text, max, message)?;
    // serde quotes offending values; clip so a refusal stays small.
    serde_json::from_value(value).map_err(|e| MessageError::Shape {
        message,
        reason: clip_to(&e.to_string(), 2 * EVIDENCE_CHARS),
    })
}

/// Parses `text` (at most `max` bytes) as a strict JSON object, for messages whose
/// rules are checked member by member.
pub(crate) fn parse_object(
    text: &str,
    max: usize,
    message: &'static str,
) -> Result<Map<String, Value>, MessageError> {
    match parse_value(text, max, message)? {
        Value::Object(map) => Ok(map),
        _ => Err(MessageError::Json {
            message,
            error: JsonError::NotAnObject,
        }),
    }
}

fn parse_value(text: &str, max: usize, message: &'static str) -> Result<Value, MessageError> {
    if text.len() > max {
        return Err(MessageError::TooLarge {
            message,
            len: text.len(),
            max,
        });
    }
    json::parse(text.as_bytes(), max).map_err(|error| MessageError::Json { message, error })
}

/// Serializes a wire type. These types have string keys and no fallible `Serialize`
/// impls, so serde_json cannot fail on them; the empty string is unreachable.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Untrusted text quoted in an error, clipped so a refusal never carries a megabyte.
pub(crate) fn clip(text: &str) -> String {
    clip_to(text, EVIDENCE_CHARS)
}

fn clip_to(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
    }
}

/// An OAuth error response body, `{"error": …, "error_description": …}`
/// (RFC 6749 §5.2; OpenID4VCI 1.0 §6.3 for the Token Endpoint, §8.3.1.2 for the
/// Credential Endpoint). `C` is the endpoint's code enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse<C> {
    /// The error code.
    pub error: C,
    /// Human-readable ASCII text for developers (never shown to End-Users as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl<C> ErrorResponse<C> {
    /// An error response with only a code.
    #[must_use]
    pub fn new(error: C) -> Self {
        ErrorResponse {
            error,
            error_description: None,
        }
    }

    /// Adds a description, rewritten into the character set RFC 6749 §5.2 and
    /// OpenID4VCI §8.3.1.2 allow (`%x20-21 / %x23-5B / %x5D-7E`): `"` becomes `'`,
    /// `\` becomes `/`, anything else outside the set becomes `?`; clipped to
    /// [`MAX_ERROR_DESCRIPTION_CHARS`]. Our errors quote values, so this is needed.
    #[must_use]
    pub fn with_description(mut self, text: &str) -> Self {
        let cleaned = text
            .chars()
            .take(MAX_ERROR_DESCRIPTION_CHARS)
            .map(|c| match c {
                '"' => '\'',
                '\\' => '/',
                ' '..='~' => c,
                _ => '?',
            })
            .collect();
        self.error_description = Some(cleaned);
        self
    }
}

impl<C: Serialize> ErrorResponse<C> {
    /// The JSON body.
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

impl<C: DeserializeOwned> ErrorResponse<C> {
    /// Parses an error body received from a server (at most 8 KiB). Unknown codes are
    /// kept (the code enums have an `Other` variant), so a wallet can still report them.
    ///
    /// # Errors
    /// [`MessageError`] for oversize input, non-strict JSON or a missing `error`.
    pub fn from_json(text: &str) -> Result<Self, MessageError> {
        let parsed: Self = parse_json(text, MAX_ERROR_RESPONSE_LEN, "error response")?;
        match &parsed.error_description {
            Some(d) if d.chars().count() > MAX_ERROR_DESCRIPTION_CHARS => {
                Err(MessageError::Shape {
                    message: "error response",
                    reason: format!(
                        "error_description is over {MAX_ERROR_DESCRIPTION_CHARS} characters"
                    ),
                })
            }
            _ => Ok(parsed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_is_rewritten_into_the_allowed_charset() {
        let r = ErrorResponse::new("invalid_proof")
            .with_description("typ \"jwt\" where \\ é\n is required");
        assert_eq!(
            r.error_description.as_deref(),
            Some("typ 'jwt' where / ?? is required")
        );
        let long = ErrorResponse::new("x").with_description(&"a".repeat(2000));
        assert_eq!(
            long.error_description.map(|d| d.len()),
            Some(MAX_ERROR_DESCRIPTION_CHARS)
        );
    }

    #[test]
    fn clip_keeps_short_text_and_marks_cut_text() {
        assert_eq!(clip("short"), "short");
        let cut = clip(&"é".repeat(300));
        assert_eq!(cut.chars().count(), EVIDENCE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn message_errors_have_specific_codes() {
        let dup: Result<Value, _> = parse_json(r#"{"a":1,"a":2}"#, 100, "test");
        assert_eq!(
            dup,
            Err(MessageError::Json {
                message: "test",
                error: JsonError::DuplicateKey("a".into())
            })
        );
        assert_eq!(dup.unwrap_err().code(), "json_duplicate_member");
        let big: Result<Value, _> = parse_json("[1, 2]", 3, "test");
        assert_eq!(
            big,
            Err(MessageError::TooLarge {
                message: "test",
                len: 6,
                max: 3
            })
        );
        assert_eq!(
            parse_object("[]", 10, "test"),
            Err(MessageError::Json {
                message: "test",
                error: JsonError::NotAnObject
            })
        );
    }
}
