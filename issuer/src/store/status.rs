//! Status allocation and status changes.
//!
//! Each copy of a credential gets its own entry (slot) in a status list: a **random unused**
//! index of the current list of its kind, drawn uniformly (so an index reveals nothing
//! about issuance order or volume) and **never handed out twice**: the slot record is
//! written in the same atomic batch as the application holding it, and the writer's
//! bitmap of used entries is rebuilt from those records at open. A list is closed once it
//! is `fill_limit_percent` full and the next is opened (0, 1, 2, … per kind).
//!
//! A status change rewrites the value of every slot of the credential and bumps the change
//! counter of every list it touched; a list is dirty (to be republished) while its counter
//! is ahead of the change last published.

use std::collections::BTreeSet;

use super::applications::{Application, check_acting_officer};
use super::audit::AuditEntry;
use super::error::StoreError;
use super::state::{Bitmap, Effect, ListMeta, draw_unused};
use super::types::{
    CredentialId, CredentialStatus, InputError, ListKind, StatusSlot, check_detail,
    check_thumbprint,
};
use super::writer::Txn;
use super::{IssuerStore, keys, unix_now};

/// Most copies (holder keys) one `allocate_status` call may ask for.
pub const MAX_COPIES: usize = 10;
/// Most slots one application may hold over all its deliveries.
pub const MAX_SLOTS_PER_APPLICATION: usize = 1000;

/// A status list as published: its values and the change they include.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSnapshot {
    /// The list's kind.
    pub kind: ListKind,
    /// The list's number.
    pub list: u32,
    /// One status value (0, 1, 2) per entry.
    pub values: Vec<u8>,
    /// The change counter these values include; pass it to `mark_published`.
    pub change: u64,
    /// The change last marked published.
    pub published: u64,
}

impl Txn<'_> {
    fn list_meta(&self, kind: ListKind, list: u32) -> Option<ListMeta> {
        self.staged
            .lists
            .get(&(kind, list))
            .copied()
            .or_else(|| self.working.lists.get(&(kind, list)).map(|l| l.meta))
    }

    fn set_list_meta(
        &mut self,
        kind: ListKind,
        list: u32,
        meta: ListMeta,
    ) -> Result<(), StoreError> {
        self.put_json(keys::list(kind, list), &meta)?;
        self.staged.lists.insert((kind, list), meta);
        self.effect(Effect::List { kind, list, meta });
        Ok(())
    }

    /// Writes a slot's record: its status value, then the credential it belongs to.
    fn put_slot(&mut self, slot: StatusSlot, id: &CredentialId, status: CredentialStatus) {
        let mut value = Vec::with_capacity(1 + CredentialId::ENCODED_LEN);
        value.push(status.value());
        value.extend_from_slice(id.as_str().as_bytes());
        self.insert(keys::slot(&slot), value);
    }

    fn allocate(
        &mut self,
        app: &mut Application,
        kind: ListKind,
        count: usize,
    ) -> Result<Vec<StatusSlot>, StoreError> {
        let working = self.working;
        let needed = u32::try_from(count).unwrap_or(u32::MAX);
        let list = match working.current(kind) {
            Some((list, state))
                if state.used.count().saturating_add(needed) <= working.fill_limit =>
            {
                list
            }
            Some((list, _)) => list
                .checked_add(1)
                .ok_or(StoreError::ListsExhausted { kind })?,
            None => 0,
        };
        let fresh;
        let used = match working.lists.get(&(kind, list)) {
            Some(state) => &state.used,
            None => {
                let meta = ListMeta {
                    changes: 1,
                    published: 0,
                };
                self.set_list_meta(kind, list, meta)?;
                fresh = Bitmap::new(working.list_size);
                &fresh
            }
        };
        let mut taken = Vec::with_capacity(count);
        for _ in 0..count {
            let index =
                draw_unused(used, &taken, working.list_size, self.rng).ok_or_else(|| {
                    StoreError::corrupt(format!("{kind} list {list} has no free entry"))
                })?;
            taken.push(index);
        }
        let mut slots = Vec::with_capacity(count);
        for index in taken {
            let slot = StatusSlot { kind, list, index };
            // The bitmap is only an index over the slot records; never trust it alone.
            if self.get(&keys::slot(&slot))?.is_some() {
                return Err(StoreError::corrupt(format!(
                    "{kind} list {list} entry {index} is recorded but not marked used"
                )));
            }
            self.put_slot(slot, &app.id, app.status);
            self.staged.marks.push(slot);
            slots.push(slot);
        }
        Ok(slots)
    }
}

