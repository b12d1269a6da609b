//! Officers and their bearer tokens.
//!
//! A token reads `sgo_<id>_<secret>`: `id` is 96 random bits (16 base64url characters)
//! naming the officer record, so lookup is one key read; `secret` is 256 random bits (43
//! characters). The store keeps only an Argon2id PHC string of the secret (OWASP
//! parameters: 19 MiB, 2 passes) — a stolen database yields no usable token.
//!
//! Argon2id takes tens of milliseconds, and the issuer must serve thousands of requests
//! per second, so a token that verified once is remembered for the life of the process:
//! the cache maps the officer id to SHA-256 of the whole token, compared in constant time.
//! Argon2id therefore runs once per token per process; only correct tokens are cached, so
//! the cache holds at most one entry per officer.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::applications::check_acting_officer;
use super::audit::AuditEntry;
use super::error::StoreError;
use super::types::{InputError, MAX_DETAIL, Officer, Role};
use super::writer::decode;
use super::{IssuerStore, keys, unix_now};

const TOKEN_PREFIX: &str = "sgo_";
const ID_LEN: usize = 16;
const SECRET_LEN: usize = 43;
const MAX_ROLES: usize = 32;

/// A bearer token, shown once. Not `Display`, `Debug` hides it, zeroized on drop.
pub struct SecretToken(Zeroizing<String>);

impl SecretToken {
    /// The token text, to hand to the officer exactly once.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretToken").finish_non_exhaustive()
    }
}

