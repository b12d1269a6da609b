//! Delivering credentials to wallets (OpenID4VCI 1.0, pre-authorized code flow):
//! the token endpoint redeems a pre-authorized code with its PIN (§6), the nonce
//! endpoint hands out `c_nonce` values (§7), and the credential endpoint checks one
//! proof JWT per requested copy (Appendix F.4), allocates a fresh random status
//! index for each copy durably, and only then signs (§8; batch issuance §12.2.4).

use sigillum_credential::key::{Alg, PublicKey};
use sigillum_credential::oid4vci::CredentialResponse;
use sigillum_credential::oid4vci::SecretString;
use sigillum_credential::oid4vci::{CredentialRequest, RequestLimits, RequestedCredential};
use sigillum_credential::oid4vci::{ProofPolicy, verify_proof_jwt};
use sigillum_credential::oid4vci::{TokenRequest, TokenResponse};

use crate::apply::{random_secret, secret_hash};
use crate::error::WalletError;
use crate::mint::{Format, ListRef, MintRequest, mint};
use crate::nonce::NonceError;
use crate::offer::configuration_id;
use crate::service::Issuer;
use crate::store::{CredentialStatus, ListKind, OfferError, StatusSlot};

/// Algorithms a holder key may use (HAIP: ES256 first).
pub const PROOF_ALGS: &[Alg] = &[Alg::Es256, Alg::EdDsa];
/// How old a proof JWT may be.
const PROOF_MAX_AGE_SECS: u32 = 300;
/// Clock skew tolerated on a proof's `iat`.
const PROOF_LEEWAY_SECS: u32 = 60;

fn invalid_grant(code: &str, description: impl Into<String>) -> WalletError {
    WalletError::new(400, "invalid_grant", code, description)
}

impl Issuer {
    /// The token endpoint (§6): `grant_type` = pre-authorized code, the code, the PIN.
    ///
    /// # Errors
    /// [`WalletError`] with `invalid_request`, `unsupported_grant_type` or
    /// `invalid_grant`, and the specific code.
    pub fn token(&self, form: &str) -> Result<TokenResponse, WalletError> {
        let request = TokenRequest::from_form(form)
            .map_err(|e| WalletError::new(400, e.error_code().code(), e.code(), e.to_string()))?;
        let now = self.clock.now().unix();
        let code_hash = secret_hash(request.pre_authorized_code.expose_secret());
        let application = self
            .store
            .redeem_offer(
                &code_hash,
                request.tx_code.as_ref().map(SecretString::expose_secret),
                u64::try_from(now).unwrap_or_default(),
            )
            .map_err(|e| match e {
                OfferError::Unknown => invalid_grant(
                    "pre_authorized_code_unknown",
                    "the pre-authorized code is not one this issuer gave out",
                ),
                OfferError::Expired { expired_at, now } => invalid_grant(
                    "pre_authorized_code_expired",
                    format!("the pre-authorized code expired at {expired_at} (now {now}); ask the office for a new offer"),
                ),
                OfferError::AlreadyUsed => invalid_grant(
                    "pre_authorized_code_used",
                    "the pre-authorized code was already redeemed; each offer works once",
                ),
                OfferError::TxCodeRequired => WalletError::new(
                    400,
                    "invalid_request",
                    "tx_code_missing",
                    "this offer needs the PIN (tx_code) the office gave separately",
                ),
                OfferError::TxCodeWrong { attempts_left } => invalid_grant(
                    "tx_code_wrong",
                    format!("wrong PIN; {attempts_left} attempt(s) left"),
                ),
                OfferError::TooManyAttempts => invalid_grant(
                    "tx_code_attempts_exhausted",
                    "too many wrong PINs; this offer no longer works, ask the office for a new one",
                ),
                other => WalletError::new(503, "server_error", "store_unavailable", other.to_string()),
            })?;
        let token = random_secret();
        let ttl = self.config.offers.access_token_ttl_secs;
        self.store
            .create_access_token(
                secret_hash(&token),
                &application,
                u64::try_from(now).unwrap_or_default() + ttl,
            )
            .map_err(|e| {
                WalletError::new(503, "server_error", "store_unavailable", e.to_string())
            })?;
        Ok(TokenResponse::bearer(SecretString::new(token), ttl))
    }

    /// The nonce endpoint (§7).
    ///
    /// # Errors
    /// [`WalletError`] when too many nonces are outstanding.
    pub fn nonce(&self) -> Result<String, WalletError> {
        self.nonces
            .issue(self.clock.now().unix())
            .map(|(nonce, _)| nonce)
            .map_err(|e| WalletError::new(503, "server_error", "nonce_capacity", e.to_string()))
    }

