//! [`StoreError`]: why a store operation could not be done.
//!
//! Each variant carries the evidence (the id, the status, the limit) so a log line or a
//! problem-details body says what was refused without a second lookup. [`StoreError::code`]
//! is the stable snake_case code the issuer's HTTP API returns.

use super::types::{CredentialId, CredentialStatus, InputError, ListKind};

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An argument failed validation; nothing was written.
    #[error(transparent)]
    Invalid(#[from] InputError),
    /// The [`super::StoreConfig`] is out of range.
    #[error("invalid store configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// The directory holds a store created with another list size; indices already handed
    /// out are only meaningful for the size they were drawn from.
    #[error("store was created with list_size {stored}, opened with {requested}")]
    ConfigMismatch {
        /// The list size recorded in the store.
        stored: u32,
        /// The list size of the configuration used to open it.
        requested: u32,
    },
    /// The application does not exist.
    #[error("no application {id}")]
    UnknownApplication {
        /// The id asked for.
        id: CredentialId,
    },
    /// The status list does not exist.
    #[error("no {kind} status list {list}")]
    UnknownList {
        /// Its kind.
        kind: ListKind,
        /// Its number.
        list: u32,
    },
    /// Something that must be unique exists already.
    #[error("{what} {key} exists already")]
    Duplicate {
        /// What kind of thing (`"officer"`, `"offer"`, `"access token"`).
        what: &'static str,
        /// Which one (never a secret: a name, or a hash prefix).
        key: String,
    },
    /// A revoked credential can be neither suspended nor reinstated: revocation is final
    /// (INVALID in the Token Status List means revoked or annulled, and verifiers that saw
    /// it must be able to rely on it).
    #[error("credential {id} is revoked; {requested} is not possible")]
    RevokedIsFinal {
        /// The credential.
        id: CredentialId,
        /// The status that was asked for.
        requested: CredentialStatus,
    },
    /// Status slots are only handed out for a valid credential: a suspended or revoked one
    /// must not get fresh copies.
    #[error("credential {id} is {status}; no new copies are issued")]
    NotValid {
        /// The credential.
        id: CredentialId,
        /// Its status.
        status: CredentialStatus,
    },
    /// The status list kind does not fit the credential's format.
    #[error("format {format} is published in {expected} lists, not {kind}")]
    KindMismatch {
        /// The application's format.
        format: String,
        /// The kind that fits it.
        expected: ListKind,
        /// The kind asked for.
        kind: ListKind,
    },
    /// The application holds as many status slots as it may.
    #[error("credential {id} has {have} status slots; {requested} more would pass {max}")]
    TooManySlots {
        /// The credential.
        id: CredentialId,
        /// Slots it holds.
        have: usize,
        /// Slots asked for.
        requested: usize,
        /// The limit.
        max: usize,
    },
    /// `mark_published` named a change the list has not reached.
    #[error("{kind} list {list} is at change {changes}; cannot publish up to {requested}")]
    PublishAhead {
        /// The list's kind.
        kind: ListKind,
        /// The list.
        list: u32,
        /// The change asked for.
        requested: u64,
        /// The list's latest change.
        changes: u64,
    },
    /// All `u32` list numbers of a kind are used.
    #[error("no {kind} list number left")]
    ListsExhausted {
        /// The kind.
        kind: ListKind,
    },
    /// The store cannot serve: I/O error, the directory is locked, or the writer stopped
    /// after a failed commit (fail-stop: reopen the store).
    #[error("store unavailable: {reason}")]
    Unavailable {
        /// What happened.
        reason: String,
    },
    /// What is on disk breaks the store's invariants.
    #[error("store corrupt: {reason}")]
    Corrupt {
        /// What was found.
        reason: String,
    },
}

impl StoreError {
    /// The stable snake_case code for APIs and logs.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_input",
            Self::Config { .. } => "invalid_config",
            Self::ConfigMismatch { .. } => "config_mismatch",
            Self::UnknownApplication { .. } => "unknown_application",
            Self::UnknownList { .. } => "unknown_list",
            Self::Duplicate { .. } => "duplicate",
            Self::RevokedIsFinal { .. } => "revoked_is_final",
            Self::NotValid { .. } => "credential_not_valid",
            Self::KindMismatch { .. } => "list_kind_mismatch",
            Self::TooManySlots { .. } => "too_many_slots",
            Self::PublishAhead { .. } => "publish_ahead",
            Self::ListsExhausted { .. } => "lists_exhausted",
            Self::Unavailable { .. } => "store_unavailable",
            Self::Corrupt { .. } => "store_corrupt",
        }
    }

    pub(super) fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable {
            reason: reason.into(),
        }
    }

    pub(super) fn corrupt(reason: impl Into<String>) -> Self {
        Self::Corrupt {
            reason: reason.into(),
        }
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Corruption { .. } => Self::corrupt(e.to_string()),
            e => Self::unavailable(e.to_string()),
        }
    }
}
