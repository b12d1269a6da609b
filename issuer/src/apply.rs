//! What officers do: submit an applicant's data (validated against the type's
//! schema, idempotent on the applicant reference) and get a credential offer
//! (OpenID4VCI 1.0 §4.1, pre-authorized code + `tx_code`); look credentials up;
//! revoke, suspend and reinstate them. Every action is audited by the store, with
//! the officer, the credential id and the time, never the subject's data.

use std::sync::Arc;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sigillum_credential::b64;

use crate::error::IssueError;
use crate::mint::Format;
use crate::service::Issuer;
use crate::store::{
    Application, CredentialId, CredentialStatus, NewApplication, NewOffer, Officer, Role,
};

/// Longest applicant reference.
pub const MAX_REFERENCE: usize = 128;

/// An officer's issuing request (`POST /v1/credentials/{type}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The office's own reference for the applicant (case number): the same
    /// reference twice gives the same credential.
    pub reference: String,
    /// `dc+sd-jwt` (default) or `jwt_vc_json`.
    #[serde(default)]
    pub format: Option<String>,
    /// The subject's claims.
    pub claims: Map<String, Value>,
}

/// A credential offer, for the officer to hand over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferView {
    /// The credential's id.
    pub id: String,
    /// Whether this request created it (false: it existed, same data).
    pub created: bool,
    /// The `openid-credential-offer://` link (also shown as a QR).
    pub offer_link: String,
    /// The PIN to give the citizen separately (SMS, letter, in person).
    pub tx_code: String,
    /// When the offer stops working, Unix seconds.
    pub expires_at: i64,
}

/// What the officer screen shows of one credential: never more claims than the
/// record needs to be found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialView {
    /// Id.
    pub id: String,
    /// Type.
    pub credential_type: String,
    /// Applicant reference.
    pub reference: String,
    /// Format.
    pub format: String,
    /// `valid`, `revoked` or `suspended`.
    pub status: String,
    /// When the officer submitted it.
    pub created: u64,
    /// How many copies were delivered to wallets.
    pub copies: usize,
}

impl From<&Application> for CredentialView {
    fn from(a: &Application) -> Self {
        CredentialView {
            id: a.id.to_string(),
            credential_type: a.credential_type.clone(),
            reference: a.reference.clone(),
            format: a.format.clone(),
            status: status_name(a.status).into(),
            created: a.created,
            copies: a.slots.len(),
        }
    }
}

fn status_name(s: CredentialStatus) -> &'static str {
    match s {
        CredentialStatus::Valid => "valid",
        CredentialStatus::Revoked => "revoked",
        CredentialStatus::Suspended => "suspended",
    }
}

/// A status change an officer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// Revoke for good.
    Revoke,
    /// Suspend until reinstated.
    Suspend,
    /// Lift a suspension.
    Reinstate,
}

impl StatusAction {
    /// Parses `revoke`, `suspend`, `reinstate`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "revoke" => Some(StatusAction::Revoke),
            "suspend" => Some(StatusAction::Suspend),
            "reinstate" => Some(StatusAction::Reinstate),
            _ => None,
        }
    }

    fn role(self) -> Role {
        match self {
            StatusAction::Revoke => Role::Revoke,
            StatusAction::Suspend | StatusAction::Reinstate => Role::Suspend,
        }
    }

    fn target(self) -> CredentialStatus {
        match self {
            StatusAction::Revoke => CredentialStatus::Revoked,
            StatusAction::Suspend => CredentialStatus::Suspended,
            StatusAction::Reinstate => CredentialStatus::Valid,
        }
    }
}

/// SHA-256 of a bearer secret (pre-authorized codes and access tokens are stored
/// only as this).
#[must_use]
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A random 256-bit secret, base64url.
#[must_use]
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    b64::encode(bytes)
}

/// A random PIN of `digits` decimal digits, uniform (rejection sampling).
#[must_use]
pub fn random_pin(digits: u8) -> String {
    let mut pin = String::with_capacity(usize::from(digits));
    while pin.len() < usize::from(digits) {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        if byte[0] < 250 {
            pin.push(char::from(b'0' + byte[0] % 10));
        }
    }
    pin
}

