//! The backup's plaintext: one JSON document, format version 1, media type
//! [`CONTENT_TYPE`](super::CONTENT_TYPE).
//!
//! ```text
//!  { "version": 1, "created_at": <Unix s>, "holder_keys_included": <bool>,
//!    "credentials": [ { "group", "credential", "holder_jwk"?, "issuer",
//!                       "configuration_id", "received_at", "used" } ],
//!    "history":     [ { "time", "kind", "counterparty", "requested", "shared", "group" } ] }
//! ```
//!
//! `holder_jwk` (the private JWK, as text) is absent when holder keys were left
//! out. Reading is strict: unknown members are refused, nesting is bounded by
//! serde_json's recursion limit, and the size by the envelope's cap.

use std::io;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::error::BackupError;
use crate::vault::{HistoryEntry, StoredCredential, Vault};

/// The format version this wallet writes and reads.
pub(super) const VERSION: u32 = 1;

/// The whole backup.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Document {
    pub version: u32,
    pub created_at: i64,
    pub holder_keys_included: bool,
    pub credentials: Vec<Record>,
    pub history: Vec<HistoryEntry>,
}

/// One held credential.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Record {
    group: String,
    credential: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    holder_jwk: Option<Zeroizing<String>>,
    issuer: String,
    configuration_id: String,
    received_at: i64,
    used: bool,
}

impl Record {
    fn from_stored(stored: StoredCredential, with_key: bool) -> Record {
        // A credential restored earlier without its key stays without one.
        let holder_jwk =
            (with_key && !stored.holder_jwk.trim().is_empty()).then(|| stored.holder_jwk.clone());
        Record {
            group: stored.group,
            credential: stored.credential,
            holder_jwk,
            issuer: stored.issuer,
            configuration_id: stored.configuration_id,
            received_at: stored.received_at,
            used: stored.used,
        }
    }

    /// The credential as the vault keeps it; without its key, an empty
    /// `holder_jwk` marks it as needing re-issuance.
    pub(super) fn to_stored(&self) -> StoredCredential {
        StoredCredential {
            group: self.group.clone(),
            credential: self.credential.clone(),
            holder_jwk: self.holder_jwk.clone().unwrap_or_default(),
            issuer: self.issuer.clone(),
            configuration_id: self.configuration_id.clone(),
            received_at: self.received_at,
            used: self.used,
        }
    }

    /// Whether the holder key travels with it.
    pub(super) fn has_key(&self) -> bool {
        self.holder_jwk.is_some()
    }
}

/// Counts the bytes written, to size the plaintext buffer exactly.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Deserialize)]
struct Probe {
    version: u64,
}

impl Document {
    /// Everything `vault` holds, at time `now`.
    ///
    /// # Errors
    /// The vault's errors.
    pub(super) fn from_vault(
        vault: &Vault,
        with_keys: bool,
        now: i64,
    ) -> Result<Document, BackupError> {
        let credentials = vault
            .credentials()?
            .into_iter()
            .map(|(_, stored)| Record::from_stored(stored, with_keys))
            .collect();
        Ok(Document {
            version: VERSION,
            created_at: now,
            holder_keys_included: with_keys,
            credentials,
            history: vault.history()?,
        })
    }

    /// The document as JSON, in a buffer zeroized on drop and sized exactly, so
    /// that no reallocation leaves a copy of the plaintext behind.
    ///
    /// # Errors
    /// [`BackupError::Encrypt`] if serialization fails.
    pub(super) fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, BackupError> {
        let failed = |e: serde_json::Error| BackupError::Encrypt(e.to_string());
        let mut counter = Counter(0);
        serde_json::to_writer(&mut counter, self).map_err(failed)?;
        let mut plain = Zeroizing::new(Vec::with_capacity(counter.0));
        serde_json::to_writer(&mut *plain, self).map_err(failed)?;
        Ok(plain)
    }

    /// Reads a decrypted backup.
    ///
    /// # Errors
    /// [`BackupError::VersionUnsupported`]; [`BackupError::Malformed`] for a
    /// document that does not follow the format (the error names the place, never
    /// the content, which holds keys).
    pub(super) fn read(plain: &[u8]) -> Result<Document, BackupError> {
        let unreadable = |e: serde_json::Error| {
            BackupError::Malformed(format!(
                "its content does not follow backup format version {VERSION} ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        };
        let probe: Probe = serde_json::from_slice(plain).map_err(unreadable)?;
        if probe.version != u64::from(VERSION) {
            return Err(BackupError::VersionUnsupported {
                found: probe.version,
                supported: VERSION,
            });
        }
        let document: Document = serde_json::from_slice(plain).map_err(unreadable)?;
        if !document.holder_keys_included && document.credentials.iter().any(Record::has_key) {
            return Err(BackupError::Malformed(
                "it says holder keys were left out, yet holds one".into(),
            ));
        }
        Ok(document)
    }
}
