//! OpenID4VCI pre-authorized code offers and the access tokens they are exchanged for.
//!
//! Codes and tokens are stored only as SHA-256 of their value (the caller hashes): they
//! are ≥ 128-bit random strings, so the hash cannot be inverted and a copy of the database
//! does not let anyone redeem or present them.
//!
//! **Transaction code (PIN).** Stored as SHA-256 over a domain tag, a per-offer 128-bit
//! random salt and the PIN — deliberately not Argon2id. A 6-digit PIN has 20 bits of
//! entropy: no affordable KDF cost protects it against offline search (Argon2id at ~20 ms
//! still falls in hours), while Argon2id per offer would cost tens of milliseconds on the
//! issuance path that must sustain 2,000/s. What protects the PIN is online: the attempt
//! limit, the short expiry, and that the PIN is useless without the pre-authorized code,
//! which is itself stored only as a hash. Comparison is constant-time.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::error::StoreError;
use super::types::{CredentialId, CredentialStatus, InputError};
use super::writer::decode;
use super::{IssuerStore, keys};

/// The most wrong transaction codes an offer may allow.
pub const MAX_TX_CODE_ATTEMPTS: u32 = 10;
const TX_CODE_DOMAIN: &[u8] = b"sigillum/tx-code/v1\0";
const MAX_TX_CODE: usize = 64;

/// A pre-authorized code offer to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewOffer {
    /// The application the code is for.
    pub app: CredentialId,
    /// SHA-256 of the pre-authorized code.
    pub code_hash: [u8; 32],
    /// The transaction code (PIN) the holder must also present, if any; only a salted
    /// hash is stored.
    pub tx_code: Option<String>,
    /// Unix seconds from which the code is refused.
    pub expires_at: u64,
    /// Wrong transaction codes allowed before the offer is dead (1..=[`MAX_TX_CODE_ATTEMPTS`]).
    pub max_attempts: u32,
}