impl Issuer {
    /// The officer a bearer token belongs to.
    ///
    /// # Errors
    /// [`IssueError::Unauthenticated`] for a missing or wrong token.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Officer, IssueError> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or(IssueError::Unauthenticated)?;
        self.store
            .authenticate(token.trim())
            .map_err(|_| IssueError::Unauthenticated)
    }

    fn require(officer: &Officer, role: &Role) -> Result<(), IssueError> {
        if officer.may(role) {
            Ok(())
        } else {
            Err(IssueError::Forbidden {
                officer: officer.name.clone(),
                role: role.to_string(),
            })
        }
    }

    /// Validates and records an application and returns a fresh credential offer.
    ///
    /// # Errors
    /// [`IssueError`]: role, type, accreditation, schema (every field), conflict.
    pub async fn apply(
        self: &Arc<Self>,
        officer: &Officer,
        type_name: &str,
        request: ApplyRequest,
    ) -> Result<OfferView, IssueError> {
        Self::require(officer, &Role::Issue(type_name.to_owned()))?;
        let schema = self.served_type(type_name)?;
        let format = match request.format.as_deref() {
            None => Format::SdJwtVc,
            Some(f) => Format::parse(f).ok_or_else(|| IssueError::BadRequest {
                code: "format_unknown",
                detail: format!("format {f:?}: use dc+sd-jwt or jwt_vc_json"),
            })?,
        };
        let reference = request.reference.trim();
        if reference.is_empty()
            || reference.len() > MAX_REFERENCE
            || reference.chars().any(char::is_control)
        {
            return Err(IssueError::BadRequest {
                code: "reference_invalid",
                detail: format!(
                    "the applicant reference must be 1 to {MAX_REFERENCE} printable characters"
                ),
            });
        }
        let subject = Value::Object(request.claims.clone());
        schema
            .validate_subject(&subject)
            .map_err(IssueError::Schema)?;
        self.check_accredited(type_name).await?;
        let new = NewApplication {
            credential_type: type_name.to_owned(),
            reference: reference.to_owned(),
            format: format.id().to_owned(),
            claims: request.claims,
            officer: officer.name.clone(),
            now: u64::try_from(self.clock.now().unix()).unwrap_or_default(),
        };
        // The store waits for its flush: keep that off the async workers.
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || this.record(new))
            .await
            .map_err(|e| IssueError::Store(e.to_string()))?
    }

    /// Records an application (idempotently) and makes an offer for it; blocking.
    ///
    /// # Errors
    /// [`IssueError::Conflict`] when the reference was used with other data.
    pub fn record(&self, new: NewApplication) -> Result<OfferView, IssueError> {
        let (claims, format, reference) = (
            new.claims.clone(),
            new.format.clone(),
            new.reference.clone(),
        );
        let type_name = new.credential_type.clone();
        let (application, created) = self
            .store
            .create_application(new)
            .map_err(|e| IssueError::Store(e.to_string()))?;
        if !created && (application.claims != claims || application.format != format) {
            return Err(IssueError::Conflict {
                reference,
                type_name,
                id: application.id.to_string(),
            });
        }
        self.offer(&application, created, self.clock.now().unix())
    }

    /// A new pre-authorized code and PIN for an application.
    fn offer(
        &self,
        application: &Application,
        created: bool,
        now: i64,
    ) -> Result<OfferView, IssueError> {
        let code = random_secret();
        let tx_code = random_pin(self.config.offers.tx_code_length);
        let expires_at = now + i64::try_from(self.config.offers.code_ttl_secs).unwrap_or(86_400);
        self.store
            .create_offer(NewOffer {
                app: application.id.clone(),
                code_hash: secret_hash(&code),
                tx_code: Some(tx_code.clone()),
                expires_at: u64::try_from(expires_at).unwrap_or_default(),
                max_attempts: u32::from(self.config.offers.tx_code_attempts),
            })
            .map_err(|e| IssueError::Store(e.to_string()))?;
        let offer_link = crate::offer::link(
            &self.public_url,
            &crate::offer::configuration_id(&application.credential_type, &application.format),
            &code,
            self.config.offers.tx_code_length,
        );
        Ok(OfferView {
            id: application.id.to_string(),
            created,
            offer_link,
            tx_code,
            expires_at,
        })
    }

    /// One credential, for an officer.
    ///
    /// # Errors
    /// [`IssueError::NotFound`].
    pub fn lookup(&self, id: &str) -> Result<Application, IssueError> {
        let id = CredentialId::parse(id).map_err(|_| IssueError::NotFound(id.to_owned()))?;
        self.store
            .application(&id)
            .map_err(|e| IssueError::Store(e.to_string()))?
            .ok_or_else(|| IssueError::NotFound(id.to_string()))
    }

    /// Credentials whose applicant reference starts with `prefix`.
    ///
    /// # Errors
    /// [`IssueError::Store`].
    pub fn search(&self, prefix: &str, limit: usize) -> Result<Vec<CredentialView>, IssueError> {
        Ok(self
            .store
            .search(prefix, limit.min(200))
            .map_err(|e| IssueError::Store(e.to_string()))?
            .iter()
            .map(CredentialView::from)
            .collect())
    }

    /// Revokes, suspends or reinstates every copy of a credential; the change is
    /// published to the registry by the publisher within its delay.
    ///
    /// # Errors
    /// [`IssueError`]: role, not found, or a transition that is not allowed.
    pub fn change_status(
        &self,
        officer: &Officer,
        id: &str,
        action: StatusAction,
        reason: &str,
    ) -> Result<CredentialView, IssueError> {
        Self::require(officer, &action.role())?;
        let application = self.lookup(id)?;
        let from = application.status;
        let allowed = match (from, action) {
            (CredentialStatus::Revoked, _) => false,
            (_, StatusAction::Revoke) => true,
            (CredentialStatus::Valid, StatusAction::Suspend) => true,
            (CredentialStatus::Suspended, StatusAction::Reinstate) => true,
            _ => false,
        };
        if !allowed {
            return Err(IssueError::Transition(format!(
                "credential {id} is {}; it cannot be {}",
                status_name(from),
                match action {
                    StatusAction::Revoke => "revoked",
                    StatusAction::Suspend => "suspended",
                    StatusAction::Reinstate => "reinstated",
                }
            )));
        }
        let reason: String = reason
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let now = u64::try_from(self.clock.now().unix()).unwrap_or_default();
        self.store
            .set_status(
                &application.id,
                action.target(),
                &officer.name,
                &reason,
                now,
            )
            .map_err(|e| IssueError::Store(e.to_string()))?;
        self.publish.notify_one();
        let mut view = CredentialView::from(&application);
        view.status = status_name(action.target()).into();
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_digits_of_the_asked_length_and_vary() {
        let a = random_pin(6);
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        let distinct: std::collections::HashSet<String> = (0..50).map(|_| random_pin(6)).collect();
        assert!(distinct.len() > 40);
    }

    #[test]
    fn secrets_are_256_bits_and_stored_as_hashes() {
        let s = random_secret();
        assert_eq!(b64::decode(&s).unwrap().len(), 32);
        assert_ne!(secret_hash(&s), secret_hash(&random_secret()));
    }
}