    /// The credential endpoint (§8): one credential per proof, each bound to its
    /// proof's key, each with its own status index.
    ///
    /// # Errors
    /// [`WalletError`]: `invalid_token` (401), `invalid_credential_request`,
    /// `unknown_credential_configuration`, `invalid_proof`, `invalid_nonce`,
    /// `credential_request_denied`.
    pub fn credential(
        &self,
        authorization: Option<&str>,
        body: &str,
    ) -> Result<CredentialResponse, WalletError> {
        let now = self.clock.now();
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| {
                WalletError::new(
                    401,
                    "invalid_token",
                    "access_token_missing",
                    "an access token is required (Authorization: Bearer …)",
                )
            })?;
        let application_id = self
            .store
            .access_token(
                &secret_hash(token.trim()),
                u64::try_from(now.unix()).unwrap_or_default(),
            )
            .map_err(|e| WalletError::new(503, "server_error", "store_unavailable", e.to_string()))?
            .ok_or_else(|| {
                WalletError::new(
                    401,
                    "invalid_token",
                    "access_token_invalid",
                    "the access token is unknown or expired",
                )
            })?;
        let limits = RequestLimits {
            max_len: 64 * 1024,
            max_proofs: usize::from(self.config.offers.batch_size),
        };
        let request = CredentialRequest::from_json(body, &limits)
            .map_err(|e| WalletError::new(400, e.error_code().code(), e.code(), e.to_string()))?;
        let application = self
            .store
            .application(&application_id)
            .map_err(|e| WalletError::new(503, "server_error", "store_unavailable", e.to_string()))?
            .ok_or_else(|| {
                WalletError::new(
                    400,
                    "credential_request_denied",
                    "credential_not_found",
                    "the credential behind this token no longer exists",
                )
            })?;
        let expected = configuration_id(&application.credential_type, &application.format);
        match &request.credential {
            RequestedCredential::ConfigurationId(id) if *id == expected => {}
            RequestedCredential::ConfigurationId(id) => {
                return Err(WalletError::new(
                    400,
                    "unknown_credential_configuration",
                    "credential_configuration_unknown",
                    format!("this token is for {expected}, not {id}"),
                ));
            }
            RequestedCredential::Identifier(_) => {
                return Err(WalletError::new(
                    400,
                    "unknown_credential_identifier",
                    "credential_identifier_unknown",
                    format!("use credential_configuration_id {expected}"),
                ));
            }
        }
        if application.status == CredentialStatus::Revoked {
            return Err(WalletError::new(
                400,
                "credential_request_denied",
                "credential_revoked",
                "this credential was revoked before it was collected",
            ));
        }
        let proofs = request
            .jwt_proofs()
            .map_err(|e| WalletError::new(400, e.error_code().code(), e.code(), e.to_string()))?;
        let policy = ProofPolicy {
            audience: &self.public_url,
            allowed_algs: PROOF_ALGS,
            now,
            max_age_secs: PROOF_MAX_AGE_SECS,
            leeway_secs: PROOF_LEEWAY_SECS,
        };
        let mut holders: Vec<PublicKey> = Vec::with_capacity(proofs.len());
        let mut nonce: Option<String> = None;
        for proof in proofs {
            let verified = verify_proof_jwt(proof, &policy).map_err(|e| {
                WalletError::new(400, e.error_code().code(), e.code(), e.to_string())
            })?;
            match &nonce {
                None => nonce = Some(verified.nonce().to_owned()),
                Some(n) if n == verified.nonce() => {}
                Some(_) => {
                    return Err(WalletError::new(
                        400,
                        "invalid_proof",
                        "proof_nonces_differ",
                        "every proof of one request must carry the same c_nonce",
                    ));
                }
            }
            if holders.contains(verified.holder()) {
                return Err(WalletError::new(
                    400,
                    "invalid_proof",
                    "proof_key_repeated",
                    "each copy needs its own holder key (unlinkability)",
                ));
            }
            holders.push(verified.holder().clone());
        }
        let nonce = nonce.unwrap_or_default();
        self.nonces
            .consume(&nonce, now.unix())
            .map_err(|e| match e {
                NonceError::Full => {
                    WalletError::new(503, "server_error", "nonce_capacity", e.to_string())
                }
                _ => WalletError::new(400, "invalid_nonce", "c_nonce_invalid", e.to_string()),
            })?;
        let format = Format::parse(&application.format).unwrap_or(Format::SdJwtVc);
        let kind = match format {
            Format::SdJwtVc => ListKind::Token,
            Format::JwtVc => ListKind::Bitstring,
        };
        let thumbprints: Vec<String> = holders.iter().map(|h| h.to_jwk().thumbprint()).collect();
        let slots = self
            .store
            .allocate_status(&application.id, kind, &thumbprints)
            .map_err(|e| {
                WalletError::new(503, "server_error", "store_unavailable", e.to_string())
            })?;
        // A list opened by this allocation must reach the registry before a verifier
        // asks for it: wake the publisher (a round with nothing dirty does nothing).
        if slots
            .iter()
            .any(|s| !self.published.has(&list_ref(s).ledger_id(&self.did())))
        {
            self.publish.notify_one();
        }
        let schema = self
            .served_type(&application.credential_type)
            .map_err(|e| {
                WalletError::new(400, "credential_request_denied", e.code(), e.to_string())
            })?;
        let signing = self.signing().at(now.unix()).ok_or_else(|| {
            WalletError::new(
                503,
                "server_error",
                "signing_key_rotating",
                "the office is switching signing keys; ask again in a moment",
            )
        })?;
        let did = self.did();
        let public = self.config.registry.public_url().to_owned();
        let mut credentials = Vec::with_capacity(slots.len());
        for (holder, slot) in holders.iter().zip(&slots) {
            let credential = mint(
                &MintRequest {
                    schema,
                    format,
                    claims: &application.claims,
                    holder,
                    issuer: &did,
                    kid: &signing.kid,
                    list: slot.list,
                    index: slot.index,
                    registry_public_url: &public,
                    now,
                },
                &signing.key,
            )
            .map_err(|e| WalletError::new(500, "server_error", "mint_failed", e.to_string()))?;
            credentials.push(credential);
        }
        Ok(CredentialResponse::immediate(credentials, None))
    }
}

/// The first registry list a slot's list is published as.
fn list_ref(slot: &StatusSlot) -> ListRef {
    match slot.kind {
        ListKind::Token => ListRef::Token(slot.list),
        ListKind::Bitstring => ListRef::BitstringRevocation(slot.list),
    }
}
