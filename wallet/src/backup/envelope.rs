//! The backup's envelope: a JWE in compact serialization (RFC 7516 §7.1) with
//! password-based key wrapping `PBES2-HS512+A256KW` (RFC 7518 §4.8) and content
//! encryption `A256GCM` (RFC 7518 §5.3), made and opened by josekit.
//!
//! The protected header is pinned, not obeyed: a backup is opened only if its
//! header is exactly `{alg, enc, cty, p2s, p2c}` with the values this module
//! writes and an iteration count in [`MIN_P2C`]`..=`[`MAX_P2C`]. Every segment is
//! checked to be canonical base64url of the length its algorithm fixes before
//! josekit sees the text, so a crafted file is refused before any key derivation
//! (and `zip`, which would inflate the plaintext, is never honoured).

use josekit::jwe::{self, JweHeader, PBES2_HS512_A256KW};
use serde_json::{Map, Value};
use sigillum_credential::b64;
use zeroize::Zeroizing;

use super::error::BackupError;

/// The backup's content type (RFC 7516 §4.1.12 `cty`): the plaintext is the JSON
/// backup document, format version 1.
pub const CONTENT_TYPE: &str = "application/vnd.sigillum.wallet-backup+json";

/// Key management algorithm (RFC 7518 §4.8).
const ALG: &str = "PBES2-HS512+A256KW";
/// Content encryption algorithm (RFC 7518 §5.3).
const ENC: &str = "A256GCM";

/// The PBKDF2 iteration count written by default: above OWASP's 210,000 for
/// PBKDF2-HMAC-SHA512, since a backup file may be attacked offline.
pub const DEFAULT_P2C: u32 = 600_000;
/// The least iteration count accepted (RFC 7518 §4.8.1.2: "A minimum iteration
/// count of 1000 is RECOMMENDED").
pub const MIN_P2C: u32 = 1_000;
/// The most iteration count accepted, written or read. josekit refuses to derive
/// with more than 1,000,000 iterations, so a larger count could be written but
/// never restored.
pub const MAX_P2C: u32 = 1_000_000;
/// Bytes of random PBES2 salt input (`p2s`, RFC 7518 §4.8.1.1: at least 8).
const SALT_LEN: usize = 16;

/// The largest backup a restore reads, checked before anything is parsed.
pub const MAX_BACKUP_LEN: usize = 64 * 1024 * 1024;
/// The shortest passphrase a backup is written with.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Longest protected header accepted, in base64url characters.
const MAX_HEADER_CHARS: usize = 1024;
/// The wrapped 256-bit content key: 32 bytes plus the 8-byte AES-KW block (RFC 3394).
const WRAPPED_KEY_LEN: usize = 40;
/// AES-GCM initialization vector, RFC 7518 §5.3.
const IV_LEN: usize = 12;
/// AES-GCM authentication tag, RFC 7518 §5.3.
const TAG_LEN: usize = 16;

fn malformed(why: &str) -> BackupError {
    BackupError::Malformed(why.to_owned())
}

fn check_p2c(p2c: u64) -> Result<u32, BackupError> {
    u32::try_from(p2c)
        .ok()
        .filter(|c| (MIN_P2C..=MAX_P2C).contains(c))
        .ok_or(BackupError::KdfCostOutOfRange {
            p2c,
            min: MIN_P2C,
            max: MAX_P2C,
        })
}

/// Encrypts `plain` under `passphrase` with `p2c` PBKDF2 iterations and a fresh
/// random salt and content key.
///
/// # Errors
/// [`BackupError::KdfCostOutOfRange`], [`BackupError::PassphraseTooShort`], or
/// [`BackupError::Encrypt`] when josekit fails.
pub(super) fn seal(plain: &[u8], passphrase: &str, p2c: u32) -> Result<String, BackupError> {
    let p2c = check_p2c(u64::from(p2c))?;
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(BackupError::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    let encrypt = |e: josekit::JoseError| BackupError::Encrypt(e.to_string());
    let mut encrypter = PBES2_HS512_A256KW
        .encrypter_from_bytes(passphrase.as_bytes())
        .map_err(encrypt)?;
    // Both setters panic below their minimum (8 bytes, 1000): checked above.
    encrypter.set_salt_len(SALT_LEN);
    encrypter.set_iter_count(p2c as usize);
    let mut header = JweHeader::new();
    header.set_content_encryption(ENC);
    header.set_content_type(CONTENT_TYPE);
    jwe::serialize_compact(plain, &header, &encrypter).map_err(encrypt)
}

/// A backup whose envelope was checked, not yet decrypted.
#[derive(Debug)]
pub(super) struct Envelope<'a> {
    text: &'a str,
}

