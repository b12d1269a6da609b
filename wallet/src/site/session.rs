//! Sessions: a random 256-bit token in the `sigillum_wallet` cookie names an
//! unlocked vault held in memory; the map is keyed by the token's SHA-256, so a
//! memory dump of the map does not hold usable cookies. Each session has its own
//! CSRF token, put into every form and checked on every POST, and at most one
//! presentation waiting for consent. A session closes on logout or after the idle
//! time; the vault's key is dropped (zeroized) with the last session holding it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use sha2::{Digest, Sha256};
use sigillum_credential::b64;
use sigillum_credential::oid4vp::AuthorizationRequest;
use sigillum_web::page::{cookie, see_other};

use super::Site;
use crate::present::Plan;
use crate::vault::Vault;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "sigillum_wallet";
/// Most sessions held at once; the oldest idle one goes first beyond it.
const MAX_SESSIONS: usize = 10_000;
/// A token is 32 random bytes in base64url: 43 characters.
const TOKEN_CHARS: usize = 43;

/// A presentation request waiting for the citizen's consent.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub request: AuthorizationRequest,
    pub plan: Plan,
    /// Read from an offline request QR (`SG1R:`): the answer can only be a QR.
    pub offline: bool,
}

struct Entry {
    user: String,
    vault: Arc<Vault>,
    csrf: String,
    pending: Option<Pending>,
    last_seen: Instant,
}

/// The open sessions.
pub(crate) struct Sessions {
    map: Mutex<HashMap<[u8; 32], Entry>>,
    idle: Duration,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    b64::encode(bytes)
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Sessions {
    pub(crate) fn new(idle: Duration) -> Self {
        Sessions {
            map: Mutex::new(HashMap::new()),
            idle,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens a session on `vault`; returns its token.
    pub(crate) fn open(&self, user: String, vault: Arc<Vault>) -> String {
        let token = random_token();
        let now = Instant::now();
        let mut map = self.lock();
        map.retain(|_, e| now.duration_since(e.last_seen) < self.idle);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map.iter().min_by_key(|(_, e)| e.last_seen).map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        map.insert(
            key(&token),
            Entry {
                user,
                vault,
                csrf: random_token(),
                pending: None,
                last_seen: now,
            },
        );
        token
    }

    /// The session `token` names, if open and not idle too long (which closes it).
    fn touch(&self, token: &str) -> Option<Unlocked> {
        let mut map = self.lock();
        let k = key(token);
        let now = Instant::now();
        let entry = map.get_mut(&k)?;
        if now.duration_since(entry.last_seen) >= self.idle {
            map.remove(&k);
            return None;
        }
        entry.last_seen = now;
        Some(Unlocked {
            token: token.to_owned(),
            user: entry.user.clone(),
            vault: Arc::clone(&entry.vault),
            csrf: entry.csrf.clone(),
        })
    }

    pub(crate) fn close(&self, token: &str) {
        self.lock().remove(&key(token));
    }

    pub(crate) fn set_pending(&self, token: &str, pending: Option<Pending>) {
        if let Some(entry) = self.lock().get_mut(&key(token)) {
            entry.pending = pending;
        }
    }

    pub(crate) fn pending(&self, token: &str) -> Option<Pending> {
        self.lock().get(&key(token)).and_then(|e| e.pending.clone())
    }
}

/// An unlocked session; extracting it sends anyone else to the unlock page.
pub(crate) struct Unlocked {
    pub token: String,
    pub user: String,
    pub vault: Arc<Vault>,
    pub csrf: String,
}

impl FromRequestParts<Arc<Site>> for Unlocked {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        site: &Arc<Site>,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers);
        match token.and_then(|t| site.sessions.touch(t)) {
            Some(unlocked) => Ok(unlocked),
            None => {
                let mut response = see_other("/unlock");
                if token.is_some() {
                    response
                        .headers_mut()
                        .insert(header::SET_COOKIE, clear_cookie(site));
                }
                Err(response)
            }
        }
    }
}

/// The session token in the request's cookie, if any.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, COOKIE, TOKEN_CHARS)
}

/// Whether the request belongs to an open session.
pub(crate) fn is_unlocked(site: &Site, headers: &HeaderMap) -> bool {
    session_token(headers).is_some_and(|t| site.sessions.touch(t).is_some())
}

/// The `Set-Cookie` value that opens `token`'s session in the browser.
pub(crate) fn set_cookie(site: &Site, token: &str) -> HeaderValue {
    let secure = if site.secure() { "; Secure" } else { "" };
    let mut value = HeaderValue::from_str(&format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{secure}"
    ))
    .unwrap_or_else(|_| clear_cookie(site));
    value.set_sensitive(true);
    value
}

/// The `Set-Cookie` value that removes the cookie.
pub(crate) fn clear_cookie(site: &Site) -> HeaderValue {
    if site.secure() {
        HeaderValue::from_static(
            "sigillum_wallet=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/; Secure",
        )
    } else {
        HeaderValue::from_static("sigillum_wallet=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/")
    }
}