/// Why a bearer token was refused. The HTTP layer answers 401 for all of them alike; the
/// variants are for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Not of the form `sgo_<16 chars>_<43 chars>` in base64url.
    #[error("malformed officer token")]
    Malformed,
    /// No officer has the token's id.
    #[error("unknown officer token")]
    UnknownOfficer,
    /// The officer exists but the secret is wrong.
    #[error("wrong officer token secret")]
    WrongSecret,
    /// The store could not check.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// The stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "token_malformed",
            Self::UnknownOfficer => "token_unknown",
            Self::WrongSecret => "token_wrong",
            Self::Store(e) => e.code(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredOfficer {
    id: String,
    name: String,
    roles: Vec<Role>,
    /// Argon2id PHC string of the token's secret part.
    secret_hash: String,
    created: u64,
}

/// Tokens verified in this process: officer id → (SHA-256 of the token, the officer).
#[derive(Debug, Default)]
pub(super) struct Cache {
    verified: RwLock<HashMap<String, ([u8; 32], Officer)>>,
}

fn random_text(bytes: usize) -> Zeroizing<String> {
    let mut raw = Zeroizing::new(vec![0u8; bytes]);
    OsRng.fill_bytes(&mut raw);
    Zeroizing::new(URL_SAFE_NO_PAD.encode(&*raw))
}

fn is_base64url(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits a token into (id, secret) if it has the exact shape.
fn parse_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let id = rest.get(..ID_LEN)?;
    let secret = rest.get(ID_LEN..)?.strip_prefix('_')?;
    (secret.len() == SECRET_LEN && is_base64url(id) && is_base64url(secret)).then_some((id, secret))
}

fn internal(what: &str, e: &password_hash::Error) -> StoreError {
    StoreError::unavailable(format!("{what}: {e}"))
}

impl IssuerStore {
    /// Creates an officer and returns its bearer token — the only time it exists outside
    /// the officer's hands. Appends `{officer: "system", action: "add_officer", detail:
    /// "<name> <roles>"}`. Durable before `Ok`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a malformed or reserved name, or no roles / more than
    /// 32; [`StoreError::Duplicate`] if the name is taken; [`StoreError::Unavailable`] if
    /// hashing or the write fails.
    pub fn add_officer(&self, name: &str, roles: &[Role]) -> Result<SecretToken, StoreError> {
        check_acting_officer(name)?;
        if roles.is_empty() || roles.len() > MAX_ROLES {
            return Err(InputError::new("roles", format!("expected 1..={MAX_ROLES}")).into());
        }
        let mut unique: Vec<Role> = Vec::with_capacity(roles.len());
        for role in roles {
            if !unique.contains(role) {
                unique.push(role.clone());
            }
        }
        let id = random_text(12).to_string();
        let secret = random_text(32);
        let token = SecretToken(Zeroizing::new(format!("{TOKEN_PREFIX}{id}_{}", *secret)));
        let salt = SaltString::generate(&mut OsRng);
        let secret_hash = Argon2::default()
            .hash_password(secret.as_bytes(), &salt)
            .map_err(|e| internal("hash officer secret", &e))?
            .to_string();
        let roles_text: Vec<String> = unique.iter().map(Role::to_string).collect();
        let mut detail = format!("{name} {}", roles_text.join(","));
        if detail.len() > MAX_DETAIL {
            detail = format!("{name} ({} roles)", unique.len());
        }
        let record = StoredOfficer {
            id,
            name: name.to_owned(),
            roles: unique,
            secret_hash,
            created: unix_now(),
        };
        self.inner.queue.submit(move |txn| {
            let name_key = keys::officer_name(&record.name);
            if txn.get(&name_key)?.is_some() {
                return Err(StoreError::Duplicate {
                    what: "officer",
                    key: record.name,
                });
            }
            let key = keys::officer(&record.id);
            if txn.get(&key)?.is_some() {
                return Err(StoreError::Duplicate {
                    what: "officer id",
                    key: record.id,
                });
            }
            txn.insert(name_key, record.id.as_bytes().to_vec());
            txn.put_json(key, &record)?;
            txn.audit(AuditEntry {
                officer: "system".into(),
                action: "add_officer".into(),
                credential: None,
                detail,
                time: record.created,
            })?;
            Ok(())
        })??;
        Ok(token)
    }

    /// Verifies a bearer token and returns its officer. Argon2id runs the first time a
    /// token is seen in this process; later calls compare SHA-256 of the token with the
    /// cached one in constant time.
    ///
    /// # Errors
    /// [`AuthError::Malformed`], [`AuthError::UnknownOfficer`], [`AuthError::WrongSecret`];
    /// [`AuthError::Store`] if the officer record cannot be read or its hash is corrupt.
    pub fn authenticate(&self, token: &str) -> Result<Officer, AuthError> {
        let (id, secret) = parse_token(token).ok_or(AuthError::Malformed)?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        {
            let verified = self
                .inner
                .officers
                .verified
                .read()
                .map_err(|_| StoreError::unavailable("officer cache lock poisoned"))?;
            if let Some((known, officer)) = verified.get(id)
                && bool::from(known.ct_eq(&digest))
            {
                return Ok(officer.clone());
            }
        }
        let bytes = self
            .inner
            .tree
            .get(keys::officer(id))
            .map_err(StoreError::from)?
            .ok_or(AuthError::UnknownOfficer)?;
        let record: StoredOfficer = decode(&bytes, "officer")?;
        let hash = PasswordHash::new(&record.secret_hash).map_err(|e| {
            StoreError::corrupt(format!("officer {} secret hash: {e}", record.name))
        })?;
        match Argon2::default().verify_password(secret.as_bytes(), &hash) {
            Ok(()) => {}
            Err(password_hash::Error::Password) => return Err(AuthError::WrongSecret),
            Err(e) => return Err(internal("verify officer secret", &e).into()),
        }
        let officer = Officer {
            name: record.name,
            roles: record.roles,
        };
        self.inner
            .officers
            .verified
            .write()
            .map_err(|_| StoreError::unavailable("officer cache lock poisoned"))?
            .insert(record.id, (digest, officer.clone()));
        Ok(officer)
    }

    /// Every officer, by name.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if a record cannot be decoded; [`StoreError::Unavailable`]
    /// if reading fails.
    pub fn officers(&self) -> Result<Vec<Officer>, StoreError> {
        let mut officers = Vec::new();
        for item in self.inner.tree.scan_prefix([keys::OFFICER]) {
            let (_, value) = item?;
            let record: StoredOfficer = decode(&value, "officer")?;
            officers.push(Officer {
                name: record.name,
                roles: record.roles,
            });
        }
        officers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(officers)
    }
}

#[cfg(test)]
#[path = "officers_tests.rs"]
mod tests;
