//! W3C Bitstring Status List v1.0 (REC 2025) in credentials: the
//! `BitstringStatusListEntry` a credential carries (REC §2.1), the status list
//! credential's subject (REC §2.2), and the validate algorithm (REC §3.2).
//!
//! What this module does not do, by design: dereference `statusListCredential`
//! or verify the status list credential's proof (REC §3.2 step 4: the caller's
//! `StatusListSource` and securing layer), check `validFrom`/`validUntil` (the
//! verifier's clock), or JSON-LD processing.

use std::fmt;

use serde_json::{Map, Value, json};

use super::{BitstringStatusList, StatusError, StatusSize, is_absolute_uri};

/// Why a status entry exists (REC §2.1 `statusPurpose`). The REC allows any string
/// but gives these four their meaning; Sigillum acts only on these, so an entry
/// with another purpose is [`StatusError::PurposeUnsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    /// `refresh`: a newer credential is available; not reversible.
    Refresh,
    /// `revocation`: the credential is cancelled; not reversible.
    Revocation,
    /// `suspension`: the credential is temporarily not to be accepted; reversible.
    Suspension,
    /// `message`: the status is one of the entry's `statusMessage` values.
    Message,
}

impl StatusPurpose {
    /// The `statusPurpose` string (REC §2.1).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Refresh => "refresh",
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
            Self::Message => "message",
        }
    }

    /// Parses a `statusPurpose` string (REC §2.1).
    ///
    /// # Errors
    /// [`StatusError::PurposeUnsupported`] for any other string.
    pub fn parse(text: &str) -> Result<Self, StatusError> {
        match text {
            "refresh" => Ok(Self::Refresh),
            "revocation" => Ok(Self::Revocation),
            "suspension" => Ok(Self::Suspension),
            "message" => Ok(Self::Message),
            other => Err(StatusError::PurposeUnsupported {
                found: other.chars().take(64).collect(),
            }),
        }
    }
}

impl fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One element of an entry's `statusMessage` array (REC §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    /// `status`, given in JSON as a `0x`-prefixed hexadecimal string.
    pub status: u8,
    /// `message`, for developers; not to be shown to end users.
    pub message: String,
}

/// A credential's `credentialStatus` entry of type `BitstringStatusListEntry` (REC §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatusListEntry {
    id: Option<String>,
    purpose: StatusPurpose,
    index: usize,
    list_credential: String,
    status_size: StatusSize,
    messages: Vec<StatusMessage>,
}

impl BitstringStatusListEntry {
    /// Parses an entry (REC §2.1). `type` must be the string
    /// `BitstringStatusListEntry`; `statusListIndex` a **string** of base-10 digits
    /// (no sign, no leading zeros, at most `usize::MAX`); `statusListCredential` an
    /// absolute URL; `statusSize`, when present, 1..=8; `statusMessage` required
    /// when `statusSize` > 1 and then holding exactly `2^statusSize` elements;
    /// `id`, when present, a URL other than `statusListCredential`.
    ///
    /// # Errors
    /// [`StatusError::TypeMismatch`] for a missing or wrong `type`,
    /// [`StatusError::PurposeUnsupported`], [`StatusError::InvalidStatusSize`], and
    /// [`StatusError::ReferenceMalformed`] naming any other member at fault.
    pub fn from_json(value: &Value) -> Result<Self, StatusError> {
        let entry = value
            .as_object()
            .ok_or(malformed("credentialStatus", "is not a JSON object"))?;
        match entry.get("type") {
            Some(Value::String(kind)) if kind == "BitstringStatusListEntry" => {}
            other => {
                return Err(StatusError::TypeMismatch {
                    expected: "BitstringStatusListEntry",
                    found: type_names(other),
                });
            }
        }
        let purpose = StatusPurpose::parse(required_str(entry, "statusPurpose")?)?;
        let index = parse_index(required_str(entry, "statusListIndex")?)?;
        let list_credential = required_str(entry, "statusListCredential")?;
        if !is_absolute_uri(list_credential) {
            return Err(malformed("statusListCredential", "is not an absolute URL"));
        }
        let id = match entry.get("id") {
            None => None,
            Some(Value::String(id)) if !is_absolute_uri(id) => {
                return Err(malformed("id", "is not an absolute URL"));
            }
            Some(Value::String(id)) if id == list_credential => {
                return Err(malformed("id", "must not be the status list's URL"));
            }
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return Err(malformed("id", "is not a string")),
        };
        let status_size = match entry.get("statusSize") {
            None => StatusSize::ONE,
            Some(size) => size
                .as_u64()
                .ok_or(malformed("statusSize", "is not a non-negative integer"))
                .and_then(StatusSize::try_from)?,
        };
        let messages = parse_messages(entry.get("statusMessage"), status_size)?;
        Ok(Self {
            id,
            purpose,
            index,
            list_credential: list_credential.to_owned(),
            status_size,
            messages,
        })
    }

    /// `id`, if given (REC §2.1).
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// `statusPurpose` (REC §2.1).
    #[must_use]
    pub fn purpose(&self) -> StatusPurpose {
        self.purpose
    }

