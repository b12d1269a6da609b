//! `c_nonce` values (OpenID4VCI 1.0 §7): issued by the nonce endpoint, each
//! accepted in proofs of one credential request only, until it expires. Held in
//! memory: after a restart a wallet gets `invalid_nonce` and asks for a fresh one,
//! which the spec provides for (§8.3.1.2).

use std::collections::HashMap;
use std::sync::Mutex;

use rand_core::{OsRng, RngCore};
use sigillum_credential::b64;

/// Why a nonce was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NonceError {
    /// Never issued, already used, or forgotten by a restart.
    #[error(
        "the c_nonce is unknown or was already used; request a fresh one from the nonce endpoint"
    )]
    Unknown,
    /// Issued but expired.
    #[error("the c_nonce expired at {expired_at} (now {now}); request a fresh one")]
    Expired {
        /// Its expiry, Unix seconds.
        expired_at: i64,
        /// Now.
        now: i64,
    },
    /// Too many outstanding nonces: the endpoint is being flooded.
    #[error("too many outstanding nonces; try again shortly")]
    Full,
}

/// The outstanding nonces and their expiry.
#[derive(Debug)]
pub struct NonceBook {
    ttl: i64,
    capacity: usize,
    live: Mutex<HashMap<String, i64>>,
}

impl NonceBook {
    /// A book whose nonces live `ttl` seconds, holding at most `capacity`.
    #[must_use]
    pub fn new(ttl: i64, capacity: usize) -> Self {
        NonceBook {
            ttl,
            capacity,
            live: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh nonce (128 random bits).
    ///
    /// # Errors
    /// [`NonceError::Full`] when `capacity` nonces are outstanding and unexpired.
    pub fn issue(&self, now: i64) -> Result<(String, i64), NonceError> {
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        let nonce = b64::encode(bytes);
        let expires = now + self.ttl;
        let mut live = self.live.lock().map_err(|_| NonceError::Full)?;
        if live.len() >= self.capacity {
            live.retain(|_, exp| *exp > now);
            if live.len() >= self.capacity {
                return Err(NonceError::Full);
            }
        }
        live.insert(nonce.clone(), expires);
        Ok((nonce, expires))
    }

    /// Consumes `nonce`: it is accepted once.
    ///
    /// # Errors
    /// [`NonceError::Unknown`] or [`NonceError::Expired`].
    pub fn consume(&self, nonce: &str, now: i64) -> Result<(), NonceError> {
        let mut live = self.live.lock().map_err(|_| NonceError::Unknown)?;
        match live.remove(nonce) {
            None => Err(NonceError::Unknown),
            Some(expired_at) if expired_at <= now => Err(NonceError::Expired { expired_at, now }),
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_and_not_after_expiry() {
        let book = NonceBook::new(10, 100);
        let (n, exp) = book.issue(100).unwrap();
        assert_eq!(exp, 110);
        assert_eq!(book.consume(&n, 105), Ok(()));
        assert_eq!(book.consume(&n, 105), Err(NonceError::Unknown));
        let (m, _) = book.issue(100).unwrap();
        assert_eq!(
            book.consume(&m, 110),
            Err(NonceError::Expired {
                expired_at: 110,
                now: 110
            })
        );
        assert_eq!(book.consume("never-issued", 100), Err(NonceError::Unknown));
    }

    #[test]
    fn capacity_is_bounded_and_expired_ones_make_room() {
        let book = NonceBook::new(10, 2);
        book.issue(0).unwrap();
        book.issue(0).unwrap();
        assert_eq!(book.issue(5).unwrap_err(), NonceError::Full);
        assert!(book.issue(10).is_ok());
    }
}
