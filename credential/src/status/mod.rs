//! Credential status: is this credential still good, as its issuer says today?
//!
//! Sigillum speaks two status-list formats. Both publish the status of many
//! credentials in one compressed list, so a verifier fetches the whole list and
//! never tells the issuer which credential it is checking (herd privacy).
//!
//! | format | spec | packing | compression | text |
//! |---|---|---|---|---|
//! | [`StatusList`] | IETF Token Status List, draft-ietf-oauth-status-list-20 §4 | 1/2/4/8 bits per entry, **LSB first** | ZLIB (RFC 1950) | base64url |
//! | [`BitstringStatusList`] | W3C Bitstring Status List v1.0 (REC 2025) §2.2 | 1..=8 bits per entry, **MSB first** | GZIP (RFC 1952) | multibase `u` + base64url |
//!
//! The bit orders are opposite; each type hides its own and both are checked
//! against the published vectors.
//!
//! * [`token_list`]: the IETF byte array and its JSON `status_list` object (§4.1, §4.2),
//!   and the status types (§7).
//! * [`token_claims`]: the Status List Token claims set (§5.1) and the Referenced
//!   Token's `status` claim (§6.1, §6.2). Signing and verifying the JWT itself
//!   (`typ` = [`STATUS_LIST_JWT_TYP`]) happens in the JOSE layer, not here.
//! * [`bitstring`]: the W3C bitstring and its `encodedList` (§2.2, §3.3, §3.4).
//! * [`bitstring_credential`]: `BitstringStatusListEntry` (§2.1), the status list
//!   credential's subject (§2.2) and the validate algorithm (§3.2).
//!
//! Untrusted input is bounded everywhere: every decoder takes the caller's cap on
//! the *inflated* list (`max_bytes`), refuses encoded text that could not fit under
//! that cap before decoding it, and stops inflating one byte past the cap
//! ([`StatusError::DecompressedTooLarge`]), so a decompression bomb costs at most
//! the cap in memory. JSON texts go through [`crate::json`], which rejects
//! duplicate member names.

pub mod bitstring;
pub mod bitstring_credential;
mod compress;
pub mod signed;
pub mod token_claims;
pub mod token_list;

pub use bitstring::{BitstringStatusList, MIN_ENTRIES, StatusSize};
pub use bitstring_credential::{
    BitstringStatus, BitstringStatusListEntry, StatusMessage, StatusPurpose, credential_subject,
    validate_credential_subject, validate_status_list_credential,
};
pub use signed::{ListSigning, sign_bitstring_list, sign_token_list};
pub use token_claims::{STATUS_LIST_JWT_TYP, StatusListTokenClaims, StatusReference};
pub use token_list::{Bits, INVALID, SUSPENDED, StatusList, StatusType, VALID};

use crate::json::JsonError;

/// Longest URI accepted in a status reference or list identifier (IETF draft-20
/// §6.2 `uri`, W3C REC §2.1 `statusListCredential`); longer values are refused
/// before any comparison (they are never legitimate and cost memory).
pub const MAX_URI_LEN: usize = 2048;

