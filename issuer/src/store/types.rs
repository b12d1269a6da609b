//! The store's vocabulary: credential ids, status lists and values, officer roles, and the
//! input checks every stored string passes (length caps and character sets, so keys stay
//! unambiguous and a caller cannot grow the database without bound).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

/// An argument that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct InputError {
    /// The argument (`"reference"`, `"credential_type"`, …).
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl InputError {
    pub(super) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }

    /// The stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "invalid_input"
    }
}

/// A credential's id, shared by the application, its offers, tokens, slots and audit
/// entries: 128 bits from the OS RNG, base64url without padding (22 characters), so it can
/// be neither guessed nor enumerated.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CredentialId(String);

impl CredentialId {
    /// Length of the text form.
    pub const ENCODED_LEN: usize = 22;

    /// A fresh random id.
    #[must_use]
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Parses the text form; only the canonical encoding of 16 bytes is accepted, so one id
    /// has one spelling.
    ///
    /// # Errors
    /// [`InputError`] unless `text` is 22 base64url characters encoding 16 bytes.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        if text.len() != Self::ENCODED_LEN {
            return Err(InputError::new(
                "credential_id",
                format!("{} characters, expected {}", text.len(), Self::ENCODED_LEN),
            ));
        }
        match URL_SAFE_NO_PAD.decode(text) {
            Ok(bytes) if bytes.len() == 16 => Ok(Self(text.to_owned())),
            _ => Err(InputError::new("credential_id", "not canonical base64url")),
        }
    }

    /// The text form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialId({})", self.0)
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CredentialId {
    type Error = InputError;
    fn try_from(text: String) -> Result<Self, InputError> {
        Self::parse(&text)
    }
}

impl From<CredentialId> for String {
    fn from(id: CredentialId) -> Self {
        id.0
    }
}

impl FromStr for CredentialId {
    type Err = InputError;
    fn from_str(text: &str) -> Result<Self, InputError> {
        Self::parse(text)
    }
}

/// Which status list family a slot lives in; each kind numbers its lists 0, 1, 2, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// IETF Token Status List (2 bits per entry), for SD-JWT VC (`dc+sd-jwt`).
    Token,
    /// W3C Bitstring Status List, for VC-JWT (`jwt_vc_json`).
    Bitstring,
}

impl ListKind {
    /// Both kinds, in key order.
    pub const ALL: [ListKind; 2] = [ListKind::Token, ListKind::Bitstring];

    /// The kind a credential format publishes its status in.
    #[must_use]
    pub fn for_format(format: &str) -> Option<Self> {
        match format {
            "dc+sd-jwt" => Some(Self::Token),
            "jwt_vc_json" => Some(Self::Bitstring),
            _ => None,
        }
    }

    /// The byte used in store keys.
    pub(super) fn tag(self) -> u8 {
        match self {
            Self::Token => b't',
            Self::Bitstring => b'b',
        }
    }

    pub(super) fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            b't' => Some(Self::Token),
            b'b' => Some(Self::Bitstring),
            _ => None,
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Token => "token",
            Self::Bitstring => "bitstring",
        })
    }
}

impl FromStr for ListKind {
    type Err = InputError;
    fn from_str(text: &str) -> Result<Self, InputError> {
        match text {
            "token" => Ok(Self::Token),
            "bitstring" => Ok(Self::Bitstring),
            _ => Err(InputError::new("list_kind", "expected token or bitstring")),
        }
    }
}

/// One entry of one status list, assigned to one copy of one credential, forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StatusSlot {
    /// The list family.
    pub kind: ListKind,
    /// The list number within the kind.
    pub list: u32,
    /// The entry within the list.
    pub index: u32,
}

/// A credential's status, with the IETF Token Status List values (draft-ietf-oauth-status-list,
/// Status Types: VALID 0x00, INVALID 0x01, SUSPENDED 0x02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialStatus {
    /// 0x00.
    Valid,
    /// 0x01, final.
    Revoked,
    /// 0x02, reversible.
    Suspended,
}

impl CredentialStatus {
    /// The status list value.
    #[must_use]
    pub fn value(self) -> u8 {
        match self {
            Self::Valid => 0,
            Self::Revoked => 1,
            Self::Suspended => 2,
        }
    }

    /// The status for a list value.
    #[must_use]
    pub fn from_value(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::Valid),
            1 => Some(Self::Revoked),
            2 => Some(Self::Suspended),
            _ => None,
        }
    }

    /// The audit action that moves a credential to this status.
    #[must_use]
    pub fn action(self) -> &'static str {
        match self {
            Self::Valid => "reinstate",
            Self::Revoked => "revoke",
            Self::Suspended => "suspend",
        }
    }
}