fn load_application(txn: &Txn<'_>, id: &CredentialId) -> Result<Application, StoreError> {
    txn.get_json(&keys::application(id), "application")?
        .ok_or_else(|| StoreError::UnknownApplication { id: id.clone() })
}

impl IssuerStore {
    /// [`IssuerStore::allocate_status_at`] at the wall clock's time.
    ///
    /// # Errors
    /// As [`IssuerStore::allocate_status_at`].
    pub fn allocate_status(
        &self,
        app: &CredentialId,
        kind: ListKind,
        holders: &[String],
    ) -> Result<Vec<StatusSlot>, StoreError> {
        self.allocate_status_at(app, kind, holders, unix_now())
    }

    /// Allocates one slot per holder key (1..=[`MAX_COPIES`]): random unused indices of the
    /// current list of `kind`, opening the next list when the current one would pass the
    /// fill limit. Records the slots with the holders' key thumbprints on the application
    /// and appends `{officer: "wallet", action: "deliver", detail: <count>}` at `now` — one
    /// atomic batch, durable before `Ok`, so credentials are signed only for slots that
    /// survive any crash.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for no holders, more than [`MAX_COPIES`] or a malformed
    /// thumbprint; [`StoreError::UnknownApplication`]; [`StoreError::NotValid`] if the
    /// credential is suspended or revoked; [`StoreError::KindMismatch`] if `kind` does not
    /// fit its format; [`StoreError::TooManySlots`]; [`StoreError::Unavailable`] if the
    /// write fails.
    pub fn allocate_status_at(
        &self,
        app: &CredentialId,
        kind: ListKind,
        holders: &[String],
        now: u64,
    ) -> Result<Vec<StatusSlot>, StoreError> {
        if holders.is_empty() || holders.len() > MAX_COPIES {
            return Err(InputError::new(
                "holders",
                format!("{} holder keys, expected 1..={MAX_COPIES}", holders.len()),
            )
            .into());
        }
        for holder in holders {
            check_thumbprint(holder)?;
        }
        let id = app.clone();
        let holders = holders.to_vec();
        self.inner.queue.submit(move |txn| {
            let mut app = load_application(txn, &id)?;
            if app.status != CredentialStatus::Valid {
                return Err(StoreError::NotValid {
                    id,
                    status: app.status,
                });
            }
            match ListKind::for_format(&app.format) {
                Some(expected) if expected == kind => {}
                expected => {
                    return Err(StoreError::KindMismatch {
                        format: app.format,
                        expected: expected.unwrap_or(kind),
                        kind,
                    });
                }
            }
            if app.slots.len().saturating_add(holders.len()) > MAX_SLOTS_PER_APPLICATION {
                return Err(StoreError::TooManySlots {
                    id,
                    have: app.slots.len(),
                    requested: holders.len(),
                    max: MAX_SLOTS_PER_APPLICATION,
                });
            }
            let slots = txn.allocate(&mut app, kind, holders.len())?;
            app.slots.extend(slots.iter().copied().zip(holders));
            app.deliveries = app.deliveries.saturating_add(1);
            txn.put_json(keys::application(&id), &app)?;
            txn.audit(AuditEntry {
                officer: "wallet".into(),
                action: "deliver".into(),
                credential: Some(id),
                detail: slots.len().to_string(),
                time: now,
            })?;
            Ok(slots)
        })?
    }

