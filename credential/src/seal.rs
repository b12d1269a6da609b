//! Secrets at rest: a key stretched from a passphrase or PIN with Argon2id
//! (RFC 9106), and records sealed under it with XChaCha20-Poly1305 (a random
//! 192-bit nonce per record, so one key seals millions of records safely), with
//! associated data binding each record to its name. The issuer's sealed keys and
//! the wallet's vault both use this; neither stores the passphrase.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Nonce bytes in front of every sealed record.
pub const NONCE_LEN: usize = 24;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// OWASP's minimum recommendation for Argon2id: 19 MiB, 2 passes, 1 lane.
    pub const RECOMMENDED: Self = KdfParams {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };
    /// The most a stored parameter set may ask for, so a crafted file cannot make us
    /// allocate gigabytes or spin for hours.
    pub const MAX: Self = KdfParams {
        m_kib: 1024 * 1024,
        t: 16,
        p: 4,
    };
}

/// Why sealing or opening failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The stored KDF parameters are out of bounds or invalid.
    #[error("key derivation parameters refused: {0}")]
    Params(String),
    /// Authentication failed: wrong key (passphrase, PIN), or the record was altered
    /// or moved to another name.
    #[error("the sealed record does not open: wrong key, or it was altered")]
    WrongKey,
    /// Too short to be a sealed record.
    #[error("the sealed record is truncated")]
    Truncated,
}

impl SealError {
    /// The stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            SealError::Params(_) => "seal_params_invalid",
            SealError::WrongKey => "seal_wrong_key",
            SealError::Truncated => "seal_truncated",
        }
    }
}

/// A fresh random salt (128 bits).
#[must_use]
pub fn salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    salt
}

/// A 256-bit key from `secret` (a passphrase or PIN) and `salt`, by Argon2id.
///
/// # Errors
/// [`SealError::Params`] for parameters beyond [`KdfParams::MAX`] or invalid.
pub fn derive_key(
    secret: &[u8],
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, SealError> {
    let max = KdfParams::MAX;
    if params.m_kib > max.m_kib || params.t > max.t || params.p > max.p || params.p == 0 {
        return Err(SealError::Params(format!(
            "m={} KiB t={} p={} is beyond m≤{} t≤{} p≤{}",
            params.m_kib, params.t, params.p, max.m_kib, max.t, max.p
        )));
    }
    let argon = Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|e| SealError::Params(e.to_string()))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon)
        .hash_password_into(secret, salt, key.as_mut())
        .map_err(|e| SealError::Params(e.to_string()))?;
    Ok(key)
}

/// Seals `plaintext` under `key`, bound to `aad`: `nonce ‖ ciphertext+tag`.
#[must_use]
pub fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let sealed = XChaCha20Poly1305::new(key.into())
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        // Encryption fails only for plaintexts beyond 256 GiB.
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Opens a record made by [`seal`] with the same `key` and `aad`.
///
/// # Errors
/// [`SealError::Truncated`] or [`SealError::WrongKey`].
pub fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let (nonce, ciphertext) = sealed
        .split_first_chunk::<NONCE_LEN>()
        .ok_or(SealError::Truncated)?;
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            &XNonce::from(*nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::WrongKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    #[test]
    fn round_trip_and_every_kind_of_wrong() {
        let salt = salt();
        let key = derive_key(b"246810", &salt, FAST).unwrap();
        let sealed = seal(&key, b"credential/1", b"ERIKSSON");
        assert!(!sealed.windows(8).any(|w| w == b"ERIKSSON"));
        assert_eq!(
            open(&key, b"credential/1", &sealed).unwrap().as_slice(),
            b"ERIKSSON"
        );
        let other = derive_key(b"246811", &salt, FAST).unwrap();
        assert_eq!(
            open(&other, b"credential/1", &sealed),
            Err(SealError::WrongKey)
        );
        assert_eq!(
            open(&key, b"credential/2", &sealed),
            Err(SealError::WrongKey),
            "moved record"
        );
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert_eq!(
            open(&key, b"credential/1", &flipped),
            Err(SealError::WrongKey)
        );
        assert_eq!(
            open(&key, b"credential/1", &sealed[..10]),
            Err(SealError::Truncated)
        );
    }

    #[test]
    fn crafted_parameters_are_refused_before_any_work() {
        let huge = KdfParams {
            m_kib: u32::MAX,
            t: 1,
            p: 1,
        };
        assert_eq!(
            derive_key(b"x", &salt(), huge).unwrap_err().code(),
            "seal_params_invalid"
        );
    }
}
