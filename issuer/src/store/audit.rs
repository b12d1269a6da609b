//! The audit log: a hash chain of who did what to which credential, and when.
//!
//! Record `n` stores `prev` = hash of record `n-1` (zeros for record 0) and its own
//! `hash` = SHA-256 over a domain tag, `seq`, `prev` and a length-prefixed encoding of the
//! entry. Changing, removing or reordering a stored record breaks the chain at that record
//! ([`IssuerStore::audit_verify`] names its `seq`); publishing the head hash elsewhere (the
//! registry) makes truncation evident too.
//!
//! Records are written in the same atomic batch as the mutation they describe, so after a
//! crash the log has no gap (a mutation without its record) and no fork.
//!
//! **No personal data.** A record holds the officer's name, the action, the credential id,
//! the time and a short `detail`: the credential type for `issue`, the number of copies for
//! `deliver`, and for status changes the reason text the officer typed (up to
//! [`super::types::MAX_DETAIL`] bytes; officers are instructed not to put personal data
//! there — the store cannot tell). Claims and applicant references are never written here.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::StoreError;
use super::types::{CredentialId, InputError, check_action, check_detail, check_officer_name};
use super::writer::{Txn, decode};
use super::{IssuerStore, keys};

/// Domain separation for record hashes.
const HASH_DOMAIN: &[u8] = b"sigillum/issuer-audit/v1\0";
/// Most records [`IssuerStore::audit_entries`] returns at once.
pub const MAX_AUDIT_PAGE: usize = 1000;

/// What happened, as the caller describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Who: an officer's name, or `wallet`/`system` for the store's own entries.
    pub officer: String,
    /// What: `issue`, `deliver`, `revoke`, `suspend`, `reinstate`, `add_officer`, `rotate`, …
    pub action: String,
    /// Which credential, if any.
    pub credential: Option<CredentialId>,
    /// A short, non-personal detail (see the module documentation).
    pub detail: String,
    /// When, in Unix seconds.
    pub time: u64,
}

impl AuditEntry {
    fn check(&self) -> Result<(), InputError> {
        check_officer_name(&self.officer)?;
        check_action(&self.action)?;
        check_detail(&self.detail)
    }
}

/// One link of the chain, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Hash of the previous record; zeros for the first.
    #[serde(with = "hash_text")]
    pub prev: [u8; 32],
    /// The entry.
    pub entry: AuditEntry,
    /// This record's hash.
    #[serde(with = "hash_text")]
    pub hash: [u8; 32],
}

/// The end of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditHead {
    /// Records in the log.
    pub count: u64,
    /// Hash of the last record; zeros for an empty log.
    pub head_hash: [u8; 32],
}

/// Where and why the chain is broken (or could not be read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit record {seq}: {reason}")]
pub struct AuditError {
    /// The first record that does not verify.
    pub seq: u64,
    /// Why.
    pub reason: AuditBreak,
}

impl AuditError {
    /// The stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self.reason {
            AuditBreak::Unreadable { .. } => "audit_unreadable",
            _ => "audit_chain_broken",
        }
    }
}

/// Why a record does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditBreak {
    /// The record is missing; the next stored one has a later seq.
    #[error("missing; next stored record is {found}")]
    Missing {
        /// The seq found instead.
        found: u64,
    },
    /// The stored bytes are not a record.
    #[error("undecodable: {detail}")]
    Undecodable {
        /// The decoder's message.
        detail: String,
    },
    /// The record claims another position than the one it is stored at.
    #[error("stored at this position but says seq {stored}")]
    SeqMismatch {
        /// The seq inside the record.
        stored: u64,
    },
    /// `prev` is not the previous record's hash.
    #[error("prev does not match the previous record's hash")]
    PrevMismatch,
    /// `hash` does not match the record's content.
    #[error("hash does not match the record's content")]
    HashMismatch,
    /// The storage failed while reading (could not check, not proof of tampering).
    #[error("could not read: {detail}")]
    Unreadable {
        /// The storage error.
        detail: String,
    },
}

