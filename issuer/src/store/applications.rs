//! Applications: what an officer submitted for one applicant and credential type.
//!
//! An application is the credential's record in the issuer: its claims (the only place
//! personal data lives), its status, and the status slots of every copy delivered. It is
//! keyed by a random [`CredentialId`] and indexed by `(reference, credential type)`, which
//! makes submission idempotent and lets officers search by reference.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::audit::AuditEntry;
use super::error::StoreError;
use super::types::{
    CredentialId, CredentialStatus, InputError, ListKind, MAX_CLAIMS_JSON, RESERVED_NAMES,
    StatusSlot, check_credential_type, check_officer_name, check_reference,
};
use super::writer::decode;
use super::{IssuerStore, keys};

/// Most applications one [`IssuerStore::search`] returns.
pub const MAX_SEARCH: usize = 1000;

/// An application as an officer submits it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    /// The credential type (`passport`, …), `[a-z0-9_-]{1,64}`.
    pub credential_type: String,
    /// The office's reference for the applicant (a case number), unique per type.
    pub reference: String,
    /// `dc+sd-jwt` or `jwt_vc_json`.
    pub format: String,
    /// The claims the credential will carry (at most [`MAX_CLAIMS_JSON`] bytes as JSON).
    pub claims: Map<String, Value>,
    /// The submitting officer's name.
    pub officer: String,
    /// Submission time, Unix seconds.
    pub now: u64,
}

/// A stored application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// The credential's id.
    pub id: CredentialId,
    /// The credential type.
    pub credential_type: String,
    /// The office's reference for the applicant.
    pub reference: String,
    /// `dc+sd-jwt` or `jwt_vc_json`.
    pub format: String,
    /// The claims.
    pub claims: Map<String, Value>,
    /// Who submitted it.
    pub officer: String,
    /// When, Unix seconds.
    pub created: u64,
    /// The status every slot carries.
    pub status: CredentialStatus,
    /// Every status slot handed out, with the thumbprint of the holder key of that copy.
    pub slots: Vec<(StatusSlot, String)>,
    /// How many times copies were delivered (`allocate_status` calls).
    pub deliveries: u32,
}

impl NewApplication {
    fn check(&self) -> Result<(), InputError> {
        check_credential_type(&self.credential_type)?;
        check_reference(&self.reference)?;
        if ListKind::for_format(&self.format).is_none() {
            return Err(InputError::new(
                "format",
                format!("{:?} is neither dc+sd-jwt nor jwt_vc_json", self.format),
            ));
        }
        check_acting_officer(&self.officer)?;
        let claims = serde_json::to_vec(&self.claims)
            .map_err(|e| InputError::new("claims", e.to_string()))?;
        if claims.len() > MAX_CLAIMS_JSON {
            return Err(InputError::new(
                "claims",
                format!("{} bytes of JSON, at most {MAX_CLAIMS_JSON}", claims.len()),
            ));
        }
        Ok(())
    }
}

/// An officer acting through the API: a valid name that is not one the store itself
/// writes in the audit log.
pub(super) fn check_acting_officer(name: &str) -> Result<(), InputError> {
    check_officer_name(name)?;
    if RESERVED_NAMES.contains(&name) {
        return Err(InputError::new("officer", format!("{name:?} is reserved")));
    }
    Ok(())
}

impl IssuerStore {
    /// Stores an application and its `issue` audit record (detail: the credential type —
    /// never claims or the reference). Idempotent on `(credential_type, reference)`: if
    /// that pair exists, returns the stored application and `false`, writing nothing.
    /// Durable before `Ok` (also the `false` answer).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] if a field fails its check (nothing written);
    /// [`StoreError::Unavailable`] if the write fails; [`StoreError::Corrupt`] if the
    /// reference index points to a missing application.
    pub fn create_application(
        &self,
        new: NewApplication,
    ) -> Result<(Application, bool), StoreError> {
        new.check()?;
        let id = CredentialId::random();
        self.inner.queue.submit(move |txn| {
            let reference_key = keys::reference(&new.reference, &new.credential_type);
            if let Some(existing) = txn.get(&reference_key)? {
                let existing = decode_id(&existing)?;
                let app = txn
                    .get_json(&keys::application(&existing), "application")?
                    .ok_or_else(|| {
                        StoreError::corrupt(format!("reference index names missing {existing}"))
                    })?;
                return Ok((app, false));
            }
            let app_key = keys::application(&id);
            if txn.get(&app_key)?.is_some() {
                return Err(StoreError::Duplicate {
                    what: "credential id",
                    key: id.to_string(),
                });
            }
            let app = Application {
                id: id.clone(),
                credential_type: new.credential_type,
                reference: new.reference,
                format: new.format,
                claims: new.claims,
                officer: new.officer,
                created: new.now,
                status: CredentialStatus::Valid,
                slots: Vec::new(),
                deliveries: 0,
            };
            txn.put_json(app_key, &app)?;
            txn.insert(reference_key, id.as_str().as_bytes().to_vec());
            txn.audit(AuditEntry {
                officer: app.officer.clone(),
                action: "issue".into(),
                credential: Some(id),
                detail: app.credential_type.clone(),
                time: app.created,
            })?;
            Ok((app, true))
        })?
    }

    /// The application with this id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if the record cannot be decoded; [`StoreError::Unavailable`]
    /// if reading fails.
    pub fn application(&self, id: &CredentialId) -> Result<Option<Application>, StoreError> {
        self.inner
            .tree
            .get(keys::application(id))?
            .map(|bytes| decode(&bytes, "application"))
            .transpose()
    }

    /// The application for this applicant reference and credential type.
    ///
    /// # Errors
    /// As [`IssuerStore::application`]; [`StoreError::Corrupt`] if the index points to a
    /// missing application.
    pub fn find_by_reference(
        &self,
        credential_type: &str,
        reference: &str,
    ) -> Result<Option<Application>, StoreError> {
        let Some(id) = self
            .inner
            .tree
            .get(keys::reference(reference, credential_type))?
        else {
            return Ok(None);
        };
        let id = decode_id(&id)?;
        match self.application(&id)? {
            Some(app) => Ok(Some(app)),
            None => Err(StoreError::corrupt(format!(
                "reference index names missing {id}"
            ))),
        }
    }

    /// Applications whose reference starts with `prefix` (empty: all), **ordered by
    /// reference, then credential type**, at most `limit` (capped at [`MAX_SEARCH`]).
    /// To page, search again with a longer prefix.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] if `prefix` is over [`super::MAX_REFERENCE`] bytes or has
    /// control characters; otherwise as [`IssuerStore::find_by_reference`].
    pub fn search(&self, prefix: &str, limit: usize) -> Result<Vec<Application>, StoreError> {
        if !prefix.is_empty() {
            check_reference(prefix)?;
        }
        let mut found = Vec::new();
        for item in self
            .inner
            .tree
            .scan_prefix(keys::reference_prefix(prefix))
            .take(limit.min(MAX_SEARCH))
        {
            let (_, id) = item?;
            let id = decode_id(&id)?;
            match self.application(&id)? {
                Some(app) => found.push(app),
                None => {
                    return Err(StoreError::corrupt(format!(
                        "reference index names missing {id}"
                    )));
                }
            }
        }
        Ok(found)
    }
}

/// A credential id stored as an index value.
pub(super) fn decode_id(bytes: &[u8]) -> Result<CredentialId, StoreError> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| CredentialId::parse(text).ok())
        .ok_or_else(|| StoreError::corrupt(format!("malformed credential id {bytes:?}")))
}

#[cfg(test)]
#[path = "applications_tests.rs"]
mod tests;
