//! The presentation requests a checkpoint has open: one per traveller at the desk.
//!
//! A session holds what the answer is checked against (profile, `nonce`, `state`)
//! and, once answered, the outcome for the officer's screen. It lives in memory
//! only, for at most its time to live: the outcome carries the disclosed claims,
//! and a checkpoint keeps them no longer than the officer needs them (closing the
//! screen forgets them at once). A session takes one answer: a second `vp_token`
//! for the same request is a replay and is refused (OpenID4VP 1.0 §13.3 step 10:
//! the verifier "invalidates the `transaction-id`, `request-id` and `nonce`").

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use rand_core::{OsRng, RngCore};
use sigillum_credential::b64;

use crate::outcome::Outcome;

/// Sessions open at once; more are refused until some expire (a desk serves
/// one traveller at a time; thousands of open requests mean someone is flooding).
pub const MAX_SESSIONS: usize = 10_000;

/// Where a session stands.
#[derive(Debug, Clone)]
pub enum Status {
    /// Shown to the wallet, no answer yet.
    Waiting,
    /// An answer arrived and is being verified; any other answer is a replay.
    Verifying,
    /// An answer arrived and was verified (valid or not).
    Answered(Arc<Outcome>),
    /// The wallet declined or failed (§8.5), with its error code and description.
    Refused {
        /// `access_denied`, `invalid_request`, …
        error: String,
        /// The wallet's sentence, if any.
        description: Option<String>,
    },
}

/// One open request.
#[derive(Debug, Clone)]
pub struct Session {
    /// The request's id (in its `request_uri` and `response_uri`).
    pub id: String,
    /// The checkpoint profile asked for.
    pub profile: String,
    /// The KB-JWT `nonce` expected (§5.2: fresh, at least 128 bits).
    pub nonce: String,
    /// The `state` expected back (§5.3).
    pub state: String,
    /// Unix seconds when it was created.
    pub created: i64,
    /// Unix seconds after which it is forgotten.
    pub expires: i64,
    /// The signed request object as an `SG1R:` QR text, for a wallet offline.
    pub offline_qr: Option<String>,
    /// Where it stands.
    pub status: Status,
}

/// Why a session could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// No such session, or it expired and was forgotten.
    #[error("no open presentation request with this id (it may have expired or been closed)")]
    Unknown,
    /// It was answered already: a second answer is a replay.
    #[error("this presentation request was already answered; a second answer is refused")]
    Replayed,
    /// The answer's `state` is not the request's.
    #[error("the answer's state does not match the request's")]
    StateMismatch,
    /// Too many open sessions.
    #[error("too many open presentation requests ({MAX_SESSIONS}); try again shortly")]
    Full,
}

impl SessionError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            SessionError::Unknown => "request_unknown",
            SessionError::Replayed => "vp_token_replayed",
            SessionError::StateMismatch => "state_mismatch",
            SessionError::Full => "too_many_requests",
        }
    }
}

/// A fresh random value of 128 bits, base64url (for ids, nonces and states).
#[must_use]
pub fn fresh() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    b64::encode(bytes)
}