/// The chain hash of a record.
pub(super) fn record_hash(seq: u64, prev: &[u8; 32], entry: &AuditEntry) -> [u8; 32] {
    fn field(hasher: &mut Sha256, bytes: &[u8]) {
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        hasher.update(len.to_be_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Sha256::new();
    hasher.update(HASH_DOMAIN);
    hasher.update(seq.to_be_bytes());
    hasher.update(prev);
    hasher.update(entry.time.to_be_bytes());
    field(&mut hasher, entry.officer.as_bytes());
    field(&mut hasher, entry.action.as_bytes());
    match &entry.credential {
        None => hasher.update([0]),
        Some(id) => {
            hasher.update([1]);
            field(&mut hasher, id.as_str().as_bytes());
        }
    }
    field(&mut hasher, entry.detail.as_bytes());
    hasher.finalize().into()
}

impl Txn<'_> {
    /// Appends a record to the chain, in this request's batch.
    pub(super) fn audit(&mut self, entry: AuditEntry) -> Result<AuditRecord, StoreError> {
        entry.check()?;
        let head = self.staged.audit.unwrap_or(self.working.audit);
        let record = AuditRecord {
            seq: head.count,
            prev: head.head_hash,
            hash: record_hash(head.count, &head.head_hash, &entry),
            entry,
        };
        let count = head
            .count
            .checked_add(1)
            .ok_or_else(|| StoreError::corrupt("audit sequence exhausted"))?;
        self.put_json(keys::audit(record.seq), &record)?;
        self.staged.audit = Some(AuditHead {
            count,
            head_hash: record.hash,
        });
        Ok(record)
    }
}

/// The head from the last stored record (the chain itself is checked by `audit_verify`).
pub(super) fn load_head(tree: &sled::Tree) -> Result<AuditHead, StoreError> {
    let Some(item) = tree.scan_prefix([keys::AUDIT]).next_back() else {
        return Ok(AuditHead::default());
    };
    let (key, value) = item?;
    let record: AuditRecord = decode(&value, "audit")?;
    match keys::decode_audit(&key) {
        Some(seq) if seq == record.seq => Ok(AuditHead {
            count: seq.saturating_add(1),
            head_hash: record.hash,
        }),
        _ => Err(StoreError::corrupt(format!(
            "last audit record says seq {} under key {key:?}",
            record.seq
        ))),
    }
}

impl IssuerStore {
    /// Appends an audit record for an action that changes nothing in the store (a key
    /// rotation, a login). Durable before `Ok`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] if the officer, action or detail fail their checks;
    /// [`StoreError::Unavailable`] if the write fails.
    pub fn audit_append(&self, entry: AuditEntry) -> Result<AuditRecord, StoreError> {
        entry.check()?;
        self.inner.queue.submit(move |txn| txn.audit(entry))?
    }

    /// Walks the whole chain: seqs contiguous from 0, each `prev` the previous `hash`, each
    /// `hash` recomputed from the content.
    ///
    /// # Errors
    /// [`AuditError`] naming the first record that does not verify, or that could not be
    /// read ([`AuditBreak::Unreadable`]).
    pub fn audit_verify(&self) -> Result<AuditHead, AuditError> {
        let mut head = AuditHead::default();
        for item in self.inner.tree.scan_prefix([keys::AUDIT]) {
            let at = head.count;
            let broken = |reason| AuditError { seq: at, reason };
            let (key, value) = item.map_err(|e| {
                broken(AuditBreak::Unreadable {
                    detail: e.to_string(),
                })
            })?;
            match keys::decode_audit(&key) {
                Some(seq) if seq == at => {}
                Some(found) => return Err(broken(AuditBreak::Missing { found })),
                None => {
                    return Err(broken(AuditBreak::Undecodable {
                        detail: format!("malformed key {key:?}"),
                    }));
                }
            }
            let record: AuditRecord = serde_json::from_slice(&value).map_err(|e| {
                broken(AuditBreak::Undecodable {
                    detail: e.to_string(),
                })
            })?;
            if record.seq != at {
                return Err(broken(AuditBreak::SeqMismatch { stored: record.seq }));
            }
            if record.prev != head.head_hash {
                return Err(broken(AuditBreak::PrevMismatch));
            }
            if record_hash(record.seq, &record.prev, &record.entry) != record.hash {
                return Err(broken(AuditBreak::HashMismatch));
            }
            head = AuditHead {
                count: at.saturating_add(1),
                head_hash: record.hash,
            };
        }
        Ok(head)
    }

    /// Up to `limit` (at most [`MAX_AUDIT_PAGE`]) records from `from_seq` on, in order.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if a record cannot be decoded; [`StoreError::Unavailable`]
    /// if reading fails.
    pub fn audit_entries(
        &self,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let start = keys::audit(from_seq);
        self.inner
            .tree
            .range(start..)
            .take_while(|item| {
                item.as_ref()
                    .map_or(true, |(key, _)| key.first() == Some(&keys::AUDIT))
            })
            .take(limit.min(MAX_AUDIT_PAGE))
            .map(|item| {
                let (_, value) = item?;
                decode(&value, "audit")
            })
            .collect()
    }
}

/// Hashes as base64url text in JSON.
mod hash_text {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(hash: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(hash))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = URL_SAFE_NO_PAD.decode(&text).map_err(D::Error::custom)?;
        <[u8; 32]>::try_from(bytes).map_err(|_| D::Error::custom("hash is not 32 bytes"))
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
