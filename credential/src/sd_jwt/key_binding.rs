//! Key Binding JWTs (RFC 9901 §4.3, §7.3 step 5): the holder signs `iat`, `aud`,
//! `nonce` and `sd_hash` with the key the issuer put in `cnf`, proving possession
//! and binding the presentation to one verifier and one transaction.

use serde_json::{Map, Value};

use super::{SdJwtError, sd_hash};
use crate::jws::{self, CompactJws};
use crate::key::{Alg, PublicKey, SigningKey};
use crate::time::Timestamp;

/// The `typ` of a KB-JWT (§4.3).
pub const KB_TYP: &str = "kb+jwt";

/// What the verifier requires of key binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbPolicy {
    /// Refuse a presentation without a KB-JWT (§7.3 step 2). Decided by policy,
    /// never by whether the holder sent one (§7.3 step 1).
    pub required: bool,
    /// The nonce the verifier issued; `None` skips the comparison (offline tooling only).
    pub nonce: Option<String>,
    /// The verifier's identifier expected in `aud`; `None` skips the comparison.
    pub aud: Option<String>,
    /// The verifier's time.
    pub now: Timestamp,
    /// Oldest acceptable `iat`, in seconds before `now`.
    pub max_age_secs: i64,
    /// Allowed clock skew for an `iat` in the future, in seconds.
    pub leeway_secs: i64,
}

impl KbPolicy {
    /// No key binding required (a KB-JWT, if present, is still checked for
    /// signature and `sd_hash`, not for nonce or audience).
    #[must_use]
    pub fn not_required() -> Self {
        KbPolicy {
            required: false,
            nonce: None,
            aud: None,
            now: Timestamp::from_unix(0),
            max_age_secs: i64::MAX,
            leeway_secs: i64::MAX,
        }
    }

    /// Key binding required for this verifier, transaction and time (5 minutes
    /// maximum age and 60 seconds of skew, as OpenID4VP deployments commonly use).
    #[must_use]
    pub fn required(nonce: &str, aud: &str, now: Timestamp) -> Self {
        KbPolicy {
            required: true,
            nonce: Some(nonce.to_owned()),
            aud: Some(aud.to_owned()),
            now,
            max_age_secs: 300,
            leeway_secs: 60,
        }
    }
}

/// The verified claims of a KB-JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBindingClaims {
    /// When the holder signed.
    pub iat: i64,
    /// For whom.
    pub aud: String,
    /// For which transaction.
    pub nonce: String,
    /// Over which presentation.
    pub sd_hash: String,
}

/// Appends a KB-JWT to `sd_jwt` (which must end in `~`), signed by the holder (§4.3).
#[must_use]
pub fn sign_key_binding(
    sd_jwt: &str,
    holder: &SigningKey,
    aud: &str,
    nonce: &str,
    iat: Timestamp,
) -> String {
    let mut claims = Map::new();
    claims.insert("iat".into(), Value::from(iat.unix()));
    claims.insert("aud".into(), Value::from(aud));
    claims.insert("nonce".into(), Value::from(nonce));
    claims.insert("sd_hash".into(), Value::from(sd_hash(sd_jwt)));
    let kb = jws::sign_claims(KB_TYP, None, &claims, holder);
    format!("{sd_jwt}{kb}")
}

fn string_claim(claims: &Map<String, Value>, name: &'static str) -> Result<String, SdJwtError> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or(SdJwtError::KeyBindingClaimInvalid(name))
}

/// Checks a KB-JWT (§7.3 step 5.2–5.8).
pub(crate) fn verify(
    kb_jwt: &str,
    sd_jwt_part: &str,
    holder_key: &PublicKey,
    algs: &[Alg],
    policy: &KbPolicy,
) -> Result<KeyBindingClaims, SdJwtError> {
    let jws = CompactJws::parse(kb_jwt, 16 * 1024).map_err(SdJwtError::KeyBindingJws)?;
    jws.expect_typ(KB_TYP).map_err(SdJwtError::KeyBindingJws)?;
    let verified = jws
        .verify(holder_key, algs)
        .map_err(SdJwtError::KeyBindingJws)?;
    let claims = verified.claims().map_err(SdJwtError::KeyBindingJws)?;
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or(SdJwtError::KeyBindingClaimInvalid("iat"))?;
    let now = policy.now.unix();
    if iat > now.saturating_add(policy.leeway_secs) || iat < now.saturating_sub(policy.max_age_secs)
    {
        return Err(SdJwtError::KeyBindingIatInvalid { iat, now });
    }
    // §7.3 step 5.8: a valid JWT in all other respects (RFC 7519 §4.1.4, §4.1.5).
    let numeric = |name: &'static str| match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or(SdJwtError::KeyBindingClaimInvalid(name)),
    };
    if let Some(exp) = numeric("exp")?
        && exp.saturating_add(policy.leeway_secs) <= now
    {
        return Err(SdJwtError::KeyBindingExpired { exp, now });
    }
    if let Some(nbf) = numeric("nbf")?
        && nbf > now.saturating_add(policy.leeway_secs)
    {
        return Err(SdJwtError::KeyBindingNotYetValid { nbf, now });
    }
    let nonce = string_claim(&claims, "nonce")?;
    let aud = string_claim(&claims, "aud")?;
    let hash = string_claim(&claims, "sd_hash")?;
    if let Some(expected) = &policy.nonce
        && *expected != nonce
    {
        return Err(SdJwtError::NonceMismatch {
            expected: expected.clone(),
            found: nonce,
        });
    }
    if let Some(expected) = &policy.aud
        && *expected != aud
    {
        return Err(SdJwtError::AudienceMismatch {
            expected: expected.clone(),
            found: aud,
        });
    }
    if hash != sd_hash(sd_jwt_part) {
        return Err(SdJwtError::SdHashMismatch);
    }
    Ok(KeyBindingClaims {
        iat,
        aud,
        nonce,
        sd_hash: hash,
    })
}