    /// `statusListIndex` (REC §2.1).
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }

    /// `statusListCredential`: where the status list credential lives (REC §2.1).
    #[must_use]
    pub fn list_credential(&self) -> &str {
        &self.list_credential
    }

    /// `statusSize`, 1 when absent (REC §2.1).
    #[must_use]
    pub fn status_size(&self) -> StatusSize {
        self.status_size
    }

    /// `statusMessage`, empty when absent (REC §2.1).
    #[must_use]
    pub fn messages(&self) -> &[StatusMessage] {
        &self.messages
    }

    /// The message for a status value: from `statusMessage`, else "unset" for 0 and
    /// "set" for 1 (REC §2.1 `statusMessage`).
    #[must_use]
    pub fn message_for(&self, status: u8) -> Option<&str> {
        match self.messages.iter().find(|m| m.status == status) {
            Some(found) => Some(found.message.as_str()),
            None if self.messages.is_empty() && status == 0 => Some("unset"),
            None if self.messages.is_empty() && status == 1 => Some("set"),
            None => None,
        }
    }
}

/// The result of the validate algorithm (REC §3.2 steps 11–15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatus {
    /// The entry's purpose.
    pub purpose: StatusPurpose,
    /// The status value at the entry's index.
    pub status: u8,
    /// True when `status` is 0.
    pub valid: bool,
    /// For purpose `message`, the message for `status` (REC §3.2 step 14).
    pub message: Option<String>,
    /// The subject's `ttl` in milliseconds, if given (REC §2.2).
    pub ttl_ms: Option<u64>,
}

/// Builds a status list credential's subject
/// `{"id", "type": "BitstringStatusList", "statusPurpose", "encodedList", "ttl"?}`
/// (REC §2.2; `ttl` in milliseconds). Sigillum issues one purpose per list and no
/// `message` lists (their `statusMessages` are not modelled here).
///
/// # Errors
/// [`StatusError::Malformed`] when `id` is not an absolute URL;
/// [`StatusError::PurposeUnsupported`] for [`StatusPurpose::Message`];
/// [`StatusError::CompressionFailed`].
pub fn credential_subject(
    list: &BitstringStatusList,
    id: &str,
    purpose: StatusPurpose,
    ttl_ms: Option<u64>,
) -> Result<Value, StatusError> {
    if !is_absolute_uri(id) {
        return Err(StatusError::Malformed {
            reason: "credentialSubject id is not an absolute URL",
        });
    }
    if purpose == StatusPurpose::Message {
        return Err(StatusError::PurposeUnsupported {
            found: purpose.as_str().to_owned(),
        });
    }
    let mut subject = json!({
        "id": id,
        "type": "BitstringStatusList",
        "statusPurpose": purpose.as_str(),
        "encodedList": list.encode()?,
    });
    if let (Some(ttl), Value::Object(map)) = (ttl_ms, &mut subject) {
        map.insert("ttl".to_owned(), json!(ttl));
    }
    Ok(subject)
}

/// Validates a status list credential against an entry (REC §3.2, after the
/// caller has dereferenced it and verified its proofs): its `type` includes
/// `BitstringStatusListCredential` (REC §2.1 `statusListCredential`); its `id`,
/// when present, is the entry's `statusListCredential` (a list served for another
/// URL is refused); then as [`validate_credential_subject`].
///
/// # Errors
/// [`StatusError::TypeMismatch`], [`StatusError::ListUriMismatch`],
/// [`StatusError::Malformed`] when `credentialSubject` is not one object, or any
/// error of [`validate_credential_subject`].
pub fn validate_status_list_credential(
    credential: &Map<String, Value>,
    entry: &BitstringStatusListEntry,
    max_bytes: usize,
) -> Result<BitstringStatus, StatusError> {
    const LIST_TYPE: &str = "BitstringStatusListCredential";
    let has_type = match credential.get("type") {
        Some(Value::String(kind)) => kind == LIST_TYPE,
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind.as_str() == Some(LIST_TYPE)),
        _ => false,
    };
    if !has_type {
        return Err(StatusError::TypeMismatch {
            expected: LIST_TYPE,
            found: type_names(credential.get("type")),
        });
    }
    match credential.get("id") {
        None => {}
        Some(Value::String(id)) if *id == entry.list_credential => {}
        Some(other) => {
            return Err(StatusError::ListUriMismatch {
                expected: entry.list_credential.clone(),
                found: match other {
                    Value::String(id) => id.chars().take(super::MAX_URI_LEN).collect(),
                    _ => "(not a string)".to_owned(),
                },
            });
        }
    }
    let subject = credential
        .get("credentialSubject")
        .and_then(Value::as_object)
        .ok_or(StatusError::Malformed {
            reason: "credentialSubject is not a JSON object",
        })?;
    validate_credential_subject(subject, entry, max_bytes)
}