impl fmt::Debug for NewOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewOffer")
            .field("app", &self.app)
            .field("expires_at", &self.expires_at)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// Why a pre-authorized code was not redeemed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfferError {
    /// No offer has this code.
    #[error("unknown pre-authorized code")]
    Unknown,
    /// The offer expired.
    #[error("offer expired at {expired_at} (checked at {now})")]
    Expired {
        /// Its expiry.
        expired_at: u64,
        /// The time of the check.
        now: u64,
    },
    /// The code was redeemed before.
    #[error("pre-authorized code already used")]
    AlreadyUsed,
    /// The offer requires a transaction code and none was given.
    #[error("transaction code required")]
    TxCodeRequired,
    /// A transaction code was given for an offer without one.
    #[error("transaction code given but the offer has none")]
    TxCodeUnexpected,
    /// The transaction code is wrong; the attempt was counted.
    #[error("wrong transaction code ({attempts_left} attempts left)")]
    TxCodeWrong {
        /// Wrong codes still allowed; 0 means the offer is now dead.
        attempts_left: u32,
    },
    /// Too many wrong transaction codes: the offer is dead.
    #[error("too many wrong transaction codes")]
    TooManyAttempts,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OfferError {
    /// The stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unknown => "unknown_offer",
            Self::Expired { .. } => "offer_expired",
            Self::AlreadyUsed => "offer_used",
            Self::TxCodeRequired => "tx_code_required",
            Self::TxCodeUnexpected => "tx_code_unexpected",
            Self::TxCodeWrong { .. } => "tx_code_wrong",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Store(e) => e.code(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TxCodeHash {
    salt: String,
    hash: String,
}

impl TxCodeHash {
    fn new(code: &str) -> Self {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        Self {
            salt: URL_SAFE_NO_PAD.encode(salt),
            hash: URL_SAFE_NO_PAD.encode(tx_code_hash(&salt, code)),
        }
    }

    fn matches(&self, code: &str) -> Result<bool, StoreError> {
        let salt = URL_SAFE_NO_PAD.decode(&self.salt);
        let stored = URL_SAFE_NO_PAD.decode(&self.hash);
        match (salt, stored) {
            (Ok(salt), Ok(stored)) => Ok(bool::from(tx_code_hash(&salt, code).ct_eq(&stored))),
            _ => Err(StoreError::corrupt("undecodable transaction code hash")),
        }
    }
}

fn tx_code_hash(salt: &[u8], code: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(TX_CODE_DOMAIN);
    hasher.update(salt);
    hasher.update(code.as_bytes());
    hasher.finalize().into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredOffer {
    app: CredentialId,
    tx_code: Option<TxCodeHash>,
    expires_at: u64,
    max_attempts: u32,
    attempts: u32,
    used: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredToken {
    app: CredentialId,
    expires_at: u64,
}

/// The first bytes of a hash, to name an offer or token in an error without revealing it.
fn short(hash: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(hash.get(..6).unwrap_or_default())
}

impl IssuerStore {
    /// Stores an offer for a valid application. Durable before `Ok`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a transaction code of 0 or over 64 bytes or with
    /// control characters, or `max_attempts` outside 1..=[`MAX_TX_CODE_ATTEMPTS`];
    /// [`StoreError::UnknownApplication`]; [`StoreError::NotValid`] if the credential is
    /// suspended or revoked; [`StoreError::Duplicate`] if the code is stored already;
    /// [`StoreError::Unavailable`] if the write fails.
    pub fn create_offer(&self, mut offer: NewOffer) -> Result<(), StoreError> {
        if !(1..=MAX_TX_CODE_ATTEMPTS).contains(&offer.max_attempts) {
            return Err(InputError::new(
                "max_attempts",
                format!("{} outside 1..={MAX_TX_CODE_ATTEMPTS}", offer.max_attempts),
            )
            .into());
        }
        let tx_code = match offer.tx_code.take() {
            None => None,
            Some(mut code) => {
                let valid = !code.is_empty()
                    && code.len() <= MAX_TX_CODE
                    && !code.chars().any(char::is_control);
                let hashed = valid.then(|| TxCodeHash::new(&code));
                code.zeroize();
                Some(hashed.ok_or_else(|| {
                    InputError::new("tx_code", "1..=64 bytes without control characters")
                })?)
            }
        };
        let stored = StoredOffer {
            app: offer.app,
            tx_code,
            expires_at: offer.expires_at,
            max_attempts: offer.max_attempts,
            attempts: 0,
            used: false,
        };
        let code_hash = offer.code_hash;
        self.inner.queue.submit(move |txn| {
            let app: super::Application = txn
                .get_json(&keys::application(&stored.app), "application")?
                .ok_or_else(|| StoreError::UnknownApplication {
                    id: stored.app.clone(),
                })?;
            if app.status != CredentialStatus::Valid {
                return Err(StoreError::NotValid {
                    id: app.id,
                    status: app.status,
                });
            }
            let key = keys::offer(&code_hash);
            if txn.get(&key)?.is_some() {
                return Err(StoreError::Duplicate {
                    what: "offer",
                    key: short(&code_hash),
                });
            }
            txn.put_json(key, &stored)
        })?
    }

    /// Redeems a pre-authorized code: on success it is marked used in the same durable
    /// write, so of two concurrent redeems exactly one wins. A wrong transaction code
    /// counts an attempt (durably, before the answer); once `max_attempts` are spent the
    /// offer is dead. A missing or unexpected code counts nothing.
    ///
    /// # Errors
    /// The [`OfferError`] rejections in this order: `Unknown`, `AlreadyUsed`, `Expired`,
    /// `TooManyAttempts`, `TxCodeRequired`/`TxCodeUnexpected`, `TxCodeWrong`;
    /// [`OfferError::Store`] if the store fails.
    pub fn redeem_offer(
        &self,
        code_hash: &[u8; 32],
        tx_code: Option<&str>,
        now: u64,
    ) -> Result<CredentialId, OfferError> {
        let key = keys::offer(code_hash);
        let tx_code = tx_code.map(|code| zeroize::Zeroizing::new(code.to_owned()));
        let outcome = self.inner.queue.submit(move |txn| {
            let Some(mut offer) = txn.get_json::<StoredOffer>(&key, "offer")? else {
                return Err(OfferError::Unknown);
            };
            if offer.used {
                return Err(OfferError::AlreadyUsed);
            }
            if now >= offer.expires_at {
                return Err(OfferError::Expired {
                    expired_at: offer.expires_at,
                    now,
                });
            }
            if offer.attempts >= offer.max_attempts {
                return Err(OfferError::TooManyAttempts);
            }
            let verdict = match (&offer.tx_code, &tx_code) {
                (None, None) => Ok(()),
                (None, Some(_)) => return Err(OfferError::TxCodeUnexpected),
                (Some(_), None) => return Err(OfferError::TxCodeRequired),
                (Some(stored), Some(given)) if stored.matches(given)? => Ok(()),
                (Some(_), Some(_)) => {
                    offer.attempts = offer.attempts.saturating_add(1);
                    Err(OfferError::TxCodeWrong {
                        attempts_left: offer.max_attempts.saturating_sub(offer.attempts),
                    })
                }
            };
            if verdict.is_ok() {
                offer.used = true;
            }
            txn.put_json(key, &offer)?;
            // Committed either way: the use, or the counted attempt.
            Ok(verdict.map(|()| offer.app))
        });
        match outcome {
            Ok(Ok(Ok(app))) => Ok(app),
            Ok(Ok(Err(rejection)) | Err(rejection)) => Err(rejection),
            Err(store) => Err(OfferError::Store(store)),
        }
    }

    /// Stores an access token (by SHA-256) for an application. Durable before `Ok`.
    ///
    /// # Errors
    /// [`StoreError::UnknownApplication`]; [`StoreError::Duplicate`] if the token is stored
    /// already; [`StoreError::Unavailable`] if the write fails.
    pub fn create_access_token(
        &self,
        token_hash: [u8; 32],
        app: &CredentialId,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        let token = StoredToken {
            app: app.clone(),
            expires_at,
        };
        self.inner.queue.submit(move |txn| {
            if txn.get(&keys::application(&token.app))?.is_none() {
                return Err(StoreError::UnknownApplication { id: token.app });
            }
            let key = keys::token(&token_hash);
            if txn.get(&key)?.is_some() {
                return Err(StoreError::Duplicate {
                    what: "access token",
                    key: short(&token_hash),
                });
            }
            txn.put_json(key, &token)
        })?
    }

    /// The application an access token was issued for; `None` if unknown or expired
    /// (`now >= expires_at`).
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if the record cannot be decoded; [`StoreError::Unavailable`]
    /// if reading fails.
    pub fn access_token(
        &self,
        token_hash: &[u8; 32],
        now: u64,
    ) -> Result<Option<CredentialId>, StoreError> {
        let Some(bytes) = self.inner.tree.get(keys::token(token_hash))? else {
            return Ok(None);
        };
        let token: StoredToken = decode(&bytes, "access token")?;
        Ok((now < token.expires_at).then_some(token.app))
    }

    /// Removes offers and access tokens expired at `now`; returns how many. A purged
    /// offer's code then reads as unknown rather than expired or used.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if a record cannot be decoded; [`StoreError::Unavailable`]
    /// if reading or the write fails.
    pub fn purge_expired(&self, now: u64) -> Result<usize, StoreError> {
        let mut expired = Vec::new();
        for prefix in [keys::OFFER, keys::TOKEN] {
            for item in self.inner.tree.scan_prefix([prefix]) {
                let (key, value) = item?;
                let expires_at = if prefix == keys::OFFER {
                    decode::<StoredOffer>(&value, "offer")?.expires_at
                } else {
                    decode::<StoredToken>(&value, "access token")?.expires_at
                };
                if now >= expires_at {
                    expired.push(key.to_vec());
                }
            }
        }
        if expired.is_empty() {
            return Ok(0);
        }
        self.inner.queue.submit(move |txn| {
            let count = expired.len();
            for key in expired {
                txn.remove(key);
            }
            Ok::<_, StoreError>(count)
        })?
    }
}

#[cfg(test)]
#[path = "offers_tests.rs"]
mod tests;
