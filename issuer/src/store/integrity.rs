//! A full consistency check of the stored records (`fsck` for the issuer store): what the
//! crash tests assert after every `kill -9`, and what an operator can run at startup.

use std::collections::HashMap;

use super::applications::{Application, decode_id};
use super::audit::AuditHead;
use super::error::StoreError;
use super::types::{CredentialId, CredentialStatus, StatusSlot};
use super::writer::decode;
use super::{IssuerStore, keys};

/// What [`IssuerStore::check_integrity`] found (all of it consistent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Applications stored.
    pub applications: u64,
    /// Status slots handed out.
    pub slots: u64,
    /// Status lists.
    pub lists: u64,
    /// The verified audit chain.
    pub audit: AuditHead,
}

impl IssuerStore {
    /// Checks that every status slot is recorded once, held by exactly one application
    /// and carries its status; that every application is reachable by its reference; and
    /// that the audit chain verifies. Reads the whole store: run it on a quiet store (at
    /// startup, in tests), since records written meanwhile may be seen half-way.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] naming the first inconsistency; [`StoreError::Unavailable`]
    /// if reading fails.
    pub fn check_integrity(&self) -> Result<IntegrityReport, StoreError> {
        let tree = &self.inner.tree;
        let mut slot_records: HashMap<StatusSlot, (CredentialStatus, CredentialId)> =
            HashMap::new();
        for item in tree.scan_prefix([keys::SLOT]) {
            let (key, value) = item?;
            let slot = keys::decode_slot(&key)
                .ok_or_else(|| StoreError::corrupt(format!("malformed slot key {key:?}")))?;
            let (status, id) = value
                .split_first()
                .ok_or_else(|| StoreError::corrupt(format!("empty slot record {slot:?}")))?;
            let status = CredentialStatus::from_value(*status)
                .ok_or_else(|| StoreError::corrupt(format!("slot {slot:?} status {status}")))?;
            slot_records.insert(slot, (status, decode_id(id)?));
        }
        let mut holder: HashMap<StatusSlot, CredentialId> = HashMap::new();
        let mut applications = 0u64;
        for item in tree.scan_prefix([keys::APPLICATION]) {
            let (_, value) = item?;
            let app: Application = decode(&value, "application")?;
            applications = applications.saturating_add(1);
            check_reference(tree, &app)?;
            for (slot, _) in &app.slots {
                if let Some(other) = holder.insert(*slot, app.id.clone()) {
                    return Err(StoreError::corrupt(format!(
                        "slot {slot:?} held by both {other} and {}",
                        app.id
                    )));
                }
                match slot_records.get(slot) {
                    Some((status, id)) if *id == app.id && *status == app.status => {}
                    Some((status, id)) => {
                        return Err(StoreError::corrupt(format!(
                            "slot {slot:?} of {} ({}) is recorded for {id} ({status})",
                            app.id, app.status
                        )));
                    }
                    None => {
                        return Err(StoreError::corrupt(format!(
                            "slot {slot:?} of {} has no slot record",
                            app.id
                        )));
                    }
                }
            }
        }
        if let Some((slot, (_, id))) = slot_records.iter().find(|(s, _)| !holder.contains_key(s)) {
            return Err(StoreError::corrupt(format!(
                "slot {slot:?} recorded for {id}, which does not hold it"
            )));
        }
        let lists = u64::try_from(tree.scan_prefix([keys::LIST]).count()).unwrap_or(u64::MAX);
        let audit = self
            .audit_verify()
            .map_err(|e| StoreError::corrupt(e.to_string()))?;
        Ok(IntegrityReport {
            applications,
            slots: u64::try_from(holder.len()).unwrap_or(u64::MAX),
            lists,
            audit,
        })
    }
}

fn check_reference(tree: &sled::Tree, app: &Application) -> Result<(), StoreError> {
    match tree.get(keys::reference(&app.reference, &app.credential_type))? {
        Some(id) if decode_id(&id)? == app.id => Ok(()),
        _ => Err(StoreError::corrupt(format!(
            "application {} is not indexed by its reference",
            app.id
        ))),
    }
}