    /// Sets every slot of the credential to `status` and appends `{officer, action:
    /// revoke|suspend|reinstate, credential, detail: reason}` at `now`; marks the touched
    /// lists dirty. Durable before `Ok`; returns the slots changed. Setting the status the
    /// credential already has changes and audits nothing (a retried request is harmless).
    /// `reason` is stored in the audit log: it must not hold personal data.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a reserved or malformed officer name or a reason over
    /// [`super::MAX_DETAIL`] bytes; [`StoreError::UnknownApplication`];
    /// [`StoreError::RevokedIsFinal`] to suspend or reinstate a revoked credential;
    /// [`StoreError::Unavailable`] if the write fails.
    pub fn set_status(
        &self,
        app: &CredentialId,
        status: CredentialStatus,
        officer: &str,
        reason: &str,
        now: u64,
    ) -> Result<Vec<StatusSlot>, StoreError> {
        check_acting_officer(officer)?;
        check_detail(reason)?;
        let id = app.clone();
        let (officer, reason) = (officer.to_owned(), reason.to_owned());
        self.inner.queue.submit(move |txn| {
            let mut app = load_application(txn, &id)?;
            let slots: Vec<StatusSlot> = app.slots.iter().map(|(slot, _)| *slot).collect();
            if app.status == status {
                return Ok(slots);
            }
            if app.status == CredentialStatus::Revoked {
                return Err(StoreError::RevokedIsFinal {
                    id,
                    requested: status,
                });
            }
            app.status = status;
            let mut touched = BTreeSet::new();
            for slot in &slots {
                txn.put_slot(*slot, &id, status);
                txn.effect(Effect::Value {
                    slot: *slot,
                    value: status.value(),
                });
                touched.insert((slot.kind, slot.list));
            }
            for (kind, list) in touched {
                let mut meta = txn
                    .list_meta(kind, list)
                    .ok_or(StoreError::UnknownList { kind, list })?;
                meta.changes = meta.changes.saturating_add(1);
                txn.set_list_meta(kind, list, meta)?;
            }
            txn.put_json(keys::application(&id), &app)?;
            txn.audit(AuditEntry {
                officer,
                action: status.action().into(),
                credential: Some(id),
                detail: reason,
                time: now,
            })?;
            Ok(slots)
        })?
    }

    /// The status values of one list (one byte per entry: 0 valid, 1 revoked, 2
    /// suspended), as durable: a change is visible here only once its caller got `Ok`.
    ///
    /// # Errors
    /// [`StoreError::UnknownList`]; [`StoreError::Unavailable`] if the view is poisoned.
    pub fn list_values(&self, kind: ListKind, list: u32) -> Result<Vec<u8>, StoreError> {
        Ok(self.list_snapshot(kind, list)?.values)
    }

    /// The values of one list together with the change counter they include — what a
    /// publisher needs: publish `values`, then `mark_published(kind, list, change)`.
    ///
    /// # Errors
    /// As [`IssuerStore::list_values`].
    pub fn list_snapshot(&self, kind: ListKind, list: u32) -> Result<ListSnapshot, StoreError> {
        let lists = self.inner.view.read()?;
        let state = lists
            .get(&(kind, list))
            .ok_or(StoreError::UnknownList { kind, list })?;
        Ok(ListSnapshot {
            kind,
            list,
            values: state.values.clone(),
            change: state.meta.changes,
            published: state.meta.published,
        })
    }

    /// Lists with changes not yet marked published (new lists included), in order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the view is poisoned.
    pub fn dirty_lists(&self) -> Result<Vec<(ListKind, u32)>, StoreError> {
        let lists = self.inner.view.read()?;
        Ok(lists
            .iter()
            .filter(|(_, state)| state.meta.changes > state.meta.published)
            .map(|(key, _)| *key)
            .collect())
    }

    /// Records that the published list includes every change up to `up_to_change` (from
    /// [`IssuerStore::list_snapshot`]). Never moves backwards. Durable before `Ok`.
    ///
    /// # Errors
    /// [`StoreError::UnknownList`]; [`StoreError::PublishAhead`] if the list has not
    /// reached that change; [`StoreError::Unavailable`] if the write fails.
    pub fn mark_published(
        &self,
        kind: ListKind,
        list: u32,
        up_to_change: u64,
    ) -> Result<(), StoreError> {
        self.inner.queue.submit(move |txn| {
            let mut meta = txn
                .list_meta(kind, list)
                .ok_or(StoreError::UnknownList { kind, list })?;
            if up_to_change > meta.changes {
                return Err(StoreError::PublishAhead {
                    kind,
                    list,
                    requested: up_to_change,
                    changes: meta.changes,
                });
            }
            if up_to_change > meta.published {
                meta.published = up_to_change;
                txn.set_list_meta(kind, list, meta)?;
            }
            Ok(())
        })?
    }

    /// Every list that exists, in order (kind, then number).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the view is poisoned.
    pub fn lists(&self) -> Result<Vec<(ListKind, u32)>, StoreError> {
        Ok(self.inner.view.read()?.keys().copied().collect())
    }
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