impl<'a> Envelope<'a> {
    /// Checks the size, the five segments and the pinned header of `text`.
    ///
    /// # Errors
    /// [`BackupError::TooLarge`] (checked first), [`BackupError::KdfCostOutOfRange`],
    /// [`BackupError::Malformed`].
    pub(super) fn parse(text: &'a str) -> Result<Self, BackupError> {
        if text.len() > MAX_BACKUP_LEN {
            return Err(BackupError::TooLarge {
                len: text.len(),
                max: MAX_BACKUP_LEN,
            });
        }
        let text = text.trim();
        let segments: Vec<&str> = text.split('.').collect();
        let [header, wrapped_key, iv, ciphertext, tag] = segments.as_slice() else {
            return Err(malformed(
                "it is not a JWE in compact serialization (five base64url parts separated by dots, RFC 7516 §7.1)",
            ));
        };
        check_header(header)?;
        for (segment, len, name) in [
            (wrapped_key, WRAPPED_KEY_LEN, "wrapped key"),
            (iv, IV_LEN, "initialization vector"),
            (tag, TAG_LEN, "authentication tag"),
        ] {
            match b64::decode_capped(segment, 2 * len) {
                Ok(bytes) if bytes.len() == len => {}
                _ => {
                    return Err(BackupError::Malformed(format!(
                        "its {name} is not {len} bytes of base64url"
                    )));
                }
            }
        }
        if b64::decode(ciphertext).is_err() {
            return Err(malformed("its ciphertext is not base64url"));
        }
        Ok(Envelope { text })
    }

    /// Derives the key from `passphrase`, unwraps the content key and decrypts.
    ///
    /// # Errors
    /// [`BackupError::WrongPassphrase`] when the key does not unwrap or the
    /// content does not authenticate.
    pub(super) fn open(&self, passphrase: &str) -> Result<Zeroizing<Vec<u8>>, BackupError> {
        let decrypter = PBES2_HS512_A256KW
            .decrypter_from_bytes(passphrase.as_bytes())
            .map_err(|_| BackupError::WrongPassphrase)?;
        // Everything but the cryptography was checked in `parse`, so a failure
        // here is a wrong passphrase or altered bytes.
        let (plain, _) = jwe::deserialize_compact(self.text, &decrypter)
            .map_err(|_| BackupError::WrongPassphrase)?;
        Ok(Zeroizing::new(plain))
    }
}

/// The protected header must be exactly what [`seal`] writes.
fn check_header(encoded: &str) -> Result<(), BackupError> {
    let bytes = b64::decode_capped(encoded, MAX_HEADER_CHARS)
        .map_err(|_| malformed("its protected header is not base64url"))?;
    let header: Map<String, Value> = serde_json::from_slice(&bytes)
        .map_err(|_| malformed("its protected header is not a JSON object"))?;
    let text = |name: &str| header.get(name).and_then(Value::as_str);
    if text("alg") != Some(ALG) || text("enc") != Some(ENC) {
        return Err(BackupError::Malformed(format!(
            "it is not encrypted with a passphrase as backups are (alg {ALG}, enc {ENC})"
        )));
    }
    if text("cty") != Some(CONTENT_TYPE) {
        return Err(BackupError::Malformed(format!(
            "its content type is not {CONTENT_TYPE}"
        )));
    }
    if let Some(extra) = header
        .keys()
        .find(|k| !["alg", "enc", "cty", "p2s", "p2c"].contains(&k.as_str()))
    {
        return Err(BackupError::Malformed(format!(
            "its protected header has a member {extra:?} that backups never carry"
        )));
    }
    let p2c = header
        .get("p2c")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("its protected header has no whole-number p2c"))?;
    check_p2c(p2c)?;
    match text("p2s").map(|s| b64::decode_capped(s, 128)) {
        Some(Ok(salt)) if salt.len() >= SALT_LEN => Ok(()),
        _ => Err(BackupError::Malformed(format!(
            "its p2s is not at least {SALT_LEN} bytes of base64url"
        ))),
    }
}