/// Why a status list, a status reference or a status list token was refused
/// (IETF draft-20 §8.3; W3C REC §3.5 processing errors).
///
/// Every variant carries the evidence a caller needs to say exactly what was
/// wrong; [`StatusError::code`] gives the stable machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The index is not in the list (IETF draft-20 §8.3 step 6; W3C REC §3.2 step 10, `RANGE_ERROR`).
    #[error("status index {index} is outside the list of {len} entries")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// Entries the list holds.
        len: usize,
    },
    /// A status value does not fit in the list's bits per entry (IETF §4.1 step 1, W3C §2.1 `statusSize`).
    #[error("status value {value:#04x} does not fit in {bits} bit(s)")]
    ValueTooWide {
        /// The value given.
        value: u8,
        /// Bits per entry.
        bits: u8,
    },
    /// `bits` is not 1, 2, 4 or 8 (IETF §4.1 step 1, §4.2).
    #[error("bits per status must be 1, 2, 4 or 8, found {found}")]
    InvalidBits {
        /// The value found.
        found: u64,
    },
    /// `statusSize` is outside 1..=8 (W3C REC §2.1).
    #[error("statusSize must be between 1 and 8 bits, found {found}")]
    InvalidStatusSize {
        /// The value found.
        found: u64,
    },
    /// The list inflates past the caller's cap (DESIGN "Revocation": bounded decompression).
    #[error("status list inflates past the limit of {max} bytes")]
    DecompressedTooLarge {
        /// The cap, in inflated bytes.
        max: usize,
    },
    /// The encoded list is longer than any list under the cap could be, so it was
    /// refused before decoding.
    #[error("encoded status list of {len} characters is over the limit of {max}")]
    EncodedTooLarge {
        /// Characters given.
        len: usize,
        /// Characters a list under the cap can take.
        max: usize,
    },
    /// Fewer entries than herd privacy needs (W3C REC §3.2 step 9, `STATUS_LIST_LENGTH_ERROR`).
    #[error("status list has {entries} entries, fewer than the minimum of {min}")]
    ListTooShort {
        /// Entries the list holds.
        entries: usize,
        /// Entries required.
        min: usize,
    },
    /// The list itself is not well formed: bad base64url, bad compressed stream,
    /// missing or mistyped member (IETF §4.2; W3C REC §3, `MALFORMED_VALUE_ERROR`).
    #[error("malformed status list: {reason}")]
    Malformed {
        /// What was wrong.
        reason: &'static str,
    },
    /// `encodedList` lacks the multibase base64url prefix `u` (W3C REC §2.2).
    #[error("encodedList must start with the multibase prefix 'u' (base64url, no padding)")]
    MultibasePrefixMissing,
    /// The credential's reference to its status is not well formed (IETF §6.2; W3C REC §2.1).
    #[error("malformed status reference: `{field}` {reason}")]
    ReferenceMalformed {
        /// The member at fault.
        field: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A Status List Token claim is missing or mistyped (IETF §5.1).
    #[error("malformed status list token: claim `{claim}` {reason}")]
    TokenClaimMalformed {
        /// The claim at fault.
        claim: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The list identifies itself by a different URI than the credential pointed at
    /// (IETF §5.1 and §8.3 step 4a: `sub` = `uri`; W3C REC §2.2 `id`).
    #[error("status list identifies itself as {found}, but the credential points at {expected}")]
    ListUriMismatch {
        /// The URI the credential pointed at.
        expected: String,
        /// The URI the list claims.
        found: String,
    },
    /// The entry's purpose is not one of the list's purposes (W3C REC §3.2 step 5).
    #[error("status purpose {expected} is not among the list's purposes {found:?}")]
    PurposeMismatch {
        /// The purpose of the credential's entry.
        expected: StatusPurpose,
        /// The purposes the list declares.
        found: Vec<String>,
    },
    /// The entry's purpose is not one this implementation can act on (W3C REC §2.1).
    #[error("status purpose {found:?} is not supported")]
    PurposeUnsupported {
        /// The purpose found.
        found: String,
    },
    /// A `type` is missing or wrong (W3C REC §2.2: `BitstringStatusListCredential`,
    /// `BitstringStatusList`).
    #[error("expected type {expected}, found {found:?}")]
    TypeMismatch {
        /// The type required.
        expected: &'static str,
        /// The types present (empty when absent).
        found: Vec<String>,
    },
    /// The JSON text was refused (duplicate member, malformed, too large).
    #[error("status JSON refused: {0}")]
    Json(#[from] JsonError),
    /// Compressing a list we issue failed (never for input we were handed).
    #[error("status list compression failed")]
    CompressionFailed,
}

impl StatusError {
    /// The stable snake_case code APIs return for this error (DESIGN "Errors are part
    /// of the product"; RFC 9457 problem details, as W3C REC §3.5 suggests).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::IndexOutOfRange { .. } => "status_index_out_of_range",
            Self::ValueTooWide { .. } => "status_value_too_wide",
            Self::InvalidBits { .. } => "status_bits_invalid",
            Self::InvalidStatusSize { .. } => "status_size_invalid",
            Self::DecompressedTooLarge { .. } | Self::EncodedTooLarge { .. } => {
                "status_list_too_large"
            }
            Self::ListTooShort { .. } => "status_list_too_short",
            Self::Malformed { .. } | Self::MultibasePrefixMissing => "status_list_malformed",
            Self::ReferenceMalformed { .. } => "status_reference_malformed",
            Self::TokenClaimMalformed { .. } => "status_list_token_malformed",
            Self::ListUriMismatch { .. } => "status_list_uri_mismatch",
            Self::PurposeMismatch { .. } => "status_purpose_mismatch",
            Self::PurposeUnsupported { .. } => "status_purpose_unsupported",
            Self::TypeMismatch { .. } => "status_list_type_mismatch",
            Self::Json(JsonError::DuplicateKey(_)) => "status_json_duplicate_key",
            Self::Json(_) => "status_json_malformed",
            Self::CompressionFailed => "status_list_encoding_failed",
        }
    }
}