/// The open sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves plain data; keep serving.
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens a session for `profile`, alive `ttl_secs` from `now`.
    ///
    /// # Errors
    /// [`SessionError::Full`] when [`MAX_SESSIONS`] are open and none has expired.
    pub fn open(&self, profile: &str, now: i64, ttl_secs: i64) -> Result<Session, SessionError> {
        let mut open = self.lock();
        if open.len() >= MAX_SESSIONS {
            open.retain(|_, s| s.expires > now);
            if open.len() >= MAX_SESSIONS {
                return Err(SessionError::Full);
            }
        }
        let session = Session {
            id: fresh(),
            profile: profile.to_owned(),
            nonce: fresh(),
            state: fresh(),
            created: now,
            expires: now.saturating_add(ttl_secs),
            offline_qr: None,
            status: Status::Waiting,
        };
        open.insert(session.id.clone(), session.clone());
        Ok(session)
    }

    /// The session `id`, if open and not expired.
    ///
    /// # Errors
    /// [`SessionError::Unknown`].
    pub fn get(&self, id: &str, now: i64) -> Result<Session, SessionError> {
        let mut open = self.lock();
        match open.get(id) {
            Some(s) if s.expires > now => Ok(s.clone()),
            Some(_) => {
                open.remove(id);
                Err(SessionError::Unknown)
            }
            None => Err(SessionError::Unknown),
        }
    }

    /// Claims the session for an answer carrying `state`: it must be waiting; from
    /// here on any other answer is a replay. The caller verifies, then calls
    /// [`Sessions::settle`].
    ///
    /// # Errors
    /// [`SessionError::Unknown`], [`SessionError::Replayed`] or
    /// [`SessionError::StateMismatch`] (which does not claim the session: a forged
    /// answer cannot burn a traveller's request).
    pub fn claim(&self, id: &str, state: Option<&str>, now: i64) -> Result<Session, SessionError> {
        let mut open = self.lock();
        let session = match open.get_mut(id) {
            Some(s) if s.expires > now => s,
            _ => return Err(SessionError::Unknown),
        };
        if !matches!(session.status, Status::Waiting) {
            return Err(SessionError::Replayed);
        }
        if state != Some(session.state.as_str()) {
            return Err(SessionError::StateMismatch);
        }
        session.status = Status::Verifying;
        Ok(session.clone())
    }

    /// Keeps the offline request QR text of session `id` (drawn on every refresh
    /// of the screen, so it must not change).
    pub fn attach_offline_qr(&self, id: &str, text: String) {
        if let Some(session) = self.lock().get_mut(id) {
            session.offline_qr = Some(text);
        }
    }

    /// Records the verified outcome (or refusal) of a claimed session.
    pub fn settle(&self, id: &str, status: Status) {
        if let Some(session) = self.lock().get_mut(id) {
            session.status = status;
        }
    }

    /// Forgets session `id` and its outcome (the officer closed the screen).
    pub fn close(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    /// Forgets every expired session; returns how many are still open.
    pub fn sweep(&self, now: i64) -> usize {
        let mut open = self.lock();
        open.retain(|_, s| s.expires > now);
        open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_takes_one_answer_and_refuses_the_replay() {
        let sessions = Sessions::default();
        let s = sessions.open("border", 100, 60).expect("open");
        assert_ne!(s.nonce, s.state);
        assert_eq!(s.nonce.len(), 22, "128 bits, base64url");
        assert_eq!(
            sessions.claim(&s.id, Some("wrong"), 101).map(|_| ()),
            Err(SessionError::StateMismatch)
        );
        assert!(sessions.claim(&s.id, Some(&s.state), 101).is_ok());
        assert_eq!(
            sessions.claim(&s.id, Some(&s.state), 102).map(|_| ()),
            Err(SessionError::Replayed)
        );
        sessions.settle(
            &s.id,
            Status::Refused {
                error: "access_denied".into(),
                description: None,
            },
        );
        assert_eq!(
            sessions.claim(&s.id, Some(&s.state), 103).map(|_| ()),
            Err(SessionError::Replayed)
        );
    }

    #[test]
    fn sessions_expire_and_close() {
        let sessions = Sessions::default();
        let s = sessions.open("border", 100, 60).expect("open");
        assert!(sessions.get(&s.id, 159).is_ok());
        assert_eq!(
            sessions.get(&s.id, 160).map(|_| ()),
            Err(SessionError::Unknown)
        );
        let t = sessions.open("border", 100, 60).expect("open");
        assert!(sessions.close(&t.id));
        assert_eq!(
            sessions.claim(&t.id, Some(&t.state), 101).map(|_| ()),
            Err(SessionError::Unknown)
        );
        assert_eq!(sessions.sweep(200), 0);
    }

    #[test]
    fn a_full_table_refuses_until_sessions_expire() {
        let sessions = Sessions::default();
        for _ in 0..MAX_SESSIONS {
            sessions.open("border", 0, 10).expect("open");
        }
        assert_eq!(
            sessions.open("border", 5, 10).map(|_| ()),
            Err(SessionError::Full)
        );
        assert!(
            sessions.open("border", 10, 10).is_ok(),
            "expired ones swept"
        );
    }
}