/// Validates a status list credential's subject against an entry (REC §3.2 steps
/// 5–15): `type` is `BitstringStatusList`, the entry's purpose is one of the
/// subject's `statusPurpose` values, `encodedList` expands (bounded by
/// `max_bytes`) to at least [`super::MIN_ENTRIES`] entries of the entry's
/// `statusSize`, and the entry's index is in range.
///
/// # Errors
/// [`StatusError::TypeMismatch`], [`StatusError::PurposeMismatch`],
/// [`StatusError::Malformed`] for a missing or mistyped member, any error of
/// [`BitstringStatusList::decode`], or [`StatusError::IndexOutOfRange`].
pub fn validate_credential_subject(
    subject: &Map<String, Value>,
    entry: &BitstringStatusListEntry,
    max_bytes: usize,
) -> Result<BitstringStatus, StatusError> {
    match subject.get("type") {
        Some(Value::String(kind)) if kind == "BitstringStatusList" => {}
        other => {
            return Err(StatusError::TypeMismatch {
                expected: "BitstringStatusList",
                found: type_names(other),
            });
        }
    }
    let purposes = subject_purposes(subject.get("statusPurpose"))?;
    if !purposes.iter().any(|p| *p == entry.purpose.as_str()) {
        return Err(StatusError::PurposeMismatch {
            expected: entry.purpose,
            found: purposes
                .into_iter()
                .map(|p| p.chars().take(64).collect())
                .collect(),
        });
    }
    let ttl_ms = match subject.get("ttl") {
        None => None,
        Some(ttl) => Some(ttl.as_u64().ok_or(StatusError::Malformed {
            reason: "ttl is not a non-negative integer",
        })?),
    };
    let encoded =
        subject
            .get("encodedList")
            .and_then(Value::as_str)
            .ok_or(StatusError::Malformed {
                reason: "encodedList is missing or not a string",
            })?;
    let list = BitstringStatusList::decode(encoded, entry.status_size, max_bytes)?;
    let status = list.get(entry.index)?;
    Ok(BitstringStatus {
        purpose: entry.purpose,
        status,
        valid: status == 0,
        message: match entry.purpose {
            StatusPurpose::Message => entry.message_for(status).map(str::to_owned),
            _ => None,
        },
        ttl_ms,
    })
}

fn malformed(field: &'static str, reason: &'static str) -> StatusError {
    StatusError::ReferenceMalformed { field, reason }
}

fn required_str<'a>(
    entry: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, StatusError> {
    match entry.get(field) {
        None => Err(malformed(field, "is missing")),
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(malformed(field, "is not a string")),
    }
}

/// `statusListIndex`: base-10 digits, canonical (REC §2.1).
fn parse_index(text: &str) -> Result<usize, StatusError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            "statusListIndex",
            "is not a base-10 integer string",
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(malformed("statusListIndex", "has leading zeros"));
    }
    text.parse::<usize>()
        .map_err(|_| malformed("statusListIndex", "is larger than any list"))
}

/// `statusMessage` (REC §2.1): required when `statusSize` > 1, and then exactly
/// `2^statusSize` elements `{"status": "0x…", "message": "…"}` with distinct statuses.
fn parse_messages(
    value: Option<&Value>,
    size: StatusSize,
) -> Result<Vec<StatusMessage>, StatusError> {
    let field = "statusMessage";
    let items = match value {
        None if size.get() > 1 => return Err(malformed(field, "is required when statusSize > 1")),
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(malformed(field, "is not an array")),
    };
    if items.len() != size.values() {
        return Err(malformed(field, "does not have 2^statusSize elements"));
    }
    let mut messages: Vec<StatusMessage> = Vec::with_capacity(items.len());
    for item in items {
        let object = item
            .as_object()
            .ok_or(malformed(field, "element is not an object"))?;
        let status = object
            .get("status")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("0x"))
            .filter(|hex| !hex.is_empty() && hex.len() <= 2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .filter(|&status| status <= size.max_value())
            .ok_or(malformed(
                field,
                "element status is not a 0x-hex value of statusSize bits",
            ))?;
        let message = object
            .get("message")
            .and_then(Value::as_str)
            .ok_or(malformed(field, "element message is not a string"))?;
        if messages.iter().any(|m| m.status == status) {
            return Err(malformed(field, "repeats a status value"));
        }
        messages.push(StatusMessage {
            status,
            message: message.to_owned(),
        });
    }
    Ok(messages)
}

/// The subject's `statusPurpose`: one string or a non-empty array of strings (REC §2.2).
fn subject_purposes(value: Option<&Value>) -> Result<Vec<&str>, StatusError> {
    let malformed = StatusError::Malformed {
        reason: "statusPurpose is not a string or a non-empty array of strings",
    };
    match value {
        Some(Value::String(purpose)) => Ok(vec![purpose.as_str()]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().ok_or(malformed.clone()))
            .collect(),
        _ => Err(malformed),
    }
}

/// The strings of a `type` member (a string or an array), for evidence; empty when
/// absent or of another shape.
fn type_names(value: Option<&Value>) -> Vec<String> {
    let clip = |s: &str| s.chars().take(64).collect::<String>();
    match value {
        Some(Value::String(kind)) => vec![clip(kind)],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .take(16)
            .map(clip)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "bitstring_credential_tests.rs"]
mod tests;