/// A syntactic screen for an absolute URI (RFC 3986 §3: `scheme ":" rest`), bounded
/// by [`MAX_URI_LEN`]. It refuses what is clearly not a URI (no scheme, spaces,
/// control characters); it is not a full RFC 3986 parser.
pub(crate) fn is_absolute_uri(text: &str) -> bool {
    if text.is_empty() || text.len() > MAX_URI_LEN {
        return false;
    }
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok
        && !rest.is_empty()
        && !text
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '"' | '<' | '>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let cases = [
            (
                StatusError::IndexOutOfRange { index: 9, len: 8 },
                "status_index_out_of_range",
            ),
            (
                StatusError::DecompressedTooLarge { max: 1 },
                "status_list_too_large",
            ),
            (
                StatusError::EncodedTooLarge { len: 9, max: 1 },
                "status_list_too_large",
            ),
            (
                StatusError::ListTooShort { entries: 1, min: 2 },
                "status_list_too_short",
            ),
            (
                StatusError::Malformed { reason: "x" },
                "status_list_malformed",
            ),
            (StatusError::MultibasePrefixMissing, "status_list_malformed"),
            (
                StatusError::ReferenceMalformed {
                    field: "idx",
                    reason: "x",
                },
                "status_reference_malformed",
            ),
            (
                StatusError::PurposeMismatch {
                    expected: StatusPurpose::Revocation,
                    found: vec!["suspension".into()],
                },
                "status_purpose_mismatch",
            ),
            (
                StatusError::Json(JsonError::DuplicateKey("a".into())),
                "status_json_duplicate_key",
            ),
            (
                StatusError::Json(JsonError::NotAnObject),
                "status_json_malformed",
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error}");
        }
    }

    #[test]
    fn messages_carry_the_evidence() {
        let error = StatusError::IndexOutOfRange {
            index: 131_072,
            len: 131_072,
        };
        assert_eq!(
            error.to_string(),
            "status index 131072 is outside the list of 131072 entries"
        );
        let error = StatusError::ValueTooWide { value: 2, bits: 1 };
        assert_eq!(
            error.to_string(),
            "status value 0x02 does not fit in 1 bit(s)"
        );
    }

    #[test]
    fn uri_screen() {
        assert!(is_absolute_uri("https://example.com/statuslists/1"));
        assert!(is_absolute_uri(
            "urn:uuid:6c5c0a49-b589-431d-bae7-219122a9ec2c"
        ));
        assert!(!is_absolute_uri(""));
        assert!(!is_absolute_uri("/statuslists/1"));
        assert!(!is_absolute_uri("1https://x"));
        assert!(!is_absolute_uri("https://exa mple.com"));
        assert!(!is_absolute_uri("https:"));
        assert!(!is_absolute_uri(&format!(
            "https://{}",
            "a".repeat(MAX_URI_LEN)
        )));
    }
}