impl fmt::Display for CredentialStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Valid => "valid",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
        })
    }
}

/// What an officer may do. Text form: `issue:<credential type>`, `revoke`, `suspend`,
/// `admin`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Role {
    /// Issue credentials of one type.
    Issue(String),
    /// Revoke credentials.
    Revoke,
    /// Suspend and reinstate credentials.
    Suspend,
    /// Everything, including managing officers.
    Admin,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Issue(credential_type) => write!(f, "issue:{credential_type}"),
            Self::Revoke => f.write_str("revoke"),
            Self::Suspend => f.write_str("suspend"),
            Self::Admin => f.write_str("admin"),
        }
    }
}

impl FromStr for Role {
    type Err = InputError;
    fn from_str(text: &str) -> Result<Self, InputError> {
        match text {
            "revoke" => Ok(Self::Revoke),
            "suspend" => Ok(Self::Suspend),
            "admin" => Ok(Self::Admin),
            _ => match text.strip_prefix("issue:") {
                Some(credential_type) => {
                    check_credential_type(credential_type)?;
                    Ok(Self::Issue(credential_type.to_owned()))
                }
                None => Err(InputError::new(
                    "role",
                    "expected issue:<type>, revoke, suspend or admin",
                )),
            },
        }
    }
}

impl TryFrom<String> for Role {
    type Error = InputError;
    fn try_from(text: String) -> Result<Self, InputError> {
        text.parse()
    }
}

impl From<Role> for String {
    fn from(role: Role) -> Self {
        role.to_string()
    }
}

/// An authenticated officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    /// Unique name; it is what the audit log records.
    pub name: String,
    /// What the officer may do.
    pub roles: Vec<Role>,
}

impl Officer {
    /// Whether the officer holds `role`; [`Role::Admin`] holds every role.
    #[must_use]
    pub fn may(&self, role: &Role) -> bool {
        self.roles.iter().any(|r| r == role || *r == Role::Admin)
    }
}

/// Names the store writes in the audit log itself; no officer may take them.
pub const RESERVED_NAMES: [&str; 2] = ["wallet", "system"];

/// Most bytes of an applicant reference.
pub const MAX_REFERENCE: usize = 128;
/// Most bytes of an audit `detail` (an officer's reason).
pub const MAX_DETAIL: usize = 256;
/// Most bytes of an application's claims, as JSON.
pub const MAX_CLAIMS_JSON: usize = 64 * 1024;
/// Most bytes of a holder key thumbprint.
pub const MAX_THUMBPRINT: usize = 128;

/// `[a-z0-9_-]{1,64}`: credential types appear in role strings and keys.
pub(super) fn check_credential_type(value: &str) -> Result<(), InputError> {
    check_chars("credential_type", value, 64, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
    })
}

/// `[A-Za-z0-9._@-]{1,64}`: officer names are audit identities, kept plain so they read
/// unambiguously in a log.
pub(super) fn check_officer_name(value: &str) -> Result<(), InputError> {
    check_chars("officer", value, 64, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-')
    })
}

/// `[a-z_-]{1,32}`.
pub(super) fn check_action(value: &str) -> Result<(), InputError> {
    check_chars("action", value, 32, |c| {
        c.is_ascii_lowercase() || c == '_' || c == '-'
    })
}

/// 1..=128 bytes without control characters (a NUL would break the reference index key).
pub(super) fn check_reference(value: &str) -> Result<(), InputError> {
    check_chars("reference", value, MAX_REFERENCE, |c| !c.is_control())
}

/// 0..=256 bytes without control characters.
pub(super) fn check_detail(value: &str) -> Result<(), InputError> {
    if value.is_empty() {
        return Ok(());
    }
    check_chars("detail", value, MAX_DETAIL, |c| !c.is_control())
}

/// Printable ASCII, 1..=128 bytes (a JWK thumbprint is 43).
pub(super) fn check_thumbprint(value: &str) -> Result<(), InputError> {
    check_chars("holder", value, MAX_THUMBPRINT, |c| c.is_ascii_graphic())
}

fn check_chars(
    field: &'static str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), InputError> {
    if value.is_empty() {
        return Err(InputError::new(field, "empty"));
    }
    if value.len() > max {
        return Err(InputError::new(
            field,
            format!("{} bytes, at most {max}", value.len()),
        ));
    }
    match value.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(InputError::new(
            field,
            format!("character {c:?} not allowed"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
